/**
 * 6-field NCRONTAB (second minute hour day month day-of-week), the timer syntax of Azure
 * Functions: `*`, numbers, lists `a,b`, ranges `a-b`, steps `*\/n` and `a-b/n`. Evaluated in UTC.
 */
const LIMITS: Array<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

export type CronSchedule = Array<Set<number>>;

export function parseNcrontab(expr: string): CronSchedule {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`'${expr}' is not a 6-field NCRONTAB expression`);
  return fields.map((f, i) => {
    const [lo, hi] = LIMITS[i];
    const set = new Set<number>();
    for (const part of f.split(',')) {
      const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
      if (!m) throw new Error(`'${expr}': bad field '${f}'`);
      const from = m[1] === '*' ? lo : Number(m[1]);
      const to = m[1] === '*' ? hi : m[2] !== undefined ? Number(m[2]) : m[3] !== undefined ? hi : from;
      const step = m[3] !== undefined ? Number(m[3]) : 1;
      if (from < lo || to > hi || from > to || step < 1)
        throw new Error(`'${expr}': field '${f}' out of range ${lo}-${hi}`);
      for (let v = from; v <= to; v += step) set.add(i === 5 && v === 7 ? 0 : v);
    }
    return set;
  });
}

export function matches(s: CronSchedule, at: Date): boolean {
  return (
    s[0].has(at.getUTCSeconds()) &&
    s[1].has(at.getUTCMinutes()) &&
    s[2].has(at.getUTCHours()) &&
    s[3].has(at.getUTCDate()) &&
    s[4].has(at.getUTCMonth() + 1) &&
    s[5].has(at.getUTCDay())
  );
}
