import { parquetBytes } from '../../basis-data/parquet/arrow-io';
import type { CalculationArguments } from '../../basis-data/types';
import { calculateEnergy, type EnergyRunStats } from '../../calculation/energy/run';
import { calculateWholesaleSlice, isWholesaleType } from '../../calculation/wholesale/run';
import { QBIT_ACTIVE } from '../../domain/codes';
import type { Job } from '../../jobs/job';
import { requireJob, type JobStore } from '../../jobs/job-store';
import { energyResultsTable } from '../../results/energy-parquet';
import { RESULT_ROW_GROUP_ROWS } from '../../results/result-files';
import type { EnergyResults } from '../../results/energy-results';
import { wholesaleTable } from '../../results/wholesale-output';
import type { BlobStore } from '../../storage/blob-store';
import type { BatchBasisData } from '../basis-data-usage';
import type { Batch, BatchOutput } from '../batch';
import { basisDataUsagePath, batchPath, wholesaleBatchPath, wholesalePartialPath } from '../job-paths';
import { wholesalePartialJson } from '../wholesale-partial';
import { basisDataAsOf, type BasisDataAsOfDeps } from './basis-data-as-of';
import { discardJobOutputs } from './discard-job-outputs';
import { JobCanceledError } from '../errors';
import { log } from '../../telemetry/log';
import { measure } from '../../telemetry/metrics';

export interface CalculateBatchDeps extends BasisDataAsOfDeps {
  jobs: Pick<JobStore, 'get'>;
  results: Pick<BlobStore, 'put' | 'list' | 'delete'>;
  quarterlyTransition: number;
}

function countsOf(r: EnergyResults): { rows: number; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  let rows = 0;
  r.series.forEach((m, i) => {
    let n = 0;
    for (const mask of r.masks[i]) if (mask & QBIT_ACTIVE) n++;
    counts[m.timeSeriesType] = (counts[m.timeSeriesType] ?? 0) + n;
    rows += n;
  });
  return { rows, counts };
}

export function batchArguments(job: Job, batch: Batch, quarterlyTransition: number): CalculationArguments {
  return {
    calculationId: job.id,
    calculationType: job.calculationType,
    gridAreas: [batch.gridArea],
    periodStart: Date.parse(batch.periodStart),
    periodEnd: Date.parse(batch.periodEnd),
    executionTimeStart: Date.parse(job.requestedAt),
    createdByUserId: job.createdByUserId,
    quarterlyTransition,
    asOf: Date.parse(job.asOf),
    allowPartialMonth: true, // the job's period was validated; a batch is a slice of it
  };
}

/** Reads the batch's basis data from Blob, calculates, writes its results Parquet (and what it read). */
/**
 * Calculates one batch and writes its outputs under `jobs/{id}/`. A job canceled meanwhile (the
 * orchestration is terminated, but an activity already running is not) gets its outputs deleted
 * here, after the writes: whichever of this and the cancel's delete comes last removes them.
 */
export async function calculateBatch(deps: CalculateBatchDeps, jobId: string, batch: Batch): Promise<BatchOutput> {
  const started = performance.now();
  const ended = measure.batchStarted();
  try {
    const { output, calculationType } = await calculateAndWriteBatch(deps, jobId, batch);
    if ((await requireJob(deps.jobs, jobId)).status === 'Canceled') {
      await discardJobOutputs(deps.results, jobId);
      throw new JobCanceledError(jobId);
    }
    measure.batchDone(started, output.points ?? 0, calculationType);
    log.info(
      `batch ${batch.id} calculated: ${output.points ?? 0} points, ${output.rows} result rows in ${((performance.now() - started) / 1000).toFixed(2)} s`,
      { jobId, batchId: batch.id, gridArea: batch.gridArea },
    );
    return output;
  } finally {
    ended();
  }
}

