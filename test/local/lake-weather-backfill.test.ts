/**
 * The 15-year weather backfill (issue 15, Case 2) over the app's HTTP handlers and the local
 * Durable runtime, against a loopback Open-Meteo archive (its JSON shape, nulls, 5xx faults):
 * POST → 202 + status URL → region × year chunks with bounded concurrency → one curated Parquet
 * per year with the expected rows and values; a repeated request is answered from the ledger; a
 * chunk that keeps failing is reported without losing the others and is the only one fetched by
 * the next request; a host crash mid-backfill resumes on another host over the same history
 * table with no stored chunk fetched again and no row written twice.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import type { AzuriteInstance } from '../../local/azurite';
import { devAuthenticator } from '../../local/dev-issuer';
import {
  LocalDurableRuntime,
  MemoryHistoryStore,
  TableHistoryStore,
  type HistoryStore,
} from '../../local/durable/runtime';
import { LocalRegistry } from '../../local/registry';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { InvariantError } from '../../shared/domain/errors';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { parquetToTable } from '../../shared/lake/records';
import { decimalTexts } from '../../shared/lake/weather/weather-ingestion';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { FakeOpenMeteoArchive, defaultDailyValue } from '../support/fake-open-meteo-archive';
import { startAzurite } from '../support/local-infra';
import { bearer, tokenFor } from '../support/tokens';

jest.setTimeout(90_000);

const REGIONS = [
  { id: 'r-north', name: 'North', latitude: 57, longitude: 10 },
  { id: 'r-mid', name: 'Mid', latitude: 56, longitude: 9.5 },
  { id: 'r-south', name: 'South', latitude: 55, longitude: 12 },
];
const key = (region: (typeof REGIONS)[number], start: string) =>
  FakeOpenMeteoArchive.key(region.latitude, region.longitude, start);
const regionsFile = join(mkdtempSync(join(tmpdir(), 'wx-regions-')), 'regions.json');
writeFileSync(regionsFile, JSON.stringify({ regions: REGIONS }));

let archive: FakeOpenMeteoArchive;
const runtimes: LocalDurableRuntime[] = [];
beforeEach(async () => {
  archive = await new FakeOpenMeteoArchive().start();
  // hand-set values for one place and day (the rest: the fake's deterministic default)
  archive.value = (lat, lon, day, v) => {
    if (lat === 57 && day === '2011-03-05')
      return (
        {
          temperature_2m_mean: -3.4,
          temperature_2m_max: 1.2,
          temperature_2m_min: -7.9,
          precipitation_sum: null,
          wind_speed_10m_max: 27.3,
        } as Record<string, number | null>
      )[v];
    return defaultDailyValue(lat, lon, day, v);
  };
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await archive.stop();
});

interface App {
  deps: AppDeps;
  runtime: LocalDurableRuntime;
  post(query: string, token?: string): Promise<HttpResponseInit>;
  get(id: string): Promise<HttpResponseInit>;
}

/** The app's functions on a local durable runtime over `history`, writing to `lake` (a "host"). */
function host(lake: MemoryBlobStore, history: HistoryStore, env: Record<string, string> = {}): App {
  const runtime = new LocalDurableRuntime({ store: history, maxConcurrentActivities: 8 });
  runtimes.push(runtime);
  const deps = buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
      MARKET_DATA_TIMER_SOURCES: '[]',
      WEATHER_REGIONS_FILE: regionsFile,
      OPEN_METEO_ARCHIVE_URL: archive.url,
      WEATHER_BACKFILL_RETRY_BASE_MS: '1',
      ...env,
    }),
    basisData: new MemoryBlobStore('basis'),
    results: new MemoryBlobStore('results'),
    jobs: new MemoryJobStore(),
    messages: new MemoryBlobStore('messages'),
    exports: new MemoryBlobStore('exports'),
    marketData: new MemoryBlobStore('market'),
    catalog: new MemoryBlobStore('catalog'),
    lake,
    bus: () => {
      throw new InvariantError('no Service Bus in this test');
    },
    integrationEvents: new MemoryIntegrationEventStore(),
    publishCompleted: () => Promise.resolve(),
    orchestrationClient: () => ({
      start: async (name, instanceId, input) => {
        await runtime.startNew(name, { instanceId, input });
      },
      terminate: (id, reason) => runtime.terminate(id, reason),
    }),
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    clock: () => new Date('2026-06-01T08:00:00Z'),
  });
  const registry = new LocalRegistry();
  registerFunctions(registry, deps);
  for (const [n, h] of registry.orchestrations) runtime.registerOrchestrator(n, h);
  for (const [n, h] of registry.activities) runtime.registerActivity(n, h);
  const route = (name: string) => registry.routes.find((r) => r.name === name)!.handler;
  const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
  return {
    deps,
    runtime,
    post: async (query, token) =>
      route('StartLakeBackfill')(
        new HttpRequest({
          method: 'POST',
          url: `http://localhost:7071/api/lake/backfills?${query}`,
          headers: await bearer(token),
        }),
        ctx(),
      ),
    get: async (id) =>
      route('LakeBackfillStatus')(
        new HttpRequest({
          method: 'GET',
          url: `http://localhost:7071/api/lake/backfills/${encodeURIComponent(id)}`,
          params: { id },
          headers: await bearer(),
        }),
        ctx(),
      ),
  };
}

