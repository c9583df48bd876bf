/**
 * Market values as exact integers of 10^-6 units (BigInt). The sources send JSON numbers; the
 * shortest round-trip text of a double (`String(n)`) is the text the source wrote for every
 * value with ≤ 15 significant digits, so parsing that text is exact. More than 6 decimals is
 * refused rather than rounded (house rule: no silent rounding of input).
 */
export const MICRO = 1_000_000n;

/** The exact value × 10^6, or a reason it cannot be represented. */
export function microOf(n: number): bigint | string {
  if (!Number.isFinite(n)) return 'not a finite number';
  let text = String(n);
  if (/e/i.test(text)) {
    // exponent form: large integers (1e21) or tiny fractions (1e-7)
    if (Number.isInteger(n) && Math.abs(n) < 1e15) text = n.toFixed(0);
    else return `${text} is outside ±10^15 or has more than 6 decimals`;
  }
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return `${text} is not a decimal number`;
  const [, sign, int, frac = ''] = m;
  if (frac.length > 6) return `${text} has more than 6 decimals`;
  const v = BigInt(int) * MICRO + BigInt(frac.padEnd(6, '0'));
  return sign === '-' ? -v : v;
}

/** Decimal text of a micro value, trailing zeros trimmed ("92.540001", "-3.5", "0"). */
export function formatMicro(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const int = a / MICRO;
  const frac = (a % MICRO).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
