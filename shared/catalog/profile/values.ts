/**
 * How one cell's text is read: number, quantity with a unit, URL, point, date-time. The
 * profiler counts these per column; the rules that turn counts into types are in profiler.ts.
 */
import { localParts } from '../../domain/local-time';
import { unitOf } from './energy-ids';

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Danish files write decimals with a comma ("12,5"); one comma between digits and no dot is read as one
const COMMA_DECIMAL_RE = /^[+-]?\d+,\d+$/;
const QUANTITY_RE = /^([+-]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-zøØ]+(?:\/[A-Za-zøØ]+)?)$/;
const URL_RE = /^(https?|ftp):\/\/[^\s/$.?#][^\s]*$/i;
const WKT_POINT_RE = /^POINT\s*\(\s*([+-]?\d+(?:\.\d+)?)\s+([+-]?\d+(?:\.\d+)?)\s*\)$/i;
const LATLONG_POINT_RE = /^\(?\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*\)?$/;

export const isInteger = (v: string): boolean => INT_RE.test(v);

/** The number a cell holds (dot or a single decimal comma), or null. */
export function parseNumber(v: string): number | null {
  if (FLOAT_RE.test(v)) return Number(v);
  if (COMMA_DECIMAL_RE.test(v)) return Number(v.replace(',', '.'));
  return null;
}

/** "12.5 kWh" → {value 12.5, unit kWh}; null unless the suffix is a known unit. */
export function parseQuantity(v: string): { value: number; unit: string } | null {
  const m = QUANTITY_RE.exec(v);
  if (!m) return null;
  const unit = unitOf(m[2]);
  const value = parseNumber(m[1]);
  return unit !== null && value !== null ? { value, unit } : null;
}

export const isUrl = (v: string): boolean => URL_RE.test(v);

/** A WKT `POINT(lon lat)` or a "(lat, long)" pair, as {lat, lon}; null otherwise or out of range. */
export function parsePoint(v: string): { lat: number; lon: number } | null {
  const wkt = WKT_POINT_RE.exec(v);
  const pair = wkt ? null : LATLONG_POINT_RE.exec(v);
  if (!wkt && !(pair && v.includes('('))) return null;
  const lat = Number(wkt ? wkt[2] : pair![1]);
  const lon = Number(wkt ? wkt[1] : pair![2]);
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : null;
}

export const wordCount = (v: string): number => v.split(/\s+/).filter((w) => w !== '').length;

/** A column name split into lower-case tokens on punctuation, spaces and camelCase ("SpotPriceDKK" → spot, price, dkk). */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-zæøå0-9])([A-ZÆØÅ])/g, '$1 $2')
    .replace(/([A-ZÆØÅ]+)([A-ZÆØÅ][a-zæøå])/g, '$1 $2')
    .split(/[^A-Za-z0-9æøåÆØÅ/]+/)
    .filter((t) => t !== '')
    .map((t) => t.toLowerCase());
}

const MONTHS: ReadonlyMap<string, number> = new Map(
  [
    ['jan', 'january', 'januar'],
    ['feb', 'february', 'februar'],
    ['mar', 'march', 'marts'],
    ['apr', 'april'],
    ['may', 'maj'],
    ['jun', 'june', 'juni'],
    ['jul', 'july', 'juli'],
    ['aug', 'august'],
    ['sep', 'sept', 'september'],
    ['oct', 'october', 'okt', 'oktober'],
    ['nov', 'november'],
    ['dec', 'december'],
  ].flatMap((names, i) => names.map((n) => [n, i + 1] as const)),
);

/** The fields a date string spelled out; what it left out is undefined. */
interface DateFields {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  ms?: number;
  /** Minutes east of UTC when the string carried a zone. */
  offset?: number;
}

