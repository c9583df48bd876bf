/**
 * Bucket widths: ISO-8601 durations, split into the two kinds TimescaleDB distinguishes.
 *
 * - Fixed widths (only H/M/S parts: PT5M, PT15M, PT1H, PT6H…) are cut on the absolute time line,
 *   aligned to the origin 2000-01-03T00:00Z like `time_bucket` without a time zone. We do this
 *   also when a time zone is given: TimescaleDB/DuckDB would bucket the local wall clock and so
 *   merge the repeated hour of an autumn DST change into one two-hour "hour"; an hour of energy
 *   must stay an hour. For zones with whole-hour offsets (Europe/Copenhagen) the buckets of
 *   widths dividing an hour are the local ones anyway.
 * - Calendar widths (D, W, M, Y parts, no time part) are cut in the zone's local calendar: a day
 *   bucket runs from local midnight to local midnight (23 or 25 hours on DST days), n-day buckets
 *   are aligned to the local date 2000-01-03 (a Monday, so P1W/P7D buckets start on Mondays) and
 *   month buckets to 2000-01, as `time_bucket(width, ts, tz)` does.
 * Mixed widths (P1DT12H) are refused: their meaning across DST changes is not obvious.
 */

export type BucketSpec =
  | { kind: 'fixed'; ms: number; text: string }
  | { kind: 'days'; days: number; text: string }
  | { kind: 'months'; months: number; text: string };

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Origin of fixed buckets: 2000-01-03T00:00Z (TimescaleDB's default origin, a Monday). */
export const FIXED_ORIGIN_MS = Date.UTC(2000, 0, 3);
/** Origin of day buckets: the local date 2000-01-03, as days since 1970-01-01. */
export const DAY_ORIGIN = Math.floor(Date.UTC(2000, 0, 3) / 86_400_000);

/** Longest bucket accepted (a query must stay a few thousand buckets at most: see the caller's limits). */
const MAX_MONTHS = 1200;

/** The bucket of an ISO-8601 duration; a string saying why not otherwise. */
export function parseBucket(text: string): BucketSpec | string {
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return `not an ISO-8601 duration (e.g. PT15M, PT1H, P1D, P1M)`;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const calendarMonths = y * 12 + mo;
  const calendarDays = w * 7 + d;
  const fixedMs = ((h * 60 + mi) * 60 + s) * 1000;
  const kinds = [calendarMonths > 0, calendarDays > 0, fixedMs > 0].filter(Boolean).length;
  if (kinds === 0) return 'a bucket must not be empty';
  if (kinds > 1) return 'mix of calendar (Y/M/W/D) and time (H/M/S) parts, or of months and days, is not supported';
  if (calendarMonths > 0) {
    if (calendarMonths > MAX_MONTHS) return `at most ${MAX_MONTHS} months`;
    return { kind: 'months', months: calendarMonths, text };
  }
  if (calendarDays > 0) {
    if (calendarDays > MAX_MONTHS * 31) return `at most ${MAX_MONTHS * 31} days`;
    return { kind: 'days', days: calendarDays, text };
  }
  if (fixedMs < 1000) return 'at least one second';
  return { kind: 'fixed', ms: fixedMs, text };
}
