/**
 * `npm run bench:scale [-- --json] [--mps 100000 --days 31 --grid-areas 60 --workers 2 --seed 11
 *   --type wholesale_fixing|balance_fixing --batch-max-points N]`
 *
 * The scale-out measured end to end, then projected to Denmark:
 * 1. generates once (cached under .cache/bench/) a national-shaped sample: `--grid-areas` grid
 *    areas whose sizes follow a Zipf law (exponent 0.7: a few large urban areas — the largest ≈ 400,000 of Denmark's 3.5 M metering points — many small),
 *    exchange between neighbours, PT15M and PT1H metering points, charges (wholesale);
 * 2. starts the local host (Azurite on disk, the local Durable runtime, the real orchestrator
 *    and activities), uploads the lake and starts the job;
 * 3. runs every calculateBatchActivity in its own process (`--workers` at a time =
 *    MAX_PARALLEL_BATCHES), so each batch's peak RSS is its own; per batch it records points,
 *    bytes of the lake it read, seconds and peak RSS;
 * 4. projects the wall time of Denmark's month (MODEL below) at P parallel instances.
 *
 * MODEL (printed with the figures), measured on the sample:
 *   batch seconds = a + b·points        least squares over the sample's batches (a: fixed cost of a
 *                                       batch — master data, events, writes; b: download, decode and
 *                                       calculation per point — one process, one core)
 *   batch peak RSS = c + d·points       likewise (the largest national batch's RSS is projected)
 *   o = max(0, (fan-out wall × workers − Σ batch seconds) / batches)
 *                                       per-batch overhead outside the activity: dispatch, history,
 *                                       process start (pessimistic: Azure reuses warm instances)
 *   plan, commit = their activities' seconds (plan scales with metering points, commit with batches)
 * Denmark: 3.5 M metering points, all PT15M, a 31-day month (≈ 10.4 G points), spread over the
 * same grid areas with the same weights; batches per grid area as the planner makes them
 * (BATCH_MAX_POINTS; wholesale slices are whole local days); then, by Graham's list-scheduling
 * bound for P identical instances each running one batch at a time:
 *   wall(P) = plan·(3.5 M / sample MPs) + commit·(DK batches / sample batches)
 *             + (Σ DK batch seconds + DK batches · o) / P + seconds of the largest DK batch
 * An instance of Flex Consumption's 2 GB size has one vCPU, like one worker process here.
 *
 * Prints tables; with --json the last line is
 * {"metering_points":N,"points":M,"batches":B,"read_amplification":r,"max_batch_rss_mb":m,
 *  "projected_minutes_dk_p100":x,"projected_minutes_dk_p200":y}
 * read_amplification = Σ bytes each batch read from Blob / bytes of the lake (every blob once).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ActivityHandler } from 'durable-functions';
import { NAMES } from '../shared/config/names';
import { loadSettings } from '../shared/config/settings';
import { CALCULATION_TYPES, type CalculationType } from '../shared/domain/codes';
import { DAY_MS } from '../shared/domain/time';
import type { Batch } from '../shared/settlement/batch';
import { startJob } from '../shared/settlement/use-cases/start-job';
import { lakeLayoutOf } from '../shared/basis-data/parquet/lake';
import { startLocalHost } from '../local/host';
import { uploadLake } from '../local/upload-lake';
import { writeSyntheticLake } from './lake';
import type { ScaleWorkerInput, ScaleWorkerOutput } from './scale-worker';
import { printTable } from './table';
import { generateSynthetic, type SyntheticOptions } from './synthetic';
import { generateCharges, writeChargesLake } from './synthetic-charges';

const ROOT = resolve(__dirname, '..');
const D = NAMES.durable;
const DK_METERING_POINTS = 3_500_000;
/** Denmark's month: 31 days of PT15M (the issue's ≈ 10 G points). */
const DK_DAYS = 31;
const DK_SLOTS_PER_DAY = 96;
const ZIPF_EXPONENT = 0.7;

export interface ScaleOptions {
  mps: number;
  days: number;
  gridAreas: number;
  seed: number;
  type: CalculationType;
}

/** Zipf weights: the k-th largest grid area has weight 1/k^s. */
export function zipfWeights(n: number, s = ZIPF_EXPONENT): number[] {
  return Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);
}

