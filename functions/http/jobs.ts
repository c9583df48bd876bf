import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Job } from '../../shared/jobs/job';
import { listJobsQuery, type CancelConflict, type JobView } from '../../shared/http-api/schemas';
import { AMOUNT_TYPES, jobResultsQuery, type JobResultsFormat } from '../../shared/http-api/job-results';
import { parseParams, queryObject } from '../../shared/http-api/query';
import { readManifest } from '../../shared/settlement/manifest';
import {
  readResultPage,
  resultFiles,
  streamResultChunks,
  type ResultPosition,
  type ResultQuery,
} from '../../shared/results/result-stream';
import { decodeCursor, encodeCursor } from '../../shared/results/result-cursor';
import {
  csvStream,
  jsonResultRow,
  ndjsonStream,
  parquetFileName,
  parquetResultStream,
} from '../../shared/results/result-formats';
import { isWholesaleType } from '../../shared/calculation/wholesale/run';
import type { AuditRecord } from '../../shared/audit/audit-log';
import { readJobBasisData } from '../../shared/settlement/use-cases/read-job-basis-data';
import { TIME_SERIES_TYPES } from '../../shared/domain/codes';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { json, problem } from './responses';
import { jobAccess, scopeBasisData, type RowScope } from '../../shared/auth/access';
import type { Caller } from '../../shared/auth/caller';
import { ANY_ROLE, audited, authorized } from './auth';
import { isValidJobId } from '../../shared/jobs/job-lifecycle';
import { cancelJob } from '../../shared/settlement/use-cases/cancel-job';
import { log } from '../../shared/telemetry/log';

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

/** Typed with the schema the OpenAPI spec publishes (shared/http-api/schemas.ts), so they cannot drift. */
function view(job: Job, scope: RowScope): JobView {
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
    const q = parseParams(listJobsQuery, queryObject(request.query.entries()));
    if (!q.ok) return problem(400, 'invalid query', q.issues);
    const { status, type, limit } = q.value;
    const jobs = await deps.jobs.list({ status, calculationType: type, limit });
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
        return json(409, {
          title: `job ${id} is already ${r.job.status}`,
          jobId: id,
          status: r.job.status,
        } satisfies CancelConflict);
      case 'canceled':
        if (r.terminateError !== null)
          log.warn(
            `cancel: terminate failed (${r.terminateError instanceof Error ? r.terminateError.message : 'unknown error'}); the job is Canceled and its orchestration stops at its next step`,
            { jobId: id },
          );
        return json(200, view(r.job, { kind: 'all' }));
    }
  });
}

type ResultFormat = JobResultsFormat;
const MEDIA_TYPES: Readonly<Record<ResultFormat, string>> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};
const FORMAT_OF_MEDIA_TYPE: Readonly<Record<string, ResultFormat>> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/vnd.apache.parquet': 'parquet',
};

/**
 * The representation an `Accept` header asks for: its media types by q-value (ties: the order
 * given), the first one we produce; JSON when none is ours (`*\/*`, absent, unknown).
 */
export function resultFormatOfAccept(accept: string | null): ResultFormat {
  if (!accept) return 'json';
  const ranked = accept
    .split(',')
    .map((part, order) => {
      const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, order };
    })
    .filter((m) => m.q > 0 && FORMAT_OF_MEDIA_TYPE[m.type] !== undefined)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.length ? FORMAT_OF_MEDIA_TYPE[ranked[0].type] : 'json';
}

/**
 * GET /api/jobs/{id}/results?kind=energy|wholesale&type=&gridArea=&format=json|csv|ndjson|parquet
 * &limit=&cursor= — committed results only. `type` is a time series type (energy) or an amount
 * type (wholesale). Rows are filtered to the caller's scope while the files are read
 * (shared/results/result-stream.ts), and never all held at once:
 *
 * - JSON (default) is paged: at most `limit` rows (default and largest RESULTS_PAGE_MAX_ROWS),
 *   `nextCursor` (null on the last page) and a `Link: <…>; rel="next"` header; a page reads only
 *   from its cursor's file on. A malformed cursor, or one from another query → 400 naming `cursor`.
 * - CSV, NDJSON and Parquet (`format=`, or `Accept: text/csv`, `application/x-ndjson`,
 *   `application/vnd.apache.parquet`; `format` wins) stream the whole result as it is read;
 *   `limit`/`cursor` with them → 400.
 * - `kind=wholesale` of a job whose calculation type has no wholesale results → 400 naming `kind`.
 *
 * Every answer is audited: pages and refusals with their row count; a stream when it starts
 * (no count yet) and again when it ends, with the rows sent (filters.stream = completed|aborted).
 */
