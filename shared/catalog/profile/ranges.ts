/**
 * Numeric and temporal coverage ranges, the reference's way: at most three ranges found by 1-D
 * k-means, clusters holding under 1 % of the values dropped as outliers. Deterministic (centres
 * start at fixed quantiles of the sorted values, no random restarts). Neighbouring ranges closer
 * than 5 % of the whole span, or than twice the median step between distinct values, are merged,
 * so a regular series is one range, not three touching ones.
 */
import type { NumericRange } from './types';

const MAX_RANGES = 3;
const OUTLIER_SHARE = 0.01;
const MERGE_GAP_SHARE = 0.05;

export function coverageRanges(values: readonly number[]): NumericRange[] {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const distinct = new Set(sorted).size;
  const k = Math.min(MAX_RANGES, distinct);
  let centres = Array.from({ length: k }, (_, i) => sorted[Math.floor(((i + 0.5) / k) * (sorted.length - 1))]);
  let assignment = new Int32Array(sorted.length);
  for (let iter = 0; iter < 50; iter++) {
    const next = new Int32Array(sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (Math.abs(sorted[i] - centres[c]) < Math.abs(sorted[i] - centres[best])) best = c;
      next[i] = best;
    }
    const sums = new Float64Array(k);
    const counts = new Float64Array(k);
    for (let i = 0; i < sorted.length; i++) {
      sums[next[i]] += sorted[i];
      counts[next[i]]++;
    }
    const moved = centres.map((c, j) => (counts[j] > 0 ? sums[j] / counts[j] : c));
    const same = next.every((a, i) => a === assignment[i]);
    assignment = next;
    centres = moved;
    if (same && iter > 0) break;
  }
  const ranges: Array<NumericRange & { n: number }> = [];
  for (let c = 0; c < k; c++) {
    let gte = Infinity;
    let lte = -Infinity;
    let n = 0;
    for (let i = 0; i < sorted.length; i++)
      if (assignment[i] === c) {
        gte = Math.min(gte, sorted[i]);
        lte = Math.max(lte, sorted[i]);
        n++;
      }
    if (n > 0) ranges.push({ gte, lte, n });
  }
  const kept = ranges.filter((r) => r.n >= OUTLIER_SHARE * sorted.length);
  const chosen = (kept.length > 0 ? kept : ranges).sort((a, b) => a.gte - b.gte);
  const span = sorted[sorted.length - 1] - sorted[0];
  const steps: number[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] > sorted[i - 1]) steps.push(sorted[i] - sorted[i - 1]);
  steps.sort((a, b) => a - b);
  const mergeGap = Math.max(MERGE_GAP_SHARE * span, 2 * (steps[Math.floor(steps.length / 2)] ?? 0));
  const merged: NumericRange[] = [];
  for (const r of chosen) {
    const last = merged[merged.length - 1];
    if (last && r.gte - last.lte <= mergeGap) last.lte = Math.max(last.lte, r.lte);
    else merged.push({ gte: r.gte, lte: r.lte });
  }
  return merged;
}
