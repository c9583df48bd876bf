/**
 * Which grid areas a grid access provider owns, from the GridAreaUpdated integration events —
 * the same rule the result sender routes grid-area results by (result-sender.ts gridAreaOwners):
 * per grid area the owner effective at the end of the job's period, as known at the job's as-of.
 * So the provider that received a job's documents is the one that may read the job.
 */
import type { IntegrationEventStore } from '../integration-events/store/event-store';
import type { Job } from '../jobs/job';

interface Assignment {
  gridAreaCode: string;
  owner: string;
  effective: number;
  storedAt: number;
}

export interface GridAreaOwnership {
  /** The grid areas of `job` that `actor` owns (empty: none, so the job is not the actor's). */
  ownedIn(job: Pick<Job, 'gridAreas' | 'asOf' | 'periodEnd'>, actor: string): Set<string>;
}

/** Reads the ownership events once (stored up to `now`); each job then applies its own as-of. */
export async function loadGridAreaOwnership(
  events: Pick<IntegrationEventStore, 'readEvents'>,
  now: number,
): Promise<GridAreaOwnership> {
  const assignments: Assignment[] = (await events.readEvents('GridAreaUpdated', now)).map((e) => ({
    gridAreaCode: e.gridAreaCode,
    owner: e.gridAccessProviderId,
    effective: e.effectiveDate,
    storedAt: e.storedAt,
  }));
  return {
    ownedIn(job, actor) {
      const asOf = Date.parse(job.asOf);
      const periodEnd = Date.parse(job.periodEnd);
      const current = new Map<string, Assignment>();
      // ordered by storedAt: >= lets the later-stored event win a tie on the effective date
      for (const a of assignments) {
        if (a.storedAt > asOf || a.effective >= periodEnd) continue;
        const cur = current.get(a.gridAreaCode);
        if (!cur || a.effective >= cur.effective) current.set(a.gridAreaCode, a);
      }
      return new Set(job.gridAreas.filter((ga) => current.get(ga)?.owner === actor));
    },
  };
}
