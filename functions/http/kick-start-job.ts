import type { HttpRequest, InvocationContext } from '@azure/functions';
import { parseKickStartRequest } from '../../shared/settlement/kick-start-request';
import { startJob } from '../../shared/settlement/use-cases/start-job';
import { startJobDeps, type AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { baseUrl, json, problem } from './responses';
import { authorized } from './auth';
import { isTooLarge, readBodyCapped } from './body';
import type { JobAccepted, JobConflict } from '../../shared/http-api/schemas';
import { log } from '../../shared/telemetry/log';

/**
 * KickStartJob: GET with query parameters or POST with the same fields as JSON. 202 with the
 * job id and status URL; 400 with the zod issues (nothing registered); 409 with the running
 * job when the same type, period and grid areas is already running; 413 for a body over
 * MAX_JOB_REQUEST_BODY_BYTES (refused before it is read whole). Administrators only; the
 * job's createdByUserId is the token's subject.
 */
export function kickStartJobHandler(deps: AppDeps): HttpHandler {
  return authorized(
    deps,
    ['datahub_administrator'],
    async (request: HttpRequest, context: InvocationContext, caller) => {
      let raw: unknown;
      if (request.method === 'GET') {
        raw = Object.fromEntries(request.query.entries());
      } else {
        const body = await readBodyCapped(request, deps.settings.maxRequestBodyBytes.job);
        if (isTooLarge(body)) return body.tooLarge;
        try {
          raw = JSON.parse(new TextDecoder().decode(body)) as unknown;
        } catch {
          return problem(400, 'request body is not valid JSON', [
            { path: '(body)', message: 'expected a JSON object' },
          ]);
        }
      }
      const now = deps.clock();
      const parsed = parseKickStartRequest(raw, {
        knownGridAreas: await deps.knownGridAreas(),
        quarterlyTransition: deps.settings.quarterlyTransition,
        periodLimits: deps.settings.periodLimits,
        now,
        createdByUserId: caller.subject,
      });
      if (!parsed.ok) return problem(400, 'invalid KickStartJob request', parsed.issues);
      const started = await startJob(startJobDeps(deps, context), deps.newId(), parsed.spec, now);
      const { job } = started;
      const statusUrl = `${baseUrl(request)}/api/jobs/${job.id}`;
      switch (started.kind) {
        case 'alreadyActive':
          return json(
            409,
            {
              title: 'a job for the same calculation type, period and grid areas is already running',
              jobId: job.id,
              status: job.status,
              statusUrl,
            } satisfies JobConflict,
            { location: statusUrl },
          );
        case 'startFailed':
          // the use case marked the job Failed
          log.error(`KickStartJob: the orchestration could not start: ${started.message}`, { jobId: job.id });
          return problem(500, 'the job could not be started');
        case 'created':
          log.info(
            `KickStartJob: ${job.calculationType} ${job.periodStart}..${job.periodEnd} ${job.gridAreas.join(',')} started`,
            { jobId: job.id },
          );
          return json(202, { jobId: job.id, status: job.status, statusUrl } satisfies JobAccepted, {
            location: statusUrl,
          });
      }
    },
  );
}
