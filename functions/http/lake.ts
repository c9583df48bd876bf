/**
 * Lake ingestion runs over HTTP (issue 15), administrators only:
 * `GET /api/lake/runs?source=&day=` lists a source's runs (newest day first) or answers one;
 * `POST /api/lake/runs?source=&day=&force=true` runs (or resumes, or with force repeats) one
 * ingestion now and answers its final state — how an operator re-runs a failed day.
 */
import type { HttpRequest } from '@azure/functions';
import { listRunStates, readRunState, runIngestion } from '../../shared/lake/ingestion';
import { checkDay } from '../../shared/lake/zones';
import { LakePathError } from '../../shared/lake/errors';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { authorized } from './auth';
import { json, problem } from './responses';

const ADMIN = ['datahub_administrator'] as const;

function target(deps: AppDeps, request: HttpRequest, dayRequired: boolean) {
  const name = request.query.get('source') ?? '';
  const source = deps.lake.sources.find((s) => s.name === name);
  if (!source)
    return {
      error: problem(404, `no lake source ${JSON.stringify(name)}`, [
        {
          path: 'source',
          message: `one of: ${deps.lake.sources.map((s) => s.name).join(', ') || '(none configured)'}`,
        },
      ]),
    };
  const day = request.query.get('day');
  if (day === null)
    return dayRequired
      ? { error: problem(400, 'day is required', [{ path: 'day', message: 'YYYY-MM-DD' }]) }
      : { source, day };
  try {
    return { source, day: checkDay(day) };
  } catch (e) {
    if (e instanceof LakePathError) return { error: problem(400, 'invalid day', [{ path: 'day', message: e.reason }]) };
    throw e;
  }
}

export function lakeRunsHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ADMIN, async (request) => {
    const t = target(deps, request, false);
    if ('error' in t) return t.error as ReturnType<typeof problem>;
    if (t.day === null)
      return json(200, { source: t.source.name, runs: await listRunStates(deps.lake, t.source.name) });
    const state = await readRunState(deps.lake, t.source.name, t.day);
    return state ? json(200, state) : problem(404, `no run of ${t.source.name} for ${t.day}`);
  });
}

export function startLakeRunHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ADMIN, async (request, context) => {
    const t = target(deps, request, true);
    if ('error' in t) return t.error as ReturnType<typeof problem>;
    const day = t.day as string;
    const state = await runIngestion(deps.lake, t.source, day, { force: request.query.get('force') === 'true' });
    context.log(`lake ${t.source.name} ${day}: ${state.status}${state.error ? ` (${state.error})` : ''}`);
    // the run's own outcome is in the body; 200 either way, the request itself was served
    return json(200, state);
  });
}
