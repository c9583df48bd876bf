/**
 * The settlement console's browser tests and `npm run screenshots` (issue 17): a local host with
 * a small lake (2 grid areas, 1 day), headless Chromium (Debian's `chromium`, driven by
 * playwright-core) and helpers to run and correct jobs through the public API.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, PERIOD_COLUMNS, type SyntheticData } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { adminFetch } from './tokens';

/** The browser: CHROMIUM_PATH, else Debian's package (installed by .ci/run). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y --no-install-recommends chromium, as .ci/run does) or set CHROMIUM_PATH`,
    );
  // Chromium's sandbox needs user namespaces, which CI containers (running as root) lack
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

export const PERIOD = { begin: '2024-02-01', end: '2024-02-02' } as const;

export interface ConsoleHost {
  host: LocalHost;
  data: SyntheticData;
  /** The page: `${url}/api/console/`. */
  consoleUrl: string;
  stop(): Promise<void>;
}

export async function startConsoleHost(opts: { log?: (s: string) => void } = {}): Promise<ConsoleHost> {
  const dir = mkdtempSync(join(tmpdir(), 'console-'));
  const data = generateSynthetic({
    seed: 17,
    meteringPoints: 60,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 1,
    periodStart: '2024-01-31T23:00:00Z',
  });
  await writeSyntheticLake(join(dir, 'lake'), data);
  const host = await startLocalHost({
    port: 0,
    dataDir: join(dir, 'host'),
    timers: false,
    // the result senders are not what the console shows; without them the jobs are all the work
    serviceBusTriggers: false,
    log: opts.log ?? (() => {}),
  });
  try {
    await uploadLake(join(dir, 'lake'), host.basisData);
  } catch (e) {
    await host.stop();
    throw e;
  }
  return {
    host,
    data,
    consoleUrl: `${host.url}/api/console/`,
    async stop() {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface JobView {
  id: string;
  status: string;
  asOf: string;
}

/** Waits for a job to end (Completed, Failed or Canceled). */
export async function waitForJob(host: LocalHost, jobId: string, timeoutMs = 90_000): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = (await (await adminFetch(`${host.url}/api/jobs/${jobId}`)).json()) as JobView;
    if (['Completed', 'Failed', 'Canceled'].includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts a balance fixing of the whole period over the API and waits for it. */
export async function runJob(host: LocalHost, data: SyntheticData): Promise<JobView> {
  const res = await adminFetch(`${host.url}/api/KickStartJob`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      processType: 'D04',
      beginTime: PERIOD.begin,
      endTime: PERIOD.end,
      gridAreas: data.args.gridAreas,
    }),
  });
  if (res.status !== 202) throw new Error(`KickStartJob: ${res.status} ${await res.text()}`);
  const { jobId } = (await res.json()) as { jobId: string };
  return waitForJob(host, jobId);
}

/**
 * A late correction: new readings (7.5 kWh per slot) for one non-profiled consumption metering
 * point of the first grid area, ingested over POST /api/time-series. A job started afterwards
 * sees them (newer registration), one started before does not: what the compare view shows.
 * Returns the metering point.
 */
export async function correctReadings(host: LocalHost, data: SyntheticData): Promise<string> {
  const col = (c: (typeof PERIOD_COLUMNS)[number]) => PERIOD_COLUMNS.indexOf(c);
  const mp = data.periods.find(
    (p) =>
      p[col('type')] === 'E17' &&
      p[col('settlement_method')] === 'E02' &&
      p[col('grid_area_code')] === data.args.gridAreas[0] &&
      p[col('energy_supplier_id')] !== '',
  );
  if (!mp) throw new Error('the synthetic data has no non-profiled consumption metering point');
  const resolution = mp[col('resolution')];
  const step = resolution === 'PT15M' ? 900_000 : 3_600_000;
  const lines: string[] = [];
  for (let t = data.args.periodStart; t < data.args.periodEnd; t += step)
    lines.push(
      JSON.stringify({
        metering_point_id: mp[col('metering_point_id')],
        quantity: '7.500',
        quality: 'measured',
        observation_time: new Date(t).toISOString(),
        resolution,
      }),
    );
  const res = await adminFetch(`${host.url}/api/time-series`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: lines.join('\n') + '\n',
  });
  if (res.status !== 200) throw new Error(`POST /api/time-series: ${res.status} ${await res.text()}`);
  return mp[col('metering_point_id')];
}
