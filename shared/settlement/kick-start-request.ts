/**
 * The KickStartJob request (HTTP GET query or POST JSON): validated with zod into a JobSpec.
 * Every problem is reported as an issue naming the field; nothing is registered on error.
 */
import { z } from 'zod';
import { CALCULATION_TYPES, type CalculationType } from '../domain/codes';
import { isWholeLocalMonth } from '../domain/local-time';
import {
  CLOCK_SKEW_MS,
  DATE_ONLY_REFUSED,
  HOUR_MS,
  INSTANT_HINT,
  isDateOnly,
  parseInstant,
  parsePeriodBoundary,
  PERIOD_BOUNDARY_HINT,
} from '../domain/time';
import { excerpt } from '../domain/excerpt';
import type { JobSpec } from '../jobs/job';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';
import { DEFAULT_PERIOD_LIMITS, periodLimitViolation, type PeriodLimits } from './period-limits';

/** CIM process types (BusinessReason) and settlement versions (opengeh-wholesale §1.1). */
const PROCESS_TYPES: Record<string, CalculationType | 'D32'> = {
  D03: 'aggregation',
  D04: 'balance_fixing',
  D05: 'wholesale_fixing',
  D32: 'D32',
};
const SETTLEMENT_VERSIONS: Record<string, CalculationType> = {
  D01: 'first_correction_settlement',
  D02: 'second_correction_settlement',
  D03: 'third_correction_settlement',
  first: 'first_correction_settlement',
  second: 'second_correction_settlement',
  third: 'third_correction_settlement',
};