export function scaleSyntheticOptions(o: ScaleOptions): SyntheticOptions {
  return {
    seed: o.seed,
    meteringPoints: o.mps,
    gridAreas: o.gridAreas,
    calculationGridAreas: o.gridAreas,
    gridAreaWeights: zipfWeights(o.gridAreas),
    // exchange metering points are a few hundred nationally, not a share of consumers
    exchangeShare: 0.002,
    days: o.days,
    periodStart: '2023-12-31T23:00:00Z', // January 2024: after the quarterly transition
    quarterShare: 0.5,
    calculationType: o.type,
    suppliersPerGridArea: 6,
  };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.name.endsWith('.parquet')) n += statSync(p).size;
  }
  return n;
}

async function ensureScaleLake(
  o: ScaleOptions,
  log: (s: string) => void,
): Promise<{ dir: string; points: number; bytes: number }> {
  const wholesale = o.type !== 'balance_fixing' && o.type !== 'aggregation';
  const dir = join(
    ROOT,
    '.cache',
    'bench',
    `scale-v1-${o.mps}mp-${o.days}d-${o.gridAreas}ga-s${o.seed}${wholesale ? '-charges' : ''}`,
  );
  const marker = join(dir, 'COMPLETE.json');
  if (existsSync(marker))
    return JSON.parse(readFileSync(marker, 'utf8')) as { dir: string; points: number; bytes: number };
  log(`generating ${o.mps} metering points × ${o.days} days in ${o.gridAreas} grid areas into ${dir} (once) ...`);
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const data = generateSynthetic(scaleSyntheticOptions(o));
  const points = await writeSyntheticLake(dir, data);
  if (wholesale)
    await writeChargesLake(
      dir,
      generateCharges(data, { seed: o.seed, linksPerMeteringPoint: 3 }),
      await lakeLayoutOf(dir),
    );
  const info = { dir, points, bytes: dirBytes(dir) };
  writeFileSync(marker, JSON.stringify(info)); // last: a half-generated lake is never reused
  log(
    `generated ${points} points (${(info.bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return info;
}

interface BatchMeasurement {
  batch: Batch;
  points: number;
  bytesRead: number;
  seconds: number;
  peakRssMb: number;
  startedMs: number;
  endedMs: number;
}

function runWorker(input: ScaleWorkerInput): Promise<ScaleWorkerOutput> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'scale-worker.ts'), JSON.stringify(input)],
      { cwd: ROOT, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`batch ${input.batch.id} failed: ${stderr || err.message}`));
        else resolvePromise(JSON.parse(stdout.trim().split('\n').pop() as string) as ScaleWorkerOutput);
      },
    );
  });
}

export interface Projection {
  dkPoints: number;
  dkBatches: number;
  largestBatchPoints: number;
  /** Peak RSS of the largest national batch, from the sample's batches (linear in points). */
  largestBatchRssMb: number;
  minutes(p: number): number;
}

/** Least-squares line y = a + b·x (falls back to the ratio through 0 when x does not vary). */
export function fitLine(xs: readonly number[], ys: readonly number[]): { a: number; b: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0 || sxy <= 0) return { a: 0, b: my / mx };
  const b = sxy / sxx;
  const a = my - b * mx;
  // a negative intercept would make small batches free: keep the line through the mean instead
  return a >= 0 ? { a, b } : { a: 0, b: my / mx };
}

/** The MODEL of the header comment. */
export function projectDenmark(m: {
  sampleMeteringPoints: number;
  sampleBatches: number;
  /** Batch seconds = a + b·points, fitted on the sample's batches. */
  seconds: { a: number; b: number };
  /** Batch peak RSS (MB) = a + b·points, fitted on the sample's batches. */
  rss: { a: number; b: number };
  overheadPerBatch: number;
  planSeconds: number;
  commitSeconds: number;
  weights: readonly number[];
  batchMaxPoints: number;
  wholesale: boolean;
}): Projection {
  const total = m.weights.reduce((a, b) => a + b, 0);
  const units = m.wholesale ? DK_DAYS : DK_DAYS * 24; // wholesale slices whole local days, energy whole hours
  let dkPoints = 0;
  let dkBatches = 0;
  let largest = 0;
  let work = 0;
  for (const w of m.weights) {
    const points = Math.round((DK_METERING_POINTS * w) / total) * DK_SLOTS_PER_DAY * DK_DAYS;
    const batches = Math.min(units, Math.max(1, Math.ceil(points / m.batchMaxPoints)));
    dkPoints += points;
    dkBatches += batches;
    largest = Math.max(largest, Math.ceil(points / batches));
    work += batches * m.seconds.a + points * m.seconds.b;
  }
  const fixed =
    m.planSeconds * (DK_METERING_POINTS / m.sampleMeteringPoints) + m.commitSeconds * (dkBatches / m.sampleBatches);
  const largestSeconds = m.seconds.a + m.seconds.b * largest;
  return {
    dkPoints,
    dkBatches,
    largestBatchPoints: largest,
    largestBatchRssMb: m.rss.a + m.rss.b * largest,
    minutes: (p) => (fixed + (work + dkBatches * m.overheadPerBatch) / p + largestSeconds) / 60,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      mps: { type: 'string', default: '100000' },
      days: { type: 'string', default: '31' },
      'grid-areas': { type: 'string', default: '60' },
      workers: { type: 'string', default: '2' },
      seed: { type: 'string', default: '11' },
      type: { type: 'string', default: 'wholesale_fixing' },
      'batch-max-points': { type: 'string' },
    },
  });
  const log = values.json ? (s: string) => process.stderr.write(s + '\n') : (s: string) => console.log(s);
  if (!(CALCULATION_TYPES as readonly string[]).includes(values.type))
    throw new RangeError(`--type: one of ${CALCULATION_TYPES.join(', ')}`);
  const o: ScaleOptions = {
    mps: Number(values.mps),
    days: Number(values.days),
    gridAreas: Number(values['grid-areas']),
    seed: Number(values.seed),
    type: values.type as CalculationType,
  };
  const workers = Number(values.workers);
  const lake = await ensureScaleLake(o, log);
  const synthetic = scaleSyntheticOptions(o);

  const env: Record<string, string> = { [NAMES.settings.maxParallelBatches]: String(workers) };
  if (values['batch-max-points']) env[NAMES.settings.batchMaxPoints] = values['batch-max-points'];
  const settings = loadSettings({
    ...process.env,
    ...env,
    [NAMES.settings.authDevIssuer]: 'true',
    [NAMES.settings.storageConnectionString]: 'unused',
  });
  const work = join(ROOT, '.cache', 'bench', 'scale-run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const measured: BatchMeasurement[] = [];
  const activitySeconds: Record<string, number> = {};
  let connectionString = '';
  let cacheCounter = 0;
  const wrapActivity = (name: string, handler: ActivityHandler): ActivityHandler => {
    if (name === D.calculateBatchActivity) {
      return async (input: unknown) => {
        const { jobId, batch } = input as { jobId: string; batch: Batch };
        const cacheDir = join(work, 'cache', String(++cacheCounter));
        const startedMs = performance.now();
        const r = await runWorker({ connectionString, jobId, batch, cacheDir });
        rmSync(cacheDir, { recursive: true, force: true });
        measured.push({
          batch,
          points: r.output.points ?? 0,
          bytesRead: r.output.bytesRead ?? 0,
          seconds: r.seconds,
          peakRssMb: r.peakRssMb,
          startedMs,
          endedMs: performance.now(),
        });
        log(
          `  batch ${batch.id} ${(r.output.points ?? 0).toLocaleString('en')} points ${r.seconds.toFixed(1)} s ${r.peakRssMb.toFixed(0)} MB (${measured.length} done)`,
        );
        return r.output;
      };
    }
    return async (input: unknown, context) => {
      const t0 = performance.now();
      const out: unknown = await handler(input, context);
      activitySeconds[name] = (activitySeconds[name] ?? 0) + (performance.now() - t0) / 1000;
      return out;
    };
  };
  log('starting the local host (Azurite on disk) ...');
  const host = await startLocalHost({
    port: 0,
    dataDir: join(work, 'host'),
    timers: false,
    // the job is what is measured: the completion event's consumers (RSM-014, eSett) do not run
    serviceBusTriggers: false,
    env,
    log: () => {},
    wrapActivity,
  });
  connectionString = host.storageConnectionString;
  try {
    let t0 = performance.now();
    const files = await uploadLake(lake.dir, host.basisData);
    log(
      `uploaded ${files} files (${(lake.bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const args = generateSynthetic({ ...synthetic, meteringPoints: 0 }).args;
    const spec = {
      calculationType: o.type,
      periodStart: new Date(args.periodStart).toISOString(),
      periodEnd: new Date(args.periodEnd).toISOString(),
      gridAreas: [...args.gridAreas],
      asOf: new Date(args.periodEnd + 2 * DAY_MS).toISOString(),
      createdByUserId: '00000000-0000-4000-8000-000000000001',
      trigger: 'bench:scale',
    };
    t0 = performance.now();
    const started = await startJob(
      {
        jobs: host.deps.jobs,
        startOrchestration: async (name, instanceId, input) => {
          await host.runtime.startNew(name, { instanceId, input });
        },
        maxParallelBatches: workers,
        staleRequestedAfterMs: host.deps.settings.staleRequestedJobMs,
        clock: () => new Date(),
      },
      `bench-scale-${Date.now()}`,
      spec,
      new Date(),
    );
    log(`job ${started.job.id} (${o.type}, ${o.gridAreas} grid areas, ${o.days} days) ...`);
    const status = await host.runtime.waitForCompletion(started.job.id, 3 * 3600_000);
    const wall = (performance.now() - t0) / 1000;
    if (status.runtimeStatus !== 'Completed')
      throw new Error(`job ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);

    const B = measured.length;
    const sumPoints = measured.reduce((s, m) => s + m.points, 0);
    const sumSeconds = measured.reduce((s, m) => s + m.seconds, 0);
    const sumBytes = measured.reduce((s, m) => s + m.bytesRead, 0);
    const fanOut = (Math.max(...measured.map((m) => m.endedMs)) - Math.min(...measured.map((m) => m.startedMs))) / 1000;
    const maxRss = Math.max(...measured.map((m) => m.peakRssMb));
    const secondsFit = fitLine(
      measured.map((m) => m.points),
      measured.map((m) => m.seconds),
    );
    const rssFit = fitLine(
      measured.map((m) => m.points),
      measured.map((m) => m.peakRssMb),
    );
    const overheadPerBatch = Math.max(0, (fanOut * workers - sumSeconds) / B);
    const readAmplification = sumBytes / lake.bytes;

    const byPoints = [...measured].sort((a, b) => b.points - a.points);
    log(
      `\nsample: ${o.mps} metering points, ${sumPoints.toLocaleString('en')} points read by ${B} batches, ${workers} worker processes`,
    );
    log(`job wall ${wall.toFixed(1)} s (fan-out ${fanOut.toFixed(1)} s); largest batches:\n`);
    printTable(
      [
        ['batch', 'points', 'MB read', 'seconds', 'peak RSS MB'],
        ...byPoints
          .slice(0, 8)
          .map((m) => [
            m.batch.id,
            m.points.toLocaleString('en'),
            (m.bytesRead / 1e6).toFixed(1),
            m.seconds.toFixed(1),
            m.peakRssMb.toFixed(0),
          ]),
        [
          'all batches',
          sumPoints.toLocaleString('en'),
          (sumBytes / 1e6).toFixed(1),
          sumSeconds.toFixed(1),
          maxRss.toFixed(0),
        ],
      ],
      log,
    );
    const projection = projectDenmark({
      sampleMeteringPoints: o.mps,
      sampleBatches: B,
      seconds: secondsFit,
      rss: rssFit,
      overheadPerBatch,
      planSeconds: activitySeconds[D.planActivity] ?? 0,
      commitSeconds: activitySeconds[D.commitActivity] ?? 0,
      weights: zipfWeights(o.gridAreas),
      batchMaxPoints: settings.batchMaxPoints,
      wholesale: o.type !== 'balance_fixing' && o.type !== 'aggregation',
    });
    log(
      `\nread amplification ${readAmplification.toFixed(3)} (Σ bytes read ${(sumBytes / 1e6).toFixed(0)} MB / lake ${(lake.bytes / 1e6).toFixed(0)} MB)`,
    );
    log(
      `batch seconds = ${secondsFit.a.toFixed(2)} + ${(secondsFit.b * 1e6).toFixed(3)} per M points; peak RSS MB = ${rssFit.a.toFixed(0)} + ${(rssFit.b * 1e6).toFixed(1)} per M points; o = ${overheadPerBatch.toFixed(2)} s per batch; plan ${(activitySeconds[D.planActivity] ?? 0).toFixed(1)} s, commit ${(activitySeconds[D.commitActivity] ?? 0).toFixed(1)} s`,
    );
    log(
      `Denmark: ${DK_METERING_POINTS.toLocaleString('en')} metering points, ${(projection.dkPoints / 1e9).toFixed(2)} G points, ${projection.dkBatches} batches (largest ${(projection.largestBatchPoints / 1e6).toFixed(1)} M points, projected peak RSS ${projection.largestBatchRssMb.toFixed(0)} MB)\n`,
    );
    printTable(
      [
        ['instances P', 'projected minutes'],
        ...[50, 100, 200, 400].map((p) => [String(p), projection.minutes(p).toFixed(1)]),
      ],
      log,
    );
    if (values.json) {
      console.log(
        JSON.stringify({
          metering_points: o.mps,
          points: sumPoints,
          batches: B,
          read_amplification: +readAmplification.toFixed(3),
          max_batch_rss_mb: Math.round(maxRss),
          projected_minutes_dk_p100: +projection.minutes(100).toFixed(2),
          projected_minutes_dk_p200: +projection.minutes(200).toFixed(2),
        }),
      );
    }
  } finally {
    await host.stop();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