async function calculateAndWriteBatch(
  deps: CalculateBatchDeps,
  jobId: string,
  batch: Batch,
): Promise<{ output: BatchOutput; calculationType: string }> {
  const job = await requireJob(deps.jobs, jobId);
  return { output: await writeBatch(deps, job, batch), calculationType: job.calculationType };
}

async function writeBatch(deps: CalculateBatchDeps, job: Job, batch: Batch): Promise<BatchOutput> {
  const jobId = job.id;
  const args = batchArguments(job, batch, deps.quarterlyTransition);
  // only the batch's grid area's share of the lake (and its exchange neighbours' exchange points)
  const { source, blobs, bytes } = await basisDataAsOf(
    deps,
    { from: args.periodStart, to: args.periodEnd },
    args.asOf,
    [batch.gridArea],
  );
  const stats: Partial<EnergyRunStats> = {};
  const results = await calculateEnergy(source, args, stats);
  // what the batch read: how the planner's estimate and the lake layout hold up (bench:scale)
  const work = { points: stats.points ?? 0, bytesRead: bytes };
  // wholesale: the batch is a time slice of the job's period (the period the rules' subscription
  // days and price carry-forward refer to); its monthly sums are reduced at commit
  const period = { start: Date.parse(job.periodStart), end: Date.parse(job.periodEnd) };
  const wholesale = isWholesaleType(job.calculationType)
    ? await calculateWholesaleSlice(source, args, period, results)
    : null;
  const basisDataPath = basisDataUsagePath(jobId, batch);
  const usage: BatchBasisData = {
    batchId: batch.id,
    gridArea: batch.gridArea,
    periodStart: batch.periodStart,
    periodEnd: batch.periodEnd,
    asOf: job.asOf,
    lakeBlobs: blobs,
    integrationEvents: source.usage(),
    meteringPointPeriods: (await source.readMeteringPointPeriods())
      .filter(
        (p) =>
          (p.gridAreaCode === batch.gridArea ||
            p.fromGridAreaCode === batch.gridArea ||
            p.toGridAreaCode === batch.gridArea) &&
          p.fromDate < args.periodEnd &&
          (p.toDate === null || p.toDate > args.periodStart),
      )
      .map(({ source: _source, fromDate, toDate, ...rest }) => ({
        ...rest,
        fromDate: new Date(fromDate).toISOString(),
        toDate: toDate === null ? null : new Date(toDate).toISOString(),
      })),
  };
  await deps.results.put(basisDataPath, JSON.stringify(usage, null, 2), 'application/json');
  const path = batchPath(jobId, batch);
  // small row groups: a completion consumer decodes one row group per synchronous step
  // (shared/results/result-files.ts), so their size bounds how long it holds the event loop
  await deps.results.put(
    path,
    parquetBytes(energyResultsTable(results), RESULT_ROW_GROUP_ROWS),
    'application/vnd.apache.parquet',
  );
  if (!wholesale) return { batchId: batch.id, path, ...countsOf(results), basisDataPath, ...work };
  const wholesalePath = wholesaleBatchPath(jobId, batch);
  await deps.results.put(
    wholesalePath,
    parquetBytes(wholesaleTable(wholesale.results)),
    'application/vnd.apache.parquet',
  );
  const partialPath = wholesalePartialPath(jobId, batch);
  const partial = wholesalePartialJson({
    calculationId: job.id,
    calculationType: job.calculationType,
    periodStart: new Date(period.start).toISOString(),
    periodEnd: new Date(period.end).toISOString(),
    gridArea: batch.gridArea,
    sliceStart: new Date(args.periodStart).toISOString(),
    sliceEnd: new Date(args.periodEnd).toISOString(),
    monthly: wholesale.monthly,
  });
  await deps.results.put(partialPath, partial, 'application/json');
  return {
    batchId: batch.id,
    path,
    ...countsOf(results),
    wholesalePath,
    wholesaleRows: wholesale.results.rows.length,
    wholesalePartialPath: partialPath,
    basisDataPath,
    ...work,
  };
}
