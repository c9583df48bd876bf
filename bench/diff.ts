/**
 * `npm run bench:diff [-- --json] [-- --mps 20000 --days 31 --changes 1000 --workers 2]`
 *
 * The calculation diff (issue 17) of two benchmark-size jobs. Once (cached under
 * .cache/bench/diff-…/): the energy calculation over `npm run bench`'s lake (same generator and
 * size: 20,000 metering points × 31 days, ~50 grid areas, PT15M), written as job A's committed
 * files (one Parquet file per grid area in the jobs' 20,000-row groups, manifest); job B is the same
 * results with a controlled set of changes — `--changes` slots of 100 series moved by known
 * amounts, one series removed, one series added (a copy under a new supplier) — and what the diff
 * must find (`expected.json`: exact Σ|difference| and changed series).
 *
 * Then, each in a child process (so its peak RSS is its own), the diff of the two jobs exactly as
 * the API computes it (shared/results/diff/diff-committed-jobs.ts over the committed files, one grid
 * area at a time, in one thread, into the JSON report), and the same with `--workers` (default 2)
 * worker threads comparing grid areas side by side, are timed and checked against expected.json.
 * Prints a table; with --json the last line is {"rows_a":N,"rows_b":M,"series":S,
 * "changed_series":C,"seconds":x,"cpu_seconds":c,"workers_seconds":w,"rows_per_second":r,
 * "peak_rss_mb":m,"workers_peak_rss_mb":n,"load_average_1m":l,"verified":true} (CPU seconds and
 * the load average because this machine is shared: wall time depends on the other processes).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { parquetBytes } from '../shared/basis-data/parquet/arrow-io';
import { calculateEnergyParallel } from '../shared/calculation/energy/parallel';
import { QBIT_ACTIVE } from '../shared/domain/codes';
import { diffCommittedJobs } from '../shared/results/diff/diff-committed-jobs';
import { DiffWorkerPool } from '../shared/results/diff/diff-pool';
import { DiffReport } from '../shared/results/diff/diff-report';
import { ENERGY_DIFF } from '../shared/results/diff/diff-spec';
import { formatScaledBig } from '../shared/results/diff/exact';
import { energyResultsTable } from '../shared/results/energy-parquet';
import type { EnergyResults } from '../shared/results/energy-results';
import { RESULT_ROW_GROUP_ROWS } from '../shared/results/result-files';
import type { Manifest } from '../shared/settlement/manifest';
import { manifestPath } from '../shared/settlement/job-paths';
import { benchOptions, ensureLake } from './run';
import { generateSynthetic, mulberry32 } from './synthetic';
import { printTable } from './table';

const ROOT = resolve(__dirname, '..');
const JOB_A = 'bench-diff-a';
const JOB_B = 'bench-diff-b';
const CHANGED_SERIES = 100;

interface Expected {
  rowsA: number;
  rowsB: number;
  series: number;
  changedSeries: number;
  /** Σ|difference| in milli-kWh, as a decimal string (exact). */
  sumAbsMilli: string;
}

interface Measured {
  seconds: number;
  /** CPU time of the diff's process (user + system): the machine is shared, wall time varies. */
  cpuSeconds: number;
  peakRssMb: number;
  seriesCount: number;
  changedSeriesCount: number;
  sumAbsDifference: string;
}

const activeSlots = (m: Uint8Array): number[] => {
  const out: number[] = [];
  for (let s = 0; s < m.length; s++) if (m[s] & QBIT_ACTIVE) out.push(s);
  return out;
};

const rowsOf = (r: EnergyResults): number => r.masks.reduce((n, m) => n + activeSlots(m).length, 0);

