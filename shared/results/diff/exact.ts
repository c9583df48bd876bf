/**
 * Exact sums of scaled integers (milli-kWh, micro-DKK) for the calculation diff. A benchmark-size
 * diff adds ~16 M values; BigInt arithmetic on each would cost seconds (an allocation per add),
 * and plain doubles stop being exact past 2^53. So a sum is a double part kept within ±2^52 —
 * where adding any value of magnitude ≤ 2^52 is still exact — and a bigint part that takes the
 * double part over whenever it would leave that range. Values beyond 2^52 (never seen in real
 * results, but a Decimal(18,6) amount can hold them) go to the bigint part directly.
 */

/** Largest magnitude handled on the double path: the sum of two such values is still exact. */
export const FAST_LIMIT = 2 ** 52;

/** A scaled integer: a number when |v| ≤ FAST_LIMIT, else a bigint. */
export type Scaled = number | bigint;

export class ExactSum {
  private small = 0;
  private big = 0n;

  add(x: Scaled): void {
    if (typeof x === 'bigint') {
      this.big += x;
      return;
    }
    const s = this.small + x;
    if (s > FAST_LIMIT || s < -FAST_LIMIT) {
      this.big += BigInt(this.small);
      this.small = x;
    } else this.small = s;
  }

  value(): bigint {
    return this.big + BigInt(this.small);
  }
}

/** A bigint scaled by 10^scale as a decimal with exactly `scale` digits ("-0.279"). */
export function formatScaledBig(value: bigint, scale: number): string {
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  return `${neg ? '-' : ''}${int}${scale > 0 ? '.' + digits.slice(digits.length - scale) : ''}`;
}
