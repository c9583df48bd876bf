/** Calendar arithmetic in the market's time zone (Europe/Copenhagen), DST-correct via Intl. */
export const MARKET_TIME_ZONE = 'Europe/Copenhagen';

const fmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: MARKET_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(ms: number): LocalParts {
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

export function isLocalMidnight(ms: number): boolean {
  const p = localParts(ms);
  return p.hour === 0 && p.minute === 0 && p.second === 0 && ms % 1000 === 0;
}

/** UTC instant of local midnight starting the given local date (month 1-based, may overflow to next year). */
export function localMidnight(year: number, month: number, day: number): number {
  const y = year + Math.floor((month - 1) / 12);
  const m = (((month - 1) % 12) + 12) % 12;
  // Copenhagen is UTC+1 or UTC+2; try both offsets and keep the one that is local midnight.
  for (const offsetH of [1, 2]) {
    const guess = Date.UTC(y, m, day) - offsetH * 3_600_000;
    const p = localParts(guess);
    if (p.hour === 0 && p.minute === 0 && p.day === new Date(Date.UTC(y, m, day)).getUTCDate()) return guess;
  }
  throw new RangeError(`no local midnight for ${year}-${month}-${day}`);
}

/** True when [start, end) is exactly one calendar month in local time. */
export function isWholeLocalMonth(start: number, end: number): boolean {
  if (!isLocalMidnight(start)) return false;
  const p = localParts(start);
  return p.day === 1 && end === localMidnight(p.year, p.month + 1, 1);
}
