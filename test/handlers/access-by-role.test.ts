/**
 * Access by market role on the HTTP handlers invoked directly (issue 12 finding 5; rules in
 * shared/auth/access.ts): 401 without a valid token, 403 for a role the function refuses, 404 for a
 * job that is not the caller's, and row filtering of results and basis data per role.
 */
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { AppDeps } from '../../functions/deps';
import { jobBasisDataHandler, jobResultsHandler, getJobHandler } from '../../functions/http/jobs';
import { basisDataExportStatusHandler, startBasisDataExportHandler } from '../../functions/http/basis-data-exports';
import type { OrchestrationClient } from '../../functions/registry';
import type { GridAreaOwnership } from '../../shared/auth/grid-area-ownership';
import type { EnergyResultRow } from '../../shared/results/energy-result-row';
import type { BatchOutput } from '../../shared/settlement/batch';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import type { MarketRole } from '../../shared/auth/caller';
import type { AzuriteInstance } from '../../local/azurite';
import { startAzurite, testDeps, testInfra, type TestInfra } from '../support/local-infra';
import { adminToken, tokenFor } from '../support/tokens';

const F1 = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');
const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const GA = '800';
const GAP_OWNER = '5790000000101';
const GAP_OTHER = '5790000000102';
const ES = '1000000000000'; // supplier of some of F1's metering points
const BRP = '2200000000000'; // BRP of others

const noOrchestration: OrchestrationClient = {
  start: () => Promise.reject(new Error('no orchestration in this test')),
  terminate: () => Promise.reject(new Error('no orchestration in this test')),
};
/** GA 800 is GAP_OWNER's (as GridAreaUpdated events would say). */
const ownership: GridAreaOwnership = {
  ownedIn: (job, actor) => new Set(actor === GAP_OWNER ? job.gridAreas.filter((g) => g === GA) : []),
};

