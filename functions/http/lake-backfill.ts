/**
 * POST /api/lake/backfills?dataset=weather_daily&from=&to= (administrators) — backfill the daily
 * weather of every region for the UTC days from..to (inclusive): 202 + status URL (a durable
 * orchestration over region × year chunks), or 200 when the ledger already holds every chunk.
 * GET /api/lake/backfills/{id} — 202 while running (with the chunks stored so far), 200 with the
 * result once finished, 404 for an unknown id.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { NAMES } from '../../shared/config/names';
import { issuesOf } from '../../shared/http-api/problem';
import { startLakeBackfillQuery } from '../../shared/http-api/lake';
import {
  BACKFILL_DATASET,
  planWeatherChunks,
  readWeatherBackfillRequest,
  readWeatherBackfillResult,
  weatherBackfillId,
  weatherCoverage,
  writeWeatherBackfillRequest,
  type WeatherBackfillRequest,
} from '../../shared/lake/weather/weather-backfill';
import { loadWeatherRegions } from '../../shared/lake/weather/weather-ingestion';
import type { WeatherRegion } from '../../shared/lake/weather/open-meteo';
import type { WeatherBackfillInput } from '../../shared/settlement/activity-contracts';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { authorized } from './auth';
import { baseUrl, json, problem } from './responses';

const ADMIN = ['datahub_administrator'] as const;
const ID_RE = /^weather_daily-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$/;

const statusUrl = (request: HttpRequest, id: string) =>
  `${baseUrl(request)}/api/lake/backfills/${encodeURIComponent(id)}`;

/** The regions of the hourly weather (WEATHER_REGIONS_FILE), else the shipped list: a backfill is asked for explicitly. */
function regionsOf(deps: AppDeps): WeatherRegion[] {
  return deps.lake.weatherRegions.length > 0 ? deps.lake.weatherRegions : loadWeatherRegions();
}

export function startLakeBackfillHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ADMIN, async (request: HttpRequest, context: InvocationContext) => {
    const parsed = startLakeBackfillQuery.safeParse(Object.fromEntries(request.query.entries()));
    if (!parsed.success) return problem(400, 'invalid query', issuesOf(parsed.error));
    const { from, to } = parsed.data;
    const regions = regionsOf(deps);
    const id = weatherBackfillId(from, to, regions);
    const req: WeatherBackfillRequest = {
      id,
      dataset: BACKFILL_DATASET,
      from,
      to,
      regions: regions.map((r) => r.id),
    };
    const chunks = planWeatherChunks(from, to, regions);
    const blobs = deps.lake.partitions.blobs;
    const url = statusUrl(request, id);
    const stored = await weatherCoverage(blobs, chunks);
    if (stored.stored === chunks.length)
      return json(200, { ...req, state: 'Stored', statusUrl: url, coverage: stored });
    // a finished run (with chunks missing) is replaced by this one; a running one keeps its record
    if ((await readWeatherBackfillResult(blobs, id)) || !(await readWeatherBackfillRequest(blobs, id)))
      await writeWeatherBackfillRequest(blobs, req, deps.clock().toISOString());
    // started even when a record exists: a running instance refuses (below), a dead one is replaced
    try {
      await deps.orchestrationClient(context).start(NAMES.durable.weatherBackfillOrchestrator, id, {
        id,
        chunks,
        regions: req.regions,
        maxParallel: deps.lake.weatherBackfillMaxParallel,
      } satisfies WeatherBackfillInput);
    } catch (e) {
      // the same request is running: its status answers both
      context.log(`weather backfill ${id}: not started (${(e as Error).message}); it is running`);
    }
    return json(202, { ...req, state: 'Running', statusUrl: url, coverage: stored }, { location: url });
  });
}

export function lakeBackfillStatusHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ADMIN, async (request: HttpRequest): Promise<HttpResponseInit> => {
    const id = request.params.id;
    const blobs = deps.lake.partitions.blobs;
    const req = ID_RE.test(id) ? await readWeatherBackfillRequest(blobs, id) : null;
    if (!req) return problem(404, `no lake backfill ${id}`);
    const regions = regionsOf(deps).filter((r) => req.regions.includes(r.id));
    const stored = await weatherCoverage(blobs, planWeatherChunks(req.from, req.to, regions));
    const result = await readWeatherBackfillResult(blobs, id);
    const url = statusUrl(request, id);
    const { requestedAt: _requestedAt, ...shown } = req;
    if (!result) return json(202, { ...shown, state: 'Running', statusUrl: url, coverage: stored });
    return json(200, {
      ...shown,
      state: result.failed.length > 0 ? 'CompletedWithErrors' : 'Completed',
      statusUrl: url,
      result,
      coverage: stored,
    });
  });
}
