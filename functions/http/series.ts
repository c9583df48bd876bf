/**
 * Generic series (issue 14): PUT /api/series/{name} writes points into the lake;
 * GET /api/series/{name}, /api/series/meteringpoint/{id} and
 * /api/series/results/{jobId}/{type}/{gridArea}[/{supplier}] answer the same bucketed query
 * (`from`, `to`, `bucket`, `agg`, `fill`, `tags`, `tz`; shared/timeseries/bucket.ts) — the last two
 * read the readings and committed results where they are, without copying them.
 *
 * Access: writing a series is the administrator's (a series is shared by every reader, like the
 * basis data it sits next to); generic series are readable by every role (market and
 * reference data). Metering point readings: the administrator; the grid access provider owning the
 * metering point's grid area; a supplier / BRP only over the periods in which it is the metering
 * point's supplier / BRP — otherwise 404, as for a metering point that does not exist. Results:
 * the job 404 rule and row scope of the results route (shared/auth/access.ts), audited like it.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { ValidationError } from '../../shared/basis-data/errors';
import { hasRole } from '../../shared/auth/access';
import { isAdministrator, type Caller } from '../../shared/auth/caller';
import type { Authenticator } from '../../shared/auth/token-validator';
import type { GridAreaOwnership } from '../../shared/auth/grid-area-ownership';
import type { AuditLog } from '../../shared/audit/audit-log';
import { GRID_AREA_CODE_RE, GSRN_RE } from '../../shared/domain/identifiers';
import { TIME_SERIES_TYPES } from '../../shared/domain/codes';
import { formatInstant } from '../../shared/domain/time';
import type { JobStore } from '../../shared/jobs/job-store';
import type { BlobStore } from '../../shared/storage/blob-store';
import { BucketRangeError, bucketEdges, timeBucket, type PointSeries } from '../../shared/timeseries/bucket';
import { formatScaledBig } from '../../shared/timeseries/exact';
import { queryObject } from '../../shared/timeseries/query-params';
import { issuesOf } from '../../shared/http-api/problem';
import { meteringPointSeries, readReadingCells } from '../../shared/timeseries/readings';
import type { ReadingsSource } from '../../shared/timeseries/readings-source';
import { readResultSeries } from '../../shared/timeseries/result-series';
import {
  assertNoDuplicatePoints,
  parseSeriesBody,
  type SeriesFormat,
  UNIT_RE,
} from '../../shared/timeseries/series-input';
import { RESERVED_SERIES_NAMES, SERIES_NAME_RE, readSeries, writeSeries } from '../../shared/timeseries/series-store';
import { seriesQuery, type SeriesQuery } from '../../shared/http-api/series';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, audited, authorized } from './auth';
import { isTooLarge, readBodyCapped } from './body';
import { visibleJob } from './jobs';
import { json, problem } from './responses';

export interface SeriesHttpDeps {
  authenticator: Authenticator;
  clock: () => Date;
  newId: () => string;
  audit: AuditLog;
  /** The basis-data lake: generic series live under series/ (SERIES_LAKE_PATHS.series). */
  basisData: BlobStore;
  /** Committed results (the results container). */
  results: Pick<BlobStore, 'get'>;
  jobs: Pick<JobStore, 'get'>;
  gridAreaOwnership: () => Promise<GridAreaOwnership>;
  readings: ReadingsSource;
  /** Largest PUT body (MAX_INGESTION_BODY_BYTES); 413 beyond. */
  maxBodyBytes: number;
}

/** Most raw points (no bucket) one GET returns; beyond, ask for buckets. */
export const MAX_RAW_POINTS = 100_000;

const FORMATS: ReadonlyMap<string, SeriesFormat> = new Map([
  ['application/vnd.apache.parquet', 'parquet'],
  ['application/x-ndjson', 'ndjson'],
  ['text/csv', 'csv'],
]);

function parseQuery(request: HttpRequest): SeriesQuery | HttpResponseInit {
  const parsed = seriesQuery.safeParse(queryObject(request.query));
  if (!parsed.success) return problem(400, 'invalid series query', issuesOf(parsed.error));
  const q = parsed.data;
  if (q.bucket) {
    try {
      bucketEdges(q.bucket, q.tz, q.fromMs, q.toMs);
    } catch (e) {
      if (e instanceof BucketRangeError)
        return problem(400, 'invalid series query', [{ path: 'bucket', message: e.message }]);
      throw e;
    }
  }
  return q;
}

const isResponse = (x: unknown): x is HttpResponseInit => typeof x === 'object' && x !== null && 'status' in x;

