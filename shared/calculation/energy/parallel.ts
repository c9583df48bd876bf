/**
 * Energy calculation over a Parquet lake with worker threads. Cells live in SharedArrayBuffers:
 * workers scatter whole observation-date partitions (a cell belongs to exactly one date, so no
 * two workers touch the same cell), then sum disjoint ranges of days into private
 * accumulators that the main thread adds up. Results equal the single-threaded path exactly
 * (integer arithmetic is associative).
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import * as pw from 'parquet-wasm';
import { openAsBlob } from 'node:fs';
import type { ParquetLakeSource } from '../../basis-data/parquet/lake';
import type { CalculationArguments } from '../../basis-data/types';
import type { EnergyResults } from '../../results/energy-results';
import {
  addAccumulators,
  allocateAccumulators,
  allocateCells,
  type Accumulators,
  type Cells,
  type KernelPlan,
} from './kernels';
import type { EnergyRunStats } from './run';
import { planCalculation, runStats } from './run';
import { buildEnergyResults } from './results';
import { fromWireError, type WireError } from './worker-errors';

export interface WorkerInit {
  plan: KernelPlan;
  cells: Cells;
  meteringPointIds: string[];
  lakeDir: string;
}
export type WorkerRequest = { op: 'scatter'; files: string[] } | { op: 'aggregate'; d0: number; d1: number };
export type WorkerReply =
  | { ok: true; op: 'scatter'; points: number }
  | { ok: true; op: 'aggregate'; acc: Accumulators }
  | { ok: false; error: WireError };

/**
 * Compiled (dist/*.js) the worker is a plain file; run from TypeScript sources (tsx, jest) the
 * worker registers tsx's CommonJS hook first, since loader flags are not honoured in workers.
 */
function startWorker(init: WorkerInit): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'parallel-worker.js'), { workerData: init });
  const entry = JSON.stringify(join(__dirname, 'parallel-worker.ts'));
  return new Worker(`require('tsx/cjs/api').register(); require(${entry});`, { eval: true, workerData: init });
}

class PoolWorker {
  private readonly worker: Worker;
  constructor(init: WorkerInit) {
    this.worker = startWorker(init);
  }
  request(req: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        this.worker.off('error', onError);
        resolve(m);
      };
      const onError = (e: Error) => {
        this.worker.off('message', onMessage);
        reject(e);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage(req);
    });
  }
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function rethrow(e: WireError): never {
  throw fromWireError(e);
}

async function hasRegistrationColumn(file: string): Promise<boolean> {
  const pf = await pw.ParquetFile.fromFile(await openAsBlob(file));
  try {
    const schema = pf.schema();
    try {
      return schema.indexOf('registration_time') >= 0;
    } catch {
      return false; // indexOf throws for an absent field
    } finally {
      schema.free();
    }
  } finally {
    pf.free();
  }
}

/**
 * Scatter and aggregate a kernel plan over lake files with worker threads: whole partitions per
 * worker, then disjoint day ranges summed into private accumulators and added up. Shared by the
 * energy calculation and the wholesale per-metering-point energy.
 */
export async function runKernelsParallel(
  kp: KernelPlan,
  meteringPointIds: string[],
  lakeDir: string,
  files: string[],
  workers: number,
): Promise<{ acc: Accumulators; points: number; scatterMs: number }> {
  const bitemporal = files.length > 0 && (await hasRegistrationColumn(files[0]));
  const cells = allocateCells(kp.nCells, bitemporal, true);
  const n = Math.max(1, Math.min(workers, Math.max(files.length, 1)));
  const pool = Array.from({ length: n }, () => new PoolWorker({ plan: kp, cells, meteringPointIds, lakeDir }));
  try {
    const t0 = performance.now();
    // whole partitions per worker, dealt round-robin in date order
    const byPartition = new Map<string, string[]>();
    for (const f of files) {
      const part = f.slice(0, f.lastIndexOf('/'));
      (byPartition.get(part) ?? byPartition.set(part, []).get(part))?.push(f);
    }
    const shares: string[][] = pool.map(() => []);
    [...byPartition.values()].forEach((fs, i) => shares[i % n].push(...fs));
    const scattered = await Promise.all(pool.map((w, i) => w.request({ op: 'scatter', files: shares[i] })));
    let points = 0;
    for (const r of scattered) {
      if (!r.ok) rethrow(r.error);
      if (r.op === 'scatter') points += r.points;
    }
    const scatterMs = performance.now() - t0;
    // sum disjoint day ranges (contiguous cell regions) into private accumulators
    const bounds = Array.from({ length: n + 1 }, (_, k) => Math.round((kp.nDays * k) / n));
    const partial = await Promise.all(
      pool.map((w, i) => w.request({ op: 'aggregate', d0: bounds[i], d1: bounds[i + 1] })),
    );
    const acc = allocateAccumulators(kp.nGroups, kp.nSlots);
    for (const r of partial) {
      if (!r.ok) rethrow(r.error);
      if (r.op === 'aggregate') addAccumulators(acc, r.acc);
    }
    return { acc, points, scatterMs };
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

export async function calculateEnergyParallel(
  source: ParquetLakeSource,
  args: CalculationArguments,
  opts: { workers: number },
  stats?: Partial<EnergyRunStats>,
): Promise<EnergyResults> {
  const plan = await planCalculation(source, args);
  const files = await source.timeSeriesFiles({ from: args.periodStart, to: args.periodEnd });
  const t0 = performance.now();
  const { acc, points, scatterMs } = await runKernelsParallel(
    plan.kernel,
    [...plan.dictionary.keys()],
    source.dir,
    files,
    opts.workers,
  );
  const results = buildEnergyResults(plan, acc);
  if (stats) Object.assign(stats, runStats(plan, points, t0, t0 + scatterMs));
  return results;
}
