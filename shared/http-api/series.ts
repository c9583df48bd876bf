/**
 * Parameters of the generic series and KPI routes (issue 14), shared by the handlers
 * (functions/http/series.ts, kpis.ts) and the OpenAPI spec (routes.ts).
 */
import { z } from 'zod';
import { ACTOR_NUMBER_RE } from '../auth/caller';
import { TIME_SERIES_TYPES } from '../domain/codes';
import { GRID_AREA_CODE_RE, GSRN_RE } from '../domain/identifiers';
import { MARKET_TIME_ZONE } from '../domain/local-time';
import { DAY_MS, QUARTER_MS } from '../domain/time';
import { AGGREGATES, FILLS } from '../timeseries/bucket';
import { bucketParam, instantOrLocalDate, parseInstantOrLocalDate, timeZoneParam } from '../timeseries/query-params';
import type { TagFilter } from '../timeseries/series-store';

const TAGS_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}:[^,=]{1,256}(,[A-Za-z_][A-Za-z0-9_.-]{0,63}:[^,=]{1,256})*$/;

export const seriesQueryFields = z
  .object({
    from: z.string().max(64),
    to: z.string().max(64),
    bucket: bucketParam.optional(),
    agg: z.enum(AGGREGATES).default('avg'),
    fill: z.enum(FILLS).default('null'),
    tags: z.string().max(2000).regex(TAGS_RE, 'k:v pairs separated by commas, e.g. site:north,meter:7').optional(),
    tz: timeZoneParam.default(MARKET_TIME_ZONE),
  })
  .strict();

export const seriesQuery = seriesQueryFields.transform((q, ctx) => {
  // local dates are midnights of the query's zone
  const from = parseInstantOrLocalDate(q.from, q.tz);
  const to = parseInstantOrLocalDate(q.to, q.tz);
  if (from === null)
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'an ISO-8601 instant or a local date YYYY-MM-DD' });
  if (to === null)
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'an ISO-8601 instant or a local date YYYY-MM-DD' });
  if (from === null || to === null) return z.NEVER;
  if (!(to > from)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    return z.NEVER;
  }
  const tags: TagFilter = q.tags ? q.tags.split(',').map((p) => p.split(':', 2) as [string, string]) : [];
  return { ...q, fromMs: from, toMs: to, tagFilter: tags };
});
export type SeriesQuery = z.output<typeof seriesQuery>;

export const MAX_KPI_DAYS = 366;

export const kpiQuery = z
  .object({
    gridArea: z.string().regex(GRID_AREA_CODE_RE, 'three digits'),
    energySupplier: z.string().regex(ACTOR_NUMBER_RE, 'a GLN (13 digits) or EIC').optional(),
    meteringPoint: z.string().regex(GSRN_RE, 'an 18-digit GSRN').optional(),
    jobId: z.string().min(1).max(64).optional(),
    from: instantOrLocalDate(),
    to: instantOrLocalDate(),
    resolution: bucketParam.default({ kind: 'days', days: 1, text: 'P1D' }),
  })
  .strict()
  .superRefine((q, ctx) => {
    for (const k of ['from', 'to'] as const)
      if (q[k] % QUARTER_MS !== 0) ctx.addIssue({ code: 'custom', path: [k], message: 'on a quarter-hour boundary' });
    if (!(q.to > q.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    else if (q.to - q.from > MAX_KPI_DAYS * DAY_MS)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_KPI_DAYS} days per request` });
    if (q.jobId !== undefined && q.meteringPoint !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['meteringPoint'],
        message: 'job results have no metering points: not with jobId',
      });
    if (q.resolution.kind === 'fixed' && q.resolution.ms % QUARTER_MS !== 0)
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: 'a multiple of PT15M' });
  });

// ---- path parameters ----

export const seriesNamePath = z.object({ name: z.string().meta({ description: 'The series name' }) });
export const meteringPointPath = z.object({
  id: z.string().regex(GSRN_RE, 'an 18-digit GSRN').meta({ description: 'Metering point id (GSRN)' }),
});
export const resultSeriesPath = z.object({
  jobId: z.string().meta({ description: 'A completed job' }),
  type: z.enum(TIME_SERIES_TYPES).meta({ description: 'Time series type' }),
  gridArea: z.string().regex(GRID_AREA_CODE_RE, 'three digits').meta({ description: 'Grid area code' }),
});
export const supplierResultSeriesPath = resultSeriesPath.extend({
  supplier: z.string().regex(ACTOR_NUMBER_RE).meta({ description: 'Energy supplier (GLN or EIC)' }),
});
export const kpiReportPath = z.object({
  report: z
    .string()
    .meta({ description: 'A KPI report defined as data (shared/kpis/kpi-definitions.json), e.g. spot-cost' }),
});
