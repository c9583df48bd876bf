import type { ScheduleEntry } from '../config/settings';
import { localMidnight, localParts } from '../domain/local-time';
import { specKey, type JobSpec } from '../jobs/job';
import type { JobStore } from '../jobs/job-store';

/** The period a schedule entry settles at a tick: the previous local day or month (Europe/Copenhagen). */
export function scheduledPeriod(entry: ScheduleEntry, tick: Date): { start: number; end: number } {
  const p = localParts(tick.getTime());
  if (entry.period === 'previous-local-day') {
    const end = localMidnight(p.year, p.month, p.day);
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day - 1));
    return { start: localMidnight(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()), end };
  }
  return { start: localMidnight(p.year, p.month - 1, 1), end: localMidnight(p.year, p.month, 1) };
}

export function scheduledSpec(entry: ScheduleEntry, tick: Date, knownGridAreas: ReadonlySet<string>): JobSpec {
  const { start, end } = scheduledPeriod(entry, tick);
  return {
    calculationType: entry.calculationType,
    periodStart: new Date(start).toISOString(),
    periodEnd: new Date(end).toISOString(),
    gridAreas: entry.gridAreas === 'all' ? [...knownGridAreas].sort() : [...entry.gridAreas].sort(),
    asOf: tick.toISOString(),
    createdByUserId: 'scheduler',
    trigger: `schedule:${entry.name}`,
  };
}

/**
 * A tick may repeat (timer catch-up after downtime, two instances): a job for the same type
 * and period that is running or already completed means there is nothing to start. Failed or
 * canceled jobs may be retried by the next tick.
 */
export async function alreadyScheduled(jobs: JobStore, spec: JobSpec): Promise<boolean> {
  const key = specKey(spec);
  const existing = await jobs.list({ calculationType: spec.calculationType, limit: 1000 });
  return existing.some((j) => j.specKey === key && j.status !== 'Failed' && j.status !== 'Canceled');
}
