/**
 * Settlement use cases behind the Functions: plan a job's batches, calculate one batch,
 * commit (manifest last), publish completion, read committed results. No Functions runtime
 * here; activities and HTTP handlers are thin calls into this module.
 */
import { parquetBytes } from '../basis-data/parquet/arrow-io';
import type { CalculationArguments } from '../basis-data/types';
import { DAY_MS, HOUR_MS } from '../basis-data/time';
import { calculateEnergy } from '../calculation/energy/run';
import { QBIT_ACTIVE } from '../domain/codes';
import type { Job, JobStatus } from '../jobs/job';
import type { JobStore, JobUpdate } from '../jobs/job-store';
import { JobNotFoundError } from '../jobs/job-store';
import { ENERGY_RESULTS_CSV_HEADER } from '../results/energy-csv';
import { energyResultRowsFromParquet, energyResultsTable } from '../results/energy-parquet';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from '../results/energy-result-row';
import type { EnergyResults } from '../results/energy-results';
import type { BlobStore } from '../storage/blob-store';
import type { BlobLake } from './blob-lake';
import { calculateWholesale, isWholesaleType } from '../calculation/wholesale/run';
import { WHOLESALE_RESULTS_CSV_HEADER, wholesaleRowsFromParquet, wholesaleTable } from '../results/wholesale-output';
import { WHOLESALE_RESULT_COLUMNS, type WholesaleResultRow } from '../results/wholesale-results';

export interface SettlementDeps {
  lake: BlobLake;
  results: BlobStore;
  jobs: JobStore;
  /** Publishes the calculation-completed event (Service Bus topic). */
  publishCompleted: (job: Job, manifest: Manifest) => Promise<void>;
  batchMeteringPointThreshold: number;
  quarterlyTransition: number;
  clock: () => Date;
}

/** One unit of parallel work: a grid area over a sub-range of the job's period. */
export interface Batch {
  id: string;
  gridArea: string;
  periodStart: string;
  periodEnd: string;
}

export interface BatchOutput {
  batchId: string;
  path: string;
  rows: number;
  counts: Record<string, number>;
  /** Wholesale and correction settlements: the batch's wholesale results. */
  wholesalePath?: string;
  wholesaleRows?: number;
}

export interface Manifest {
  jobId: string;
  calculationType: string;
  periodStart: string;
  periodEnd: string;
  gridAreas: string[];
  files: string[];
  rows: number;
  counts: Record<string, number>;
  wholesaleFiles: string[];
  wholesaleRows: number;
  committedAt: string;
}

export const jobOutputPath = (jobId: string) => `jobs/${jobId}/`;
export const manifestPath = (jobId: string) => `jobs/${jobId}/_manifest.json`;
/** Deterministic: a retried or replayed batch overwrites its own file. */
export const batchPath = (jobId: string, b: Batch) => `jobs/${jobId}/energy/ga=${b.gridArea}/${b.id}.parquet`;
export const wholesaleBatchPath = (jobId: string, b: Batch) => `jobs/${jobId}/wholesale/ga=${b.gridArea}/${b.id}.parquet`;

async function requireJob(jobs: JobStore, jobId: string): Promise<Job> {
  const job = await jobs.get(jobId);
  if (!job) throw new JobNotFoundError(jobId);
  return job;
}

/** Grid areas in the basis data and how many metering points each has (batch sizing). */
export async function gridAreaCatalog(lake: BlobLake): Promise<Map<string, number>> {
  const counts = new Map<string, Set<string>>();
  for (const p of await lake.meteringPointPeriods()) {
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
  const catalog = await gridAreaCatalog(deps.lake);
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
  const source = await deps.lake.source({ from: args.periodStart, to: args.periodEnd });
  const results = await calculateEnergy(source, args);
  const wholesale = isWholesaleType(job.calculationType) ? await calculateWholesale(source, args, results) : null;
  const path = batchPath(jobId, batch);
  await deps.results.put(path, parquetBytes(energyResultsTable(results)), 'application/vnd.apache.parquet');
  if (!wholesale) return { batchId: batch.id, path, ...countsOf(results) };
  const wholesalePath = wholesaleBatchPath(jobId, batch);
  await deps.results.put(wholesalePath, parquetBytes(wholesaleTable(wholesale)), 'application/vnd.apache.parquet');
  return { batchId: batch.id, path, ...countsOf(results), wholesalePath, wholesaleRows: wholesale.rows.length };
}

/**
 * Checks every batch output exists, writes the manifest (last: until it exists the job's
 * results are not visible), then marks the job Completed.
 */
export async function commitJob(deps: SettlementDeps, jobId: string, outputs: BatchOutput[]): Promise<Manifest> {
  const job = await requireJob(deps.jobs, jobId);
  for (const path of outputs.flatMap((o) => [o.path, ...(o.wholesalePath ? [o.wholesalePath] : [])])) {
    if (!(await deps.results.exists(path))) throw new Error(`batch output ${path} is missing; refusing to commit job ${jobId}`);
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
  if (!manifest) throw new Error(`job ${jobId} has no manifest; nothing to publish`);
  await deps.publishCompleted(job, manifest);
}

export async function markJob(deps: SettlementDeps, jobId: string, status: JobStatus, update?: JobUpdate): Promise<Job> {
  return deps.jobs.transition(jobId, status, deps.clock(), update);
}

export async function readManifest(results: BlobStore, jobId: string): Promise<Manifest | null> {
  const bytes = await results.get(manifestPath(jobId));
  return bytes ? (JSON.parse(bytes.toString('utf8')) as Manifest) : null;
}

export interface ResultsFilter {
  timeSeriesType?: string;
  gridArea?: string;
}

export interface WholesaleResultsFilter {
  amountType?: string;
  gridArea?: string;
}

/** Committed wholesale results (null when the job has no manifest yet). */
export async function readWholesaleResults(results: BlobStore, jobId: string, filter: WholesaleResultsFilter): Promise<WholesaleResultRow[] | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const rows: WholesaleResultRow[] = [];
  for (const file of manifest.wholesaleFiles ?? []) {
    if (filter.gridArea && !file.includes(`/ga=${filter.gridArea}/`)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new Error(`committed result file ${file} is missing`);
    for (const r of wholesaleRowsFromParquet(bytes)) {
      if (filter.amountType && r.amount_type !== filter.amountType) continue;
      rows.push(r);
    }
  }
  return rows;
}

export function wholesaleRowsToCsv(rows: readonly WholesaleResultRow[]): string {
  return [WHOLESALE_RESULTS_CSV_HEADER, ...rows.map((r) => WHOLESALE_RESULT_COLUMNS.map((c) => r[c]).join(';'))].join('\n') + '\n';
}

/** Committed results only (null when the job has no manifest yet). */
export async function readResults(results: BlobStore, jobId: string, filter: ResultsFilter): Promise<EnergyResultRow[] | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const rows: EnergyResultRow[] = [];
  for (const file of manifest.files) {
    if (filter.gridArea && !file.includes(`/ga=${filter.gridArea}/`)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new Error(`committed result file ${file} is missing`);
    for (const r of energyResultRowsFromParquet(bytes)) {
      if (filter.timeSeriesType && r.time_series_type !== filter.timeSeriesType) continue;
      if (filter.gridArea && r.grid_area_code !== filter.gridArea) continue;
      rows.push(r);
    }
  }
  return rows;
}

export function rowsToCsv(rows: readonly EnergyResultRow[]): string {
  return [ENERGY_RESULTS_CSV_HEADER, ...rows.map((r) => ENERGY_RESULT_COLUMNS.map((c) => r[c]).join(';'))].join('\n') + '\n';
}
