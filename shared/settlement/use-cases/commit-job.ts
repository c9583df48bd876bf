import { requireJob, type JobStore, type JobUpdate } from '../../jobs/job-store';
import type { BlobStore } from '../../storage/blob-store';
import type { BatchOutput } from '../batch';
import { BatchOutputMissingError, JobCanceledError } from '../errors';
import { InvalidJobTransitionError } from '../../jobs/job-store';
import { discardJobOutputs } from './discard-job-outputs';
import { jobOutputPath, manifestPath } from '../job-paths';
import { readManifest, type Manifest } from '../manifest';
import { hasWholesalePartials, reduceWholesale } from './reduce-wholesale';
import { log } from '../../telemetry/log';
import { measure } from '../../telemetry/metrics';

export interface CommitJobDeps {
  jobs: Pick<JobStore, 'get' | 'transition'>;
  results: Pick<BlobStore, 'exists' | 'get' | 'put' | 'list' | 'delete'>;
  clock: () => Date;
}

/**
 * Checks every batch output exists, writes the manifest (last: until it exists the job's
 * results are not visible), then marks the job Completed.
 *
 * Idempotent: the activity runs at least once (a retry after a crash between the manifest write
 * and the transition, or a redelivery), so a job whose manifest exists is already committed — the
 * stored manifest is returned as is (its committedAt stays the first one) and the job is only
 * moved to Completed if the crash came before that (Completed → Completed is a no-op).
 *
 * A job canceled before or during the commit is not committed: its outputs (and a manifest
 * written meanwhile) are deleted and JobCanceledError is thrown — a canceled job leaves no result
 * files behind, and the cancel, having won the transition, has answered Canceled.
 */
export async function commitJob(deps: CommitJobDeps, jobId: string, outputs: BatchOutput[]): Promise<Manifest> {
  try {
    return await commitUnlessCanceled(deps, jobId, outputs);
  } catch (e) {
    if (!(e instanceof InvalidJobTransitionError || e instanceof JobCanceledError)) throw e;
    const job = await requireJob(deps.jobs, jobId);
    if (job.status !== 'Canceled') throw e;
    await discardJobOutputs(deps.results, jobId);
    throw new JobCanceledError(jobId);
  }
}

async function commitUnlessCanceled(deps: CommitJobDeps, jobId: string, outputs: BatchOutput[]): Promise<Manifest> {
  const job = await requireJob(deps.jobs, jobId);
  if (job.status === 'Canceled') throw new JobCanceledError(jobId);
  const committed = await readManifest(deps.results, jobId);
  if (committed) {
    await deps.jobs.transition(jobId, 'Completed', deps.clock(), completedUpdate(committed, outputs.length));
    return committed;
  }
  for (const path of outputs.flatMap((o) => [
    o.path,
    ...(o.wholesalePath ? [o.wholesalePath] : []),
    ...(o.wholesalePartialPath ? [o.wholesalePartialPath] : []),
    ...(o.basisDataPath ? [o.basisDataPath] : []),
  ])) {
    if (!(await deps.results.exists(path))) throw new BatchOutputMissingError(jobId, path);
  }
  // wholesale: each grid area's monthly amounts and totals are a reduce over its slices' partial sums
  const reduced: Array<{ wholesalePath: string; wholesaleRows: number }> = [];
  for (const ga of job.gridAreas)
    if (hasWholesalePartials(jobId, ga, outputs)) reduced.push(await reduceWholesale(deps, jobId, ga, outputs));
  const counts: Record<string, number> = {};
  for (const o of outputs) for (const [k, v] of Object.entries(o.counts)) counts[k] = (counts[k] ?? 0) + v;
  const manifest: Manifest = {
    jobId,
    calculationType: job.calculationType,
    periodStart: job.periodStart,
    periodEnd: job.periodEnd,
    gridAreas: job.gridAreas,
    files: outputs.map((o) => o.path).sort(),
    rows: outputs.reduce((s, o) => s + o.rows, 0),
    counts,
    wholesaleFiles: [
      ...outputs.flatMap((o) => (o.wholesalePath ? [o.wholesalePath] : [])),
      ...reduced.map((r) => r.wholesalePath),
    ].sort(),
    wholesaleRows:
      outputs.reduce((s, o) => s + (o.wholesaleRows ?? 0), 0) + reduced.reduce((s, r) => s + r.wholesaleRows, 0),
    basisDataFiles: outputs.flatMap((o) => (o.basisDataPath ? [o.basisDataPath] : [])).sort(),
    committedAt: deps.clock().toISOString(),
  };
  await deps.results.put(manifestPath(jobId), JSON.stringify(manifest, null, 2), 'application/json');
  const completed = await deps.jobs.transition(
    jobId,
    'Completed',
    deps.clock(),
    completedUpdate(manifest, outputs.length),
  );
  const seconds = (Date.parse(manifest.committedAt) - Date.parse(completed.requestedAt)) / 1000;
  measure.jobCommitted(seconds, job.calculationType);
  // durationSeconds and calculationType are fields, so the operator dashboard (infra/kusto) takes percentiles of them
  log.info(`job committed: ${manifest.files.length} files, ${manifest.rows} rows`, {
    jobId,
    calculationType: job.calculationType,
    durationSeconds: seconds,
  });
  return manifest;
}

/** What Completed records on the job, from the manifest (so a re-commit records the same). */
function completedUpdate(manifest: Manifest, batches: number): JobUpdate {
  const resultCounts = manifest.wholesaleFiles.length
    ? { ...manifest.counts, wholesale_results: manifest.wholesaleRows }
    : manifest.counts;
  return {
    outputPath: jobOutputPath(manifest.jobId),
    resultCounts,
    progress: { doneBatches: batches, totalBatches: batches },
  };
}
