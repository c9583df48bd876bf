/**
 * Issue 14 "KPIs", end to end on the local host with the real market-data path: day-ahead
 * prices and CO2 come from a fake Energi Data Service on loopback through the backfill API
 * (real client → raw archive → curated lake → LakeMarketDataReader), a balance fixing job runs
 * over HTTP, and `GET /api/kpis/spot-cost?jobId=` answers per Danish day exactly what an
 * independent computation from the job's results API and the fake's prices gives
 * (Σ energy × price of its hour / 1000, one half-to-even rounding to 6 decimals).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { SERIES_LAKE_PATHS } from '../../shared/basis-data/parquet/lake';
import { FakeEds } from '../support/fake-market-data';
import { adminFetch } from '../support/tokens';

jest.setTimeout(240_000);

const HOUR = 3_600_000;
const PERIOD_START = '2024-03-04T23:00:00Z'; // Danish 2024-03-05, hourly Elspotprices era
const DAYS = 2;
/** EUR/MWh with two decimals and DKK/MWh, varying by hour; g/kWh per 5 minutes. */
const eur = (t: number) => Math.round(((t / HOUR) % 97) * 13.37 + 5) / 100;
const dkk = (t: number) => Math.round(eur(t) * 746) / 100;
const co2 = (t: number) => 50 + ((t / 300_000) % 60);

let dir: string;
let host: LocalHost;
let eds: FakeEds;
let jobId: string;
let gridArea: string;
let from: number;
let to: number;