const request = (
  method: string,
  path: string,
  token: string | null,
  query: Record<string, string> = {},
  params: Record<string, string> = {},
) =>
  new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}`,
    query,
    params,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
const rowsOf = (r: HttpResponseInit) => (r.jsonBody as { results: EnergyResultRow[] }).results;

describe('handlers by market role', () => {
  let az: AzuriteInstance;
  let infra: TestInfra;
  let deps: AppDeps;
  let jobId: string;
  const tokens: Record<string, string> = {};
  const role = (r: MarketRole, actor?: string) => tokenFor(r, actor);

  beforeAll(async () => {
    az = await startAzurite();
    infra = await testInfra(az, F1);
    deps = {
      ...testDeps(infra, { orchestrationClient: () => noOrchestration }),
      gridAreaOwnership: () => Promise.resolve(ownership),
    };
    tokens.admin = await adminToken();
    tokens.gap = await role('grid_access_provider', GAP_OWNER);
    tokens.otherGap = await role('grid_access_provider', GAP_OTHER);
    tokens.es = await role('energy_supplier', ES);
    tokens.brp = await role('balance_responsible_party', BRP);
    // a committed job of F1, through the settlement use cases
    const now = new Date('2024-01-31T09:39:00Z');
    const s = { ...deps.settlement, clock: () => now };
    const { job } = await deps.jobs.createOrGetActive(
      'access-by-role',
      {
        calculationType: 'balance_fixing',
        periodStart: '2023-07-02T02:00:00.000Z',
        periodEnd: '2023-07-02T03:00:00.000Z',
        gridAreas: [GA],
        asOf: now.toISOString(),
        createdByUserId: 'test',
        trigger: 'test',
      },
      now,
    );
    jobId = job.id;
    const batches = await planBatches(s, jobId);
    await deps.jobs.transition(jobId, 'Started', now);
    await deps.jobs.transition(jobId, 'Executing', now);
    const outputs: BatchOutput[] = [];
    for (const b of batches) outputs.push(await calculateBatch(s, jobId, b));
    await commitJob(s, jobId, outputs);
  }, 120_000);
  afterAll(async () => {
    await infra.stop();
    await az.stop();
  });

  const results = (token: string | null, query: Record<string, string> = {}) =>
    jobResultsHandler(deps)(request('GET', `jobs/${jobId}/results`, token, query, { id: jobId }), ctx());

  it('401 without a token or with an invalid one', async () => {
    for (const token of [null, 'garbage']) {
      expect((await results(token)).status).toBe(401);
      expect((await getJobHandler(deps)(request('GET', `jobs/${jobId}`, token, {}, { id: jobId }), ctx())).status).toBe(
        401,
      );
      expect(
        (await jobBasisDataHandler(deps)(request('GET', `jobs/${jobId}/basis-data`, token, {}, { id: jobId }), ctx()))
          .status,
      ).toBe(401);
    }
  });

  it('the administrator sees every row, grid-area totals included', async () => {
    const all = rowsOf(await results(tokens.admin));
    expect(all.some((r) => r.energy_supplier_id === ES)).toBe(true);
    expect(all.some((r) => r.balance_responsible_party_id === BRP)).toBe(true);
    expect(all.some((r) => r.energy_supplier_id === '' && r.balance_responsible_party_id === '')).toBe(true);
    expect(all.some((r) => r.energy_supplier_id !== ES && r.energy_supplier_id !== '')).toBe(true);
  });

  it('an energy supplier sees only its rows, a BRP only its rows: never grid-area totals', async () => {
    const all = rowsOf(await results(tokens.admin));
    const es = rowsOf(await results(tokens.es));
    expect(es.length).toBeGreaterThan(0);
    expect(es).toEqual(all.filter((r) => r.energy_supplier_id === ES));
    const brp = rowsOf(await results(tokens.brp));
    expect(brp.length).toBeGreaterThan(0);
    expect(brp).toEqual(all.filter((r) => r.balance_responsible_party_id === BRP));
  });

  it('the grid access provider sees its grid area, totals without supplier included; another one gets 404', async () => {
    const all = rowsOf(await results(tokens.admin));
    expect(rowsOf(await results(tokens.gap))).toEqual(all.filter((r) => r.grid_area_code === GA));
    expect((await results(tokens.otherGap)).status).toBe(404);
    expect(
      (await getJobHandler(deps)(request('GET', `jobs/${jobId}`, tokens.otherGap, {}, { id: jobId }), ctx())).status,
    ).toBe(404);
    expect(
      (
        await jobBasisDataHandler(deps)(
          request('GET', `jobs/${jobId}/basis-data`, tokens.otherGap, {}, { id: jobId }),
          ctx(),
        )
      ).status,
    ).toBe(404);
  });

  it('basis data: the supplier gets only its metering point periods and no lineage; the owner all of its grid area', async () => {
    const basis = async (token: string) =>
      (await jobBasisDataHandler(deps)(request('GET', `jobs/${jobId}/basis-data`, token, {}, { id: jobId }), ctx()))
        .jsonBody as {
        meteringPointPeriods: Array<{ energySupplierId: string | null; gridAreaCode: string }>;
        lakeBlobs: unknown[];
      };
    const admin = await basis(tokens.admin);
    const es = await basis(tokens.es);
    expect(es.meteringPointPeriods.length).toBeGreaterThan(0);
    expect(es.meteringPointPeriods.every((p) => p.energySupplierId === ES)).toBe(true);
    expect(es.meteringPointPeriods.length).toBeLessThan(admin.meteringPointPeriods.length);
    expect(es.lakeBlobs).toEqual([]);
    const gap = await basis(tokens.gap);
    expect(gap.lakeBlobs.length).toBeGreaterThan(0);
    expect(gap.meteringPointPeriods.length).toBe(admin.meteringPointPeriods.length);
  });

  it('exports: 403 for suppliers and BRPs; 404 for a grid access provider whose job it is not', async () => {
    const start = (token: string, ga: string) =>
      startBasisDataExportHandler(deps)(
        request('POST', `jobs/${jobId}/basis-data-exports`, token, { gridArea: ga }, { id: jobId }),
        ctx(),
      );
    const status = (token: string) =>
      basisDataExportStatusHandler(deps)(
        request('GET', `jobs/${jobId}/basis-data-exports/${GA}`, token, {}, { id: jobId, exportId: GA }),
        ctx(),
      );
    expect((await start(tokens.es, GA)).status).toBe(403);
    expect((await start(tokens.brp, GA)).status).toBe(403);
    expect((await status(tokens.es)).status).toBe(403);
    expect((await status(tokens.brp)).status).toBe(403);
    expect((await start(tokens.otherGap, GA)).status).toBe(404);
  });
});
