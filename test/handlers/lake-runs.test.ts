/**
 * The lake's thin adapters (issue 15): the per-source ingestion timer and GET/POST
 * /api/lake/runs, through the app's own registration (functions/app.ts) with the registry file
 * read at startup, against a loopback source with the real HTTP client.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit, type Timer } from '@azure/functions';
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import type { FunctionRegistry, HttpHandler, TimerHandler } from '../../functions/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { InvariantError } from '../../shared/domain/errors';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { SourceRegistryError } from '../../shared/lake/errors';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { adminToken, tokenFor } from '../support/tokens';
import { DEFAULT_REGIONS_FILE } from '../../shared/lake/weather/weather-ingestion';
import { startFakeHttpSource, type FakeHttpSource } from '../support/fake-sources';

let http: FakeHttpSource;
let ADMIN = '';
beforeAll(async () => {
  http = await startFakeHttpSource();
  ADMIN = await adminToken();
});
afterAll(() => http.close());

function registryFile(doc: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lake-reg-')), 'sources.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const sourceA = () => ({
  name: 'source_a',
  kind: 'http',
  url: `${http.baseUrl}/exports/{yyyymmdd}.csv`,
  schedule: { cron: '0 15 3 * * *' },
  format: { type: 'csv', delimiter: ';' },
  partitionDate: { rule: 'lag', days: 3 },
  retry: { attempts: 2, backoffMs: 1 },
});
const sourceB = () => ({
  ...sourceA(),
  name: 'source_b',
  url: `${http.baseUrl}/b/{day}.csv`,
  schedule: { cron: '0 30 4 * * *', everyDays: 14, anchorDay: '2021-01-04' },
  partitionDate: { rule: 'ingestion' },
});

function compose(sourcesFile: string, now: () => Date, env: Record<string, string> = {}) {
  const lake = new MemoryBlobStore('lake');
  const deps = buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
      LAKE_SOURCES_FILE: sourcesFile,
      ...env,
    }),
    basisData: new MemoryBlobStore('basis'),
    results: new MemoryBlobStore('results'),
    jobs: new MemoryJobStore(),
    messages: new MemoryBlobStore('messages'),
    exports: new MemoryBlobStore('exports'),
    lake,
    bus: () => {
      throw new InvariantError('no Service Bus in this test');
    },
    integrationEvents: new MemoryIntegrationEventStore(),
    publishCompleted: () => Promise.resolve(),
    orchestrationClient: () => ({ start: () => Promise.resolve(), terminate: () => Promise.resolve() }),
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    clock: now,
    sleep: () => Promise.resolve(),
  });
  const http: Record<string, HttpHandler> = {};
  const timers: Record<string, { schedule: string; handler: TimerHandler }> = {};
  const triggers: Record<string, unknown> = {};
  const registry: FunctionRegistry = {
    http: (name, o) => void (http[name] = o.handler),
    timer: (name, o) => void (timers[name] = o),
    serviceBus: (name, o) => void (triggers[name] = o.source),
    orchestration: () => undefined,
    activity: () => undefined,
  };
  registerFunctions(registry, deps);
  return { deps, http, timers, lake, triggers };
}

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

const call = (h: HttpHandler, method: 'GET' | 'POST', query: string, token = ADMIN): Promise<HttpResponseInit> =>
  h(
    new HttpRequest({
      method,
      url: `http://localhost:7071/api/lake/runs?${query}`,
      headers: { authorization: `Bearer ${token}` },
    }),
    new InvocationContext(),
  );

describe('lake ingestion timers and runs API', () => {
  it('registers one timer per source with its NCRONTAB; a bad registry stops composition naming the field', () => {
    const { timers } = compose(registryFile({ sources: [sourceA(), sourceB()] }), () => new Date());
    // only the lake's timers (the market data timer of issue 14 is registered too)
    const lakeTimers = Object.entries(timers).filter(([k]) => k.startsWith('LakeIngestion-'));
    expect(Object.fromEntries(lakeTimers.map(([k, v]) => [k, v.schedule]))).toEqual({
      'LakeIngestion-source_a': '0 15 3 * * *',
      'LakeIngestion-source_b': '0 30 4 * * *',
    });
    expect(() =>
      compose(registryFile({ sources: [{ ...sourceA(), retry: { attempts: 0 } }] }), () => new Date()),
    ).toThrow(SourceRegistryError);
    expect(() =>
      compose(registryFile({ sources: [{ ...sourceA(), retry: { attempts: 0 } }] }), () => new Date()),
    ).toThrow(/sources\[0\]\.retry\.attempts/);
  });

  it('the timer ingests the tick’s day; the runs API shows it; a failed day is re-run by POST', async () => {
    let now = new Date('2021-10-04T03:15:00Z');
    const { http: h, timers } = compose(registryFile({ sources: [sourceA(), sourceB()] }), () => now);
    http.script('/exports/20211004.csv', { status: 200, body: 'a;b\n1;2\n' });
    await timers['LakeIngestion-source_a'].handler(timer, new InvocationContext());
    const one = await call(h.LakeRuns, 'GET', 'source=source_a&day=2021-10-04');
    expect(one.status).toBe(200);
    expect(one.jsonBody).toMatchObject({
      status: 'succeeded',
      curated: [{ path: 'curated/source_a/date=2021-10-01/ingest_day=2021-10-04', rows: 1 }],
    });

    now = new Date('2021-10-05T03:15:00Z');
    http.script('/exports/20211005.csv', { status: 500, body: 'down' });
    await timers['LakeIngestion-source_a'].handler(timer, new InvocationContext());
    const list = await call(h.LakeRuns, 'GET', 'source=source_a');
    expect(
      (list.jsonBody as { runs: Array<{ day: string; status: string }> }).runs.map((r) => [r.day, r.status]),
    ).toEqual([
      ['2021-10-05', 'failed'],
      ['2021-10-04', 'succeeded'],
    ]);
    http.script('/exports/20211005.csv', { status: 200, body: 'a;b\n3;4\n' });
    const rerun = await call(h.StartLakeRun, 'POST', 'source=source_a&day=2021-10-05');
    expect(rerun.jsonBody).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('the weather and stream timers are registered only when their settings are set', () => {
    const file = registryFile({ sources: [] });
    // the lake's timers only (market data and the catalog register their own)
    const lakeTimers = (t: Record<string, { schedule: string }>) =>
      Object.entries(t).filter(([k]) => /^(Lake|Weather)/.test(k));
    expect(lakeTimers(compose(file, () => new Date()).timers)).toEqual([]);
    const { timers } = compose(file, () => new Date(), { WEATHER_REGIONS_FILE: DEFAULT_REGIONS_FILE });
    expect(lakeTimers(timers).map(([k, v]) => [k, v.schedule])).toEqual([['WeatherIngestion', '0 5 * * * *']]);
    expect(() =>
      loadSettings({ STORAGE_CONNECTION_STRING: 'x', AUTH_DEV_ISSUER: 'true', OPEN_METEO_URL: 'ftp://x' }),
    ).toThrow(/OPEN_METEO_URL: must be an http\(s\) URL/);
  });

  it('a tick resumes an earlier day whose run was interrupted (running and stale), not one that may still be working', async () => {
    let now = new Date('2021-10-06T03:15:00Z');
    const { timers, lake } = compose(registryFile({ sources: [sourceA()] }), () => now);
    http.script('/exports/20211006.csv', { status: 200, body: 'a;b\n1;2\n' });
    await timers['LakeIngestion-source_a'].handler(timer, new InvocationContext());
    // what a process that died mid-run leaves: state running, the curated partition not switched yet
    const statePath = '_system/runs/source_a/day=2021-10-06.json';
    const state = JSON.parse((await lake.get(statePath))!.toString()) as Record<string, unknown>;
    await lake.delete('curated/source_a/date=2021-10-03/ingest_day=2021-10-06/_current.json');
    await lake.put(statePath, JSON.stringify({ ...state, status: 'running', updatedAt: '2021-10-07T03:00:00Z' }));
    const stateOf = async () => (JSON.parse((await lake.get(statePath))!.toString()) as { status: string }).status;

    now = new Date('2021-10-07T03:15:00Z'); // 15 minutes after its last step: it may still be working
    http.script('/exports/20211006.csv', { status: 500, body: 'must not be asked: the raw version is reused' });
    http.script('/exports/20211007.csv', { status: 200, body: 'a;b\n5;6\n' });
    await timers['LakeIngestion-source_a'].handler(timer, new InvocationContext());
    expect(await stateOf()).toBe('running');
    expect(await lake.exists('_system/runs/source_a/day=2021-10-07.json')).toBe(true);

    now = new Date('2021-10-08T03:15:00Z'); // a day later: stale, resumed from its stored raw version
    http.script('/exports/20211008.csv', { status: 200, body: 'a;b\n7;8\n' });
    await timers['LakeIngestion-source_a'].handler(timer, new InvocationContext());
    expect(await stateOf()).toBe('succeeded');
    expect(await lake.exists('curated/source_a/date=2021-10-03/ingest_day=2021-10-06/_current.json')).toBe(true);
  });

  it('the every-14-days source skips days that are not due', async () => {
    const { http: h, timers } = compose(registryFile({ sources: [sourceB()] }), () => new Date('2021-01-05T04:30:00Z'));
    await timers['LakeIngestion-source_b'].handler(timer, new InvocationContext());
    expect((await call(h.LakeRuns, 'GET', 'source=source_b&day=2021-01-05')).status).toBe(404);
  });

  it('administrators only; unknown source 404, bad day 400', async () => {
    const { http: h } = compose(registryFile({ sources: [sourceA()] }), () => new Date());
    expect(
      (await call(h.LakeRuns, 'GET', 'source=source_a', await tokenFor('energy_supplier', '5790000000001'))).status,
    ).toBe(403);
    expect((await call(h.StartLakeRun, 'POST', 'source=source_a&day=2021-10-04', 'not-a-token')).status).toBe(401);
    expect((await call(h.LakeRuns, 'GET', 'source=nope')).status).toBe(404);
    expect((await call(h.LakeRuns, 'GET', 'source=source_a&day=2021-13-01')).status).toBe(400);
    expect((await call(h.StartLakeRun, 'POST', 'source=source_a')).status).toBe(400);
  });
});
