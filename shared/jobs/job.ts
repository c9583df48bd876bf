import type { CalculationType } from '../domain/codes';

/** Lifecycle of a settlement job (issue 3): Requested → Started → Executing → Completed | Failed | Canceled. */
export const JOB_STATUSES = ['Requested', 'Started', 'Executing', 'Completed', 'Failed', 'Canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];
export const ACTIVE_STATUSES: readonly JobStatus[] = ['Requested', 'Started', 'Executing'];

/** Allowed transitions; anything else is rejected by every store. */
export const NEXT_STATUSES: Record<JobStatus, readonly JobStatus[]> = {
  Requested: ['Started', 'Failed', 'Canceled'],
  Started: ['Executing', 'Failed', 'Canceled'],
  Executing: ['Completed', 'Failed', 'Canceled'],
  Completed: [],
  Failed: [],
  Canceled: [],
};

/** What a job calculates. `gridAreas` sorted; instants ISO-8601 UTC. */
export interface JobSpec {
  calculationType: CalculationType;
  periodStart: string;
  periodEnd: string;
  gridAreas: string[];
  /** System time of the bi-temporal basis-data selection. */
  asOf: string;
  createdByUserId: string;
  /** Who asked: 'http', 'schedule:<name>' */
  trigger: string;
}

export interface JobProgress {
  doneBatches: number;
  totalBatches: number;
}

export interface Job extends JobSpec {
  id: string;
  status: JobStatus;
  /** Dedupe key: calculation type + period + grid areas. */
  specKey: string;
  requestedAt: string;
  startedAt: string | null;
  executingAt: string | null;
  finishedAt: string | null;
  progress: JobProgress;
  error: string | null;
  /** Blob path prefix of the committed results, e.g. `jobs/{id}/`. */
  outputPath: string | null;
  /** Result rows per time series type, set at completion. */
  resultCounts: Record<string, number> | null;
  /** Optimistic concurrency token of the stored row. */
  version: string;
}

export function specKey(s: Pick<JobSpec, 'calculationType' | 'periodStart' | 'periodEnd' | 'gridAreas'>): string {
  return [s.calculationType, s.periodStart, s.periodEnd, [...s.gridAreas].sort().join(',')].join('|');
}
