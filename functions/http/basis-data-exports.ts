/**
 * POST /api/jobs/{id}/basis-data-exports?gridArea= — starts the export of a completed job's basis
 * data for one of its grid areas (202 + status URL), or answers from the finished export (200).
 * GET /api/jobs/{id}/basis-data-exports/{gridArea} — 202 while running; 200 with time-limited
 * download links when ready.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { downloadLinks, isExportableJobId, readExportStatus } from '../../shared/basis-data-export';
import { NAMES } from '../../shared/config/names';
import type { AppDeps } from '../deps';
import type { ExportInput } from '../../shared/settlement/activity-contracts';
import { exportInstanceId } from '../durable/basis-data-export';
import type { HttpHandler } from '../registry';
import { json, problem } from './responses';
import { exportPath, startExportQuery, type ExportCompleted, type ExportRunning } from '../../shared/http-api/schemas';
import { parseParams, queryObject } from '../../shared/http-api/query';
import { mayExportGridArea } from '../../shared/auth/access';
import type { Caller } from '../../shared/auth/caller';
import { audited, authorized } from './auth';
import { visibleJob } from './jobs';
import type { Job } from '../../shared/jobs/job';

/**
 * Exports hold every metering point of a grid area: administrators, and grid access providers
 * for the grid areas they own. Suppliers and BRPs are refused (403) before any lookup.
 */
const EXPORT_ROLES = ['datahub_administrator', 'grid_access_provider'] as const;

/**
 * 404 when the job is not the caller's (as if absent), 403 when it is but the grid area is
 * not one the caller may export; else the job.
 */
async function exportAccess(
  deps: AppDeps,
  caller: Caller,
  jobId: string,
  gridArea: string,
): Promise<{ refused: HttpResponseInit } | { job: Job }> {
  // an id that cannot be a path segment of the export has no export (and would throw RangeError)
  if (!isExportableJobId(jobId)) return { refused: problem(404, `job ${jobId} not found`) };
  const found = await visibleJob(deps, caller, jobId);
  if (!found) return { refused: problem(404, `job ${jobId} not found`) };
  if (!mayExportGridArea(found.scope, gridArea))
    return {
      refused: problem(403, `grid area ${gridArea} is not one of your grid areas`, [
        { path: 'gridArea', message: 'a grid access provider exports the grid areas it owns' },
      ]),
    };
  return { job: found.job };
}

/** Number of download links in a finished export answer (for the audit record). */
const fileCount = (r: HttpResponseInit) =>
  (r.jsonBody as { files?: unknown[] } | undefined)?.files?.length ?? undefined;

/** How long a download link is valid. */
export const DOWNLOAD_LINK_TTL_MS = 60 * 60_000;
const requestedPath = (jobId: string, gridArea: string) => `exports/${jobId}/ga=${gridArea}/requested.json`;

function statusUrl(request: HttpRequest, jobId: string, gridArea: string): string {
  const u = new URL(request.url);
  return `${u.origin}/api/jobs/${encodeURIComponent(jobId)}/basis-data-exports/${gridArea}`;
}

async function finished(deps: AppDeps, jobId: string, gridArea: string, url: string) {
  const status = await readExportStatus(deps.exports, jobId, gridArea);
  if (!status) return null;
  const files = await downloadLinks(status, deps.exports, deps.clock().getTime(), DOWNLOAD_LINK_TTL_MS);
  return json(200, {
    jobId,
    gridArea,
    state: status.state,
    asOf: status.asOf,
    completedAt: status.completedAt,
    statusUrl: url,
    files,
  } satisfies ExportCompleted);
}

export function startBasisDataExportHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, EXPORT_ROLES, async (request: HttpRequest, context: InvocationContext, caller) => {
    const jobId = request.params.id;
    const response = await startExport(deps, request, context, caller);
    return audited(
      deps,
      request,
      caller,
      { operation: 'basis-data-export', route: 'POST /api/jobs/{id}/basis-data-exports', jobId },
      response,
      { files: fileCount(response) },
    );
  });
}

async function startExport(
  deps: AppDeps,
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
): Promise<HttpResponseInit> {
  const jobId = request.params.id;
  const q = parseParams(startExportQuery, queryObject(request.query.entries()));
  if (!q.ok) return problem(400, 'invalid query', q.issues);
  const { gridArea } = q.value;
  const access = await exportAccess(deps, caller, jobId, gridArea);
  if ('refused' in access) return access.refused;
  const { job } = access;
  if (!job.gridAreas.includes(gridArea))
    return problem(400, 'invalid query', [
      {
        path: 'gridArea',
        message: `job ${jobId} did not calculate grid area ${gridArea} (it has ${job.gridAreas.join(', ')})`,
      },
    ]);
  if (job.status !== 'Completed')
    return problem(409, `job ${jobId} is ${job.status}; basis data can be exported once it is Completed`);
  const url = statusUrl(request, jobId, gridArea);
  const done = await finished(deps, jobId, gridArea, url);
  if (done) return done;
  if (!(await deps.exports.exists(requestedPath(jobId, gridArea)))) {
    await deps.exports.put(
      requestedPath(jobId, gridArea),
      JSON.stringify({ jobId, gridArea, requestedAt: deps.clock().toISOString() }),
      'application/json',
    );
    try {
      await deps
        .orchestrationClient(context)
        .start(NAMES.durable.exportOrchestrator, exportInstanceId(jobId, gridArea), {
          jobId,
          gridArea,
        } satisfies ExportInput);
    } catch (e) {
      // a concurrent request started it first; either way an export is running
      context.warn(`export ${jobId}/${gridArea}: start failed (${(e as Error).message}); assuming it is running`);
    }
  }
  return json(202, { jobId, gridArea, state: 'Running', statusUrl: url } satisfies ExportRunning, { location: url });
}

export function basisDataExportStatusHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, EXPORT_ROLES, async (request: HttpRequest, _context, caller) => {
    const { id: jobId } = request.params;
    const response = await exportStatus(deps, request, caller);
    return audited(
      deps,
      request,
      caller,
      { operation: 'basis-data-export-status', route: 'GET /api/jobs/{id}/basis-data-exports/{gridArea}', jobId },
      response,
      { files: fileCount(response) },
    );
  });
}

async function exportStatus(deps: AppDeps, request: HttpRequest, caller: Caller): Promise<HttpResponseInit> {
  const p = parseParams(exportPath, request.params);
  if (!p.ok) return problem(400, 'invalid path', p.issues);
  const { id: jobId, gridArea } = p.value;
  const access = await exportAccess(deps, caller, jobId, gridArea);
  if ('refused' in access) return access.refused;
  const url = statusUrl(request, jobId, gridArea);
  const done = await finished(deps, jobId, gridArea, url);
  if (done) return done;
  if (await deps.exports.exists(requestedPath(jobId, gridArea)))
    return json(202, { jobId, gridArea, state: 'Running', statusUrl: url } satisfies ExportRunning);
  return problem(404, `no basis data export requested for job ${jobId}, grid area ${gridArea}`);
}