type Body = Record<string, unknown> & {
  id: string;
  state: string;
  statusUrl: string;
  coverage: { chunks: number; stored: number };
  result?: {
    chunks: number;
    skipped: number;
    fetched: number;
    failed: Array<{ key: string; error: string }>;
    years: Array<{ year: number; rows: number; regions: number; missing: string[] }>;
  };
};
const body = (r: HttpResponseInit) => r.jsonBody as Body;

interface Row {
  region: string;
  date: string;
  temperature_2m_mean: string | null;
  temperature_2m_max: string | null;
  temperature_2m_min: string | null;
  precipitation_sum: string | null;
  wind_speed_10m_max: string | null;
}

/** The curated year's rows, read through its pointer (as every reader must). */
async function yearRows(app: App, year: number): Promise<Row[]> {
  const read = await app.deps.lake.partitions.read(`curated/weather_daily/year=${year}`);
  if (!read) return [];
  expect([...read.files.keys()]).toEqual(['part-0.parquet']);
  const t = parquetToTable(read.files.get('part-0.parquet')!);
  const region = t.getChild('region')!.toArray() as string[];
  const date = t.getChild('date')!.toArray() as string[];
  const vars = [
    'temperature_2m_mean',
    'temperature_2m_max',
    'temperature_2m_min',
    'precipitation_sum',
    'wind_speed_10m_max',
  ] as const;
  const cols = Object.fromEntries(vars.map((v) => [v, decimalTexts(t.getChild(v), 3, v)]));
  return region.map((r, i) => ({
    region: r,
    date: date[i],
    ...(Object.fromEntries(vars.map((v) => [v, cols[v][i]])) as Omit<Row, 'region' | 'date'>),
  }));
}

const chunkRequests = (a: FakeOpenMeteoArchive) => a.requests.filter((r) => r.startsWith('/v1/archive'));