/** A period boundary: an instant, or a date meaning its Danish local midnight (shared/domain/time.ts). */
const periodBoundary = (field: string) =>
  z.string({ error: `${field} is required (${PERIOD_BOUNDARY_HINT})` }).transform((v, ctx) => {
    const ms = parsePeriodBoundary(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `'${excerpt(v, 40)}' is not ${PERIOD_BOUNDARY_HINT}` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * An instant only: a date alone is refused with its own message, since "as of a day" has no
 * natural time (its start? its end?) and guessing would silently pin the wrong data.
 */
const instant = (field: string) =>
  z.string({ error: `${field} is required (${INSTANT_HINT})` }).transform((v, ctx) => {
    const ms = parseInstant(v);
    if (ms === null) {
      ctx.addIssue({
        code: 'custom',
        message: isDateOnly(v)
          ? `'${excerpt(v, 40)}': ${DATE_ONLY_REFUSED}`
          : `'${excerpt(v, 40)}' is not ${INSTANT_HINT}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** Longest process type / settlement version name (`first_correction_settlement` has 27). */
const MAX_CODE_CHARS = 40;
/** Grid area codes are three digits: there are at most 1000 of them. */
const MAX_GRID_AREAS = 1000;

const gridAreaList = z
  .union([
    z.string().max(MAX_GRID_AREAS * 5, 'too long for a list of grid area codes'),
    z
      .array(z.union([z.string().max(10, 'not a grid area code'), z.number()]))
      .max(MAX_GRID_AREAS, `at most ${MAX_GRID_AREAS} grid areas`),
  ])
  .transform((v) =>
    (typeof v === 'string' ? v.split(',') : v.map(String)).map((s) => s.trim()).filter((s) => s !== ''),
  );

/**
 * The request as both the handler validates it and the OpenAPI spec describes it
 * (shared/http-api/): the descriptions below are the API documentation.
 */
export const kickStartRequestSchema = z
  .object({
    beginTime: periodBoundary('beginTime').meta({
      description: `Period start: ${PERIOD_BOUNDARY_HINT}. On a whole hour.`,
      examples: ['2024-02-01', '2024-01-31T23:00:00Z'],
    }),
    endTime: periodBoundary('endTime').meta({
      description: `Period end (exclusive): ${PERIOD_BOUNDARY_HINT}. On a whole hour, after beginTime. Wholesale types and correction settlements cover exactly one Danish calendar month.`,
      examples: ['2024-03-01', '2024-02-29T23:00:00Z'],
    }),
    processType: z
      .string({ error: 'processType is required (D03, D04, D05, D32 or a calculation type name)' })
      .max(MAX_CODE_CHARS, `at most ${MAX_CODE_CHARS} characters`)
      .meta({
        description: `D03 (aggregation), D04 (balance fixing), D05 (wholesale fixing), D32 (correction settlement, needs settlementVersion) or one of ${CALCULATION_TYPES.join(', ')}`,
        examples: ['D04', 'balance_fixing'],
      }),
    settlementVersion: z
      .string()
      .max(MAX_CODE_CHARS, `at most ${MAX_CODE_CHARS} characters`)
      .meta({ description: 'D32 only: D01/D02/D03 (or first/second/third correction)' })
      .optional(),
    gridAreas: gridAreaList
      .refine((l) => l.length <= MAX_GRID_AREAS, `at most ${MAX_GRID_AREAS} grid areas`)
      .meta({
        description:
          'Grid area codes (3 digits), comma-separated or (POST) a JSON array; default: every grid area in the basis data',
        examples: ['800,801'],
      })
      .optional(),
    asOf: instant('asOf')
      .meta({
        description: `System time of the basis-data selection (${INSTANT_HINT}; a date alone is refused); not in the future (2 minutes of clock skew count as now). Default: when the job is requested.`,
      })
      .optional(),
    // the job's creator is the caller's token subject (issue 12); a body field would be a claim
    // anyone could forge, so it is refused rather than silently ignored
    createdByUserId: z
      .unknown()
      .refine((v) => v === undefined, "not accepted: a job's creator is the subject of the caller's bearer token")
      .optional(),
  })
  .strict();

export type KickStartRequest = z.input<typeof kickStartRequestSchema>;

export interface KickStartIssue {
  path: string;
  message: string;
}

export type KickStartParse = { ok: true; spec: JobSpec } | { ok: false; issues: KickStartIssue[] };

export interface KickStartContext {
  /** Grid areas that exist in the basis data. */
  knownGridAreas: ReadonlySet<string>;
  quarterlyTransition: number;
  now: Date;
  /** Who requests the job: the validated token's subject (shared/auth). */
  createdByUserId: string;
  /** Longest period per calculation type (settings); default DEFAULT_PERIOD_LIMITS. */
  periodLimits?: PeriodLimits;
}

function calculationTypeOf(
  processType: string,
  settlementVersion: string | undefined,
  issues: KickStartIssue[],
): CalculationType | null {
  const p =
    PROCESS_TYPES[processType.toUpperCase()] ??
    ((CALCULATION_TYPES as readonly string[]).includes(processType) ? (processType as CalculationType) : undefined);
  if (p === undefined) {
    issues.push({
      path: 'processType',
      message: `unknown process type '${processType}' (expected D03, D04, D05, D32 or one of ${CALCULATION_TYPES.join(', ')})`,
    });
    return null;
  }
  if (p !== 'D32') {
    if (settlementVersion !== undefined && !p.endsWith('correction_settlement')) {
      issues.push({
        path: 'settlementVersion',
        message: 'only correction settlements (D32) have a settlement version',
      });
    }
    return p;
  }
  const v = settlementVersion === undefined ? undefined : SETTLEMENT_VERSIONS[settlementVersion];
  if (v === undefined) {
    issues.push({
      path: 'settlementVersion',
      message: `D32 needs settlementVersion D01, D02 or D03 (first, second, third correction)${settlementVersion ? `, not '${settlementVersion}'` : ''}`,
    });
    return null;
  }
  return v;
}

export function parseKickStartRequest(raw: unknown, ctx: KickStartContext): KickStartParse {
  const r = kickStartRequestSchema.safeParse(raw);
  if (!r.success) {
    return {
      ok: false,
      issues: r.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
    };
  }
  const q = r.data;
  const issues: KickStartIssue[] = [];
  const calculationType = calculationTypeOf(q.processType, q.settlementVersion, issues);
  // a future asOf would pin the job to data that does not exist yet (a result that changes when
  // re-read); within the clock-skew allowance it means now
  const now = ctx.now.getTime();
  if (q.asOf !== undefined && q.asOf > now + CLOCK_SKEW_MS)
    issues.push({ path: 'asOf', message: `must not be in the future (now is ${new Date(now).toISOString()})` });
  if (q.endTime <= q.beginTime) issues.push({ path: 'endTime', message: 'must be after beginTime' });
  for (const [path, v] of [
    ['beginTime', q.beginTime],
    ['endTime', q.endTime],
  ] as const) {
    if (v % HOUR_MS !== 0) issues.push({ path, message: 'must be on a whole hour' });
  }
  if (q.beginTime < ctx.quarterlyTransition && q.endTime > ctx.quarterlyTransition) {
    issues.push({
      path: 'endTime',
      message: `the period must not cross the quarterly resolution transition ${new Date(ctx.quarterlyTransition).toISOString()}`,
    });
  }
  if (
    calculationType &&
    calculationType !== 'aggregation' &&
    calculationType !== 'balance_fixing' &&
    !isWholeLocalMonth(q.beginTime, q.endTime)
  ) {
    issues.push({
      path: 'beginTime',
      message: `${calculationType} must cover exactly one calendar month in Europe/Copenhagen (local midnight on the 1st to the 1st of the next month)`,
    });
  }
  const tooLong =
    calculationType && q.endTime > q.beginTime
      ? periodLimitViolation(calculationType, q.beginTime, q.endTime, ctx.periodLimits ?? DEFAULT_PERIOD_LIMITS)
      : null;
  if (tooLong) issues.push({ path: 'endTime', message: tooLong });
  const gridAreas = q.gridAreas ?? [...ctx.knownGridAreas];
  if (gridAreas.length === 0) issues.push({ path: 'gridAreas', message: 'no grid areas (the basis data has none)' });
  gridAreas.forEach((ga, i) => {
    if (!GRID_AREA_CODE_RE.test(ga))
      issues.push({ path: `gridAreas.${i}`, message: `'${ga}' is not a grid area code (3 digits)` });
    else if (!ctx.knownGridAreas.has(ga)) issues.push({ path: `gridAreas.${i}`, message: `unknown grid area '${ga}'` });
  });
  if (new Set(gridAreas).size !== gridAreas.length)
    issues.push({ path: 'gridAreas', message: 'grid areas must be distinct' });
  if (issues.length > 0 || calculationType === null) return { ok: false, issues };
  return {
    ok: true,
    spec: {
      calculationType,
      periodStart: new Date(q.beginTime).toISOString(),
      periodEnd: new Date(q.endTime).toISOString(),
      gridAreas: [...gridAreas].sort(),
      asOf: new Date(Math.min(q.asOf ?? now, now)).toISOString(),
      createdByUserId: ctx.createdByUserId,
      trigger: 'http',
    },
  };
}
