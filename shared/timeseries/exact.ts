/**
 * Exact decimal helpers for the series engine: values are integers scaled by 10^6 (BigInt), and
 * every division the engine performs (averages, linear interpolation, KPI ratios) is rounded
 * once, half to even ("banker's rounding"), so that sums of many averaged buckets do not drift
 * upwards the way half-up would, and the result is independent of the order of the inputs.
 */
export const SCALE = 6;
export const ONE = 1_000_000n;

/** n / d rounded half to even (d ≠ 0; either sign). */
export function divHalfEven(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  let q = n / d; // truncates toward zero
  let r = n % d; // sign of n
  if (r < 0n) {
    q -= 1n;
    r += d;
  }
  // now n = q·d + r with 0 ≤ r < d (q is the floor)
  const twice = 2n * r;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** A scaled integer as a decimal string with exactly `scale` decimals ("-1.500000"). */
export function formatScaledBig(v: bigint, scale: number = SCALE): string {
  if (scale === 0) return v.toString();
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

const DECIMAL_RE = /^([+-]?)(\d{1,18})(?:\.(\d{1,6}))?$/;

/** A decimal text with at most 6 decimals as value × 10^6; null when it is not one. */
export function parseMicro(text: string): bigint | null {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) return null;
  const v = BigInt(m[2]) * ONE + BigInt((m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] === '-' ? -v : v;
}

/** A finite JS number with at most 6 decimals, exactly (via its shortest decimal text); null otherwise. */
export function microOfNumber(x: number): bigint | null {
  if (!Number.isFinite(x)) return null;
  const t = String(x);
  if (/e/i.test(t)) {
    // 1e-7 and the like have more than 6 decimals; big ones (1e21) are out of range anyway
    return Number.isInteger(x) && Math.abs(x) < 1e18 ? BigInt(x) * ONE : null;
  }
  return parseMicro(t);
}
