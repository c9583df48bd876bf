import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { JOB_STATUSES, type Job, type JobStatus } from '../../shared/jobs/job';
import { readResults, readWholesaleResults } from '../../shared/results/committed-results';
import { rowsToCsv, wholesaleRowsToCsv } from '../../shared/results/results-csv';
import { readJobBasisData } from '../../shared/settlement/use-cases/read-job-basis-data';
import { TIME_SERIES_TYPES } from '../../shared/domain/codes';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { json, problem } from './responses';
import { GRID_AREA_CODE_RE } from '../../shared/domain/identifiers';
import { jobAccess, scopeBasisData, type RowScope } from '../../shared/auth/access';
import type { Caller } from '../../shared/auth/caller';
import { ANY_ROLE, audited, authorized } from './auth';
import { isValidJobId } from '../../shared/jobs/job-lifecycle';
import { cancelJob } from '../../shared/settlement/use-cases/cancel-job';

/**
 * The job as `caller` may see it, or null when it is not the caller's (answered 404, exactly as
 * for a job that does not exist, so probing ids reveals nothing).
 */
export async function visibleJob(
  deps: { jobs: Pick<AppDeps['jobs'], 'get'>; gridAreaOwnership: AppDeps['gridAreaOwnership'] },
  caller: Caller,
  id: string,
): Promise<{ job: Job; scope: RowScope } | null> {
  // an id no job can have (e.g. with '/', which Table storage refuses as a key) is no job: 404
  if (!isValidJobId(id)) return null;
  const job = await deps.jobs.get(id);
  if (!job) return null;
  const scope = jobAccess(caller, job, await deps.gridAreaOwnership());
  return scope ? { job, scope } : null;
}

function view(job: Job, scope: RowScope) {
  // totals over every actor's rows and the storage path are the administrator's business
  const whole = scope.kind === 'all';
  return {
    id: job.id,
    status: job.status,
    calculationType: job.calculationType,
    periodStart: job.periodStart,
    periodEnd: job.periodEnd,
    gridAreas: job.gridAreas,
    asOf: job.asOf,
    trigger: job.trigger,
    requestedAt: job.requestedAt,
    startedAt: job.startedAt,
    executingAt: job.executingAt,
    finishedAt: job.finishedAt,
    progress: job.progress,
    error: job.error,
    ...(whole ? { outputPath: job.outputPath, resultCounts: job.resultCounts } : {}),
  };
}

/** GET /api/jobs/{id} */
export function getJobHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest, _context, caller) => {
    const found = await visibleJob(deps, caller, request.params.id);
    return found ? json(200, view(found.job, found.scope)) : problem(404, `job ${request.params.id} not found`);
  });
}

/** GET /api/jobs?status=&type=&limit= */
export function listJobsHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest, _context, caller) => {
    const status = request.query.get('status') ?? undefined;
    const type = request.query.get('type') ?? undefined;
    const limit = request.query.get('limit');
    const errors: Array<{ path: string; message: string }> = [];
    if (status && !(JOB_STATUSES as readonly string[]).includes(status))
      errors.push({ path: 'status', message: `unknown status '${status}' (expected ${JOB_STATUSES.join(', ')})` });
    if (limit && !/^\d+$/.test(limit)) errors.push({ path: 'limit', message: 'must be a positive integer' });
    if (errors.length) return problem(400, 'invalid query', errors);
    const jobs = await deps.jobs.list({
      status: status as JobStatus | undefined,
      calculationType: type,
      limit: limit ? Number(limit) : undefined,
    });
    // `limit` counts before the caller's filter: a grid access provider may get fewer
    const ownership = await deps.gridAreaOwnership();
    const visible = jobs.flatMap((job) => {
      const scope = jobAccess(caller, job, ownership);
      return scope ? [view(job, scope)] : [];
    });
    return json(200, { jobs: visible });
  });
}

/**
 * POST /api/jobs/{id}/cancel: 200 with the Canceled job; 409 with the final status when the job
 * is (or, racing this cancel, became) Completed, Failed or Canceled; 404 for no such job.
 */
export function cancelJobHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ['datahub_administrator'], async (request: HttpRequest, context: InvocationContext) => {
    const id = request.params.id;
    const r = await cancelJob(
      {
        jobs: deps.jobs,
        results: deps.settlement.results,
        terminate: (jobId, reason) => deps.orchestrationClient(context).terminate(jobId, reason),
        clock: () => deps.clock(),
      },
      id,
    );
    switch (r.kind) {
      case 'notFound':
        return problem(404, `job ${id} not found`);
      case 'alreadyFinal':
        // as KickStartJob's 409: `status` is the job's (final) status
        return json(409, { title: `job ${id} is already ${r.job.status}`, jobId: id, status: r.job.status });
      case 'canceled':
        if (r.terminateError !== null)
          context.warn(
            `cancel ${id}: terminate failed (${r.terminateError instanceof Error ? r.terminateError.message : 'unknown error'}); the job is Canceled and its orchestration stops at its next step`,
          );
        return json(200, view(r.job, { kind: 'all' }));
    }
  });
}