async function poll<T>(url: string, done: (body: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const body = (await (await adminFetch(url)).json()) as T;
    if (done(body)) return body;
    if (i > 600) throw new Error(`${url} did not finish: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spot-cost-'));
  eds = await new FakeEds().start();
  const fromMs = Date.parse(PERIOD_START) - 2 * HOUR;
  const toMs = Date.parse(PERIOD_START) + (DAYS + 1) * 24 * HOUR;
  eds.put('Elspotprices', ['DK1', 'DK2'], fromMs, toMs, (_a, t) => ({ SpotPriceEUR: eur(t), SpotPriceDKK: dkk(t) }));
  eds.put('CO2Emis', ['DK1', 'DK2'], fromMs, toMs, (_a, t) => ({ CO2Emission: co2(t) }));
  const data = generateSynthetic({
    seed: 14,
    meteringPoints: 120,
    gridAreas: 2,
    calculationGridAreas: 1,
    days: DAYS,
    periodStart: PERIOD_START,
    calculationType: 'balance_fixing',
  });
  gridArea = data.args.gridAreas[0];
  from = data.args.periodStart;
  to = data.args.periodEnd;
  await writeSyntheticLake(join(dir, 'lake'), data);
  host = await startLocalHost({
    port: 0,
    dataDir: join(dir, 'host'),
    timers: false,
    env: { ENERGIDATASERVICE_URL: eds.url, MARKET_DATA_RETRY_BASE_MS: '1' },
  });
  await uploadLake(join(dir, 'lake'), host.basisData);
  // the grid area → price area mapping is basis data (docs: market data), not a constant
  await host.basisData.put(
    SERIES_LAKE_PATHS.gridAreaPriceAreas,
    `grid_area_code;price_area;valid_from;valid_to\n${gridArea};DK1;2000-01-01T00:00:00Z;\n`,
  );

  const day = (ms: number) => new Date(ms + HOUR).toISOString().slice(0, 10); // Danish date (CET)
  const ingest = await adminFetch(
    `${host.url}/api/market-data/ingest?source=energidataservice&from=${day(from)}&to=${day(to)}&areas=DK1`,
    { method: 'POST' },
  );
  expect(ingest.status).toBe(202);
  const { statusUrl: ingestStatus } = (await ingest.json()) as { statusUrl: string };
  const ingested = await poll<{ state: string }>(ingestStatus, (b) => b.state !== 'Running');
  expect(ingested.state).toMatch(/^(Completed|Stored)$/);

  const start = await adminFetch(`${host.url}/api/KickStartJob`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      processType: 'D04',
      beginTime: new Date(from).toISOString(),
      endTime: new Date(to).toISOString(),
      gridAreas: [gridArea],
    }),
  });
  expect(start.status).toBe(202);
  ({ jobId } = (await start.json()) as { jobId: string });
  const job = await poll<{ status: string }>(`${host.url}/api/jobs/${jobId}`, (b) =>
    ['Completed', 'Failed', 'Canceled'].includes(b.status),
  );
  expect(job.status).toBe('Completed');
});

afterAll(async () => {
  await host?.stop();
  await eds?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Exact decimal text with `dp` decimals → scaled BigInt. */
const scaled = (text: string, dp: number): bigint => {
  const [i, f = ''] = text.replace('-', '').split('.');
  const v = BigInt(i + f.padEnd(dp, '0').slice(0, dp));
  return text.startsWith('-') ? -v : v;
};
/** num / den (a value in units of 10^-6) rounded half to even, as text with 6 decimals. */
function halfEven6(num: bigint, den: bigint): string {
  let q = num / den;
  const r = num % den;
  if (2n * r > den || (2n * r === den && q % 2n !== 0n)) q += 1n;
  const s = q.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
}

test('spot-cost per Danish day from the job’s consumption results equals Σ energy × hourly price, exactly', async () => {
  // energy per quarter from the results API: grid-area level consumption of the job
  const energy = new Map<number, bigint>(); // slot start → milli-kWh
  for (const type of ['non_profiled_consumption', 'flex_consumption']) {
    let url: string | null =
      `${host.url}/api/jobs/${jobId}/results?kind=energy&type=${type}&gridArea=${gridArea}&format=json&limit=10000`;
    while (url) {
      const page = (await (await adminFetch(url)).json()) as {
        results: Array<{ aggregation_level: string; time: string; resolution: string; quantity: string }>;
        nextCursor: string | null;
      };
      for (const r of page.results.filter((x) => x.aggregation_level === 'grid_area')) {
        const t = Date.parse(r.time);
        const slots = r.resolution === 'PT1H' ? 4 : 1;
        // an hourly result counts a quarter of its energy in each of its quarters (exact in milli × 250 µ)
        for (let k = 0; k < slots; k++) {
          const micro = (scaled(r.quantity, 3) * 1000n) / BigInt(slots);
          energy.set(t + k * 900_000, (energy.get(t + k * 900_000) ?? 0n) + micro);
        }
      }
      url = page.nextCursor
        ? `${host.url}/api/jobs/${jobId}/results?kind=energy&type=${type}&gridArea=${gridArea}&format=json&limit=10000&cursor=${encodeURIComponent(page.nextCursor)}`
        : null;
    }
  }
  expect(energy.size).toBeGreaterThan(0);

  const res = await adminFetch(
    `${host.url}/api/kpis/spot-cost?gridArea=${gridArea}&jobId=${jobId}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&resolution=P1D`,
  );
  expect(res.status).toBe(200);
  const report = (await res.json()) as {
    priceArea: string;
    energySource: string;
    points: Array<Record<string, string | null | string[]>>;
  };
  expect(report).toMatchObject({ priceArea: 'DK1', energySource: 'results' });
  expect(report.points).toHaveLength(DAYS);

  for (const p of report.points) {
    const b0 = Date.parse(p.time as string);
    const b1 = b0 + 24 * HOUR;
    let e = 0n; // micro-kWh
    let costEur = 0n; // Σ micro-kWh × cents/MWh: / 1000 (MWh → kWh) → 10^-11 EUR
    let costDkk = 0n;
    let co2g = 0n; // Σ micro-kWh × (sum of the quarter's three g/kWh): / 3 / 1000 (g → kg) → 10^-9 kg
    for (const [t, micro] of energy) {
      if (t < b0 || t >= b1) continue;
      const hour = t - (t % HOUR);
      e += micro;
      costEur += micro * BigInt(Math.round(eur(hour) * 100));
      costDkk += micro * BigInt(Math.round(dkk(hour) * 100));
      // three 5-minute intensities in the quarter: the quarter's value is their mean
      const c = co2(t) + co2(t + 300_000) + co2(t + 600_000);
      co2g += micro * BigInt(c);
    }
    expect(p.energy_kwh).toBe(halfEven6(e, 1n));
    expect(p.cost_eur).toBe(halfEven6(costEur, 100_000n)); // 10^-11 → 10^-6
    expect(p.cost_dkk).toBe(halfEven6(costDkk, 100_000n));
    expect(p.co2_kg).toBe(halfEven6(co2g, 3_000n)); // 10^-9 / 3 → 10^-6
    expect(p.missing ?? []).toEqual([]);
  }
});
