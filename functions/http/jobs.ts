import type { HttpRequest, InvocationContext } from '@azure/functions';
import { JOB_STATUSES, TERMINAL_STATUSES, type Job, type JobStatus } from '../../shared/jobs/job';
import { readResults, readWholesaleResults } from '../../shared/results/committed-results';
import { rowsToCsv, wholesaleRowsToCsv } from '../../shared/results/results-csv';
import { readJobBasisData } from '../../shared/settlement/use-cases/read-job-basis-data';
import { TIME_SERIES_TYPES } from '../../shared/domain/codes';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { json, problem } from './responses';
import { GRID_AREA_CODE_RE } from '../../shared/domain/identifiers';

function view(job: Job) {
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
    outputPath: job.outputPath,
    resultCounts: job.resultCounts,
  };
}

/** GET /api/jobs/{id} */
export function getJobHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest) => {
    const job = await deps.jobs.get(request.params.id);
    return job ? json(200, view(job)) : problem(404, `job ${request.params.id} not found`);
  };
}

/** GET /api/jobs?status=&type=&limit= */
export function listJobsHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest) => {
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
    return json(200, { jobs: jobs.map(view) });
  };
}

/** POST /api/jobs/{id}/cancel */
export function cancelJobHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const id = request.params.id;
    const job = await deps.jobs.get(id);
    if (!job) return problem(404, `job ${id} not found`);
    if (TERMINAL_STATUSES.includes(job.status)) return problem(409, `job ${id} is already ${job.status}`);
    const canceled = await deps.jobs.transition(id, 'Canceled', deps.clock(), { error: 'canceled on request' });
    try {
      await deps.orchestrationClient(context).terminate(id, 'canceled on request');
    } catch (e) {
      context.warn(
        `cancel ${id}: terminate failed (${(e as Error).message}); the job is Canceled and its orchestration stops at its next step`,
      );
    }
    return json(200, view(canceled));
  };
}

const AMOUNT_TYPES = ['amount_per_charge', 'monthly_amount_per_charge', 'total_monthly_amount'];

/**
 * GET /api/jobs/{id}/results?kind=energy|wholesale&type=&gridArea=&format=json|csv — committed
 * results only. `type` is a time series type (energy) or an amount type (wholesale).
 */
export function jobResultsHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest) => {
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
    if (errors.length) return problem(400, 'invalid query', errors);
    const job = await deps.jobs.get(id);
    if (!job) return problem(404, `job ${id} not found`);
    if (job.status !== 'Completed') return problem(409, `job ${id} has no committed results (status ${job.status})`);
    const csv = (body: string) => ({ status: 200, body, headers: { 'content-type': 'text/csv; charset=utf-8' } });
    if (kind === 'wholesale') {
      const rows = await readWholesaleResults(deps.settlement.results, id, { amountType: type, gridArea });
      if (!rows) return problem(409, `job ${id} has no committed results`);
      return format === 'csv'
        ? csv(wholesaleRowsToCsv(rows))
        : json(200, { jobId: id, count: rows.length, results: rows });
    }
    const rows = await readResults(deps.settlement.results, id, { timeSeriesType: type, gridArea });
    if (!rows) return problem(409, `job ${id} has no committed results`);
    return format === 'csv' ? csv(rowsToCsv(rows)) : json(200, { jobId: id, count: rows.length, results: rows });
  };
}

/**
 * GET /api/jobs/{id}/basis-data — what a committed job calculated from: its as-of, the lake blob
 * versions, the integration events (ids and stored times) and the metering point periods.
 */
export function jobBasisDataHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest) => {
    const id = request.params.id;
    const job = await deps.jobs.get(id);
    if (!job) return problem(404, `job ${id} not found`);
    if (job.status !== 'Completed') return problem(409, `job ${id} has no committed basis data (status ${job.status})`);
    const basisData = await readJobBasisData(deps.settlement.results, id);
    if (!basisData) return problem(409, `job ${id} has no committed results`);
    return json(200, { ...basisData, asOf: job.asOf });
  };
}
