/**
 * Exact decimals as integer-scaled numbers.
 *
 * Quantities travel as integers of milli-kWh (3 dp, the input and output scale) or micro-kWh
 * (6 dp, the internal scale of the reference engine). They are stored in Float64Array/number,
 * which represents every integer up to 2^53 exactly, and the kernels only add, subtract and
 * multiply by small integers — so results are exact as long as magnitudes stay below 2^53
 * (checked, see `assertSafeMagnitude`). No value is ever divided into a fraction: a PT1H
 * reading split into quarters is `milli * 250` micro-units.
 */

export const MILLI_TO_MICRO = 1000;
/** An hourly reading in milli-kWh becomes this many micro-kWh per quarter (1000 / 4). */
export const MILLI_TO_MICRO_QUARTER = 250;

/** Why a decimal string was refused. */
export type DecimalFormatProblem = 'not-a-decimal' | 'too-many-decimals' | 'too-many-integer-digits' | 'not-exact';

/** A decimal string `parseScaled` refuses: what was given, at which scale, and why. */
export class DecimalFormatError extends Error {
  constructor(
    readonly text: string,
    readonly problem: DecimalFormatProblem,
    readonly scale: number,
    readonly maxIntegerDigits: number,
  ) {
    super(
      problem === 'not-a-decimal'
        ? `'${text}' is not a decimal number`
        : problem === 'too-many-decimals'
          ? `'${text}' has more than ${scale} decimals`
          : problem === 'too-many-integer-digits'
            ? `'${text}' exceeds ${maxIntegerDigits} integer digits`
            : `'${text}' is too large to be represented exactly`,
    );
    this.name = 'DecimalFormatError';
  }
}

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * Parse a decimal string into an integer scaled by 10^scale. Rejects more fractional digits
 * than the scale allows (no silent rounding of input) and magnitudes beyond `maxIntegerDigits`.
 */
export function parseScaled(text: string, scale: number, maxIntegerDigits = 15): number {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) throw new DecimalFormatError(text, 'not-a-decimal', scale, maxIntegerDigits);
  const [, sign, intPart, fracRaw = ''] = m;
  const frac = fracRaw.replace(/0+$/, '');
  if (frac.length > scale) throw new DecimalFormatError(text, 'too-many-decimals', scale, maxIntegerDigits);
  const intDigits = intPart.replace(/^0+/, '');
  if (intDigits.length > maxIntegerDigits)
    throw new DecimalFormatError(text, 'too-many-integer-digits', scale, maxIntegerDigits);
  const digits = intDigits + frac.padEnd(scale, '0');
  const value = digits === '' ? 0 : Number(digits);
  if (!Number.isSafeInteger(value)) throw new DecimalFormatError(text, 'not-exact', scale, maxIntegerDigits);
  return sign === '-' ? -value : value;
}

/** Format an integer scaled by 10^scale with exactly `scale` decimals ("-0.279"). */
export function formatScaled(value: number, scale: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an exact scaled integer: ${value}`);
  const neg = value < 0;
  const s = String(Math.abs(value)).padStart(scale + 1, '0');
  const int = s.slice(0, s.length - scale);
  const frac = s.slice(s.length - scale);
  return `${neg ? '-' : ''}${int}${scale > 0 ? '.' + frac : ''}`;
}

/**
 * Round an integer scaled by 10^(k) to a multiple of `unit` (=10^j), HALF_UP in the
 * commercial sense: ties go away from zero (Spark/Java BigDecimal ROUND_HALF_UP).
 */
export function roundHalfUpToUnit(value: number, unit: number): number {
  const half = unit / 2;
  if (value >= 0) return Math.floor((value + half) / unit) * unit;
  return -Math.floor((-value + half) / unit) * unit;
}

/**
 * Carry rounding of opengeh-wholesale `round_quantity` (§2.4): a quantity q in micro-units
 * in the quarter with index i (1..4 within its hour; always 1 for hourly results) becomes
 * round3(r_i) with r_1 = q and r_k = q - round3(r_{k-1}) + r_{k-1}. Because the sub-milli
 * part of a group's four quarters is identical (it only comes from PT1H readings split in
 * four), the four rounded quarters add back to the exact hourly sum.
 * Returns milli-units.
 */
export function carryRoundMicroToMilli(q: number, quarterIndex: number): number {
  if (q % 1000 === 0) return q / 1000; // no sub-milli part: nothing to carry
  let r = q;
  for (let k = 2; k <= quarterIndex; k++) r = q - roundHalfUpToUnit(r, 1000) + r;
  return roundHalfUpToUnit(r, 1000) / 1000;
}

/**
 * Quantities whose sums could leave the range a double holds exactly (2^53, see the header): the
 * energy calculation refuses them rather than return results that might be rounded.
 */
export class MagnitudeError extends Error {
  constructor(
    /** The largest sum, in kWh, that is still exact. */
    readonly limitKwh: number,
    /** Start of the first time slot whose quantities exceed it (epoch ms). */
    readonly slotStart: number,
    /** Σ|quantity| of that slot in micro-kWh. */
    readonly absSumMicroKwh: number,
  ) {
    super(`quantities in one time slot add up to more than ${limitKwh} kWh; exact arithmetic cannot be guaranteed`);
    this.name = 'MagnitudeError';
  }
}

/** 2^53 - 1: the largest magnitude kept exactly by a double. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;
