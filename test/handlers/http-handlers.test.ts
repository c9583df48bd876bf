import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { AppDeps } from '../../functions/deps';
import { cancelJobHandler, getJobHandler, jobResultsHandler, listJobsHandler } from '../../functions/http/jobs';
import { kickStartJobHandler } from '../../functions/http/kick-start-job';
import type { OrchestrationClient } from '../../functions/registry';
import { NAMES } from '../../shared/config/names';
import { startAzurite, testDeps, testInfra, type TestInfra } from '../support/local-infra';
import type { AzuriteInstance } from '../../local/azurite';
import { adminToken } from '../support/tokens';

const F1 = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');
const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

/** Records what the handlers asked of the orchestration port. */
class RecordingClient implements OrchestrationClient {
  started: Array<{ name: string; id: string; input: unknown }> = [];
  terminated: string[] = [];
  failStart = false;
  start(name: string, id: string, input: unknown): Promise<void> {
    if (this.failStart) return Promise.reject(new Error('task hub unavailable'));
    this.started.push({ name, id, input });
    return Promise.resolve();
  }
  terminate(id: string): Promise<void> {
    this.terminated.push(id);
    return Promise.resolve();
  }
}

/** An administrator's bearer token (the dev issuer's; testDeps trusts it). */
let ADMIN = '';
beforeAll(async () => {
  ADMIN = await adminToken();
});
const get = (path: string, query: Record<string, string> = {}, params: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'GET',
    url: `http://localhost:7071/api/${path}`,
    query,
    params,
    headers: { authorization: `Bearer ${ADMIN}` },
  });
