/**
 * Temporal resolution: the reference tries the bins year, quarter, month, week, day, hour,
 * minute, second (coarse to fine) and picks the first in which the distinct instants fall about
 * one per bin (≤ 1.05 on average). Bins are UTC. The reference's idea alone says "minute" for a
 * 15-minute series, so the regular step (the GCD of the gaps, PT15M) is reported beside it.
 */
import type { TemporalResolution } from './types';

const DAY = 86_400_000;
const BINS: ReadonlyArray<[TemporalResolution, (ms: number) => number]> = [
  ['year', (ms) => new Date(ms).getUTCFullYear()],
  ['quarter', (ms) => new Date(ms).getUTCFullYear() * 4 + Math.floor(new Date(ms).getUTCMonth() / 3)],
  ['month', (ms) => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth()],
  // weeks start on Monday (1970-01-01 was a Thursday)
  ['week', (ms) => Math.floor((ms + 3 * DAY) / (7 * DAY))],
  ['day', (ms) => Math.floor(ms / DAY)],
  ['hour', (ms) => Math.floor(ms / 3_600_000)],
  ['minute', (ms) => Math.floor(ms / 60_000)],
  ['second', (ms) => Math.floor(ms / 1000)],
];
const MAX_PER_BIN = 1.05;

/** `distinct`: distinct instants (ms), any order. */
export function temporalResolution(distinct: readonly number[]): TemporalResolution {
  for (const [name, bin] of BINS) {
    const bins = new Set(distinct.map(bin)).size;
    if (distinct.length / bins <= MAX_PER_BIN) return name;
  }
  return 'second';
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The regular step as an ISO duration, from sorted distinct instants; undefined for calendar steps (months) or one instant. */
export function regularStep(sortedDistinct: readonly number[]): string | undefined {
  let g = 0;
  for (let i = 1; i < sortedDistinct.length; i++)
    g = gcd(Math.round((sortedDistinct[i] - sortedDistinct[i - 1]) / 1000), g);
  if (g === 0) return undefined;
  if (g % 86_400 === 0) return g / 86_400 > 7 ? undefined : `P${g / 86_400}D`;
  if (g % 3600 === 0) return `PT${g / 3600}H`;
  if (g % 60 === 0) return `PT${g / 60}M`;
  return `PT${g}S`;
}
