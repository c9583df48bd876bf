/**
 * The hourly market data timer end to end: the real clients against fake EDS and SMARD servers
 * on loopback, into the market data container on Azurite, read back through the
 * MarketDataReader the app's deps expose. Raw archive, Parquet schema, idempotent re-fetch,
 * revisions (latest wins, the old value readable as of its fetch time), one source down.
 */
import { createHash } from 'node:crypto';
import { InvocationContext, type Timer } from '@azure/functions';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { marketDataTimerHandler } from '../../functions/timers/market-data';
import type { AppDeps } from '../../functions/deps';
import { localMidnight } from '../../shared/domain/local-time';
import { formatMicro } from '../../shared/market-data/decimal6';
import { COMPACT_AT_FILES } from '../../shared/market-data/market-data-lake';
import type { RawArchiveEntry } from '../../shared/market-data/raw-archive';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { FakeEds, FakeSmard } from '../support/fake-market-data';
import { startAzurite, testDeps, testInfra, testSettings, type TestInfra } from '../support/local-infra';
import type { AzuriteInstance } from '../../local/azurite';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const eurMicro = (area: string, t: number) => ((t / HOUR) % 400) * 1_250_001 - 80_000_000 + (area === 'DK2' ? 11 : 0);
const num = (micro: number) => micro / 1e6;

let az: AzuriteInstance;
let infra: TestInfra;
let eds: FakeEds;
let smard: FakeSmard;
let store: AzureBlobStore;
let deps: AppDeps;
let now = Date.UTC(2024, 9, 27, 12); // the autumn DST day, 13:00 CET
let logs: string[];
let counter = 0;

beforeAll(async () => {
  az = await startAzurite();
}, 30_000);
afterAll(async () => {
  await az.stop();
});

beforeEach(async () => {
  now = Date.UTC(2024, 9, 27, 12);
  infra = await testInfra(az);
  store = AzureBlobStore.fromConnectionString(az.connectionString, `market-${process.pid}-${++counter}`);
  await store.ensureContainer();
  eds = await new FakeEds().start();
  smard = await new FakeSmard().start();
  deps = testDeps(infra, {
    settings: testSettings(az.connectionString, {
      ENERGIDATASERVICE_URL: eds.url,
      SMARD_URL: smard.url,
      MARKET_DATA_RETRY_BASE_MS: '1',
      SMARD_PAUSE_MS: '0',
      MARKET_DATA_TIMER_SOURCES: JSON.stringify([
        { source: 'energidataservice', areas: ['DK1', 'DK2'] },
        { source: 'smard', areas: ['DE-LU'] },
      ]),
    }),
    marketData: store,
    clock: () => new Date(now),
    orchestrationClient: () => {
      throw new Error('the timer starts no orchestration');
    },
  });
  // day-ahead prices up to the end of tomorrow (published ~13:00), CO2 up to now
  eds.put('Elspotprices', ['DK1', 'DK2'], Date.UTC(2024, 9, 20), localMidnight(2024, 10, 29), (a, t) => ({
    SpotPriceEUR: num(eurMicro(a, t)),
    SpotPriceDKK: num(eurMicro(a, t) * 7 + 4),
  }));
  eds.put('CO2Emis', ['DK1', 'DK2'], Date.UTC(2024, 9, 20), now, (a, t) => ({
    CO2Emission: a === 'DK1' ? 120 + (t % 7) : 88.5,
  }));
  smard.put(4169, 'DE-LU', 'hour', Date.UTC(2024, 9, 1), localMidnight(2024, 10, 29), (t) => ((t / HOUR) % 300) + 0.01);
});

afterEach(async () => {
  await eds.stop();
  await smard.stop();
  await infra.stop();
});

