/**
 * How long a settlement period may be, per calculation type (issue 12 "bounded work"): a
 * 20-year balance fixing for one grid area was accepted and made the host unusable. Energy
 * types (aggregation, balance fixing) are limited to `maxEnergyDays` local days (setting
 * MAX_PERIOD_DAYS_ENERGY); wholesale fixing and the correction settlements are exactly one
 * calendar month by the domain rule (kick-start-request.ts), so they need no setting of their own.
 * Checked where a job spec is made: KickStartJob (GET and POST) and the scheduled settlements.
 */
import type { CalculationType } from '../domain/codes';
import { localMidnight, localParts } from '../domain/local-time';
import { NAMES } from '../config/names';

/** A calendar month: the longest period DataHub settles in one run (daily and monthly balance fixing fit). */
export const DEFAULT_MAX_PERIOD_DAYS_ENERGY = 31;

export interface PeriodLimits {
  /** Most local days of an aggregation or balance fixing period. */
  maxEnergyDays: number;
}

export const DEFAULT_PERIOD_LIMITS: PeriodLimits = { maxEnergyDays: DEFAULT_MAX_PERIOD_DAYS_ENERGY };

const DAY_MS = 86_400_000;

/**
 * `days` local days (Europe/Copenhagen) after `ms`, at the same time past local midnight: a
 * month of 31 local days is 31 days even when it holds the autumn DST change (745 hours).
 */
export function plusLocalDays(ms: number, days: number): number {
  const p = localParts(ms);
  const sinceMidnight = ms - localMidnight(p.year, p.month, p.day);
  return localMidnight(p.year, p.month, p.day + days) + sinceMidnight;
}

/** Why [start, end) is too long for the calculation type, or null when it is within its limit. */
export function periodLimitViolation(
  calculationType: CalculationType,
  start: number,
  end: number,
  limits: PeriodLimits,
): string | null {
  if (calculationType !== 'aggregation' && calculationType !== 'balance_fixing') return null;
  if (end <= plusLocalDays(start, limits.maxEnergyDays)) return null;
  const days = Math.round(((end - start) / DAY_MS) * 100) / 100;
  return `the period is ${days} days; ${calculationType} covers at most ${limits.maxEnergyDays} days (${NAMES.settings.maxPeriodDaysEnergy})`;
}
