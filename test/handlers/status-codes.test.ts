/**
 * Issue 12 finding 7 and "Right status codes" / "Bounded work" (request bodies): cancel racing
 * completion → 409 with the final status; canceled jobs leave no result files; ids no job can
 * have → 404; oversized bodies → 413 before they are read whole; malformed paths → 400.
 * Handlers run over in-memory stores (no Azurite).
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { buildDeps } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import { cancelJobHandler, getJobHandler, jobResultsHandler } from '../../functions/http/jobs';
import { basisDataExportStatusHandler, startBasisDataExportHandler } from '../../functions/http/basis-data-exports';
import { kickStartJobHandler } from '../../functions/http/kick-start-job';
import { ingestTimeSeriesHandler } from '../../functions/http/time-series';
import type { OrchestrationClient } from '../../functions/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { LocalRegistry } from '../../local/registry';
import { startHttpServer } from '../../local/http-server';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { Job, JobSpec, JobStatus } from '../../shared/jobs/job';
import type { JobUpdate } from '../../shared/jobs/job-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { JobCanceledError } from '../../shared/settlement/errors';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { cancelJob } from '../../shared/settlement/use-cases/cancel-job';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { LakeLayout } from '../../shared/basis-data/parquet/lake-layout';
import type { BatchOutput } from '../../shared/settlement/batch';
import { adminToken } from '../support/tokens';
import { InvariantError } from '../../shared/domain/errors';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const SPEC: JobSpec = {
  calculationType: 'balance_fixing',
  periodStart: '2024-01-31T23:00:00.000Z',
  periodEnd: '2024-02-01T23:00:00.000Z',
  gridAreas: ['800'],
  asOf: '2024-02-01T06:00:00.000Z',
  createdByUserId: 'u',
  trigger: 'test',
};

/** A job store whose Canceled transition first lets a commit finish: the race of finding 7. */
class CommitWinsStore extends MemoryJobStore {
  commitFirst = false;
  override async transition(id: string, status: JobStatus, now: Date, update?: JobUpdate): Promise<Job> {
    if (status === 'Canceled' && this.commitFirst) {
      this.commitFirst = false;
      await super.transition(id, 'Completed', now);
    }
    return super.transition(id, status, now, update);
  }
}

let ADMIN = '';
beforeAll(async () => {
  ADMIN = await adminToken();
});

