/**
 * POST /api/jobs/{id}/basis-data-exports?gridArea= — starts the export of a completed job's basis
 * data for one of its grid areas (202 + status URL), or answers from the finished export (200).
 * GET /api/jobs/{id}/basis-data-exports/{gridArea} — 202 while running; 200 with time-limited
 * download links when ready.
 */
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { downloadLinks, readExportStatus } from '../../shared/basis-data-export';
import { NAMES } from '../../shared/config/names';
import type { AppDeps } from '../deps';
import type { ExportInput } from '../../shared/settlement/activity-contracts';
import { exportInstanceId } from '../durable/basis-data-export';
import type { HttpHandler } from '../registry';
import { json, problem } from './responses';
import { GRID_AREA_CODE_RE } from '../../shared/domain/identifiers';

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
  });
}

export function startBasisDataExportHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const jobId = request.params.id;
    const gridArea = request.query.get('gridArea') ?? '';
    if (!GRID_AREA_CODE_RE.test(gridArea))
      return problem(400, 'invalid query', [{ path: 'gridArea', message: 'required: a 3-digit grid area code' }]);
    const job = await deps.jobs.get(jobId);
    if (!job) return problem(404, `job ${jobId} not found`);
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
    return json(202, { jobId, gridArea, state: 'Running', statusUrl: url }, { location: url });
  };
}

export function basisDataExportStatusHandler(deps: AppDeps): HttpHandler {
  return async (request: HttpRequest) => {
    const { id: jobId, gridArea } = request.params;
    if (!GRID_AREA_CODE_RE.test(gridArea))
      return problem(400, 'invalid path', [{ path: 'gridArea', message: 'must be a 3-digit grid area code' }]);
    const url = statusUrl(request, jobId, gridArea);
    const done = await finished(deps, jobId, gridArea, url);
    if (done) return done;
    if (await deps.exports.exists(requestedPath(jobId, gridArea)))
      return json(202, { jobId, gridArea, state: 'Running', statusUrl: url });
    return problem(404, `no basis data export requested for job ${jobId}, grid area ${gridArea}`);
  };
}
