/**
 * GET /api/jobs/{id}/results as the OpenAPI spec describes it. Kept in its own file, apart from
 * schemas.ts, because the results route is being rewritten (paging with limit/cursor, NDJSON and
 * Parquet, Accept-based formats; issue 13 "Results API at real sizes"): that rewrite validates
 * with this schema and replaces it in one place. The handler (functions/http/jobs.ts
 * jobResultsHandler) still validates today's kind/type/gridArea/format=json|csv by hand.
 */
import { z } from 'zod';
import { TIME_SERIES_TYPES } from '../domain/codes';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';
import { ENERGY_RESULT_COLUMNS } from '../results/energy-result-row';
import { WHOLESALE_RESULT_COLUMNS } from '../results/wholesale-results';

export const AMOUNT_TYPES = ['amount_per_charge', 'monthly_amount_per_charge', 'total_monthly_amount'] as const;
export const JOB_RESULTS_FORMATS = ['json', 'csv', 'ndjson', 'parquet'] as const;

/** Media type of each format (also accepted in `Accept` when `format` is absent). */
export const JOB_RESULTS_MEDIA_TYPES: Record<(typeof JOB_RESULTS_FORMATS)[number], string> = {
  json: 'application/json',
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

export const jobResultsQuery = z.object({
  kind: z
    .enum(['energy', 'wholesale'], { error: "must be 'energy' or 'wholesale'" })
    .default('energy')
    .meta({ description: 'Energy results or (wholesale types) amounts' }),
  type: z
    .string()
    .max(64)
    .meta({
      description: `energy: a time series type (${TIME_SERIES_TYPES.join(', ')}); wholesale: an amount type (${AMOUNT_TYPES.join(', ')})`,
    })
    .optional(),
  gridArea: z
    .string()
    .regex(GRID_AREA_CODE_RE, 'must be a 3-digit grid area code')
    .meta({ description: 'Only this grid area (3 digits)' })
    .optional(),
  format: z
    .enum(JOB_RESULTS_FORMATS)
    .meta({
      description:
        'json (paged), csv and ndjson (streamed), parquet (as stored); without it the Accept header decides, else json',
    })
    .optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .transform(Number)
    .meta({ description: 'json: rows per page' })
    .optional(),
  cursor: z.string().max(2048).meta({ description: 'json: the nextCursor of the previous page' }).optional(),
});

/**
 * A row: every column a string as in the CSV contract ('' for null); quantity_qualities also as
 * the JSON array the results rewrite gives it in JSON.
 */
const row = (columns: readonly string[]) =>
  z.object(
    Object.fromEntries(
      columns.map((c) => [c, c === 'quantity_qualities' ? z.union([z.array(z.string()), z.string()]) : z.string()]),
    ),
  );

export const jobResultsPageSchema = z.object({
  jobId: z.string(),
  count: z.number().int().meta({ description: 'Rows in this answer' }),
  results: z
    .array(z.union([row(ENERGY_RESULT_COLUMNS), row(WHOLESALE_RESULT_COLUMNS)]))
    .meta({ description: 'Rows with the columns of energy_results.csv (kind=energy) or wholesale_results.csv' }),
  nextCursor: z.string().nullable().optional().meta({ description: 'Absent or null on the last page' }),
});
