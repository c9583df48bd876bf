/**
 * GET /api/jobs/{a}/diff/{b} (issue 17, calculation diff): the path and query the handler
 * (functions/http/job-diff.ts) validates with and the answer the OpenAPI spec publishes. The
 * `type` rule that depends on `kind` is checked by the handler after this schema.
 */
import { z } from 'zod';
import { AGGREGATION_LEVELS } from '../domain/codes';
import { resultFilterFields, resultKindField } from './job-results';

export const DIFF_DEFAULT_LIMIT = 100;
export const DIFF_MAX_LIMIT = 1000;
export const JOB_DIFF_FORMATS = ['json', 'csv'] as const;

export const jobDiffPath = z.object({
  a: z.string().meta({ description: 'Job A (the earlier calculation). Not the caller’s: 404 like a missing one.' }),
  b: z.string().meta({ description: 'Job B (compared with A: differences are B − A).' }),
});

export const jobDiffQuery = z.object({
  kind: resultKindField('Energy results (quantity, kWh) or wholesale results (amount, DKK)'),
  ...resultFilterFields,
  level: z
    .enum(AGGREGATION_LEVELS, { error: `must be one of ${AGGREGATION_LEVELS.join(', ')}` })
    .meta({ description: 'energy: only this aggregation level' })
    .optional(),
  format: z
    .enum(JOB_DIFF_FORMATS, { error: `must be one of ${JOB_DIFF_FORMATS.join(', ')}` })
    .default('json')
    .meta({ description: 'json (the summary with the `limit` biggest series) or csv (every series, streamed)' }),
  limit: z
    .string()
    .regex(/^\d{1,9}$/, `must be an integer from 1 to ${DIFF_MAX_LIMIT}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= DIFF_MAX_LIMIT, `must be an integer from 1 to ${DIFF_MAX_LIMIT}`)
    .meta({ description: `json: series returned, biggest Σ|difference| first (default ${DIFF_DEFAULT_LIMIT})` })
    .optional(),
});

const decimal = (what: string) => z.string().meta({ description: `${what} (fixed decimals: kWh 3, DKK 6)` });

const columnDiff = z.object({
  totalA: decimal('Σ of job A'),
  totalB: decimal('Σ of job B'),
  sumAbsDifference: decimal('Σ|b − a| over the slots'),
  maxAbsDifference: decimal('The largest |b − a|'),
  changedSlots: z.number().int(),
});

export const seriesDiffSchema = z.object({
  key: z
    .record(z.string(), z.string().nullable())
    .meta({ description: 'The series identity in result column names (null: empty in the results)' }),
  presence: z.enum(['both', 'onlyA', 'onlyB']),
  slots: z.number().int().meta({ description: 'Slots in either job (one side missing counts as 0)' }),
  changedSlots: z.number().int(),
  totalA: decimal('Σ of job A'),
  totalB: decimal('Σ of job B'),
  sumAbsDifference: decimal('Σ|b − a| over the slots'),
  maxAbsDifference: decimal('The largest |b − a|'),
  maxAt: z.string().meta({ description: 'Slot start of the largest |b − a| (the earliest of equals)' }),
  quantity: columnDiff
    .nullable()
    .meta({ description: 'wholesale: the quantity (3 decimals) compared the same way; null when absent' })
    .optional(),
});

export const jobDiffSchema = z.object({
  jobA: z.string(),
  jobB: z.string(),
  kind: z.enum(['energy', 'wholesale']),
  unit: z.enum(['kWh', 'DKK']),
  filters: z.object({ type: z.string().nullable(), gridArea: z.string().nullable(), level: z.string().nullable() }),
  seriesCount: z.number().int().meta({ description: 'Series kept by the filters and the caller’s scope' }),
  changedSeriesCount: z.number().int().meta({ description: 'Series only in one job or with a changed slot' }),
  sumAbsDifference: decimal('Σ|b − a| over every kept series'),
  series: z.array(seriesDiffSchema).meta({ description: '`limit` series, biggest Σ|b − a| first, then by key' }),
  gridAreas: z.array(
    z.object({ gridArea: z.string(), sumAbsDifference: decimal('Σ|b − a|'), changedSeries: z.number().int() }),
  ),
  actors: z.array(
    z.object({
      role: z.enum(['energy_supplier', 'balance_responsible_party']),
      actorId: z.string(),
      sumAbsDifference: decimal('Σ|b − a| of the series naming the actor'),
      changedSeries: z.number().int(),
    }),
  ),
  timeline: z
    .array(z.object({ time: z.string(), sumAbsDifference: decimal('Σ|b − a| of the slot over every kept series') }))
    .meta({ description: 'Per slot start, in time order' }),
});