/** Job B: the results with `changes` slots of CHANGED_SERIES series moved, one series removed, one added. */
function changedCopy(a: EnergyResults, changes: number, seed: number): { b: EnergyResults; expected: Expected } {
  const rng = mulberry32(seed);
  const candidates = a.series.map((_, i) => i).filter((i) => activeSlots(a.masks[i]).length >= 2 * changes);
  const pick = new Set<number>();
  while (pick.size < CHANGED_SERIES + 2) pick.add(candidates[Math.floor(rng() * candidates.length)]);
  const [removed, copied, ...changed] = [...pick];
  const values = a.values.map((v) => Float64Array.from(v));
  let sumAbs = 0n;
  const perSeries = Math.ceil(changes / CHANGED_SERIES);
  let left = changes;
  for (const i of changed) {
    const slots = activeSlots(a.masks[i]);
    const chosen = new Set<number>();
    while (chosen.size < Math.min(perSeries, left)) chosen.add(slots[Math.floor(rng() * slots.length)]);
    for (const s of chosen) {
      // 0.001 to 5.000 kWh either way: small corrections next to quarters of up to MWh
      const delta = (1 + Math.floor(rng() * 5000)) * (rng() < 0.5 ? -1 : 1);
      values[i][s] += delta;
      sumAbs += BigInt(Math.abs(delta));
    }
    left -= chosen.size;
  }
  const absTotal = (i: number) => activeSlots(a.masks[i]).reduce((t, s) => t + BigInt(Math.abs(a.values[i][s])), 0n);
  sumAbs += absTotal(removed) + absTotal(copied);
  const keep = a.series.map((_, i) => i).filter((i) => i !== removed);
  const b: EnergyResults = {
    ...a,
    calculationId: JOB_B,
    series: [
      ...keep.map((i) => a.series[i]),
      { ...a.series[copied], energySupplierId: '5799999999999', resultId: 'added' },
    ],
    values: [...keep.map((i) => values[i]), values[copied]],
    masks: [...keep.map((i) => a.masks[i]), a.masks[copied]],
  };
  const written = a.series.filter((_, i) => activeSlots(a.masks[i]).length > 0).length;
  return {
    b,
    expected: {
      rowsA: rowsOf(a),
      rowsB: rowsOf(b),
      series: written + 1,
      changedSeries: CHANGED_SERIES + 2,
      sumAbsMilli: sumAbs.toString(),
    },
  };
}

/** A job's results committed as the settlement does: one file per grid area, then the manifest. */
function commitJob(dir: string, jobId: string, r: EnergyResults): void {
  const byGridArea = new Map<string, number[]>();
  r.series.forEach((s, i) => {
    const list = byGridArea.get(s.gridAreaCode);
    if (list) list.push(i);
    else byGridArea.set(s.gridAreaCode, [i]);
  });
  const files: string[] = [];
  for (const [ga, idx] of [...byGridArea].sort(([x], [y]) => x.localeCompare(y))) {
    const path = `jobs/${jobId}/energy/ga=${ga}/${ga}-bench.parquet`;
    const table = energyResultsTable({
      ...r,
      calculationId: jobId,
      series: idx.map((i) => r.series[i]),
      values: idx.map((i) => r.values[i]),
      masks: idx.map((i) => r.masks[i]),
    });
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), parquetBytes(table, RESULT_ROW_GROUP_ROWS));
    files.push(path);
  }
  const manifest: Manifest = {
    jobId,
    calculationType: r.calculationType,
    periodStart: new Date(r.periodStart).toISOString(),
    periodEnd: new Date(r.periodStart + r.nSlots * r.slotMs).toISOString(),
    gridAreas: [...byGridArea.keys()].sort(),
    files,
    rows: rowsOf(r),
    counts: {},
    wholesaleFiles: [],
    wholesaleRows: 0,
    committedAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, manifestPath(jobId)), JSON.stringify(manifest));
}

async function ensureJobs(
  mps: number,
  days: number,
  changes: number,
  seed: number,
  log: (s: string) => void,
): Promise<{ dir: string; expected: Expected }> {
  const dir = join(ROOT, '.cache', 'bench', `diff-v1-${mps}mp-${days}d-s${seed}-c${changes}`);
  const marker = join(dir, 'expected.json');
  if (existsSync(marker)) return { dir, expected: JSON.parse(readFileSync(marker, 'utf8')) as Expected };
  const lake = await ensureLake(mps, days, seed, log);
  log('calculating job A (energy, 2 workers) ...');
  const args = generateSynthetic(benchOptions(mps, days, seed)).args;
  const a = await calculateEnergyParallel(
    new ParquetLakeSource(lake.dir),
    { ...args, calculationId: JOB_A },
    {
      workers: 2,
    },
  );
  rmSync(dir, { recursive: true, force: true });
  log(`writing jobs A and B (${changes} changed slots) into ${dir} (once) ...`);
  commitJob(dir, JOB_A, a);
  const { b, expected } = changedCopy(a, changes, seed);
  commitJob(dir, JOB_B, b);
  writeFileSync(marker, JSON.stringify(expected)); // last: half-written jobs are never reused
  return { dir, expected };
}

