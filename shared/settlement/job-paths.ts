/**
 * Where a job's outputs live in the results container: `jobs/{jobId}/` with the manifest written
 * last. Every path is deterministic, so a retried or replayed batch overwrites its own file.
 */
import type { Batch } from './batch';

export const jobOutputPath = (jobId: string) => `jobs/${jobId}/`;
export const manifestPath = (jobId: string) => `jobs/${jobId}/_manifest.json`;
export const batchPath = (jobId: string, b: Batch) => `jobs/${jobId}/energy/ga=${b.gridArea}/${b.id}.parquet`;
export const wholesaleBatchPath = (jobId: string, b: Batch) =>
  `jobs/${jobId}/wholesale/ga=${b.gridArea}/${b.id}.parquet`;
export const basisDataUsagePath = (jobId: string, b: Batch) => `jobs/${jobId}/basis-data/ga=${b.gridArea}/${b.id}.json`;
/** A wholesale batch's exact partial sums of the monthly amounts (JSON, wholesale-partial.ts); not a result. */
export const wholesalePartialPath = (jobId: string, b: Batch) =>
  `${wholesalePartialPrefix(jobId, b.gridArea)}${b.id}.json`;
export const wholesalePartialPrefix = (jobId: string, gridArea: string) =>
  `jobs/${jobId}/wholesale-partials/ga=${gridArea}/`;
/** A grid area's monthly amounts and totals, reduced from its batches' partial sums (a result file). */
export const wholesaleMonthlyPath = (jobId: string, gridArea: string) =>
  `jobs/${jobId}/wholesale/ga=${gridArea}/_monthly.parquet`;