/** The answer to a series query: buckets, or the raw points (with their tags when they have any). */
export function seriesAnswer(
  what: Record<string, string>,
  unit: string,
  s: PointSeries & { tags?: string[] },
  q: SeriesQuery,
): HttpResponseInit {
  if (!q.bucket) {
    if (s.startMs.length > MAX_RAW_POINTS)
      return problem(400, 'too many points', [
        { path: 'bucket', message: `${s.startMs.length} points: at most ${MAX_RAW_POINTS} without a bucket` },
      ]);
    const points = Array.from(s.startMs, (t, i) => ({
      time: formatInstant(t),
      value: s.present && s.present[i] === 0 ? null : formatScaledBig(s.value[i]),
      ...(s.tags && s.tags[i] !== ''
        ? {
            tags: Object.fromEntries(
              s.tags[i]
                .split(',')
                .map((p): [string, string] => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
            ),
          }
        : {}),
    }));
    return json(200, { ...what, unit, from: formatInstant(q.fromMs), to: formatInstant(q.toMs), points });
  }
  const b = timeBucket(s, {
    bucket: q.bucket,
    tz: q.tz,
    fromMs: q.fromMs,
    toMs: q.toMs,
    agg: q.agg,
    fill: q.fill,
  });
  const points = Array.from(b.startMs, (t, i) => ({
    time: formatInstant(t),
    value: b.present[i] ? formatScaledBig(b.value[i], b.scale) : null,
    count: b.count[i],
    ...(b.filled[i] ? { filled: true } : {}),
  }));
  return json(200, {
    ...what,
    unit: q.agg === 'count' ? 'count' : unit,
    from: formatInstant(q.fromMs),
    to: formatInstant(q.toMs),
    bucket: q.bucket.text,
    agg: q.agg,
    fill: q.fill,
    tz: q.tz,
    points,
  });
}

function formatOf(request: HttpRequest): SeriesFormat | null {
  const f = request.query.get('format');
  if (f) return f === 'parquet' || f === 'ndjson' || f === 'csv' ? f : null;
  return FORMATS.get((request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()) ?? null;
}

function badName(name: string): HttpResponseInit | null {
  if (!SERIES_NAME_RE.test(name) || RESERVED_SERIES_NAMES.has(name.toLowerCase()))
    return problem(400, 'invalid series name', [
      { path: 'name', message: 'letters, digits, _ . - (at most 128; not meteringpoint or results)' },
    ]);
  return null;
}

/** PUT /api/series/{name}: 200 {points, files, unit} after the durable write; 400 naming row and field; 413; 415. */
export function putSeriesHandler(deps: SeriesHttpDeps): HttpHandler {
  return authorized(deps, ['datahub_administrator'], async (request, context) => {
    const name = request.params.name ?? '';
    const bad = badName(name);
    if (bad) return bad;
    const format = formatOf(request);
    if (format === null)
      return problem(
        415,
        'send application/x-ndjson, text/csv or application/vnd.apache.parquet (or ?format=ndjson|csv|parquet)',
      );
    const unit = request.query.get('unit');
    if (unit !== null && !UNIT_RE.test(unit))
      return problem(400, 'invalid series', [{ path: 'unit', message: 'a unit such as kWh, EUR/MWh, g/kWh' }]);
    const body = await readBodyCapped(request, deps.maxBodyBytes);
    if (isTooLarge(body)) return body.tooLarge;
    try {
      const points = parseSeriesBody(body, format, unit);
      assertNoDuplicatePoints(points);
      const r = await writeSeries(deps.basisData, name, points, deps.clock());
      context.log(`series ${name}: ${r.points} points into ${r.files.length} file(s)`);
      return json(200, { name, ...r });
    } catch (e) {
      if (e instanceof ValidationError) {
        const path = e.row !== null ? `row ${e.row}${e.column ? `.${e.column}` : ''}` : (e.column ?? '(body)');
        return problem(400, 'invalid series', [{ path, message: e.reason }]);
      }
      throw e;
    }
  });
}

/** GET /api/series/{name} */
export function getSeriesHandler(deps: SeriesHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request) => {
    const name = request.params.name ?? '';
    const bad = badName(name);
    if (bad) return bad;
    const q = parseQuery(request);
    if (isResponse(q)) return q;
    const r = await readSeries(deps.basisData, name, q.fromMs, q.toMs, q.tagFilter);
    if (!r) return problem(404, `no series ${name}`);
    return seriesAnswer({ name }, r.meta.unit, r.series, q);
  });
}