test('3 regions × 3 years: 202 + status URL, at most WEATHER_BACKFILL_MAX_PARALLEL requests in flight, a 503 retried, one Parquet per year with the archive values; a repeated request is answered from the ledger', async () => {
  const lake = new MemoryBlobStore('lake');
  const app = host(lake, new MemoryHistoryStore(), { WEATHER_BACKFILL_MAX_PARALLEL: '2' });
  archive.latencyMs = 40; // requests overlap: the bound is what keeps them at 2
  archive.fail(key(REGIONS[1], '2011-01-01'), 503); // once, then the answer
  const started = await app.post('dataset=weather_daily&from=2010-06-01&to=2012-12-31');
  expect(started.status).toBe(202);
  const b = body(started);
  expect(b).toMatchObject({
    dataset: 'weather_daily',
    from: '2010-06-01',
    to: '2012-12-31',
    regions: ['r-north', 'r-mid', 'r-south'],
    state: 'Running',
    coverage: { chunks: 9, stored: 0 },
  });
  expect(b.id).toMatch(/^weather_daily-2010-06-01-2012-12-31-[0-9a-f]{8}$/);
  expect(b.statusUrl).toBe(`http://localhost:7071/api/lake/backfills/${b.id}`);
  expect((started.headers as Record<string, string>).location).toBe(b.statusUrl);
  expect((await app.runtime.waitForCompletion(b.id, 60_000)).runtimeStatus).toBe('Completed');

  const done = await app.get(b.id);
  expect(done.status).toBe(200);
  expect(body(done)).toMatchObject({
    state: 'Completed',
    coverage: { chunks: 9, stored: 9 },
    result: {
      chunks: 9,
      skipped: 0,
      fetched: 9,
      failed: [],
      years: [
        { year: 2010, rows: 3 * 214, regions: 3, missing: [] },
        { year: 2011, rows: 3 * 365, regions: 3, missing: [] },
        { year: 2012, rows: 3 * 366, regions: 3, missing: [] },
      ],
    },
  });
  expect(archive.maxInFlight).toBe(2);
  // one request per region-year, the clipped first year included, plus the retried 503
  const reqs = chunkRequests(archive);
  expect(reqs).toHaveLength(10);
  expect(reqs.filter((r) => r.includes('latitude=56&') && r.includes('start_date=2011-01-01'))).toHaveLength(2);
  expect(reqs[0]).toBe(
    '/v1/archive?latitude=57&longitude=10&start_date=2010-06-01&end_date=2010-12-31' +
      '&daily=temperature_2m_mean,temperature_2m_max,temperature_2m_min,precipitation_sum,wind_speed_10m_max&timezone=GMT',
  );

  // few large files: one Parquet per year, whatever the number of requests and days
  const curated = (await lake.list('curated/weather_daily/')).filter((p) => p.endsWith('.parquet'));
  expect(curated.map((p) => p.replace(/v=[0-9a-f]+\//, ''))).toEqual([
    'curated/weather_daily/year=2010/part-0.parquet',
    'curated/weather_daily/year=2011/part-0.parquet',
    'curated/weather_daily/year=2012/part-0.parquet',
  ]);
  const y2011 = await yearRows(app, 2011);
  expect(y2011).toHaveLength(1095);
  expect(new Set(y2011.map((r) => `${r.region}|${r.date}`)).size).toBe(1095);
  expect(y2011.find((r) => r.region === 'r-north' && r.date === '2011-03-05')).toEqual({
    region: 'r-north',
    date: '2011-03-05',
    temperature_2m_mean: '-3.400',
    temperature_2m_max: '1.200',
    temperature_2m_min: '-7.900',
    precipitation_sum: null, // the archive's null stays null, not 0
    wind_speed_10m_max: '27.300',
  });
  // the region whose first answer was a 503, its values arrived: the fake's default for lat 56, lon 9.5
  // on day 15038 (2011-03-05): seed = round(560 + 66.5 + 15038) = 15665; mean = (15665 % 301 − 80) / 10
  // = (13 − 80) / 10 = −6.7, max = mean + 4.2, min = mean − 3.1, precipitation 15665 % 53 / 10,
  // wind 5 + (15665 % 211) / 10 = 5 + 5.1
  expect(y2011.find((r) => r.region === 'r-mid' && r.date === '2011-03-05')).toMatchObject({
    temperature_2m_mean: '-6.700',
    temperature_2m_max: '-2.500',
    temperature_2m_min: '-9.800',
    precipitation_sum: '3.000',
    wind_speed_10m_max: '10.100',
  });
  const y2010 = await yearRows(app, 2010);
  expect(y2010.filter((r) => r.region === 'r-south').map((r) => r.date)[0]).toBe('2010-06-01');
  expect(y2010.filter((r) => r.region === 'r-south').at(-1)?.date).toBe('2010-12-31');

  // the same request again: every chunk is in the ledger, nothing is fetched or started
  const again = await app.post('dataset=weather_daily&from=2010-06-01&to=2012-12-31');
  expect(again.status).toBe(200);
  expect(body(again)).toMatchObject({ id: b.id, state: 'Stored', coverage: { chunks: 9, stored: 9 } });
  const part = await app.post('dataset=weather_daily&from=2011-02-01&to=2011-03-31');
  expect(body(part)).toMatchObject({ state: 'Stored', coverage: { chunks: 3, stored: 3 } });
  expect(chunkRequests(archive)).toHaveLength(10);
});

test('a chunk that keeps failing is reported, the finished ones stay stored, and the next request fetches only it', async () => {
  const lake = new MemoryBlobStore('lake');
  const app = host(lake, new MemoryHistoryStore(), { WEATHER_BACKFILL_MAX_PARALLEL: '3' });
  archive.fail(key(REGIONS[1], '2011-01-01'), 500, 100);
  const started = await app.post('dataset=weather_daily&from=2011-01-01&to=2012-12-31');
  const id = body(started).id;
  await app.runtime.waitForCompletion(id, 60_000);
  const first = body(await app.get(id));
  expect(first).toMatchObject({
    state: 'CompletedWithErrors',
    coverage: { chunks: 6, stored: 5 },
    result: {
      chunks: 6,
      fetched: 5,
      failed: [{ key: 'r-mid/2011-01-01_2011-12-31' }],
      years: [
        { year: 2011, rows: 2 * 365, regions: 2, missing: ['r-mid'] },
        { year: 2012, rows: 3 * 366, regions: 3, missing: [] },
      ],
    },
  });
  expect(first.result!.failed[0].error).toContain(
    `${archive.url}/v1/archive?latitude=56&longitude=9.5&start_date=2011-01-01`,
  );
  expect(first.result!.failed[0].error).toContain('HTTP 500');
  expect((await yearRows(app, 2011)).map((r) => r.region).filter((r) => r === 'r-mid')).toEqual([]);

  archive.requests.length = 0;
  archive.clearFaults(); // the archive recovered
  const retry = await app.post('dataset=weather_daily&from=2011-01-01&to=2012-12-31');
  expect(retry.status).toBe(202);
  expect(body(retry).id).toBe(id);
  await app.runtime.waitForCompletion(id, 60_000);
  expect(body(await app.get(id))).toMatchObject({
    state: 'Completed',
    coverage: { stored: 6 },
    result: {
      chunks: 6,
      skipped: 5,
      fetched: 1,
      failed: [],
      years: [
        { year: 2011, rows: 1095, missing: [] },
        { year: 2012, rows: 1098 },
      ],
    },
  });
  expect(chunkRequests(archive)).toEqual([
    expect.stringContaining('/v1/archive?latitude=56&longitude=9.5&start_date=2011-01-01&end_date=2011-12-31'),
  ]);
  const y2011 = await yearRows(app, 2011);
  expect(y2011).toHaveLength(1095);
  expect(new Set(y2011.map((r) => `${r.region}|${r.date}`)).size).toBe(1095);
});

describe('on the durable history table (Azurite)', () => {
  let az: AzuriteInstance;
  beforeAll(async () => {
    az = await startAzurite();
  }, 30_000);
  afterAll(async () => {
    await az.stop();
  });

  test('a host crash mid-backfill: another host over the same history resumes, fetches no stored chunk again and writes no row twice', async () => {
    const lake = new MemoryBlobStore('lake');
    const table = `WeatherBackfill${process.pid}`;
    const env = { WEATHER_BACKFILL_MAX_PARALLEL: '1' };
    const app1 = host(lake, await TableHistoryStore.fromConnectionString(az.connectionString, table), env);
    const stuck = key(REGIONS[1], '2011-01-01'); // the 5th chunk of 9
    archive.delay(stuck, 3_000);
    const started = await app1.post('dataset=weather_daily&from=2010-01-01&to=2012-12-31');
    const id = body(started).id;
    const deadline = Date.now() + 30_000;
    while (!chunkRequests(archive).some((r) => r.includes('latitude=56&') && r.includes('start_date=2011'))) {
      if (Date.now() > deadline) throw new Error('the fifth chunk never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    await app1.runtime.stop(); // the host dies while the fifth chunk is being fetched
    const before = chunkRequests(archive);
    expect(before).toHaveLength(5);
    // year 2010 was complete before the crash: its file is already there
    expect((await yearRows(app1, 2010)).length).toBe(3 * 365);

    archive.delay(stuck, 0);
    const app2 = host(lake, await TableHistoryStore.fromConnectionString(az.connectionString, table), env);
    await app2.runtime.resumeAll();
    expect((await app2.runtime.waitForCompletion(id, 60_000)).runtimeStatus).toBe('Completed');
    expect(body(await app2.get(id))).toMatchObject({
      state: 'Completed',
      coverage: { chunks: 9, stored: 9 },
      result: { chunks: 9, failed: [] },
    });
    const all = chunkRequests(archive);
    // the four chunks stored before the crash are not fetched again; the interrupted one is
    for (const r of before.slice(0, 4)) expect(all.filter((x) => x === r)).toHaveLength(1);
    expect(new Set(all).size).toBe(9);
    for (const [year, days] of [
      [2010, 365],
      [2011, 365],
      [2012, 366],
    ]) {
      const rows = await yearRows(app2, year);
      expect(rows).toHaveLength(3 * days);
      expect(new Set(rows.map((r) => `${r.region}|${r.date}`)).size).toBe(3 * days);
    }
    expect((await lake.list('curated/weather_daily/')).filter((p) => p.endsWith('.parquet'))).toHaveLength(3);
  });
});

test('only administrators may backfill; bad queries are 400 naming the parameter; an unknown id is 404', async () => {
  const app = host(new MemoryBlobStore('lake'), new MemoryHistoryStore());
  expect(
    (
      await app.post(
        'dataset=weather_daily&from=2010-01-01&to=2010-12-31',
        await tokenFor('energy_supplier', '5790000000001'),
      )
    ).status,
  ).toBe(403);
  const bad = await app.post('dataset=weather_hourly&from=2010-02-30&to=2010-01-01');
  expect(bad.status).toBe(400);
  const paths = ((bad.jsonBody as { errors: Array<{ path: string }> }).errors ?? []).map((e) => e.path);
  expect(paths).toEqual(expect.arrayContaining(['dataset', 'from']));
  expect(JSON.stringify((await app.post('dataset=weather_daily&from=2010-02-01&to=2010-01-01')).jsonBody)).toContain(
    'must not be before from',
  );
  expect(JSON.stringify((await app.post('dataset=weather_daily&from=1990-01-01&to=2010-01-01')).jsonBody)).toContain(
    'at most 16 years',
  );
  expect((await app.get('weather_daily-2010-01-01-2010-12-31-00000000')).status).toBe(404);
  expect((await app.get('../../etc')).status).toBe(404);
  expect(chunkRequests(archive)).toEqual([]);
});