export function jobResultsHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest, _context, caller) => {
    const id = request.params.id;
    const maxRows = deps.settings.resultsPageMaxRows;
    const parsed = parseParams(jobResultsQuery, queryObject(request.query.entries()));
    const errors = parsed.ok ? [] : parsed.issues;
    const q = parsed.ok ? parsed.value : { kind: 'energy' as const };
    const { kind, type, gridArea, limit: limitParam, cursor: cursorParam } = q;
    // rules that depend on another parameter or on a setting: checked after the schema
    const types = kind === 'wholesale' ? AMOUNT_TYPES : TIME_SERIES_TYPES;
    if (type && !(types as readonly string[]).includes(type))
      errors.push({
        path: 'type',
        message: `unknown ${kind === 'wholesale' ? 'amount' : 'time series'} type '${type}'`,
      });
    const format: ResultFormat = q.format ?? resultFormatOfAccept(request.headers.get('accept'));
    if (limitParam !== undefined && (limitParam < 1 || limitParam > maxRows))
      errors.push({ path: 'limit', message: `must be an integer from 1 to ${maxRows}` });
    if (format !== 'json')
      for (const [path, v] of [
        ['limit', limitParam],
        ['cursor', cursorParam],
      ] as const)
        if (v !== undefined)
          errors.push({ path, message: `pages are JSON only; format ${format} streams the whole result` });
    const audit = (response: HttpResponseInit, rows?: number) =>
      audited(deps, request, caller, { operation: 'results', route: RESULTS_ROUTE, jobId: id }, response, { rows });
    if (errors.length) return audit(problem(400, 'invalid query', errors));
    const found = await visibleJob(deps, caller, id);
    if (!found) return audit(problem(404, `job ${id} not found`));
    const { job, scope } = found;
    if (job.status !== 'Completed')
      return audit(problem(409, `job ${id} has no committed results (status ${job.status})`));
    if (kind === 'wholesale' && !isWholesaleType(job.calculationType))
      // a valid query that can never have an answer for this job: say why instead of `count: 0`
      return audit(
        problem(400, `job ${id} is an energy calculation of type ${job.calculationType}: it has no wholesale results`, [
          { path: 'kind', message: `${job.calculationType} produces energy results only; ask for kind=energy` },
        ]),
      );
    const manifest = await readManifest(deps.settlement.results, id);
    if (!manifest) return audit(problem(409, `job ${id} has no committed results`));
    const query: ResultQuery = { kind, type, gridArea, scope };
    const results = deps.settlement.results;

    if (format === 'json') {
      const cursorQuery = { jobId: id, kind, type, gridArea };
      let from: ResultPosition = { file: 0, row: 0 };
      if (cursorParam !== undefined) {
        const decoded = decodeCursor(cursorParam, cursorQuery, resultFiles(manifest, kind).length);
        if (!decoded.ok) return audit(problem(400, 'invalid query', [{ path: 'cursor', message: decoded.message }]));
        from = decoded.at;
      }
      const limit = limitParam ?? maxRows;
      const page = await readResultPage(results, manifest, query, from, limit);
      const nextCursor = page.next ? encodeCursor(cursorQuery, page.next) : null;
      const headers: Record<string, string> = {};
      if (nextCursor) {
        const next = new URL(request.url);
        next.searchParams.set('cursor', nextCursor);
        if (limitParam !== undefined) next.searchParams.set('limit', String(limitParam));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return audit(
        json(
          200,
          { jobId: id, kind, count: page.rows.length, results: page.rows.map(jsonResultRow), nextCursor },
          headers,
        ),
        page.rows.length,
      );
    }

    // a stream: audited as it starts (the count is not known yet) and again when it ends
    let rows = 0;
    const onRows = (n: number) => (rows += n);
    const headers: Record<string, string> = { 'content-type': MEDIA_TYPES[format] };
    let body: AsyncIterable<Uint8Array>;
    if (format === 'parquet') {
      const parquet = await parquetResultStream(results, manifest, query, onRows);
      body = parquet.body;
      headers['content-disposition'] = `attachment; filename="${parquetFileName(id, query)}"`;
      // the stored file as is, or the kept rows re-encoded (result-formats.ts)
      headers['x-parquet-source'] = parquet.asStored ? 'stored' : 're-encoded';
    } else {
      const chunks = streamResultChunks(results, manifest, query);
      body = format === 'csv' ? csvStream(kind, chunks, onRows) : ndjsonStream(chunks, onRows);
    }
    const started = await audit({ status: 200, headers, body: null });
    const end = async (outcome: 'completed' | 'aborted') => {
      try {
        await deps.audit.append(streamEndRecord(deps, request, caller, id, outcome, rows));
      } catch (e) {
        // the bytes are out; a lost end record must not turn into a broken stream
        log.error(`results: audit record of the stream end not stored: ${(e as Error).message}`, { jobId: id });
      }
    };
    return { ...started, body: auditedStream(body, end) };
  });
}

const RESULTS_ROUTE = 'GET /api/jobs/{id}/results';

/** The stream's chunks; `end` is told whether it ran to the end or was stopped (client gone, error). */
async function* auditedStream(
  body: AsyncIterable<Uint8Array>,
  end: (outcome: 'completed' | 'aborted') => Promise<void>,
): AsyncGenerator<Uint8Array> {
  let completed = false;
  try {
    for await (const chunk of body) yield chunk;
    completed = true;
  } finally {
    await end(completed ? 'completed' : 'aborted');
  }
}

function streamEndRecord(
  deps: AppDeps,
  request: HttpRequest,
  caller: Caller,
  jobId: string,
  outcome: 'completed' | 'aborted',
  rows: number,
): AuditRecord {
  const filters: Record<string, string> = {};
  for (const [k, v] of request.query.entries()) filters[k] = v.slice(0, 200);
  filters.stream = outcome;
  return {
    id: deps.newId(),
    at: deps.clock().toISOString(),
    subject: caller.subject,
    roles: caller.roles,
    actorNumber: caller.actorNumber,
    operation: 'results',
    route: RESULTS_ROUTE,
    jobId: jobId.slice(0, 200),
    filters,
    outcome: { status: 200, rows },
  };
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