const req = (
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string>,
  body?: Uint8Array,
  headers: Record<string, string> = {},
) =>
  new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}`,
    params,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers },
    ...(body ? { body: { bytes: body } } : {}),
  });
const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

function memoryDeps(jobs: MemoryJobStore, results: MemoryBlobStore, env: Record<string, string> = {}): AppDeps {
  const client: OrchestrationClient = { start: () => Promise.resolve(), terminate: () => Promise.resolve() };
  return buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
      ...env,
    }),
    basisData: new MemoryBlobStore('basis'),
    lake: new MemoryBlobStore('lake'),
    results,
    jobs,
    messages: new MemoryBlobStore('messages'),
    exports: new MemoryBlobStore('exports'),
    marketData: new MemoryBlobStore('market-data'),
    bus: () => {
      throw new InvariantError('no Service Bus in this test');
    },
    integrationEvents: new MemoryIntegrationEventStore(),
    publishCompleted: () => Promise.resolve(),
    orchestrationClient: () => client,
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    catalog: new MemoryBlobStore('dataset-catalog'),
  });
}

async function executingJob(jobs: MemoryJobStore, results: MemoryBlobStore, id: string): Promise<BatchOutput[]> {
  await jobs.createOrGetActive(id, SPEC, new Date('2024-02-01T06:00:00Z'));
  for (const s of ['Started', 'Executing'] as const) await jobs.transition(id, s, new Date());
  const outputs: BatchOutput[] = [
    { batchId: 'b', path: `jobs/${id}/energy/ga=800/b.parquet`, rows: 1, counts: { production: 1 } },
  ];
  for (const o of outputs) await results.put(o.path, 'parquet');
  return outputs;
}

describe('cancel vs completion', () => {
  it('reproduces finding 7: a commit winning between the read and the transition → 409 with the final status, not 500', async () => {
    const jobs = new CommitWinsStore();
    const results = new MemoryBlobStore('results');
    await executingJob(jobs, results, 'job-1');
    jobs.commitFirst = true;
    const r = await cancelJobHandler(memoryDeps(jobs, results))(
      req('POST', 'jobs/job-1/cancel', { id: 'job-1' }),
      ctx(),
    );
    expect(r.status).toBe(409);
    expect(json(r)).toMatchObject({ jobId: 'job-1', status: 'Completed' });
    expect((await jobs.get('job-1'))?.status).toBe('Completed');
  });

  it('20 real races of cancel and commit: every answer is 200 or 409, consistent with the final status; a canceled job has no files', async () => {
    for (let i = 0; i < 20; i++) {
      const jobs = new MemoryJobStore();
      const results = new MemoryBlobStore('results');
      const id = `race-${i}`;
      const outputs = await executingJob(jobs, results, id);
      const deps = memoryDeps(jobs, results);
      const [cancel, commit] = await Promise.all([
        cancelJobHandler(deps)(req('POST', `jobs/${id}/cancel`, { id }), ctx()),
        commitJob({ jobs, results, clock: () => new Date() }, id, outputs).then(
          () => 'committed',
          (e: unknown) => {
            if (e instanceof JobCanceledError) return 'canceled';
            throw e;
          },
        ),
      ]);
      const final = (await jobs.get(id))?.status;
      if (final === 'Canceled') {
        expect(cancel.status).toBe(200);
        expect(commit).toBe('canceled');
        expect(await results.list(`jobs/${id}/`)).toEqual([]);
      } else {
        expect(final).toBe('Completed');
        expect(cancel.status).toBe(409);
        expect(json(cancel).status).toBe('Completed');
        expect(commit).toBe('committed');
        expect(await results.list(`jobs/${id}/`)).toContain(`jobs/${id}/_manifest.json`);
      }
    }
  });

  it('a canceled job leaves no result files: the cancel deletes what batches wrote, a later commit writes none', async () => {
    const jobs = new MemoryJobStore();
    const results = new MemoryBlobStore('results');
    const outputs = await executingJob(jobs, results, 'job-2');
    const r = await cancelJob({ jobs, results, terminate: () => Promise.resolve(), clock: () => new Date() }, 'job-2');
    expect(r.kind).toBe('canceled');
    expect(await results.list('jobs/job-2/')).toEqual([]);
    // a batch still running writes after the cancel; the commit refuses and removes it again
    for (const o of outputs) await results.put(o.path, 'parquet');
    await expect(commitJob({ jobs, results, clock: () => new Date() }, 'job-2', outputs)).rejects.toThrow(
      JobCanceledError,
    );
    expect(await results.list('jobs/job-2/')).toEqual([]);
  });
});

describe('ids no job can have → 404, never 500', () => {
  it.each(['a/b', '../job-1', 'x#y', 'x?y', '%2F'])('%s', async (id) => {
    const jobs = new MemoryJobStore();
    const results = new MemoryBlobStore('results');
    await executingJob(jobs, results, 'job-1');
    const deps = memoryDeps(jobs, results);
    expect((await getJobHandler(deps)(req('GET', `jobs/x`, { id }), ctx())).status).toBe(404);
    expect((await cancelJobHandler(deps)(req('POST', `jobs/x/cancel`, { id }), ctx())).status).toBe(404);
    expect((await jobResultsHandler(deps)(req('GET', `jobs/x/results`, { id }), ctx())).status).toBe(404);
    expect(
      (
        await basisDataExportStatusHandler(deps)(
          req('GET', 'jobs/x/basis-data-exports/800', { id, gridArea: '800' }),
          ctx(),
        )
      ).status,
    ).toBe(404);
  });
});

it('reproduces finding 7 (export ids): a Completed job whose id is no path segment → 404 from the export routes, not 500', async () => {
  const jobs = new MemoryJobStore();
  const results = new MemoryBlobStore('results');
  const id = 'job 1'; // a valid job id (Table and SQL accept it), not a valid export path segment
  const outputs = await executingJob(jobs, results, id);
  await commitJob({ jobs, results, clock: () => new Date() }, id, outputs);
  const deps = memoryDeps(jobs, results);
  const status = await basisDataExportStatusHandler(deps)(
    req('GET', 'jobs/x/basis-data-exports/800', { id, gridArea: '800' }),
    ctx(),
  );
  expect(status.status).toBe(404);
  const start = await startBasisDataExportHandler(deps)(
    new HttpRequest({
      method: 'POST',
      url: 'http://localhost:7071/api/jobs/x/basis-data-exports?gridArea=800',
      params: { id },
      headers: { authorization: `Bearer ${ADMIN}` },
    }),
    ctx(),
  );
  expect(start.status).toBe(404);
});

describe('request body limits', () => {
  it('KickStartJob: a body over MAX_JOB_REQUEST_BODY_BYTES → 413, from Content-Length or while reading', async () => {
    const deps = memoryDeps(new MemoryJobStore(), new MemoryBlobStore('results'), {
      MAX_JOB_REQUEST_BODY_BYTES: '2048',
    });
    const big = new TextEncoder().encode(JSON.stringify({ processType: 'x'.repeat(5000) }));
    const declared = await kickStartJobHandler(deps)(
      req('POST', 'KickStartJob', {}, big, { 'content-length': String(big.length) }),
      ctx(),
    );
    expect(declared.status).toBe(413);
    const undeclared = await kickStartJobHandler(deps)(req('POST', 'KickStartJob', {}, big), ctx());
    expect(undeclared.status).toBe(413);
  });

  it('reproduces finding 3 (bodies): ingestion over its limit → 413, nothing stored', async () => {
    const basis = new MemoryBlobStore('basis');
    const handler = ingestTimeSeriesHandler({
      basisData: basis,
      clock: () => new Date('2024-03-01T00:00:00Z'),
      lakeLayout: () => Promise.resolve(new LakeLayout([])),
      authenticator: devAuthenticator(),
      maxBodyBytes: 4096,
    });
    const line =
      '{"metering_point_id":"571313180000000001","quantity":"1","quality":"measured","observation_time":"2024-01-01T00:00:00Z","resolution":"PT1H"}\n';
    const body = new TextEncoder().encode(line.repeat(100));
    const r = await handler(req('POST', 'time-series', {}, body, { 'content-type': 'application/x-ndjson' }), ctx());
    expect(r.status).toBe(413);
    expect(await basis.list('')).toEqual([]);
  });

  it('an invalid 1 MB value is echoed as a short excerpt, not whole', async () => {
    const deps = memoryDeps(new MemoryJobStore(), new MemoryBlobStore('results'), {
      MAX_JOB_REQUEST_BODY_BYTES: String(4 << 20),
    });
    const body = new TextEncoder().encode(
      JSON.stringify({ beginTime: 'x'.repeat(1 << 20), endTime: 'y', processType: 'D04', ['k'.repeat(100_000)]: 1 }),
    );
    const r = await kickStartJobHandler(deps)(req('POST', 'KickStartJob', {}, body), ctx());
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.jsonBody).length).toBeLessThan(3000);
  });
});

describe('local host HTTP server', () => {
  const registry = new LocalRegistry();
  let seen = 0;
  registry.http('Echo', {
    methods: ['POST', 'GET'],
    route: 'echo/{id}',
    handler: async (r) => {
      seen++;
      return { status: 200, jsonBody: { id: r.params.id, bytes: (await r.arrayBuffer()).byteLength } };
    },
    maxBodyBytes: 1024,
  });
  let url = '';
  let close: () => Promise<void> = () => Promise.resolve();
  beforeAll(async () => {
    const s = await startHttpServer(registry, 0, () => {});
    url = s.url;
    close = () => new Promise((resolve) => s.server.close(() => resolve()));
  });
  afterAll(() => close());

  it('413 for a body over the route limit (declared, or streamed without Content-Length); the handler never runs', async () => {
    const before = seen;
    const declared = await fetch(`${url}/api/echo/a`, { method: 'POST', body: new Uint8Array(2048) });
    expect(declared.status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(512));
        c.close();
      },
    });
    const streamed = await fetch(`${url}/api/echo/a`, {
      method: 'POST',
      body: chunked,
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    expect(seen).toBe(before);
    const ok = await fetch(`${url}/api/echo/a`, { method: 'POST', body: new Uint8Array(1000) });
    expect(await ok.json()).toEqual({ id: 'a', bytes: 1000 });
  });

  it('a malformed percent-encoding in the path → 400, and the host keeps answering', async () => {
    expect((await fetch(`${url}/api/echo/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${url}/api/echo/a%2Fb`)).status).toBe(200);
  });
});
