/**
 * Parameters and answers of the lake's serving routes (issue 15): datasets, region summaries and
 * customer areas. The handlers validate with these; the OpenAPI document publishes them.
 */
import { z } from 'zod';
import { CUSTOMER_ID_RE, LAKE_NAME_RE, checkDay, daysBetween } from '../lake/zones';

/** Longest date range of one dataset request (a year: ~9,000 hourly partitions at most). */
export const DATASET_MAX_RANGE_DAYS = 366;
export const DATASET_FORMATS = ['json', 'csv', 'parquet'] as const;
export const DATASET_MEDIA_TYPES: Record<(typeof DATASET_FORMATS)[number], string> = {
  json: 'application/json',
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
};

const isDay = (d: string) => {
  try {
    checkDay(d);
    return true;
  } catch {
    return false;
  }
};
const day = z.string().refine(isDay, 'must be a calendar day YYYY-MM-DD');
const lakeName = z.string().max(64).regex(LAKE_NAME_RE, `must match ${LAKE_NAME_RE.source}`);

export const datasetPath = z.object({
  name: z.string().meta({
    description:
      "A served dataset (weather_current, weather_forecast, weather_daily, weather_rolling, stream_d_events, market_interest_daily, regions, or a scheduled source's curated dataset); anything else 404",
  }),
});

export const datasetQuery = z
  .object({
    from: day.meta({ description: 'First partition date (UTC day, inclusive)', examples: ['2024-03-01'] }),
    to: day
      .optional()
      .meta({ description: `Last partition date (inclusive; default from); at most ${DATASET_MAX_RANGE_DAYS} days` }),
    region: lakeName.optional().meta({ description: 'Only rows of this region (datasets with a region column)' }),
    format: z
      .enum(DATASET_FORMATS, { error: `must be one of ${DATASET_FORMATS.join(', ')}` })
      .optional()
      .meta({
        description: 'json (paged), csv or parquet (streamed); without it the Accept header decides, else json',
      }),
    limit: z
      .string()
      .regex(/^\d{1,9}$/, 'must be an integer from 1 to LAKE_PAGE_MAX_ROWS')
      .transform(Number)
      .optional()
      .meta({ description: 'json: rows per page, 1 to LAKE_PAGE_MAX_ROWS (also the default)' }),
    cursor: z.string().max(512).optional().meta({ description: 'json: the nextCursor of the previous page' }),
  })
  .superRefine((q, ctx) => {
    if (q.to === undefined || !isDay(q.from) || !isDay(q.to)) return;
    const days = daysBetween(q.from, q.to);
    if (days < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (days >= DATASET_MAX_RANGE_DAYS)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${DATASET_MAX_RANGE_DAYS} days from from` });
  });

export const datasetPageSchema = z.object({
  dataset: z.string(),
  count: z.number().int(),
  rows: z
    .array(z.record(z.string(), z.union([z.string(), z.number(), z.null()])))
    .meta({ description: 'date and sub-partition keys first, then the stored columns; decimals as exact text' }),
  nextCursor: z.string().nullable(),
});

export const regionPath = z.object({ id: lakeName.meta({ description: 'A region id (e.g. dk-copenhagen)' }) });

const row = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
export const regionSummarySchema = z.object({
  region: z.string(),
  metadata: z.looseObject({ firstSeen: z.string().nullable() }),
  weather: z.object({ date: z.string(), sevenDays: row.nullable(), thirtyDays: row.nullable() }).nullable(),
  marketInterest: z.object({ date: z.string(), interest: z.string(), events: z.number().int() }).nullable(),
  versions: z.record(z.string(), z.string()),
});

// ---- customer areas

export const customerId = z
  .string()
  .regex(CUSTOMER_ID_RE, 'must be a customer id (the actor number: GLN 13 digits or EIC 16 characters)');
export const customerName = lakeName;
export const customerPath = z.object({ customerId });
export const analysisPath = z.object({ customerId, name: customerName });
export const analysisRunPath = z.object({
  customerId,
  name: customerName,
  runId: z.string().regex(/^run-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/, 'must be a run id'),
});

export const customerUploadQuery = z.object({
  name: customerName.meta({ description: 'The upload name (lower-case words joined by _ or -)' }),
  format: z.enum(['csv', 'parquet']).optional().meta({ description: 'Default from the Content-Type' }),
});

export const analysisResultsQuery = z.object({
  format: z.enum(['json', 'csv'], { error: 'must be json or csv' }).optional(),
});
