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