const ISO_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const SLASH_YMD_RE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[T ](.+))?$/;
// day first: the Danish (and European) order
const DMY_RE = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[T ]+(.+))?$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function zoneMinutes(z: string | undefined): number | undefined {
  if (z === undefined) return undefined;
  if (z.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function withTime(f: DateFields, time: string | undefined): DateFields | null {
  if (time === undefined) return f;
  const t = TIME_RE.exec(time.trim());
  if (!t) return null;
  return {
    ...f,
    hour: Number(t[1]),
    minute: Number(t[2]),
    second: t[3] ? Number(t[3]) : 0,
    ms: t[4] ? Number(t[4].slice(0, 3).padEnd(3, '0')) : 0,
    offset: zoneMinutes(t[5]),
  };
}

/** Month-name forms: "June 2020", "6 June 2020", "June 6, 2020", "June 6 11:00" (partial: no year). */
function parseWords(v: string): DateFields | null {
  const m = /^(.*?)(?:\s+(\d{1,2}:\d{2}(?::\d{2})?\s*(?:Z|[+-]\d{2}:?\d{2})?))?$/i.exec(v);
  if (!m) return null;
  const words = m[1]
    .replace(/,/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
  const f: DateFields = {};
  for (const w of words) {
    const lw = w.toLowerCase().replace(/\.$/, '');
    const month = MONTHS.get(lw);
    if (month !== undefined && f.month === undefined) f.month = month;
    else if (/^\d{4}$/.test(w) && f.year === undefined) f.year = Number(w);
    else if (/^\d{1,2}(st|nd|rd|th|\.)?$/i.test(w) && f.day === undefined) f.day = parseInt(w, 10);
    else return null;
  }
  if (f.month === undefined) return null;
  return withTime(f, m[2]);
}

function fields(v: string): DateFields | null {
  const iso = ISO_RE.exec(v);
  if (iso) {
    return {
      year: Number(iso[1]),
      month: iso[2] ? Number(iso[2]) : undefined,
      day: iso[3] ? Number(iso[3]) : undefined,
      hour: iso[4] ? Number(iso[4]) : undefined,
      minute: iso[5] ? Number(iso[5]) : undefined,
      second: iso[6] ? Number(iso[6]) : undefined,
      ms: iso[7] ? Number(iso[7].slice(0, 3).padEnd(3, '0')) : undefined,
      offset: zoneMinutes(iso[8]),
    };
  }
  const ymd = SLASH_YMD_RE.exec(v);
  if (ymd) return withTime({ year: Number(ymd[1]), month: Number(ymd[2]), day: Number(ymd[3]) }, ymd[4]);
  const dmy = DMY_RE.exec(v);
  if (dmy) return withTime({ year: Number(dmy[3]), month: Number(dmy[2]), day: Number(dmy[1]) }, dmy[4]);
  if (/[a-z]/i.test(v)) return parseWords(v);
  return null;
}

/**
 * The UTC instant a date string names, or null. The reference's partial-date rule: the string is
 * read against two default dates that differ in the year, and rejected when the results differ —
 * i.e. a string without a year ("June 6 11:00", "11:00") is not a date; "2020" and "June 2020"
 * are (missing month/day default to 1). No zone means UTC, unless `local` (a wall-clock column
 * such as HourDK): then Europe/Copenhagen, DST-aware; a wall time that does not exist (the spring
 * gap) is not a date, and the repeated autumn hour is read as its first occurrence.
 */
export function parseDate(raw: string, local = false): number | null {
  const v = raw.trim();
  if (v.length < 4 || v.length > 40) return null;
  const f = fields(v);
  if (f === null || f.year === undefined) return null;
  const [y, mo, d, h, mi, s, ms] = [
    f.year,
    f.month ?? 1,
    f.day ?? 1,
    f.hour ?? 0,
    f.minute ?? 0,
    f.second ?? 0,
    f.ms ?? 0,
  ];
  if (y < 1000 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(wall).getUTCDate() !== d && h !== 24) return null; // 31 February
  if (f.offset !== undefined) return wall - f.offset * 60_000;
  if (!local) return wall;
  for (const offsetH of [2, 1]) {
    const guess = wall - offsetH * 3_600_000;
    const p = localParts(guess);
    if (p.year === y && p.month === mo && p.day === d && p.hour === h && p.minute === mi) return guess;
  }
  return null;
}

/** `YYYYMMDD` as an integer (20230115), or null when it is no valid date between 1800 and 2200. */
export function parseYyyymmdd(v: string): number | null {
  if (!/^\d{8}$/.test(v)) return null;
  const y = Number(v.slice(0, 4));
  if (y < 1800 || y > 2200) return null;
  return parseDate(`${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`);
}
