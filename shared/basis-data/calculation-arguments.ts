import { z } from 'zod';
import { CALCULATION_TYPES, DEFAULT_QUARTERLY_TRANSITION } from '../domain/codes';
import { isWholeLocalMonth } from '../domain/local-time';
import type { CalculationArguments } from './types';
import {
  DATE_ONLY_REFUSED,
  HOUR_MS,
  INSTANT_HINT,
  isDateOnly,
  parseInstant,
  parsePeriodBoundary,
  PERIOD_BOUNDARY_HINT,
} from '../domain/time';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';

const instant = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : parseInstant(v);
  if (ms === null || Number.isNaN(ms)) {
    const why = typeof v === 'string' && isDateOnly(v) ? DATE_ONLY_REFUSED : `not ${INSTANT_HINT}`;
    ctx.addIssue({ code: 'custom', message: `'${String(v).slice(0, 40)}': ${why}` });
    return z.NEVER;
  }
  return ms;
});

/** Period start/end: an instant, or a date meaning its Danish local midnight (as KickStartJob). */
const periodBoundary = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : parsePeriodBoundary(v);
  if (ms === null || Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `'${String(v).slice(0, 40)}' is not ${PERIOD_BOUNDARY_HINT}` });
    return z.NEVER;
  }
  return ms;
});

const gridAreaCode = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => (typeof v === 'number' ? String(v).padStart(3, '0') : v.trim()))
  .refine((v) => GRID_AREA_CODE_RE.test(v), { message: 'grid area code must be exactly 3 digits' });

/**
 * The keys of the reference `calculation_arguments.yml` plus our own `as-of` and
 * `allow-partial-month`. The same schema validates CLI flags (same names).
 */
export const calculationArgumentsSchema = z
  .object({
    'calculation-id': z.string().trim().min(1),
    'calculation-type': z.enum(CALCULATION_TYPES),
    'grid-areas': z.array(gridAreaCode).min(1, 'at least one grid area is required'),
    'period-start-datetime': periodBoundary,
    'period-end-datetime': periodBoundary,
    'calculation-execution-time-start': instant,
    'created-by-user-id': z.string().trim().min(1),
    'quarterly-resolution-transition-datetime': instant.optional(),
    'as-of': instant.optional(),
    'allow-partial-month': z.boolean().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a['period-end-datetime'] <= a['period-start-datetime']) {
      ctx.addIssue({ code: 'custom', path: ['period-end-datetime'], message: 'must be after period-start-datetime' });
    }
    for (const key of ['period-start-datetime', 'period-end-datetime'] as const) {
      if (a[key] % HOUR_MS !== 0) ctx.addIssue({ code: 'custom', path: [key], message: 'must be on a whole hour' });
    }
    if (new Set(a['grid-areas']).size !== a['grid-areas'].length) {
      ctx.addIssue({ code: 'custom', path: ['grid-areas'], message: 'grid areas must be distinct' });
    }
    // The result resolution is decided by the period end; a period across the transition would
    // mix resolutions (the reference forbids it too, opengeh-wholesale §1.2).
    const transition =
      a['quarterly-resolution-transition-datetime'] ?? (parseInstant(DEFAULT_QUARTERLY_TRANSITION) as number);
    if (a['period-start-datetime'] < transition && a['period-end-datetime'] > transition) {
      ctx.addIssue({
        code: 'custom',
        path: ['period-end-datetime'],
        message: `the period must not cross the quarterly resolution transition ${new Date(transition).toISOString()}`,
      });
    }
    const wholesale = a['calculation-type'] !== 'aggregation' && a['calculation-type'] !== 'balance_fixing';
    if (
      wholesale &&
      !a['allow-partial-month'] &&
      !isWholeLocalMonth(a['period-start-datetime'], a['period-end-datetime'])
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['period-start-datetime'],
        message: `${a['calculation-type']} must cover exactly one calendar month in Europe/Copenhagen (or set allow-partial-month: true)`,
      });
    }
  });

export type CalculationArgumentsInput = z.input<typeof calculationArgumentsSchema>;

export class ArgumentsError extends Error {
  constructor(
    readonly source: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(
      `${source}: invalid calculation arguments:\n${issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ArgumentsError';
  }
}

export function parseCalculationArguments(raw: unknown, source: string): CalculationArguments {
  const r = calculationArgumentsSchema.safeParse(raw);
  if (!r.success) throw new ArgumentsError(source, r.error.issues);
  const a = r.data;
  return {
    calculationId: a['calculation-id'],
    calculationType: a['calculation-type'],
    gridAreas: a['grid-areas'],
    periodStart: a['period-start-datetime'],
    periodEnd: a['period-end-datetime'],
    executionTimeStart: a['calculation-execution-time-start'],
    createdByUserId: a['created-by-user-id'],
    quarterlyTransition:
      a['quarterly-resolution-transition-datetime'] ?? (parseInstant(DEFAULT_QUARTERLY_TRANSITION) as number),
    asOf: a['as-of'] ?? a['calculation-execution-time-start'],
    allowPartialMonth: a['allow-partial-month'] ?? false,
  };
}