/** GET /api/series/meteringpoint/{id}: the readings (kWh) as of now. */
export function meteringPointSeriesHandler(deps: SeriesHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const id = request.params.id ?? '';
    if (!GSRN_RE.test(id))
      return problem(400, 'invalid metering point id', [{ path: 'id', message: 'an 18-digit GSRN' }]);
    const q = parseQuery(request);
    if (isResponse(q)) return q;
    const notFound = problem(404, `no metering point ${id}`);
    if (q.tagFilter.length > 0)
      return problem(400, 'invalid series query', [{ path: 'tags', message: 'readings have no tags' }]);
    const now = deps.clock().getTime();
    const source = await deps.readings({ meteringPointId: id }, { from: q.fromMs, to: q.toMs }, now);
    if (!source) return notFound;
    const periods = (await source.readMeteringPointPeriods()).filter((p) => p.meteringPointId === id);
    if (periods.length === 0) return notFound;
    const filter = await readingsScope(deps, caller, periods[periods.length - 1].gridAreaCode, q.toMs, now);
    if (filter === null) return notFound;
    const cells = await readReadingCells(source, { meteringPointId: id, ...filter }, q.fromMs, q.toMs, now);
    if (cells.meteringPointIds.length === 0) return notFound;
    const s = meteringPointSeries(cells, 0);
    return seriesAnswer({ name: `meteringpoint/${id}`, resolution: s.minutes === 60 ? 'PT1H' : 'PT15M' }, 'kWh', s, q);
  });
}

/**
 * Which of a grid area's readings the caller may read: null = none (404). Suppliers and BRPs
 * are narrowed to their own periods; a grid access provider must own the grid area.
 */
export async function readingsScope(
  deps: Pick<SeriesHttpDeps, 'gridAreaOwnership'>,
  caller: Caller,
  gridArea: string,
  toMs: number,
  now: number,
): Promise<{ energySupplierId?: string; balanceResponsiblePartyId?: string } | null> {
  if (isAdministrator(caller)) return {};
  const actor = caller.actorNumber;
  if (actor === null) return null;
  if (hasRole(caller, 'grid_access_provider')) {
    const owned = (await deps.gridAreaOwnership()).ownedIn(
      { gridAreas: [gridArea], asOf: formatInstant(now), periodEnd: formatInstant(toMs) },
      actor,
    );
    if (owned.size > 0) return {};
  }
  if (hasRole(caller, 'energy_supplier')) return { energySupplierId: actor };
  if (hasRole(caller, 'balance_responsible_party')) return { balanceResponsiblePartyId: actor };
  return null;
}

const RESULT_TYPES: readonly string[] = TIME_SERIES_TYPES;

/** GET /api/series/results/{jobId}/{type}/{gridArea}[/{supplier}]: a committed result series (kWh). */
export function resultSeriesHandler(deps: SeriesHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const { jobId = '', type = '', gridArea = '', supplier } = request.params;
    const errors: Array<{ path: string; message: string }> = [];
    if (!RESULT_TYPES.includes(type)) errors.push({ path: 'type', message: `one of ${TIME_SERIES_TYPES.join(', ')}` });
    if (!GRID_AREA_CODE_RE.test(gridArea)) errors.push({ path: 'gridArea', message: 'three digits' });
    if (supplier !== undefined && !/^(\d{13}|[0-9A-Z-]{16})$/.test(supplier))
      errors.push({ path: 'supplier', message: 'a GLN (13 digits) or EIC' });
    if (errors.length > 0) return problem(400, 'invalid result series', errors);
    const q = parseQuery(request);
    if (isResponse(q)) return q;
    const what = { operation: 'results' as const, route: 'series/results', jobId };
    const visible = await visibleJob(deps, caller, jobId);
    if (!visible) return audited(deps, request, caller, what, problem(404, `job ${jobId} not found`));
    const s = await readResultSeries(deps.results, {
      jobId,
      timeSeriesType: type,
      gridArea,
      energySupplierId: supplier,
      scope: visible.scope,
    });
    if (!s) return audited(deps, request, caller, what, problem(409, `job ${jobId} has no committed results yet`));
    const name = `results/${jobId}/${type}/${gridArea}${supplier ? `/${supplier}` : ''}`;
    const inRange = (t: number) => t >= q.fromMs && t < q.toMs;
    const rows = s.startMs.filter(inRange).length;
    return audited(deps, request, caller, what, seriesAnswer({ name }, 'kWh', s, q), { rows });
  });
}
