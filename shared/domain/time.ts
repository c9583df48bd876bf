/**
 * Instants are epoch milliseconds (UTC) everywhere in the engine. Inputs are ISO-8601 with `Z`
 * or an explicit offset; the reference scenarios' `yyyy-mm-dd hh:mm:ss` (no zone) means UTC.
 * A date without a time (`2024-02-01`) is not an instant: parseInstant refuses it, because read
 * as UTC midnight it would silently start a Danish period an hour (two in summer) late (issue 13).
 * Only period boundaries (parsePeriodBoundary) accept a date, as its start in Europe/Copenhagen.
 *
 * One parser for every instant that enters the engine (HTTP requests, ingestion bodies, CSV and
 * lake readers, integration events): a four-digit year, and the instant must lie in the years
 * INSTANT_YEARS (2000–2100, UTC). Settlement data outside that range is a typo or an attack
 * (`0050-03-02` once became 1950 through Date.UTC's two-digit-year rule, `9999` pinned jobs
 * forever), so it is refused where it enters, naming the field, instead of being calculated.
 */
import { localMidnight, MARKET_TIME_ZONE } from './local-time';

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_ONLY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface YearRange {
  readonly min: number;
  readonly max: number;
}

/** The documented range of every settlement instant (inclusive years, UTC). */
export const INSTANT_YEARS: YearRange = { min: 2000, max: 2100 };
/** google.protobuf.Timestamp's own range, for our outbound contract's round trip only. */
export const PROTOBUF_TIMESTAMP_YEARS: YearRange = { min: 1, max: 9999 };

/** What a valid instant looks like, for error messages. */
export const INSTANT_HINT = `an ISO-8601 instant with a four-digit year in ${INSTANT_YEARS.min}–${INSTANT_YEARS.max} (e.g. 2023-11-01T23:00:00Z)`;

/** First and last epoch ms of a year range. */
export function instantBounds(years: YearRange = INSTANT_YEARS): { min: number; max: number } {
  return { min: utc(years.min, 0, 1, 0, 0, 0, 0), max: utc(years.max + 1, 0, 1, 0, 0, 0, 0) - 1 };
}

/** Whether epoch ms lies in the documented range (instants that arrive as numbers, e.g. protobuf). */
export function isInstantInRange(ms: number, years: YearRange = INSTANT_YEARS): boolean {
  const b = instantBounds(years);
  return Number.isFinite(ms) && ms >= b.min && ms <= b.max;
}

/** Date.UTC without its rule that years 0–99 mean 1900–1999. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(Date.UTC(2000, mo, d, h, mi, s, ms));
  date.setUTCFullYear(y, mo, d);
  return date.getTime();
}

/** Epoch ms of an ISO-8601 instant, or null when malformed or outside `years` (INSTANT_YEARS). */
export function parseInstant(text: string, years: YearRange = INSTANT_YEARS): number | null {
  const m = ISO_RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    return null;
  let ms = utc(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  if (new Date(ms).getUTCDate() !== day) return null; // 2023-02-30
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (offsetMinutes > 18 * 60) return null; // ISO-8601/RFC 3339 offsets stay within ±18:00
    ms -= sign * offsetMinutes * 60_000;
  }
  return isInstantInRange(ms, years) ? ms : null;
}

/** Whether `text` is a calendar date without a time (`YYYY-MM-DD`). */
export function isDateOnly(text: string): boolean {
  return DATE_ONLY_RE.test(text.trim());
}

/** What a valid period boundary looks like, for error messages and the API description. */
export const PERIOD_BOUNDARY_HINT = `${INSTANT_HINT}, or a date YYYY-MM-DD meaning its start (midnight) in ${MARKET_TIME_ZONE}`;

/** Why a date alone is refused where only an instant makes sense (asOf, execution times). */
export const DATE_ONLY_REFUSED = `a date without a time is not an instant here: add the time and offset (e.g. 2024-01-31T23:00:00Z = 2024-02-01 00:00 in ${MARKET_TIME_ZONE})`;

/**
 * A period boundary (KickStartJob beginTime/endTime, the CLI's period start/end): an instant as
 * parseInstant, or a date `YYYY-MM-DD` meaning the start of that Danish local day — periods are
 * whole Danish days and months, so `2024-02-01` is 2024-01-31T23:00:00Z (DST-aware: 2024-04-01 is
 * 2024-03-31T22:00:00Z). Null when malformed, not a calendar date or outside `years`.
 */
export function parsePeriodBoundary(text: string, years: YearRange = INSTANT_YEARS): number | null {
  const m = DATE_ONLY_RE.exec(text.trim());
  if (!m) return parseInstant(text, years);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // the calendar check through the instant parser (month/day ranges, 2023-02-30)
  if (parseInstant(`${m[1]}-${m[2]}-${m[3]}T12:00:00Z`, PROTOBUF_TIMESTAMP_YEARS) === null) return null;
  const ms = localMidnight(y, mo, d);
  return isInstantInRange(ms, years) ? ms : null;
}

/**
 * How far ahead of this host's clock a caller's or publisher's "now" may be: asOf and registration
 * times later than now + CLOCK_SKEW_MS are refused (they would pin a job to data that does not
 * exist yet, or store data that silently waits); within the allowance they count as now.
 */
export const CLOCK_SKEW_MS = 2 * 60_000;

/** `2023-07-02T02:15:00Z` */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const HOUR_MS = 3_600_000;
export const QUARTER_MS = 900_000;
export const DAY_MS = 86_400_000;