/** The child: the diff as the API runs it, timed. */
async function measure(dir: string, workers: number): Promise<void> {
  const store = { get: async (path: string) => readFile(join(dir, path)).catch(() => null) };
  const manifest = async (jobId: string) =>
    JSON.parse((await readFile(join(dir, manifestPath(jobId)))).toString('utf8')) as Manifest;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = new DiffReport(ENERGY_DIFF, 100);
  const pool = workers > 0 ? new DiffWorkerPool(workers) : undefined;
  try {
    for await (const { result } of diffCommittedJobs(
      store,
      { manifest: await manifest(JOB_A) },
      { manifest: await manifest(JOB_B) },
      { kind: 'energy' },
      pool,
    ))
      report.add(result);
  } finally {
    await pool?.close();
  }
  const json = report.json(JOB_A, JOB_B, { type: null, gridArea: null, level: null });
  const out: Measured = {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    seriesCount: json.seriesCount,
    changedSeriesCount: json.changedSeriesCount,
    sumAbsDifference: json.sumAbsDifference,
  };
  console.log(JSON.stringify(out));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      mps: { type: 'string', default: '20000' },
      days: { type: 'string', default: '31' },
      seed: { type: 'string', default: '42' },
      changes: { type: 'string', default: '1000' },
      measure: { type: 'string' },
      workers: { type: 'string', default: '2' },
    },
  });
  if (values.measure) return measure(values.measure, Number(values.workers));
  const log = values.json ? (s: string) => process.stderr.write(s + '\n') : (s: string) => console.log(s);
  const { dir, expected } = await ensureJobs(
    Number(values.mps),
    Number(values.days),
    Number(values.changes),
    Number(values.seed),
    log,
  );
  const child = (workers: number): Measured => {
    log(`diffing job A and job B (${workers ? `${workers} worker threads` : 'in one thread, as the API'}) ...`);
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', __filename, '--measure', dir, '--workers', String(workers)],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return JSON.parse(stdout.trim().split('\n').pop() as string) as Measured;
  };
  const workers = Number(values.workers);
  const single = child(0);
  const pooled = workers > 0 ? child(workers) : null;
  const expectedSum = formatScaledBig(BigInt(expected.sumAbsMilli), 3);
  const verifiedOf = (m: Measured) =>
    m.seriesCount === expected.series &&
    m.changedSeriesCount === expected.changedSeries &&
    m.sumAbsDifference === expectedSum;
  const verified = verifiedOf(single) && (pooled === null || verifiedOf(pooled));
  const rows = expected.rowsA + expected.rowsB;
  const line = (label: string, m: Measured) => [
    label,
    m.seconds.toFixed(2),
    m.cpuSeconds.toFixed(2),
    (rows / m.seconds / 1e6).toFixed(2),
    m.peakRssMb.toFixed(0),
    String(m.seriesCount),
    String(m.changedSeriesCount),
    m.sumAbsDifference,
  ];
  log(`\njob A ${expected.rowsA} result rows, job B ${expected.rowsB}; ${values.changes} changed slots\n`);
  printTable(
    [
      ['', 'seconds', 'CPU seconds', 'M rows/s', 'peak RSS MB', 'series', 'changed', 'Σ|difference| kWh'],
      line('diff, one thread (API)', single),
      ...(pooled ? [line(`diff, ${workers} worker threads`, pooled)] : []),
      ['expected', '', '', '', '', String(expected.series), String(expected.changedSeries), expectedSum],
    ],
    log,
  );
  if (!verified) log('\nWARNING: the diff did not find exactly the changes that were made');
  if (values.json)
    console.log(
      JSON.stringify({
        rows_a: expected.rowsA,
        rows_b: expected.rowsB,
        series: single.seriesCount,
        changed_series: single.changedSeriesCount,
        seconds: +single.seconds.toFixed(3),
        cpu_seconds: +single.cpuSeconds.toFixed(3),
        workers_seconds: pooled ? +pooled.seconds.toFixed(3) : null,
        rows_per_second: Math.round(rows / single.seconds),
        peak_rss_mb: Math.round(single.peakRssMb),
        workers_peak_rss_mb: pooled ? Math.round(pooled.peakRssMb) : null,
        load_average_1m: +loadavg()[0].toFixed(2),
        verified,
      }),
    );
  if (!verified) process.exit(1);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