const post = (path: string, body: string, params: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/api/${path}`,
    body: { string: body },
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    params,
  });
const body = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

describe('HTTP handlers invoked directly', () => {
  let az: AzuriteInstance;
  let infra: TestInfra;
  let deps: AppDeps;
  let client: RecordingClient;
  const query = {
    beginTime: '2023-07-02T02:00:00Z',
    endTime: '2023-07-02T03:00:00Z',
    processType: 'D04',
    gridAreas: '800',
  };

  beforeAll(async () => {
    az = await startAzurite();
    infra = await testInfra(az, F1);
  });
  afterAll(async () => {
    await infra.stop();
    await az.stop();
  });
  beforeEach(() => {
    client = new RecordingClient();
    deps = testDeps(infra, { orchestrationClient: () => client });
  });

  it('KickStartJob GET registers a job, starts its orchestration and answers 202 with a status URL', async () => {
    const r = await kickStartJobHandler(deps)(get('KickStartJob', query), ctx());
    expect(r.status).toBe(202);
    const jobId = body(r).jobId as string;
    expect(body(r).statusUrl).toBe(`http://localhost:7071/api/jobs/${jobId}`);
    expect(client.started).toEqual([
      { name: NAMES.durable.settlementOrchestrator, id: jobId, input: { jobId, maxParallelBatches: 4 } },
    ]);
    const job = await infra.jobs.get(jobId);
    expect(job).toMatchObject({
      status: 'Requested',
      calculationType: 'balance_fixing',
      gridAreas: ['800'],
      trigger: 'http',
    });

    // the same type, period and grid areas while it runs: the running job, no second orchestration
    const again = await kickStartJobHandler(deps)(post('KickStartJob', JSON.stringify(query)), ctx());
    expect(again.status).toBe(409);
    expect(body(again).jobId).toBe(jobId);
    expect(client.started).toHaveLength(1);

    // status, list, cancel
    const status = await getJobHandler(deps)(get(`jobs/${jobId}`, {}, { id: jobId }), ctx());
    expect(status.status).toBe(200);
    expect(body(status)).toMatchObject({
      id: jobId,
      status: 'Requested',
      progress: { doneBatches: 0, totalBatches: 0 },
    });
    const list = await listJobsHandler(deps)(get('jobs', { status: 'Requested' }), ctx());
    expect((body(list).jobs as Array<{ id: string }>).map((j) => j.id)).toContain(jobId);
    const results = await jobResultsHandler(deps)(get(`jobs/${jobId}/results`, {}, { id: jobId }), ctx());
    expect(results.status).toBe(409);
    const canceled = await cancelJobHandler(deps)(post(`jobs/${jobId}/cancel`, '', { id: jobId }), ctx());
    expect(canceled.status).toBe(200);
    expect(body(canceled).status).toBe('Canceled');
    expect(client.terminated).toEqual([jobId]);
    expect((await cancelJobHandler(deps)(post(`jobs/${jobId}/cancel`, '', { id: jobId }), ctx())).status).toBe(409);
  });

  it.each([
    ['beginTime', { ...query, beginTime: undefined }],
    ['beginTime', { ...query, beginTime: 'yesterday' }],
    ['endTime', { ...query, endTime: '2023-07-01T00:00:00Z' }],
    ['processType', { ...query, processType: 'D99' }],
    ['gridAreas.1', { ...query, gridAreas: '800,999' }],
    ['beginTime', { ...query, processType: 'D05' }],
    ['beginTime', { ...query, processType: 'D32', settlementVersion: 'D01' }],
    ['settlementVersion', { ...query, processType: 'D32' }],
  ])('KickStartJob answers 400 naming %s and registers nothing (%o)', async (field, q) => {
    const before = (await infra.jobs.list({})).length;
    const clean = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const r = await kickStartJobHandler(deps)(get('KickStartJob', clean), ctx());
    expect(r.status).toBe(400);
    const errors = body(r).errors as Array<{ path: string; message: string }>;
    expect(errors.map((e) => e.path)).toContain(field);
    expect((await infra.jobs.list({})).length).toBe(before);
    expect(client.started).toEqual([]);
  });

  it('rejects a POST body that is not JSON', async () => {
    const r = await kickStartJobHandler(deps)(post('KickStartJob', '{not json'), ctx());
    expect(r.status).toBe(400);
  });

  it('marks the job Failed when its orchestration cannot start', async () => {
    client.failStart = true;
    const r = await kickStartJobHandler(deps)(get('KickStartJob', { ...query, gridAreas: '801' }), ctx());
    expect(r.status).toBe(500);
    const failed = await infra.jobs.list({ status: 'Failed' });
    expect(failed[0]).toMatchObject({
      gridAreas: ['801'],
      error: 'could not start the orchestration: task hub unavailable',
    });
  });

  it('answers 404 for unknown jobs and 400 for bad queries', async () => {
    expect((await getJobHandler(deps)(get('jobs/nope', {}, { id: 'nope' }), ctx())).status).toBe(404);
    expect((await listJobsHandler(deps)(get('jobs', { status: 'Sleeping' }), ctx())).status).toBe(400);
    expect((await jobResultsHandler(deps)(get('jobs/x/results', { format: 'xml' }, { id: 'x' }), ctx())).status).toBe(
      400,
    );
    expect((await jobResultsHandler(deps)(get('jobs/x/results', {}, { id: 'x' }), ctx())).status).toBe(404);
  });
});

describe('KickStartJob on empty basis data', () => {
  it('answers 400 (no grid areas), not a server error', async () => {
    const az = await startAzurite();
    const infra = await testInfra(az);
    try {
      const deps = testDeps(infra, { orchestrationClient: () => new RecordingClient() });
      const r = await kickStartJobHandler(deps)(
        get('KickStartJob', { beginTime: '2024-01-01T00:00:00Z', endTime: '2024-01-02T00:00:00Z', processType: 'D04' }),
        ctx(),
      );
      expect(r.status).toBe(400);
      expect(body(r).errors).toEqual([{ path: 'gridAreas', message: 'no grid areas (the basis data has none)' }]);
      const unknown = await kickStartJobHandler(deps)(
        get('KickStartJob', {
          beginTime: '2024-01-01T00:00:00Z',
          endTime: '2024-01-02T00:00:00Z',
          processType: 'D04',
          gridAreas: '800',
        }),
        ctx(),
      );
      expect(body(unknown).errors).toEqual([{ path: 'gridAreas.0', message: "unknown grid area '800'" }]);
    } finally {
      await infra.stop();
      await az.stop();
    }
  });
});
