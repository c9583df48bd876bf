/**
 * Customer areas (issue 15, Case 3/4) through the app's registration on the local durable
 * runtime (in memory): an upload, a saved analysis joining it with a served weather dataset
 * (expected values computed by hand), its durable run, status and results; other customers get
 * 404; specs reading another customer's area or escaping a path are refused naming the field;
 * and randomly generated specs are either refused (400/403) or run to a final state.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import { LocalDurableRuntime, MemoryHistoryStore } from '../../local/durable/runtime';
import { LocalRegistry } from '../../local/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { parquetToTable } from '../../shared/lake/records';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { FakeOpenMeteo, regionsFile, weatherHour } from '../support/lake-serving-data';
import { adminToken, tokenFor } from '../support/tokens';

jest.setTimeout(60_000);

const OWNER = '5790000000001';
const OTHER = '5790000000002';
let meteo: FakeOpenMeteo;
let runtime: LocalDurableRuntime;
let deps: AppDeps;
let routes: LocalRegistry['routes'];
let ownerToken = '';
let otherToken = '';

beforeAll(async () => {
  meteo = await new FakeOpenMeteo().start();
  runtime = new LocalDurableRuntime({ store: new MemoryHistoryStore(), maxConcurrentActivities: 2 });
  deps = buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
      WEATHER_REGIONS_FILE: regionsFile(),
      MAX_CUSTOMER_UPLOAD_BYTES: '4096',
    }),
    basisData: new MemoryBlobStore('basis'),
    results: new MemoryBlobStore('results'),
    jobs: new MemoryJobStore(),
    messages: new MemoryBlobStore('messages'),
    exports: new MemoryBlobStore('exports'),
    lake: new MemoryBlobStore('lake'),
    bus: () => {
      throw new Error('no Service Bus in this test');
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
    clock: () => new Date('2024-03-02T12:00:00Z'),
  });
  const registry = new LocalRegistry();
  registerFunctions(registry, deps);
  for (const [n, h] of registry.orchestrations) runtime.registerOrchestrator(n, h);
  for (const [n, h] of registry.activities) runtime.registerActivity(n, h);
  routes = registry.routes;
  ownerToken = await tokenFor('energy_supplier', OWNER);
  otherToken = await tokenFor('energy_supplier', OTHER);
  await weatherHour(deps.lake.partitions, meteo, '2024-03-01T00:05:00Z', ['5.5', '7.25']);
  await weatherHour(deps.lake.partitions, meteo, '2024-03-01T01:05:00Z', ['6.5', '7.75']);
  await weatherHour(deps.lake.partitions, meteo, '2024-03-02T00:05:00Z', ['-1.125', '3']);
});
afterAll(async () => {
  await runtime.stop();
  await meteo.close();
});

async function call(
  name: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  params: Record<string, string>,
  opts: { token?: string; body?: string | Uint8Array; contentType?: string } = {},
): Promise<HttpResponseInit> {
  const route = routes.find((r) => r.name === name)!;
  return route.handler(
    new HttpRequest({
      method,
      url: `http://localhost:7071/api/${path}`,
      params,
      headers: {
        authorization: `Bearer ${opts.token ?? ownerToken}`,
        ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
      },
      ...(opts.body !== undefined
        ? { body: { bytes: typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body } }
        : {}),
    }),
    new InvocationContext({ functionName: 'test', logHandler: () => {} }),
  );
}

const upload = (customerId: string, name: string, csv: string, token?: string) =>
  call(
    'CustomerUpload',
    'POST',
    `customers/${customerId}/uploads?name=${encodeURIComponent(name)}`,
    { customerId },
    { token, body: csv, contentType: 'text/csv' },
  );
const putSpec = (customerId: string, name: string, spec: unknown, token?: string) =>
  call(
    'CustomerAnalysis',
    'PUT',
    `customers/${customerId}/analyses/${name}`,
    { customerId, name },
    { token, body: JSON.stringify(spec), contentType: 'application/json' },
  );
const startRun = (customerId: string, name: string, token?: string) =>
  call(
    'StartCustomerAnalysisRun',
    'POST',
    `customers/${customerId}/analyses/${name}/runs`,
    { customerId, name },
    { token },
  );
const results = (customerId: string, name: string, format = 'json', token?: string) =>
  call(
    'CustomerAnalysisResults',
    'GET',
    `customers/${customerId}/analyses/${name}/results?format=${format}`,
    { customerId, name },
    { token },
  );

type Problem = { errors?: Array<{ path: string; message: string }> };
const errors = (r: HttpResponseInit) => (r.jsonBody as Problem).errors ?? [];

async function runToEnd(customerId: string, name: string): Promise<{ status: string; error?: string; rows?: number }> {
  const started = await startRun(customerId, name);
  expect(started.status).toBe(202);
  const { runId, statusUrl } = started.jsonBody as { runId: string; statusUrl: string };
  expect(statusUrl).toContain(`/api/customers/${customerId}/analyses/${name}/runs/${runId}`);
  await runtime.waitForCompletion(runId, 30_000);
  const status = await call('CustomerAnalysisRun', 'GET', statusUrl.replace('http://localhost:7071/api/', ''), {
    customerId,
    name,
    runId,
  });
  expect(status.status).toBe(200);
  return status.jsonBody as { status: string; error?: string; rows?: number };
}

const METERS = [
  'region,date,consumption_kwh',
  'dk1-aarhus,2024-03-01,10.5',
  'dk1-aarhus,2024-03-02,4.25',
  'dk2-copenhagen,2024-03-01,7',
  'dk2-copenhagen,2024-03-02,1.125',
  '',
].join('\n');

const SPEC = {
  inputs: [
    { as: 'm', upload: 'meters' },
    { as: 'w', dataset: 'weather_daily', from: '2024-03-01', to: '2024-03-02' },
  ],
  join: {
    on: [
      { left: 'region', right: 'region' },
      { left: 'date', right: 'date' },
    ],
  },
  filter: [{ column: 'm.consumption_kwh', op: '>', value: 1.5 }],
  groupBy: ['m.region'],
  aggregates: [
    { fn: 'sum', column: 'consumption_kwh', as: 'total_kwh' },
    { fn: 'avg', column: 'w.temperature_2m_sum', as: 'avg_daily_temp_sum' },
    { fn: 'count', as: 'days' },
    { fn: 'max', column: 'm.date', as: 'last_day' },
  ],
};

describe('customer areas', () => {
  it('uploads, saves an analysis joining the upload with weather_daily, runs it durably and serves the results', async () => {
    const up = await upload(OWNER, 'meters', METERS);
    expect(up.status).toBe(201);
    expect(up.jsonBody).toMatchObject({ name: 'meters', rows: 4, columns: ['region', 'date', 'consumption_kwh'] });
    expect((await deps.lake.partitions.partitions(`customers/${OWNER}/uploads/`)).sort()).toEqual([
      `customers/${OWNER}/uploads/meters`,
    ]);
    expect((await putSpec(OWNER, 'usage-vs-weather', SPEC)).status).toBe(200);
    const run = await runToEnd(OWNER, 'usage-vs-weather');
    expect(run).toMatchObject({ status: 'Completed', rows: 2 });
    // by hand: weather_daily sums 03-01 aarhus 5.5 + 6.5 = 12.000, cph 7.25 + 7.75 = 15.000;
    // 03-02 aarhus −1.125, cph 3.000. The filter drops cph 03-02 (1.125 ≤ 1.5).
    // aarhus: 10.5 + 4.25 = 14.75; avg (12.000 − 1.125) / 2 = 5.4375; 2 days; last 2024-03-02
    // cph: 7; avg 15.000 / 1; 1 day; last 2024-03-01
    const r = await results(OWNER, 'usage-vs-weather');
    expect(r.status).toBe(200);
    expect((r.jsonBody as { rows: unknown[] }).rows).toEqual([
      { region: 'dk1-aarhus', total_kwh: '14.75', avg_daily_temp_sum: '5.437500', days: 2, last_day: '2024-03-02' },
      { region: 'dk2-copenhagen', total_kwh: '7', avg_daily_temp_sum: '15.000000', days: 1, last_day: '2024-03-01' },
    ]);
    const csv = await results(OWNER, 'usage-vs-weather', 'csv');
    expect(csv.body as string).toBe(
      'region,total_kwh,avg_daily_temp_sum,days,last_day\r\ndk1-aarhus,14.75,5.437500,2,2024-03-02\r\ndk2-copenhagen,7,15.000000,1,2024-03-01\r\n',
    );
    // the results are Parquet in the customer's area
    const stored = await deps.lake.partitions.read(`customers/${OWNER}/analyses/usage-vs-weather/results`);
    expect(parquetToTable(stored!.files.get('part-0.parquet')!).numRows).toBe(2);
    // a second run (same rows) replaces the results and is the run they name
    const again = await startRun(OWNER, 'usage-vs-weather');
    const { runId } = again.jsonBody as { runId: string };
    await runtime.waitForCompletion(runId, 30_000);
    expect((await results(OWNER, 'usage-vs-weather')).jsonBody).toMatchObject({ runId, count: 2 });
    // an administrator reads the area too
    expect((await results(OWNER, 'usage-vs-weather', 'json', await adminToken())).status).toBe(200);
  });

  it('another customer gets 404 for everything in the area; its own area stays separate', async () => {
    expect((await results(OWNER, 'usage-vs-weather', 'json', otherToken)).status).toBe(404);
    expect((await upload(OWNER, 'planted', METERS, otherToken)).status).toBe(404);
    expect((await putSpec(OWNER, 'x', SPEC, otherToken)).status).toBe(404);
    expect((await startRun(OWNER, 'usage-vs-weather', otherToken)).status).toBe(404);
    // the other customer's own area has no upload named meters: its spec is refused naming the field
    const own = await putSpec(OTHER, 'mine', SPEC, otherToken);
    expect(own.status).toBe(400);
    expect(errors(own)[0].path).toBe('inputs.0.upload');
  });

  it("refuses specs that read another customer's area or escape a path, naming the field", async () => {
    const bad = async (spec: unknown, status: number, path: string) => {
      const r = await putSpec(OWNER, 'bad', spec);
      expect({ status: r.status, paths: errors(r).map((e) => e.path) }).toEqual(
        expect.objectContaining({ status, paths: expect.arrayContaining([path]) as unknown }),
      );
    };
    await bad({ inputs: [{ as: 'x', upload: 'meters', customer: OTHER }] }, 403, 'inputs.0.customer');
    await bad({ inputs: [{ as: 'x', upload: `../../${OTHER}/uploads/meters` }] }, 400, 'inputs.0.upload');
    await bad({ inputs: [{ as: 'x', upload: `customers/${OTHER}/uploads/meters` }] }, 400, 'inputs.0.upload');
    await bad({ inputs: [{ as: 'x', dataset: '../customers', from: '2024-03-01' }] }, 400, 'inputs.0.dataset');
    await bad({ inputs: [{ as: 'x', dataset: 'customers', from: '2024-03-01' }] }, 400, 'inputs.0.dataset');
    await bad({ inputs: [{ as: 'x', upload: 'meters', path: '/etc/passwd' }] }, 400, 'inputs.0');
    await bad(
      { inputs: [{ as: 'x', upload: 'meters' }], filter: [{ column: 'nope', op: '=', value: 1 }] },
      400,
      'filter.0.column',
    );
    await bad({ inputs: [{ as: 'x', upload: 'meters' }], code: 'process.exit()' }, 400, '(body)');
    // path parameters are checked before any path is built
    const traversal = await upload('..', 'x', METERS);
    expect(traversal.status).toBe(400);
    expect(errors(traversal)[0].path).toBe('customerId');
    const name = await upload(OWNER, '../escape', METERS);
    expect(errors(name)[0].path).toBe('name');
    expect((await upload(OWNER, 'big', 'a\n' + '1\n'.repeat(3000))).status).toBe(413);
    expect((await upload(OWNER, 'cut', 'a,b\n1,2\n3\n')).status).toBe(400);
  });

  it('random specs are either refused with 400/403 or run to a final state (seeded)', async () => {
    expect((await upload(OWNER, 'meters', METERS)).status).toBe(201);
    let seed = 15;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];
    // mostly valid references, some missing, ambiguous or path-like
    const columns = [
      'm.region',
      'm.date',
      'consumption_kwh',
      'consumption_kwh',
      'region',
      'date',
      'w.temperature_2m_sum',
      'w.region',
      'nope',
      '../x',
    ];
    const inputsPool = [
      [{ as: 'm', upload: 'meters' }],
      [
        { as: 'm', upload: 'meters' },
        { as: 'w', dataset: 'weather_daily', from: '2024-03-01', to: pick(['2024-03-02', '2024-02-01', '2024-03-01']) },
      ],
      [{ as: 'm', upload: pick(['meters', 'missing', '../meters']) }],
      [{ as: 'w', dataset: pick(['weather_rolling', 'regions', 'nope']), from: '2024-03-02' }],
    ];
    let accepted = 0;
    for (let i = 0; i < 80; i++) {
      const inputs = pick(inputsPool);
      const spec: Record<string, unknown> = { inputs };
      if (inputs.length === 2 || rnd(6) === 0) spec.join = { on: [{ left: pick(columns), right: pick(columns) }] };
      if (rnd(2))
        spec.filter = [
          {
            column: pick(columns),
            op: pick(['=', '!=', '<', '>=', '>', 'like']),
            value: pick([1.5, 'dk1-aarhus', null, true]),
          },
        ];
      const form = rnd(3);
      if (form === 0) {
        spec.groupBy = rnd(2) ? [pick(columns)] : [];
        spec.aggregates = [
          {
            fn: pick(['sum', 'avg', 'min', 'max', 'count', 'count', 'exec']),
            column: pick(columns),
            as: pick(['a', 'total', 'b', 'Bad']),
          },
        ];
      } else if (form === 1) spec.select = [pick(columns), pick(columns)];
      const r = await putSpec(OWNER, `random-${i}`, spec);
      if (r.status !== 200) {
        expect([400, 403]).toContain(r.status);
        expect(errors(r).length).toBeGreaterThan(0);
        continue;
      }
      accepted++;
      const run = await runToEnd(OWNER, `random-${i}`);
      // Completed, or Failed for data the spec cannot use (a sum over text), naming the field
      if (run.status !== 'Completed')
        expect(run).toMatchObject({
          status: 'Failed',
          error: expect.stringMatching(/^aggregates\.\d+\.column: /) as unknown,
        });
    }
    expect(accepted).toBeGreaterThan(20); // 45 of 80 with this seed: the generator reaches the executor
  });
});
