/**
 * The run of a saved analysis as the durable activity performs it (issue 15): reads the run state
 * (which holds the spec as requested), executes, stores the results and records the final state.
 * Data the spec cannot use (a column that is not there, a sum over text) fails the run with the
 * field named, without retries; anything else throws (the orchestration retries, then fails it).
 */
import type { LakeDeps } from '../lake-deps';
import type { CustomerAnalysisInput } from '../../settlement/activity-contracts';
import { readRun, writeRun } from './customer-area';
import { AnalysisError, runAnalysis } from './run-analysis';

export async function runCustomerAnalysis(
  lake: Pick<LakeDeps, 'partitions' | 'served' | 'clock'>,
  input: CustomerAnalysisInput,
): Promise<{ status: string }> {
  const run = await readRun(lake.partitions, input.customerId, input.analysis, input.runId);
  if (!run) throw new Error(`run ${input.runId} of ${input.analysis} has no state`);
  if (run.status !== 'Running') return { status: run.status }; // a replayed activity after the state was written
  try {
    const r = await runAnalysis(lake.partitions, run.customerId, run.analysis, lake.served, run.spec, run.runId);
    await writeRun(lake.partitions, {
      ...run,
      status: 'Completed',
      finishedAt: lake.clock().toISOString(),
      rows: r.rows,
      resultsVersion: r.version,
    });
    return { status: 'Completed' };
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    await writeRun(lake.partitions, {
      ...run,
      status: 'Failed',
      finishedAt: lake.clock().toISOString(),
      error: e.message,
    });
    return { status: 'Failed' };
  }
}

export async function failRun(
  lake: Pick<LakeDeps, 'partitions' | 'clock'>,
  input: CustomerAnalysisInput,
  error: string,
): Promise<void> {
  const run = await readRun(lake.partitions, input.customerId, input.analysis, input.runId);
  if (!run || run.status !== 'Running') return;
  await writeRun(lake.partitions, { ...run, status: 'Failed', finishedAt: lake.clock().toISOString(), error });
}
