/**
 * Local calendar arithmetic in any IANA time zone through Intl (no time-zone database of our
 * own): the offset of an instant, the local date of an instant and the instant of a local
 * midnight. Used for day/week/month buckets (23/25-hour days on DST changes).
 */
import { DAY_MS } from '../domain/time';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether Intl knows the zone (`UTC`, `Europe/Copenhagen`, …). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets per zone and UTC day: the offset of the whole day when it is the same at both ends,
 * NaN on a day with a change (asked of Intl each time). Intl's formatToParts costs microseconds
 * per call, and a year of day buckets asks about a thousand times; with this cache a warm query
 * asks nothing. (A change and its reversal within one UTC day does not occur in the tz database.)
 */
const dayOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED_DAYS_PER_ZONE = 200_000;

/** Offset of the zone at `ms` (local − UTC) in ms. Whole seconds; sub-second offsets do not exist since 1972. */
export function zoneOffsetMs(ms: number, tz: string): number {
  if (tz === 'UTC') return 0;
  let days = dayOffsets.get(tz);
  if (!days) dayOffsets.set(tz, (days = new Map<number, number>()));
  const day = Math.floor(ms / DAY_MS);
  let off = days.get(day);
  if (off === undefined) {
    const a = intlOffsetMs(day * DAY_MS, tz);
    const b = intlOffsetMs(day * DAY_MS + DAY_MS - 1000, tz);
    off = a === b ? a : NaN;
    if (days.size >= MAX_CACHED_DAYS_PER_ZONE) days.clear();
    days.set(day, off);
  }
  return Number.isNaN(off) ? intlOffsetMs(ms, tz) : off;
}

function intlOffsetMs(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Local calendar date of an instant as days since 1970-01-01 (a "local epoch day"). */
export function localEpochDay(ms: number, tz: string): number {
  return Math.floor((ms + zoneOffsetMs(ms, tz)) / DAY_MS);
}

/**
 * The instant a local epoch day begins: local midnight, or — in a zone that skips midnight on a
 * DST change — the first instant of that day (the wall clock then starts at 01:00).
 */
export function localDayStart(epochDay: number, tz: string): number {
  const wall = epochDay * DAY_MS;
  // two rounds settle the offset on both sides of a change
  let t = wall - zoneOffsetMs(wall, tz);
  t = wall - zoneOffsetMs(t, tz);
  if (localEpochDay(t, tz) < epochDay) {
    // midnight does not exist that day: the day starts where the previous day's offset ends
    t = wall - zoneOffsetMs(t + DAY_MS / 2, tz);
  }
  return t;
}

/** Local epoch day of the first day of (year, month 0-based), month may overflow. */
export function epochDayOfMonth(year: number, month0: number): number {
  return Math.floor(Date.UTC(year, month0, 1) / DAY_MS);
}

/** Local (year, month 0-based) of an instant, as months since 2000-01. */
export function localMonthIndex(ms: number, tz: string): number {
  const d = new Date(localEpochDay(ms, tz) * DAY_MS);
  return (d.getUTCFullYear() - 2000) * 12 + d.getUTCMonth();
}
