/**
 * Basis data export orchestration: one retried activity per (job, grid area). Decides only; the
 * activity reads the job's basis data as of its as-of and writes the CSVs (status last).
 */
import * as df from 'durable-functions';
import type { ActivityHandler, OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { runBasisDataExport } from '../../shared/basis-data-export';
import { NAMES } from '../../shared/config/names';
import { basisDataAsOf } from '../../shared/settlement/use-cases/basis-data-as-of';
import type { AppDeps } from '../deps';

export interface ExportInput {
  jobId: string;
  gridArea: string;
}

export const exportInstanceId = (jobId: string, gridArea: string) => `export-${jobId}-${gridArea}`;

const EXPORT_RETRY = new df.RetryOptions(2000, 3);

export const basisDataExportOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as ExportInput;
  return yield context.df.callActivityWithRetry(NAMES.durable.exportActivity, EXPORT_RETRY, input);
};

export function exportActivity(deps: AppDeps): ActivityHandler {
  return async (input: unknown) => {
    const { jobId, gridArea } = input as ExportInput;
    const job = await deps.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} not found`);
    const periodStart = Date.parse(job.periodStart);
    const periodEnd = Date.parse(job.periodEnd);
    const asOf = Date.parse(job.asOf);
    const { source } = await basisDataAsOf(deps.settlement, { from: periodStart, to: periodEnd }, asOf);
    const status = await runBasisDataExport({ source, store: deps.exports, now: () => deps.clock().getTime() }, { jobId, gridArea, periodStart, periodEnd, asOf });
    return { files: status.files.length };
  };
}
