/**
 * Parameters and answers of the market-data backfill routes (issue 14), shared by the handlers
 * (functions/http/market-data-ingest.ts) and the OpenAPI spec (routes.ts).
 */
import { z } from 'zod';
import { CURRENCIES, PRICE_RESOLUTIONS } from '../market-data/prices';
import { MARKET_DATA_SOURCES, areasOf } from '../market-data/sources/catalog';
import { instantOrLocalDate } from '../timeseries/query-params';
import { localDateStart } from '../market-data/use-cases/backfill';

/** Longest backfill in one request: ten years is ~120 monthly or ~520 weekly chunks per area. */
export const MAX_BACKFILL_RANGE_DAYS = 3660;

const localDate = (description: string) =>
  z
    .string()
    .refine((d) => localDateStart(d) !== null, 'must be a date YYYY-MM-DD')
    .meta({ description: `${description} (a Danish local date YYYY-MM-DD)`, examples: ['2024-01-01'] });

/** POST /api/market-data/ingest?source=&from=&to=&areas= */
export const marketDataIngestQuery = z
  .object({
    source: z.enum(MARKET_DATA_SOURCES).meta({ description: 'Which source to backfill from' }),
    from: localDate('First day'),
    to: localDate('Day after the last day (exclusive)'),
    areas: z
      .string()
      .max(200)
      .meta({ description: 'Comma-separated price areas (default: all of the source)', examples: ['DK1,DK2'] })
      .optional(),
  })
  .superRefine((v, ctx) => {
    const f = localDateStart(v.from);
    const t = localDateStart(v.to);
    if (f !== null && t !== null) {
      if (f >= t) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from (to is exclusive)' });
      else if (t - f > MAX_BACKFILL_RANGE_DAYS * 86_400_000)
        ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_BACKFILL_RANGE_DAYS} days per request` });
      if (f < Date.UTC(2000, 0, 1))
        ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be 2000-01-01 or later' });
    }
    for (const a of v.areas?.split(',') ?? [])
      if (!areasOf(v.source).includes(a))
        ctx.addIssue({
          code: 'custom',
          path: ['areas'],
          message: `${v.source} has no area '${a}' (${areasOf(v.source).join(', ')})`,
        });
  });

export const marketDataIngestPath = z.object({
  id: z.string().meta({ description: 'The backfill id (from the start answer)' }),
});

const coverageSchema = z.looseObject({}).meta({ description: 'Which chunks of the range are stored' });

/** The start and status answers: the request, its state and the stored coverage. */
export const marketDataBackfillSchema = z.looseObject({
  id: z.string(),
  source: z.enum(MARKET_DATA_SOURCES),
  from: z.string(),
  to: z.string(),
  areas: z.array(z.string()),
  state: z.enum(['Stored', 'Running', 'Completed', 'CompletedWithErrors']),
  statusUrl: z.string(),
  coverage: coverageSchema,
  result: z.looseObject({}).optional(),
});

export const PRICE_AREA_RE = /^[A-Z]{2}[0-9A-Z-]{0,8}$/;

export const priceQuery = z
  .object({
    area: z.string().regex(PRICE_AREA_RE, 'a price area such as DK1, DK2 or DE-LU'),
    from: instantOrLocalDate(),
    to: instantOrLocalDate(),
    resolution: z.enum(PRICE_RESOLUTIONS).default('PT1H'),
    currency: z.enum(CURRENCIES).default('EUR'),
  })
  .strict()
  .refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] });
