/**
 * Query parameters shared by the series, price and KPI reads (zod, so a bad request answers 400
 * with the whole issue list): instants or local dates, bucket widths, time zones.
 */
import { z } from 'zod';
import { parseInstant, INSTANT_HINT } from '../domain/time';
import { MARKET_TIME_ZONE } from '../domain/local-time';
import { parseBucket, type BucketSpec } from './bucket-spec';
import { isTimeZone, localDayStart } from './zone';
import { DAY_MS } from '../domain/time';

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `YYYY-MM-DD` is a local date (its local midnight in `tz`, by default Danish), anything else an
 * ISO-8601 instant (shared/domain/time.ts parseInstant); null when neither.
 */
export function parseInstantOrLocalDate(text: string, tz: string = MARKET_TIME_ZONE): number | null {
  const m = LOCAL_DATE.exec(text);
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().slice(0, 10) !== text) return null; // 2025-02-30
    // the same year range as instants
    return parseInstant(`${text}T12:00:00Z`) === null ? null : localDayStart(ms / DAY_MS, tz);
  }
  return parseInstant(text);
}

export const instantOrLocalDate = (tz: string = MARKET_TIME_ZONE) =>
  z.string().transform((s, ctx) => {
    const ms = parseInstantOrLocalDate(s, tz);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `${INSTANT_HINT} or a local date YYYY-MM-DD` });
      return z.NEVER;
    }
    return ms;
  });

export const bucketParam = z.string().transform((s, ctx): BucketSpec => {
  const b = parseBucket(s);
  if (typeof b === 'string') {
    ctx.addIssue({ code: 'custom', message: b });
    return z.NEVER;
  }
  return b;
});

export const timeZoneParam = z
  .string()
  .max(64)
  .refine((s) => isTimeZone(s), { message: 'an IANA time zone such as UTC or Europe/Copenhagen' });

/** The query string as a plain object (the first value of each name). */
export function queryObject(q: { entries(): IterableIterator<[string, string]> }): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of q.entries()) if (!(k in o)) o[k] = v;
  return o;
}