const AMOUNT_TYPES = ['amount_per_charge', 'monthly_amount_per_charge', 'total_monthly_amount'];

/**
 * GET /api/jobs/{id}/results?kind=energy|wholesale&type=&gridArea=&format=json|csv — committed
 * results only. `type` is a time series type (energy) or an amount type (wholesale). Rows are
 * filtered to the caller's scope while the files are read; every answer is audited.
 */
export function jobResultsHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest, _context, caller) => {
    const id = request.params.id;
    const kind = request.query.get('kind') ?? 'energy';
    const type = request.query.get('type') ?? undefined;
    const gridArea = request.query.get('gridArea') ?? undefined;
    const format = request.query.get('format') ?? 'json';
    const errors: Array<{ path: string; message: string }> = [];
    if (kind !== 'energy' && kind !== 'wholesale')
      errors.push({ path: 'kind', message: "must be 'energy' or 'wholesale'" });
    const types = kind === 'wholesale' ? AMOUNT_TYPES : (TIME_SERIES_TYPES as readonly string[]);
    if (type && !types.includes(type))
      errors.push({
        path: 'type',
        message: `unknown ${kind === 'wholesale' ? 'amount' : 'time series'} type '${type}'`,
      });
    if (gridArea && !GRID_AREA_CODE_RE.test(gridArea))
      errors.push({ path: 'gridArea', message: 'must be a 3-digit grid area code' });
    if (format !== 'json' && format !== 'csv') errors.push({ path: 'format', message: "must be 'json' or 'csv'" });
    const audit = (response: HttpResponseInit, rows?: number) =>
      audited(
        deps,
        request,
        caller,
        { operation: 'results', route: 'GET /api/jobs/{id}/results', jobId: id },
        response,
        {
          rows,
        },
      );
    if (errors.length) return audit(problem(400, 'invalid query', errors));
    const found = await visibleJob(deps, caller, id);
    if (!found) return audit(problem(404, `job ${id} not found`));
    const { job, scope } = found;
    if (job.status !== 'Completed')
      return audit(problem(409, `job ${id} has no committed results (status ${job.status})`));
    const csv = (body: string) => ({ status: 200, body, headers: { 'content-type': 'text/csv; charset=utf-8' } });
    if (kind === 'wholesale') {
      const rows = await readWholesaleResults(deps.settlement.results, id, { amountType: type, gridArea, scope });
      if (!rows) return audit(problem(409, `job ${id} has no committed results`));
      return audit(
        format === 'csv' ? csv(wholesaleRowsToCsv(rows)) : json(200, { jobId: id, count: rows.length, results: rows }),
        rows.length,
      );
    }
    const rows = await readResults(deps.settlement.results, id, { timeSeriesType: type, gridArea, scope });
    if (!rows) return audit(problem(409, `job ${id} has no committed results`));
    return audit(
      format === 'csv' ? csv(rowsToCsv(rows)) : json(200, { jobId: id, count: rows.length, results: rows }),
      rows.length,
    );
  });
}

/**
 * GET /api/jobs/{id}/basis-data — what a committed job calculated from: its as-of, the lake blob
 * versions, the integration events (ids and stored times) and the metering point periods —
 * the part the caller may see (shared/auth/access.ts scopeBasisData); every answer is audited.
 */
export function jobBasisDataHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest, _context, caller) => {
    const id = request.params.id;
    const audit = (response: HttpResponseInit, rows?: number) =>
      audited(
        deps,
        request,
        caller,
        { operation: 'basis-data', route: 'GET /api/jobs/{id}/basis-data', jobId: id },
        response,
        { rows },
      );
    const found = await visibleJob(deps, caller, id);
    if (!found) return audit(problem(404, `job ${id} not found`));
    const { job, scope } = found;
    if (job.status !== 'Completed')
      return audit(problem(409, `job ${id} has no committed basis data (status ${job.status})`));
    const basisData = await readJobBasisData(deps.settlement.results, id);
    if (!basisData) return audit(problem(409, `job ${id} has no committed results`));
    const visible = scopeBasisData(scope, basisData);
    return audit(json(200, { ...visible, asOf: job.asOf }), visible.meteringPointPeriods.length);
  });
}