async function tick(): Promise<void> {
  logs = [];
  const ctx = new InvocationContext({
    functionName: 'MarketDataIngestion',
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
  await marketDataTimerHandler(deps)({} as Timer, ctx);
}

const day27 = { fromMs: localMidnight(2024, 10, 27), toMs: localMidnight(2024, 10, 28) };

test('one tick stores EDS prices (EUR and DKK), CO2 and SMARD prices; the reader returns them exactly, one value per interval', async () => {
  await tick();
  expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  const dk1 = await deps.marketData.read({ kind: 'day_ahead_price', area: 'DK1', unit: 'EUR/MWh', ...day27 });
  expect(dk1.source).toBe('energidataservice');
  expect(dk1.startMs).toHaveLength(25);
  expect(new Set(dk1.minutes)).toEqual(new Set([60]));
  expect(new Date(dk1.startMs[0]).toISOString()).toBe('2024-10-26T22:00:00.000Z');
  dk1.startMs.forEach((t, i) => expect(dk1.value[i]).toBe(BigInt(eurMicro('DK1', t))));
  const dkk = await deps.marketData.read({ kind: 'day_ahead_price', area: 'DK2', unit: 'DKK/MWh', ...day27 });
  expect(formatMicro(dkk.value[0])).toBe(formatMicro(BigInt(eurMicro('DK2', day27.fromMs) * 7 + 4)));
  // tomorrow's prices too; CO2 until now
  const tomorrow = await deps.marketData.read({
    kind: 'day_ahead_price',
    area: 'DK1',
    unit: 'EUR/MWh',
    fromMs: localMidnight(2024, 10, 28),
    toMs: localMidnight(2024, 10, 29),
  });
  expect(tomorrow.startMs).toHaveLength(24);
  const co2 = await deps.marketData.read({ kind: 'co2_intensity', area: 'DK2', unit: 'g/kWh', ...day27 });
  expect(co2.startMs).toHaveLength((now - day27.fromMs) / 300_000);
  expect(new Set(co2.minutes)).toEqual(new Set([5]));
  expect(formatMicro(co2.value[0])).toBe('88.5');
  const de = await deps.marketData.read({ kind: 'day_ahead_price', area: 'DE-LU', unit: 'EUR/MWh', ...day27 });
  expect(de.source).toBe('smard');
  expect(de.startMs).toHaveLength(25);
  expect(formatMicro(de.value[0])).toBe(String(((day27.fromMs / HOUR) % 300) + 0.01));
  // sorted, unique
  for (const s of [dk1, co2, de])
    for (let i = 1; i < s.startMs.length; i++) expect(s.startMs[i]).toBeGreaterThan(s.startMs[i - 1]);
});

test('every response is archived as received (URL, fetch time, sha256) and the curated files have the documented schema', async () => {
  await tick();
  const raw = await store.list('raw/');
  const metas = raw.filter((p) => p.endsWith('.meta.json'));
  expect(metas.length).toBe(eds.requests.length + smard.requests.length);
  for (const m of metas) {
    const meta = JSON.parse((await store.get(m))!.toString()) as RawArchiveEntry;
    const body = (await store.get(meta.body))!;
    expect(createHash('sha256').update(body).digest('hex')).toBe(meta.sha256);
    expect(meta.fetchedAt).toBe(new Date(now).toISOString());
    expect(m).toMatch(/^raw\/(energidataservice|smard)\/day=2024-10-27\/\d{9}-[0-9a-f]{16}\.meta\.json$/);
    expect(meta.url.startsWith(eds.url) || meta.url.startsWith(smard.url)).toBe(true);
  }
  const curated = (await store.list('curated/')).filter((p) => p.endsWith('.parquet'));
  expect(curated).toContain(
    curated.find((p) =>
      p.startsWith('curated/market_data/kind=day_ahead_price/source=energidataservice/area=DK1/month=2024-10/'),
    ),
  );
  const dk1File = curated.find((p) => p.includes('kind=day_ahead_price/source=energidataservice/area=DK1/'))!;
  const table = arrow.tableFromIPC(pw.readParquet((await store.get(dk1File))!).intoIPCStream());
  expect(table.schema.fields.map((f) => f.name)).toEqual([
    'source',
    'area',
    'interval_start_utc',
    'interval_minutes',
    'value',
    'unit',
    'fetched_at',
  ]);
  const value = table.schema.fields[4].type as arrow.Decimal;
  expect([value.precision, value.scale]).toEqual([18, 6]);
  expect(new Set(table.getChild('unit')!.toArray() as string[])).toEqual(new Set(['EUR/MWh', 'DKK/MWh']));
});

test('re-fetching unchanged data stores nothing; a revised value replaces the old one, which stays readable as of its fetch time', async () => {
  await tick();
  const firstFetch = now;
  const before = await store.list('curated/');
  now += HOUR;
  await tick();
  expect(await store.list('curated/')).toEqual(before);
  expect(logs.join('\n')).toMatch(/energidataservice DK1,DK2: \d+ rows, 0 stored/);
  // EDS revises one hour of DK1 (EUR only), SMARD one hour of DE-LU
  const revised = day27.fromMs + 5 * HOUR;
  eds.put('Elspotprices', ['DK1'], revised, revised + HOUR, (a, t) => ({
    SpotPriceEUR: 1234.567891,
    SpotPriceDKK: num(eurMicro(a, t) * 7 + 4),
  }));
  smard.put(4169, 'DE-LU', 'hour', revised, revised + HOUR, () => -5.5);
  now += HOUR;
  const secondFetch = now;
  await tick();
  expect(logs.join('\n')).toMatch(/energidataservice DK1,DK2: \d+ rows, 1 stored/);
  const q = { kind: 'day_ahead_price' as const, area: 'DK1', unit: 'EUR/MWh', ...day27 };
  const latest = await deps.marketData.read(q);
  expect(latest.startMs).toHaveLength(25);
  expect(formatMicro(latest.value[5])).toBe('1234.567891');
  const old = await deps.marketData.read({ ...q, asOfMs: secondFetch - 1 });
  expect(old.value[5]).toBe(BigInt(eurMicro('DK1', revised)));
  expect((await deps.marketData.read({ ...q, asOfMs: firstFetch - 1 })).startMs).toHaveLength(0);
  const dkk = await deps.marketData.read({ ...q, unit: 'DKK/MWh' });
  expect(dkk.value[5]).toBe(BigInt(eurMicro('DK1', revised) * 7 + 4)); // the other unit was not revised
  const de = await deps.marketData.read({ ...q, area: 'DE-LU' });
  expect(formatMicro(de.value[5])).toBe('-5.5');
  expect(formatMicro((await deps.marketData.read({ ...q, area: 'DE-LU', asOfMs: firstFetch })).value[5])).not.toBe(
    '-5.5',
  );
});

test('many revisions: a partition is compacted, every version still readable as of its time', async () => {
  const q = { kind: 'day_ahead_price' as const, area: 'DE-LU', unit: 'EUR/MWh', ...day27 };
  deps.settings.marketData.timerSources = [{ source: 'smard', areas: ['DE-LU'] }];
  const times: number[] = [];
  for (let v = 0; v < COMPACT_AT_FILES + 3; v++) {
    smard.put(4169, 'DE-LU', 'hour', day27.fromMs, day27.fromMs + HOUR, () => 100 + v);
    now += HOUR;
    times.push(now);
    await tick();
  }
  const files = (await store.list('curated/market_data/kind=day_ahead_price/source=smard/area=DE-LU/month=2024-10/'))
    .length;
  expect(files).toBeLessThanOrEqual(COMPACT_AT_FILES);
  for (let v = 0; v < times.length; v++)
    expect(formatMicro((await deps.marketData.read({ ...q, asOfMs: times[v] })).value[0])).toBe(String(100 + v));
});

test('a source that is down is logged and the others are still stored; the tick itself succeeds', async () => {
  for (let i = 0; i < 10; i++) eds.fail('/dataset/', 503);
  await tick();
  expect(logs.filter((l) => l.startsWith('error'))).toEqual([
    expect.stringMatching(
      new RegExp(
        `^error: market data energidataservice: GET ${eds.url}/dataset/Elspotprices\\?.*HTTP 503 \\(after 5 attempts\\)`,
      ),
    ),
  ]);
  expect(
    (await deps.marketData.read({ kind: 'day_ahead_price', area: 'DK1', unit: 'EUR/MWh', ...day27 })).startMs,
  ).toHaveLength(0);
  expect(
    (await deps.marketData.read({ kind: 'day_ahead_price', area: 'DE-LU', unit: 'EUR/MWh', ...day27 })).startMs,
  ).toHaveLength(25);
});
