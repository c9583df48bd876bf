import { isWholesaleType } from '../../calculation/wholesale/run';
import { DAY_MS, HOUR_MS } from '../../domain/time';
import { requireJob, type JobStore } from '../../jobs/job-store';
import type { Batch } from '../batch';
import { gridAreaCatalog, type BasisDataAsOfDeps } from './basis-data-as-of';

export interface PlanBatchesDeps extends BasisDataAsOfDeps {
  jobs: Pick<JobStore, 'get'>;
  /** A grid area with more metering points than this is split into time ranges. */
  batchMeteringPointThreshold: number;
}

/**
 * At least one batch per grid area; a grid area with more metering points than the threshold
 * is split into time ranges (results of different slots are independent, and the job's period
 * never crosses the quarterly transition, so every sub-range has the job's resolution).
 */
export async function planBatches(deps: PlanBatchesDeps, jobId: string): Promise<Batch[]> {
  const job = await requireJob(deps.jobs, jobId);
  const catalog = await gridAreaCatalog(deps, Date.parse(job.asOf));
  const start = Date.parse(job.periodStart);
  const end = Date.parse(job.periodEnd);
  const batches: Batch[] = [];
  for (const ga of job.gridAreas) {
    const mps = catalog.get(ga) ?? 0;
    // wholesale amounts are monthly sums per grid area (and subscriptions divide by the period's
    // days): those jobs keep one batch per grid area over the whole period
    const wanted = isWholesaleType(job.calculationType)
      ? 1
      : Math.max(1, Math.ceil(mps / deps.batchMeteringPointThreshold));
    // split on whole days when the period has several, else on whole hours
    const unit = end - start >= 2 * DAY_MS ? DAY_MS : HOUR_MS;
    const units = Math.ceil((end - start) / unit);
    const parts = Math.min(wanted, units);
    for (let k = 0; k < parts; k++) {
      const from = start + Math.round((units * k) / parts) * unit;
      const to = k === parts - 1 ? end : start + Math.round((units * (k + 1)) / parts) * unit;
      batches.push({
        id: `${ga}-${new Date(from).toISOString().replace(/[-:]/g, '').slice(0, 13)}`,
        gridArea: ga,
        periodStart: new Date(from).toISOString(),
        periodEnd: new Date(to).toISOString(),
      });
    }
  }
  return batches;
}
