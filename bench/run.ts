/**
 * `npm run bench [-- --json] [-- --mps 20000 --days 31 --workers 2 --threads 2]`
 *
 * Generates once (cached under .cache/bench/) a Parquet lake of synthetic basis data, then times
 * in separate child processes (so each peak RSS is its own):
 *   - engine: balance fixing over all calculated grid areas, parquet-wasm + typed-array kernels
 *     on worker threads, from reading master data to all results in memory;
 *   - duckdb: the independent SQL formulation (bench/duckdb-energy.ts) on the same files, into a
 *     temp table.
 * Then the wholesale month over the same lake (wholesale_fixing; charges generated once by
 * bench/synthetic-charges.ts into the lake: hourly tariffs, ~10 charge links per metering point):
 *   - engine: `calculateWholesale` of shared/calculation/wholesale/run.ts (imported lazily: without
 *     it the table says "engine: not available"), grid loss (energy) included;
 *   - duckdb: bench/duckdb-wholesale.ts on the same files, grid loss included.
 * Prints a table per part; with --json the line before the last is
 * {"wholesale_points":N,"wholesale_engine_seconds":x|null,"wholesale_duckdb_seconds":y} and the last line is
 * {"points":N,"engine_seconds":x,"duckdb_seconds":y,"peak_rss_mb":z}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticLake } from './lake';
import { lakeLayoutOf } from '../shared/basis-data/parquet/lake';
import { printTable } from './table';
import { generateSynthetic, type SyntheticOptions } from './synthetic';
import { generateCharges, writeChargesLake } from './synthetic-charges';

const ROOT = resolve(__dirname, '..');

interface Measurement {
  seconds: number;
  peakRssMb: number;
  resultRows: number;
  points?: number;
}

interface WholesaleNumbers {
  seconds: number;
  peakRssMb: number;
  resultRows: number | null;
}

export function benchOptions(mps: number, days: number, seed: number): SyntheticOptions {
  // A January (31 days) after the quarterly transition, so results are PT15M.
  return { seed, meteringPoints: mps, gridAreas: 50, days, periodStart: '2023-12-31T23:00:00Z', quarterShare: 0.5 };
}

export async function ensureLake(
  mps: number,
  days: number,
  seed: number,
  log: (s: string) => void,
): Promise<{ dir: string; points: number }> {
  const dir = join(ROOT, '.cache', 'bench', `lake-v3-${mps}mp-${days}d-s${seed}`);
  const marker = join(dir, 'COMPLETE.json');
  if (existsSync(marker))
    return { dir, points: (JSON.parse(readFileSync(marker, 'utf8')) as { points: number }).points };
  log(`generating ${mps} metering points × ${days} days into ${dir} (once) ...`);
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const points = await writeSyntheticLake(dir, generateSynthetic(benchOptions(mps, days, seed)));
  writeFileSync(marker, JSON.stringify({ points })); // last: a half-generated lake is never reused
  log(`generated ${points} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, points };
}

/** Charge tables for the wholesale part, written once into the cached lake (own marker). */
export async function ensureCharges(
  dir: string,
  mps: number,
  days: number,
  seed: number,
  log: (s: string) => void,
): Promise<{ links: number }> {
  const marker = join(dir, 'CHARGES-v2.json'); // v2: P1M prices inside the period (issue 18)
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')) as { links: number };
  log('generating charges (hourly tariffs, ~10 links per metering point) into the lake (once) ...');
  const charges = generateCharges(generateSynthetic(benchOptions(mps, days, seed)), {
    seed,
    linksPerMeteringPoint: 10,
  });
  await writeChargesLake(dir, charges, await lakeLayoutOf(dir));
  const info = { links: charges.linkPeriods.length, pricePoints: charges.pricePoints.length };
  writeFileSync(marker, JSON.stringify(info));
  return info;
}

type WholesaleMeasurement = WholesaleNumbers;

function wholesaleChild(args: string[]): WholesaleMeasurement {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'measure.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as WholesaleMeasurement;
}

