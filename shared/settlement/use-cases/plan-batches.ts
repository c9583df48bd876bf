import { localDayStarts } from '../../calculation/wholesale/amounts';
import { isWholesaleType } from '../../calculation/wholesale/run';
import { HOUR_MS } from '../../domain/time';
import { requireJob, type JobStore } from '../../jobs/job-store';
import type { Batch } from '../batch';
import { gridAreaPointsPerHour, type BasisDataAsOfDeps } from './basis-data-as-of';
import { log } from '../../telemetry/log';

export interface PlanBatchesDeps extends BasisDataAsOfDeps {
  jobs: Pick<JobStore, 'get'>;
  /**
   * Most time series points one batch should hold (its memory grows with them): a grid area with
   * more points in the job's period is split into time ranges.
   */
  batchMaxPoints: number;
}

/** A contiguous time range and its expected points. */
interface Unit {
  from: number;
  to: number;
  points: number;
}

/** Contiguous groups of `units`, each summing to ≤ limit unless a single unit exceeds it. */
function greedy(units: readonly Unit[], limit: number): Unit[][] {
  const groups: Unit[][] = [];
  let cur: Unit[] = [];
  let sum = 0;
  for (const u of units) {
    if (cur.length > 0 && sum + u.points > limit) {
      groups.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(u);
    sum += u.points;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/**
 * Splits `units` into the fewest contiguous groups of at most `max` points (a unit larger than
 * `max` alone), balanced: the smallest limit that still needs no more groups than `max` does, so a
 * grid area of 2.1 × max becomes three batches of 0.7 × max rather than 1, 1 and 0.1.
 */
export function splitByPoints(units: readonly Unit[], max: number): Unit[][] {
  const fewest = greedy(units, max).length;
  let lo = 0;
  let hi = max;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (greedy(units, mid).length <= fewest) hi = mid;
    else lo = mid;
  }
  return greedy(units, hi);
}

const pointsIn = (perHour: Float64Array | undefined, start: number, from: number, to: number): number => {
  if (!perHour) return 0;
  let n = 0;
  for (let h = Math.floor((from - start) / HOUR_MS); h < perHour.length && start + h * HOUR_MS < to; h++)
    n += perHour[h];
  return n;
};

/**
 * Batches by work: each grid area of the job is split into contiguous time ranges of at most
 * `batchMaxPoints` expected time series points (from master data: slots per hour of its metering
 * points, exchange points counted in both neighbours), at least one batch per grid area. Results
 * of different slots are independent, and the job's period never crosses the quarterly
 * transition, so every range has the job's resolution. Ranges are whole Europe/Copenhagen local
 * days: wholesale amounts are per local day (daily tariffs, subscriptions and fees), so a wholesale
 * slice never splits a day, and its monthly sums are reduced at commit (reduce-wholesale.ts). An
 * energy-only job may split a local day that alone exceeds the limit into whole hours.
 */
export async function planBatches(deps: PlanBatchesDeps, jobId: string): Promise<Batch[]> {
  const job = await requireJob(deps.jobs, jobId);
  const start = Date.parse(job.periodStart);
  const end = Date.parse(job.periodEnd);
  // one grid area's master data at a time: the planner never holds the country's periods
  const perHour = await gridAreaPointsPerHour(deps, { from: start, to: end }, Date.parse(job.asOf), job.gridAreas);
  const wholesale = isWholesaleType(job.calculationType);
  // local-day boundaries inside the period (a period not starting at local midnight starts with a part-day)
  const bounds = [start, ...localDayStarts(start, end).filter((t) => t > start), end];
  const batches: Batch[] = [];
  for (const ga of job.gridAreas) {
    const profile = perHour.get(ga);
    const units: Unit[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const day = { from: bounds[i], to: bounds[i + 1], points: pointsIn(profile, start, bounds[i], bounds[i + 1]) };
      if (wholesale || day.points <= deps.batchMaxPoints) units.push(day);
      else
        for (let t = day.from; t < day.to;) {
          const next = Math.min(day.to, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
          units.push({ from: t, to: next, points: pointsIn(profile, start, t, next) });
          t = next;
        }
    }
    for (const group of splitByPoints(units, deps.batchMaxPoints)) {
      const from = group[0].from;
      batches.push({
        id: `${ga}-${new Date(from).toISOString().replace(/[-:]/g, '').slice(0, 13)}`,
        gridArea: ga,
        periodStart: new Date(from).toISOString(),
        periodEnd: new Date(group[group.length - 1].to).toISOString(),
      });
    }
  }
  log.info(`planned ${batches.length} batches over ${job.gridAreas.length} grid areas`, { jobId });
  return batches;
}
