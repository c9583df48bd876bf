/**
 * `npm run screenshots`: PNGs of the settlement console's main views (issue 17) for the README,
 * into docs/screenshots/ — the job list, the start form showing the API's issues, a job page
 * with its charts, the compare view (when the calculation diff route exists) and the job list
 * at a phone's width. Runs its own local host with the browser tests' small data set (2 grid
 * areas, 1 day) and Debian's Chromium (CHROMIUM_PATH to use another).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { correctReadings, launchChromium, PERIOD, runJob, startConsoleHost } from '../test/support/console-host';
import { adminFetch, adminToken } from '../test/support/tokens';

const ROOT = resolve(__dirname, '..');

// the page's globals the functions run in the browser use (this file compiles without the DOM library)
declare const sessionStorage: { setItem(key: string, value: string): void };
declare const document: {
  getElementById(id: string): { scrollIntoView(options: { block: 'start' }): void } | null;
};

/** Scrolls the charts' heading to the top of the window (the job's facts are above them). */
const toCharts = (page: Page) =>
  page.evaluate(() => document.getElementById('charts-h')?.scrollIntoView({ block: 'start' }));
const OUT = join(ROOT, 'docs', 'screenshots');

async function signedIn(context: BrowserContext): Promise<Page> {
  const token = await adminToken();
  // the page keeps its token in sessionStorage (the sign-in form writes it there)
  await context.addInitScript((t) => sessionStorage.setItem('settlement-console.token', t), token);
  return context.newPage();
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  console.log(`  ${relative(ROOT, file)} (${Math.round(statSync(file).size / 1024)} KB)`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  console.log('starting a local host with 2 grid areas × 1 day, and Chromium …');
  const [c, browser] = await Promise.all([startConsoleHost(), launchChromium()]);
  try {
    const a = await runJob(c.host, c.data);
    await correctReadings(c.host, c.data);
    const b = await runJob(c.host, c.data);
    console.log(`jobs ${a.id} and ${b.id} (after a late correction); screenshots:`);

    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signedIn(desktop);
    const base = c.consoleUrl;

    await page.goto(`${base}#/jobs`);
    await page.locator('tr[data-job-status="Completed"]').first().waitFor();
    await shot(page, 'jobs');

    await page.goto(`${base}#/start`);
    await page.getByLabel('Period start').fill(PERIOD.begin);
    await page.getByLabel('Period end (exclusive)').fill('2024-03-15');
    await page.getByLabel('Grid areas').fill('800,999');
    await page.getByRole('button', { name: 'Start calculation' }).click();
    await page.locator('.field-error:not([hidden])').first().waitFor();
    await shot(page, 'start-form-error');

    await page.goto(`${base}#/jobs/${b.id}`);
    await page.locator('.charts[data-loaded] figure').first().waitFor();
    await page.locator('[data-basis]').waitFor();
    await toCharts(page);
    await shot(page, 'job');

    const openapi = (await (await adminFetch(`${c.host.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    if (Object.keys(openapi.paths).some((p) => /^\/api\/jobs\/\{\w+\}\/diff\/\{\w+\}$/.test(p))) {
      await page.goto(`${base}#/compare?a=${a.id}&b=${b.id}`);
      await page.locator('[data-diff-summary]').waitFor();
      await page.waitForTimeout(300);
      await shot(page, 'compare', true);
    } else console.log('  compare: skipped (this host has no GET /api/jobs/{a}/diff/{b})');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const small = await signedIn(phone);
    await small.goto(`${base}#/jobs/${b.id}`);
    await small.locator('.charts[data-loaded] figure').first().waitFor();
    await toCharts(small);
    await shot(small, 'job-phone');
  } finally {
    await browser.close();
    await c.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
