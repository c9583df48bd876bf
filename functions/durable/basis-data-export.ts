/**
 * Basis data export orchestration: one retried activity per (job, grid area). Decides only; the
 * activity reads the job's basis data as of its as-of and writes the CSVs (status last).
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { runBasisDataExport } from '../../shared/basis-data-export';
import { NAMES } from '../../shared/config/names';
import { requireJob } from '../../shared/jobs/job-store';
import type { ActivityImpl } from '../../shared/settlement/activity-contracts';
import { basisDataAsOf } from '../../shared/settlement/use-cases/basis-data-as-of';
import type { AppDeps } from '../deps';
import { callActivity, orchestratorInput } from './typed-activities';

export const exportInstanceId = (jobId: string, gridArea: string) => `export-${jobId}-${gridArea}`;

const EXPORT_RETRY = new df.RetryOptions(2000, 3);

export const basisDataExportOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = orchestratorInput(context, NAMES.durable.exportOrchestrator);
  return yield* callActivity(context, NAMES.durable.exportActivity, input, EXPORT_RETRY);
};

export function exportActivity(deps: AppDeps): ActivityImpl<typeof NAMES.durable.exportActivity> {
  return async ({ jobId, gridArea }) => {
    const job = await requireJob(deps.jobs, jobId);
    const periodStart = Date.parse(job.periodStart);
    const periodEnd = Date.parse(job.periodEnd);
    const asOf = Date.parse(job.asOf);
    // only the grid area's share of the lake (and its exchange neighbours' exchange files), not the country
    const { source } = await basisDataAsOf(deps.settlement, { from: periodStart, to: periodEnd }, asOf, [gridArea]);
    const status = await runBasisDataExport(
      { source, store: deps.exports, now: () => deps.clock().getTime() },
      { jobId, gridArea, periodStart, periodEnd, asOf },
    );
    return { files: status.files.length };
  };
}
