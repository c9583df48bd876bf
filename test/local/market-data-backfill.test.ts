/**
 * Market data backfill over HTTP handlers and the local Durable runtime: POST → 202 + status
 * URL → orchestration over chunks (bounded concurrency) → 200 Completed; a repeated request is
 * answered from what is stored; a chunk that keeps failing is reported and fetched by the next
 * request while stored chunks are skipped; a host crash mid-backfill resumes without fetching
 * stored chunks again. The real clients run against fake EDS and SMARD servers on loopback.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { registerFunctions } from '../../functions/app';
import type { AppDeps } from '../../functions/deps';
import {
  LocalDurableRuntime,
  MemoryHistoryStore,
  TableHistoryStore,
  type HistoryStore,
} from '../../local/durable/runtime';
import { LocalRegistry } from '../../local/registry';
import { localMidnight } from '../../shared/domain/local-time';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { FakeEds, FakeSmard } from '../support/fake-market-data';
import { startAzurite, testDeps, testInfra, testSettings, type TestInfra } from '../support/local-infra';
import type { AzuriteInstance } from '../../local/azurite';
import { bearer, tokenFor } from '../support/tokens';

jest.setTimeout(90_000);

const HOUR = 3_600_000;
let az: AzuriteInstance;
let infra: TestInfra;
let eds: FakeEds;
let smard: FakeSmard;
let store: AzureBlobStore;
let counter = 0;
const runtimes: LocalDurableRuntime[] = [];

beforeAll(async () => {
  az = await startAzurite();
}, 30_000);
afterAll(async () => {
  await az.stop();
});
beforeEach(async () => {
  infra = await testInfra(az);
  store = AzureBlobStore.fromConnectionString(az.connectionString, `market-bf-${process.pid}-${++counter}`);
  await store.ensureContainer();
  eds = await new FakeEds().start();
  smard = await new FakeSmard().start();
  eds.put('Elspotprices', ['DK1', 'DK2'], Date.UTC(2024, 1, 25), Date.UTC(2024, 4, 5), (a, t) => ({
    SpotPriceEUR: ((t / HOUR) % 100) + (a === 'DK2' ? 0.5 : 0),
    SpotPriceDKK: ((t / HOUR) % 100) * 7,
  }));
  eds.put('CO2Emis', ['DK1', 'DK2'], Date.UTC(2024, 1, 25), Date.UTC(2024, 4, 5), () => ({ CO2Emission: 100 }));
  smard.put(4169, 'DE-LU', 'hour', Date.UTC(2025, 7, 1), localMidnight(2025, 10, 1), (t) => (t / HOUR) % 50);
  smard.put(
    4169,
    'DE-LU',
    'quarterhour',
    Date.UTC(2025, 7, 1),
    Date.UTC(2025, 10, 1),
    (t) => ((t / 900_000) % 80) + 0.25,
  );
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await eds.stop();
  await smard.stop();
  await infra.stop();
});

interface App {
  deps: AppDeps;
  runtime: LocalDurableRuntime;
  post(query: string, token?: string): Promise<HttpResponseInit>;
  get(id: string): Promise<HttpResponseInit>;
}

/** The app's functions on a local durable runtime over `history` (a "host"). */
function host(history: HistoryStore, nowMs: number, env: Record<string, string> = {}): App {
  const runtime = new LocalDurableRuntime({ store: history, maxConcurrentActivities: 4 });
  runtimes.push(runtime);
  const deps = testDeps(infra, {
    settings: testSettings(az.connectionString, {
      ENERGIDATASERVICE_URL: eds.url,
      SMARD_URL: smard.url,
      MARKET_DATA_RETRY_BASE_MS: '1',
      SMARD_PAUSE_MS: '0',
      MARKET_DATA_TIMER_SOURCES: '[]',
      ...env,
    }),
    marketData: store,
    clock: () => new Date(nowMs),
    orchestrationClient: () => ({
      start: async (name, instanceId, input) => {
        await runtime.startNew(name, { instanceId, input });
      },
      terminate: (id, reason) => runtime.terminate(id, reason),
    }),
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
      route('StartMarketDataIngest')(
        new HttpRequest({
          method: 'POST',
          url: `http://localhost:7071/api/market-data/ingest?${query}`,
          headers: await bearer(token),
        }),
        ctx(),
      ),
    get: async (id) =>
      route('MarketDataIngestStatus')(
        new HttpRequest({
          method: 'GET',
          url: `http://localhost:7071/api/market-data/ingest/${encodeURIComponent(id)}`,
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
};
const body = (r: HttpResponseInit) => r.jsonBody as Body;

test('EDS backfill: 202 + status URL, chunks per area and month, then 200 Completed; a repeated request is answered from storage', async () => {
  const app = host(new MemoryHistoryStore(), Date.UTC(2024, 5, 15));
  const started = await app.post('source=energidataservice&from=2024-03-01&to=2024-05-01&areas=DK1,DK2');
  expect(started.status).toBe(202);
  const b = body(started);
  expect(b).toMatchObject({
    state: 'Running',
    source: 'energidataservice',
    areas: ['DK1', 'DK2'],
    coverage: { chunks: 4, stored: 0 },
  });
  expect(b.statusUrl).toBe(`http://localhost:7071/api/market-data/ingest/${b.id}`);
  expect((started.headers as Record<string, string>).location).toBe(b.statusUrl);
  // the same request while it runs: the running one's answer, no second instance
  const meanwhile = await app.post('source=energidataservice&from=2024-03-01&to=2024-05-01');
  expect(meanwhile.status).toBe(202);
  expect(body(meanwhile).id).toBe(b.id);
  expect((await app.runtime.listInstances()).map((i) => i.instanceId)).toEqual([b.id]);
  expect((await app.runtime.waitForCompletion(b.id, 60_000)).runtimeStatus).toBe('Completed');
  const done = await app.get(b.id);
  expect(done.status).toBe(200);
  expect(body(done)).toMatchObject({
    state: 'Completed',
    result: { chunks: 4, skipped: 0, fetched: 4, failed: [] },
    coverage: { chunks: 4, stored: 4 },
  });
  // March 2024 in Danish local time: 31 days, one of them 23 hours
  const march = await app.deps.marketData.read({
    kind: 'day_ahead_price',
    area: 'DK2',
    unit: 'EUR/MWh',
    fromMs: localMidnight(2024, 3, 1),
    toMs: localMidnight(2024, 4, 1),
  });
  expect(march.startMs).toHaveLength(31 * 24 - 1);
  const co2 = await app.deps.marketData.read({
    kind: 'co2_intensity',
    area: 'DK1',
    unit: 'g/kWh',
    fromMs: localMidnight(2024, 4, 1),
    toMs: localMidnight(2024, 5, 1),
  });
  expect(co2.startMs).toHaveLength(30 * 24 * 12);

  const requests = eds.requests.length;
  const again = await app.post('source=energidataservice&from=2024-03-01&to=2024-05-01&areas=DK2,DK1');
  expect(again.status).toBe(200);
  expect(body(again)).toMatchObject({ id: b.id, state: 'Stored', coverage: { chunks: 4, stored: 4 } });
  const part = await app.post('source=energidataservice&from=2024-03-10&to=2024-04-20&areas=DK1');
  expect(part.status).toBe(200);
  expect(body(part).coverage).toMatchObject({
    stored: 2,
    ranges: [{ area: 'DK1', from: '2024-03-09T23:00:00.000Z', to: '2024-04-19T22:00:00.000Z' }],
  });
  expect(eds.requests.length).toBe(requests);
});

test('SMARD backfill across the 2025-10-01 seam: a chunk that keeps failing is reported; the next request fetches only it', async () => {
  const app = host(new MemoryHistoryStore(), Date.UTC(2025, 9, 20));
  const failingWeek = localMidnight(2025, 9, 29);
  for (let i = 0; i < 40; i++) smard.fail(`4169_DE-LU_quarterhour_${failingWeek}`, 500);
  const started = await app.post('source=smard&from=2025-09-22&to=2025-10-13');
  expect(body(started)).toMatchObject({ areas: ['DE-LU'], coverage: { chunks: 3, stored: 0 } });
  await app.runtime.waitForCompletion(body(started).id, 60_000);
  const first = await app.get(body(started).id);
  expect(body(first)).toMatchObject({
    state: 'CompletedWithErrors',
    result: { chunks: 3, fetched: 2, failed: [{ area: 'DE-LU', key: `${failingWeek}-${localMidnight(2025, 10, 6)}` }] },
    coverage: { chunks: 3, stored: 2 },
  });
  expect((body(first).result as { failed: Array<{ error: string }> }).failed[0].error).toContain(
    `${smard.url}/chart_data/4169/DE-LU/4169_DE-LU_quarterhour_${failingWeek}.json`,
  );
  smard.requests.length = 0;
  eds.requests.length = 0;
  smard.clearFaults(); // the source recovered
  const retry = await app.post('source=smard&from=2025-09-22&to=2025-10-13');
  expect(retry.status).toBe(202);
  await app.runtime.waitForCompletion(body(retry).id, 60_000);
  expect(body(await app.get(body(retry).id))).toMatchObject({
    state: 'Completed',
    result: { chunks: 3, skipped: 2, fetched: 1, failed: [] },
    coverage: { stored: 3 },
  });
  expect(smard.requests.filter((r) => !r.includes('index_'))).toEqual([
    `/chart_data/4169/DE-LU/4169_DE-LU_hour_${failingWeek}.json`,
    `/chart_data/4169/DE-LU/4169_DE-LU_quarterhour_${failingWeek}.json`,
  ]);
  const week = await app.deps.marketData.read({
    kind: 'day_ahead_price',
    area: 'DE-LU',
    unit: 'EUR/MWh',
    fromMs: failingWeek,
    toMs: localMidnight(2025, 10, 6),
  });
  expect(week.startMs).toHaveLength(2 * 24 + 5 * 96);
  expect(Array.from(new Set(week.minutes))).toEqual([60, 15]);
});

test('a host crash mid-backfill: the restarted host resumes and fetches no stored chunk again', async () => {
  const cs = az.connectionString;
  const table = `MarketBackfill${process.pid}x${++counter}`;
  const now = Date.UTC(2025, 9, 20);
  const app1 = host(await TableHistoryStore.fromConnectionString(cs, table), now, {
    MARKET_DATA_MAX_PARALLEL_CHUNKS: '1',
  });
  const third = localMidnight(2025, 9, 15);
  smard.delay(`4169_DE-LU_hour_${third}`, 3_000);
  const started = await app1.post('source=smard&from=2025-09-01&to=2025-10-06');
  const id = body(started).id;
  expect(body(started).coverage.chunks).toBe(5);
  const deadline = Date.now() + 30_000;
  while (!smard.requests.some((r) => r.includes(`hour_${third}`))) {
    if (Date.now() > deadline) throw new Error('the third chunk never started');
    await new Promise((r) => setTimeout(r, 20));
  }
  await app1.runtime.stop(); // the host dies while the third chunk is being fetched
  const before = smard.requests.filter((r) => !r.includes('index_'));
  expect(before).toHaveLength(3);

  const app2 = host(await TableHistoryStore.fromConnectionString(cs, table), now, {
    MARKET_DATA_MAX_PARALLEL_CHUNKS: '1',
  });
  await app2.runtime.resumeAll();
  expect((await app2.runtime.waitForCompletion(id, 60_000)).runtimeStatus).toBe('Completed');
  expect(body(await app2.get(id))).toMatchObject({ state: 'Completed', coverage: { chunks: 5, stored: 5 } });
  const chunkRequests = smard.requests.filter((r) => !r.includes('index_'));
  // the two chunks stored before the crash are not fetched again; the interrupted one is (at least once)
  for (const r of before.slice(0, 2)) expect(chunkRequests.filter((x) => x === r)).toHaveLength(1);
  expect(new Set(chunkRequests).size).toBe(6); // 5 weeks, the seam week read hourly and quarter-hourly
  const all = await app2.deps.marketData.read({
    kind: 'day_ahead_price',
    area: 'DE-LU',
    unit: 'EUR/MWh',
    fromMs: localMidnight(2025, 9, 1),
    toMs: localMidnight(2025, 10, 6),
  });
  expect(all.startMs).toHaveLength(30 * 24 + 5 * 96);
});

test('only administrators may backfill; bad queries are 400 naming the parameter; an unknown id is 404', async () => {
  const app = host(new MemoryHistoryStore(), Date.UTC(2024, 5, 15));
  expect(
    (await app.post('source=smard&from=2024-01-01&to=2024-01-08', await tokenFor('energy_supplier', '5790000000001')))
      .status,
  ).toBe(403);
  const bad = await app.post('source=nordpool&from=2024-02-30&to=2024-01-01&areas=DK1');
  expect(bad.status).toBe(400);
  const paths = ((bad.jsonBody as { errors: Array<{ path: string }> }).errors ?? []).map((e) => e.path);
  expect(paths).toEqual(expect.arrayContaining(['source', 'from']));
  const wrongArea = await app.post('source=smard&from=2024-01-01&to=2024-01-08&areas=DK1');
  expect(wrongArea.status).toBe(400);
  expect(JSON.stringify(wrongArea.jsonBody)).toContain("smard has no area 'DK1'");
  const backwards = await app.post('source=smard&from=2024-01-08&to=2024-01-01');
  expect(JSON.stringify(backwards.jsonBody)).toContain('must be after from');
  expect((await app.get('market-smard-2024-01-01-2024-01-08-DE-LU')).status).toBe(404);
  expect((await app.get('../../etc')).status).toBe(404);
});