function child(args: string[]): Measurement {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'measure.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  const last = out.trim().split('\n').pop() as string;
  return JSON.parse(last) as Measurement;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      mps: { type: 'string', default: '20000' },
      days: { type: 'string', default: '31' },
      seed: { type: 'string', default: '42' },
      workers: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' },
    },
  });
  const log = values.json ? (s: string) => process.stderr.write(s + '\n') : (s: string) => console.log(s);
  const mps = Number(values.mps);
  const days = Number(values.days);
  const seed = Number(values.seed);
  const { dir, points } = await ensureLake(mps, days, seed, log);
  const common = ['--lake', dir, '--mps', String(mps), '--days', String(days), '--seed', String(seed)];
  log('running engine ...');
  const engine = child(['engine', ...common, '--workers', String(values.workers)]);
  const engine1 = values.workers === '0' ? engine : child(['engine', ...common, '--workers', '0']);
  log('running duckdb ...');
  const duck = child(['duckdb', ...common, '--threads', String(values.threads)]);
  const rows = [
    ['', 'seconds', 'M points/s', 'peak RSS MB', 'result rows'],
    [
      `engine (${values.workers} workers)`,
      engine.seconds.toFixed(2),
      (points / engine.seconds / 1e6).toFixed(1),
      engine.peakRssMb.toFixed(0),
      String(engine.resultRows),
    ],
    ...(engine1 === engine
      ? []
      : [
          [
            'engine (main thread only)',
            engine1.seconds.toFixed(2),
            (points / engine1.seconds / 1e6).toFixed(1),
            engine1.peakRssMb.toFixed(0),
            String(engine1.resultRows),
          ],
        ]),
    [
      `duckdb (${values.threads} threads)`,
      duck.seconds.toFixed(2),
      (points / duck.seconds / 1e6).toFixed(1),
      duck.peakRssMb.toFixed(0),
      String(duck.resultRows),
    ],
  ];
  log(`\n${points} input time series points, ${mps} metering points × ${days} days\n`);
  printTable(rows, log);
  if (engine.resultRows !== duck.resultRows)
    log(`\nWARNING: result row counts differ (engine ${engine.resultRows}, duckdb ${duck.resultRows})`);

  // Wholesale month over the same lake.
  const charges = await ensureCharges(dir, mps, days, seed, log);
  const wcommon = [...common, '--threads', String(values.threads)];
  log('\nrunning wholesale engine ...');
  const wEngine = wholesaleChild(['wholesale-engine', ...wcommon]);
  log('running wholesale duckdb ...');
  const wDuck = wholesaleChild(['wholesale-duckdb', ...wcommon]);
  const wRow = (label: string, m: WholesaleMeasurement): string[] => [
    label,
    m.seconds.toFixed(2),
    (points / m.seconds / 1e6).toFixed(1),
    m.peakRssMb.toFixed(0),
    m.resultRows === null ? '?' : String(m.resultRows),
  ];
  log(`\nwholesale_fixing, same lake and month: ${charges.links} charge links (hourly tariffs), grid loss included\n`);
  printTable(
    [
      ['', 'seconds', 'M points/s', 'peak RSS MB', 'result rows'],
      wRow('engine (2 workers)', wEngine),
      wRow(`duckdb (${values.threads} threads)`, wDuck),
    ],
    log,
  );
  if (wEngine.resultRows !== null && wEngine.resultRows !== wDuck.resultRows) {
    log(`\nWARNING: wholesale result row counts differ (engine ${wEngine.resultRows}, duckdb ${wDuck.resultRows})`);
  }
  if (values.json) {
    console.log(
      JSON.stringify({
        wholesale_points: points,
        wholesale_engine_seconds: +wEngine.seconds.toFixed(3),
        wholesale_duckdb_seconds: +wDuck.seconds.toFixed(3),
      }),
    );
    console.log(
      JSON.stringify({
        points,
        engine_seconds: +engine.seconds.toFixed(3),
        duckdb_seconds: +duck.seconds.toFixed(3),
        peak_rss_mb: Math.round(engine.peakRssMb),
      }),
    );
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
