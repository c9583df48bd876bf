/**
 * GET /api/jobs/{id}/results: the query the handler (functions/http/jobs.ts jobResultsHandler)
 * validates with and the OpenAPI spec publishes. Rules that depend on another parameter or a
 * setting (`type` per `kind`, `limit` ≤ RESULTS_PAGE_MAX_ROWS, `limit`/`cursor` only for JSON)
 * are checked by the handler after this schema.
 */
import { z } from 'zod';
import { TIME_SERIES_TYPES } from '../domain/codes';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';
import { ENERGY_RESULT_COLUMNS } from '../results/energy-result-row';
import { WHOLESALE_RESULT_COLUMNS } from '../results/wholesale-results';

export const AMOUNT_TYPES = ['amount_per_charge', 'monthly_amount_per_charge', 'total_monthly_amount'] as const;
export const JOB_RESULTS_FORMATS = ['json', 'csv', 'ndjson', 'parquet'] as const;
export type JobResultsFormat = (typeof JOB_RESULTS_FORMATS)[number];

/** Media type of each format (also accepted in `Accept` when `format` is absent). */
export const JOB_RESULTS_MEDIA_TYPES: Record<(typeof JOB_RESULTS_FORMATS)[number], string> = {
  json: 'application/json',
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

/** `kind` of a results read (results, diff): energy by default. */
export const resultKindField = (description: string) =>
  z.enum(['energy', 'wholesale'], { error: "must be 'energy' or 'wholesale'" }).default('energy').meta({ description });

/** The filters every read of committed results takes (results, diff). */
export const resultFilterFields = {
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
};

export const jobResultsQuery = z.object({
  kind: resultKindField('Energy results or (wholesale types) amounts'),
  ...resultFilterFields,
  format: z
    .enum(JOB_RESULTS_FORMATS, { error: `must be one of ${JOB_RESULTS_FORMATS.join(', ')}` })
    .meta({
      description:
        'json (paged), csv and ndjson (streamed), parquet (as stored); without it the Accept header decides, else json',
    })
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,9}$/, 'must be an integer from 1 to RESULTS_PAGE_MAX_ROWS')
    .transform(Number)
    .meta({ description: 'json: rows per page, 1 to RESULTS_PAGE_MAX_ROWS (also the default)' })
    .optional(),
  cursor: z
    .string()
    .max(2048)
    .meta({ description: 'json: the nextCursor of the previous page (400 naming cursor when altered)' })
    .optional(),
});

/**
 * A row: every column a string as in the CSV contract ('' for null), except quantity_qualities,
 * which JSON gives as an array (null for wholesale rows without qualities).
 */
const row = (columns: readonly string[]) =>
  z.object(
    Object.fromEntries(
      columns.map((c) => [c, c === 'quantity_qualities' ? z.array(z.string()).nullable() : z.string()]),
    ),
  );

export const jobResultsPageSchema = z.object({
  jobId: z.string(),
  kind: z.enum(['energy', 'wholesale']),
  count: z.number().int().meta({ description: 'Rows in this page' }),
  results: z
    .array(z.union([row(ENERGY_RESULT_COLUMNS), row(WHOLESALE_RESULT_COLUMNS)]))
    .meta({ description: 'Rows with the columns of energy_results.csv (kind=energy) or wholesale_results.csv' }),
  nextCursor: z.string().nullable().meta({ description: 'null on the last page; also in the Link rel="next" header' }),
});
