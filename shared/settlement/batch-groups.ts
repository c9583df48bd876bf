/**
 * How the settlement orchestrator splits a job's batches into sub-orchestrations and shares its
 * window of in-flight batches between them (pure, deterministic: the orchestrator replays it).
 *
 * Why groups: one orchestration history holding thousands of batch tasks makes every replay
 * re-read and re-run all of them (history size and replay time grow with the job). A group is a
 * sub-orchestration with its own history of ≤ MAX_BATCHES_PER_GROUP batches; the parent's history
 * holds one task per group.
 */
import type { Batch } from './batch';

/** Upper bound of batches in one group (one sub-orchestration history). */
export const MAX_BATCHES_PER_GROUP = 100;
/** Groups are small enough that the job's progress advances in about this many steps or more. */
export const PROGRESS_STEPS = 10;
/** A group's window is at most 1/MIN_ROUNDS of its batches, so its tail (last, partly filled round) is short. */
export const MIN_ROUNDS_PER_GROUP = 4;

export interface BatchGroup {
  /** Stable, readable part of the sub-orchestration's instance id: `{gridArea}-{part}`. */
  key: string;
  gridArea: string;
  batches: Batch[];
}

/**
 * Groups by grid area (a group reads one grid area's data), each grid area split into parts of
 * near-equal size of at most min(MAX_BATCHES_PER_GROUP, ceil(total / PROGRESS_STEPS)) batches.
 * Largest groups first (longest-processing-time first shortens the job's tail); ties keep plan
 * order. Every batch is in exactly one group.
 */
export function groupBatches(batches: readonly Batch[], maxPerGroup = MAX_BATCHES_PER_GROUP): BatchGroup[] {
  const cap = Math.max(1, Math.min(maxPerGroup, Math.ceil(batches.length / PROGRESS_STEPS)));
  const byArea = new Map<string, Batch[]>();
  for (const b of batches) {
    const list = byArea.get(b.gridArea);
    if (list) list.push(b);
    else byArea.set(b.gridArea, [b]);
  }
  const groups: BatchGroup[] = [];
  for (const [gridArea, list] of byArea) {
    const parts = Math.ceil(list.length / cap);
    const size = Math.ceil(list.length / parts);
    for (let p = 0; p < parts; p++) {
      groups.push({ key: `${gridArea}-${p}`, gridArea, batches: list.slice(p * size, (p + 1) * size) });
    }
  }
  return groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => b.g.batches.length - a.g.batches.length || a.i - b.i)
    .map(({ g }) => g);
}

/** The window a group would like: ≤ the job's window, ≤ its batches / MIN_ROUNDS_PER_GROUP, ≥ 1. */
export function desiredShare(groupBatches: number, window: number): number {
  return Math.max(1, Math.min(window, Math.ceil(groupBatches / MIN_ROUNDS_PER_GROUP)));
}

/**
 * The share a group starts with when `free` slots of the job's window are free, or 0 when it should
 * wait for a running group to finish: it starts with up to its desired share, but not with less
 * than half of it (a big group started on one free slot would crawl through its batches alone).
 * With nothing running `free` is the whole window, so the next group can always start.
 */
export function startShare(groupBatches: number, window: number, free: number): number {
  const want = desiredShare(groupBatches, window);
  const share = Math.min(want, free);
  return share >= Math.ceil(want / 2) ? share : 0;
}
