/**
 * Settlement use cases behind the Functions: plan a job's batches, calculate one batch,
 * commit (manifest last), publish completion, read committed results. No Functions runtime
 * here; activities and HTTP handlers are thin calls into this module.
 */
import { parquetBytes } from '../basis-data/parquet/arrow-io';
import type { CalculationArguments } from '../basis-data/types';
import { DAY_MS, HOUR_MS } from '../domain/time';
import { calculateEnergy } from '../calculation/energy/run';
import { QBIT_ACTIVE } from '../domain/codes';
import type { Job, JobStatus } from '../jobs/job';
import type { JobStore, JobUpdate } from '../jobs/job-store';
import { JobNotFoundError } from '../jobs/job-store';
import { energyResultsTable } from '../results/energy-parquet';
import type { EnergyResults } from '../results/energy-results';
import type { BlobStore } from '../storage/blob-store';
import type { BlobLake } from '../basis-data/parquet/blob-lake';
import { AsOfBasisDataSource, type BasisDataEvents, type EventReference, type EventUsage } from '../basis-data/bitemporal/as-of-source';
import { calculateWholesale, isWholesaleType } from '../calculation/wholesale/run';
import { wholesaleTable } from '../results/wholesale-output';
import type { Batch, BatchOutput } from './batch';
import type { BatchBasisData, JobBasisData } from './basis-data-usage';
import { BatchOutputMissingError, CommittedFileMissingError, ManifestMissingError } from './errors';
import { basisDataUsagePath, batchPath, jobOutputPath, manifestPath, wholesaleBatchPath } from './job-paths';
import { readManifest, type Manifest } from './manifest';

export interface SettlementDeps {
  lake: BlobLake;
  /** Integration events (bi-temporal master data, time series, charges) overlaid on the lake as of the job's as-of. */
  events: BasisDataEvents;
  results: BlobStore;
  jobs: JobStore;
  /** Publishes the calculation-completed event (Service Bus topic). */
  publishCompleted: (job: Job, manifest: Manifest) => Promise<void>;
  batchMeteringPointThreshold: number;
  quarterlyTransition: number;
  clock: () => Date;
}


async function requireJob(jobs: JobStore, jobId: string): Promise<Job> {
  const job = await jobs.get(jobId);
  if (!job) throw new JobNotFoundError(jobId);
  return job;
}

/** The basis data as known at `asOf`: the lake overlaid with the integration events stored by then. */
export async function basisDataAsOf(deps: Pick<SettlementDeps, 'lake' | 'events'>, range: { from: number; to: number }, asOf: number): Promise<{ source: AsOfBasisDataSource; blobs: Array<{ path: string; etag: string }> }> {
  const view = await deps.lake.view(range);
  return { source: new AsOfBasisDataSource(view.source, deps.events, asOf), blobs: view.blobs };
}

/** Grid areas in the basis data as known at `asOf` and how many metering points each has (batch sizing). */
export async function gridAreaCatalog(deps: Pick<SettlementDeps, 'lake' | 'events'>, asOf: number): Promise<Map<string, number>> {
  const counts = new Map<string, Set<string>>();
  const { source } = await basisDataAsOf(deps, { from: 0, to: 0 }, asOf);
  for (const p of await source.readMeteringPointPeriods()) {
    let s = counts.get(p.gridAreaCode);
    if (!s) counts.set(p.gridAreaCode, (s = new Set()));
    s.add(p.meteringPointId);
  }
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)).map(([ga, s]) => [ga, s.size]));
}

/**
 * At least one batch per grid area; a grid area with more metering points than the threshold
 * is split into time ranges (results of different slots are independent, and the job's period
 * never crosses the quarterly transition, so every sub-range has the job's resolution).
 */
export async function planBatches(deps: SettlementDeps, jobId: string): Promise<Batch[]> {
  const job = await requireJob(deps.jobs, jobId);
  const catalog = await gridAreaCatalog(deps, Date.parse(job.asOf));
  const start = Date.parse(job.periodStart);
  const end = Date.parse(job.periodEnd);
  const batches: Batch[] = [];
  for (const ga of job.gridAreas) {
    const mps = catalog.get(ga) ?? 0;
    // wholesale amounts are monthly sums per grid area (and subscriptions divide by the period's
    // days): those jobs keep one batch per grid area over the whole period
    const wanted = isWholesaleType(job.calculationType) ? 1 : Math.max(1, Math.ceil(mps / deps.batchMeteringPointThreshold));
    // split on whole days when the period has several, else on whole hours
    const unit = end - start >= 2 * DAY_MS ? DAY_MS : HOUR_MS;
    const units = Math.ceil((end - start) / unit);
    const parts = Math.min(wanted, units);
    for (let k = 0; k < parts; k++) {
      const from = start + Math.round((units * k) / parts) * unit;
      const to = k === parts - 1 ? end : start + Math.round((units * (k + 1)) / parts) * unit;
      batches.push({ id: `${ga}-${new Date(from).toISOString().replace(/[-:]/g, '').slice(0, 13)}`, gridArea: ga, periodStart: new Date(from).toISOString(), periodEnd: new Date(to).toISOString() });
    }
  }
  return batches;
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

/** Reads the batch's basis data from Blob, calculates, writes its results Parquet. */
export async function calculateBatch(deps: SettlementDeps, jobId: string, batch: Batch): Promise<BatchOutput> {
  const job = await requireJob(deps.jobs, jobId);
  const args = batchArguments(job, batch, deps.quarterlyTransition);
  const { source, blobs } = await basisDataAsOf(deps, { from: args.periodStart, to: args.periodEnd }, args.asOf);
  const results = await calculateEnergy(source, args);
  const wholesale = isWholesaleType(job.calculationType) ? await calculateWholesale(source, args, results) : null;
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
      .filter((p) => (p.gridAreaCode === batch.gridArea || p.fromGridAreaCode === batch.gridArea || p.toGridAreaCode === batch.gridArea) && p.fromDate < args.periodEnd && (p.toDate === null || p.toDate > args.periodStart))
      .map(({ source: _source, fromDate, toDate, ...rest }) => ({ ...rest, fromDate: new Date(fromDate).toISOString(), toDate: toDate === null ? null : new Date(toDate).toISOString() })),
  };
  await deps.results.put(basisDataPath, JSON.stringify(usage, null, 2), 'application/json');
  const path = batchPath(jobId, batch);
  await deps.results.put(path, parquetBytes(energyResultsTable(results)), 'application/vnd.apache.parquet');
  if (!wholesale) return { batchId: batch.id, path, ...countsOf(results), basisDataPath };
  const wholesalePath = wholesaleBatchPath(jobId, batch);
  await deps.results.put(wholesalePath, parquetBytes(wholesaleTable(wholesale)), 'application/vnd.apache.parquet');
  return { batchId: batch.id, path, ...countsOf(results), wholesalePath, wholesaleRows: wholesale.rows.length, basisDataPath };
}

/** What a committed job calculated from: the union of its batches' basis data (null before commit). */
export async function readJobBasisData(results: BlobStore, jobId: string): Promise<JobBasisData | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const batches: BatchBasisData[] = [];
  for (const file of manifest.basisDataFiles ?? []) {
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'basis data');
    batches.push(JSON.parse(bytes.toString('utf8')) as BatchBasisData);
  }
  const unique = <T>(items: T[], key: (t: T) => string): T[] => [...new Map(items.map((i) => [key(i), i])).values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const events = (pick: (u: EventUsage) => EventReference[]) => unique(batches.flatMap((b) => pick(b.integrationEvents)), (e) => `${e.storedAt}|${e.eventId}`);
  return {
    jobId,
    asOf: batches[0]?.asOf ?? null,
    batches: batches.map((b) => ({ batchId: b.batchId, gridArea: b.gridArea, periodStart: b.periodStart, periodEnd: b.periodEnd })),
    lakeBlobs: unique(batches.flatMap((b) => b.lakeBlobs), (b) => b.path),
    integrationEvents: { masterData: events((u) => u.masterData), timeSeries: events((u) => u.timeSeries), charges: events((u) => u.charges) },
    meteringPointPeriods: unique(batches.flatMap((b) => b.meteringPointPeriods), (p) => `${p.meteringPointId}|${p.fromDate}|${p.gridAreaCode}`),
  };
}

/**
 * Checks every batch output exists, writes the manifest (last: until it exists the job's
 * results are not visible), then marks the job Completed.
 */
export async function commitJob(deps: SettlementDeps, jobId: string, outputs: BatchOutput[]): Promise<Manifest> {
  const job = await requireJob(deps.jobs, jobId);
  for (const path of outputs.flatMap((o) => [o.path, ...(o.wholesalePath ? [o.wholesalePath] : []), ...(o.basisDataPath ? [o.basisDataPath] : [])])) {
    if (!(await deps.results.exists(path))) throw new BatchOutputMissingError(jobId, path);
  }
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
    wholesaleFiles: outputs.flatMap((o) => (o.wholesalePath ? [o.wholesalePath] : [])).sort(),
    wholesaleRows: outputs.reduce((s, o) => s + (o.wholesaleRows ?? 0), 0),
    basisDataFiles: outputs.flatMap((o) => (o.basisDataPath ? [o.basisDataPath] : [])).sort(),
    committedAt: deps.clock().toISOString(),
  };
  await deps.results.put(manifestPath(jobId), JSON.stringify(manifest, null, 2), 'application/json');
  const resultCounts = manifest.wholesaleFiles.length ? { ...counts, wholesale_results: manifest.wholesaleRows } : counts;
  await deps.jobs.transition(jobId, 'Completed', deps.clock(), { outputPath: jobOutputPath(jobId), resultCounts, progress: { doneBatches: outputs.length, totalBatches: outputs.length } });
  return manifest;
}

export async function publishCompleted(deps: SettlementDeps, jobId: string): Promise<void> {
  const job = await requireJob(deps.jobs, jobId);
  const manifest = await readManifest(deps.results, jobId);
  if (!manifest) throw new ManifestMissingError(jobId);
  await deps.publishCompleted(job, manifest);
}

export async function markJob(deps: SettlementDeps, jobId: string, status: JobStatus, update?: JobUpdate): Promise<Job> {
  return deps.jobs.transition(jobId, status, deps.clock(), update);
}
