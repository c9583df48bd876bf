/** One benchmark measurement in its own process (see bench/run.ts); prints a JSON line. */
import { parseArgs } from 'node:util';
import { ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { calculateEnergyParallel } from '../shared/calculation/energy/parallel';
import { calculateEnergy } from '../shared/calculation/energy/run';
import { countResultPoints } from '../shared/results/energy-results';
import { QBIT_ACTIVE } from '../shared/domain/codes';
import type { CalculationArguments } from '../shared/basis-data/types';
import { timeDuckdbEnergy } from './duckdb-energy';
import { timeDuckdbWholesale } from './duckdb-wholesale';
import { benchOptions } from './run';
import { generateSynthetic } from './synthetic';

type CalculateWholesale = (source: ParquetLakeSource, args: CalculationArguments) => Promise<unknown>;

/**
 * The wholesale engine, imported lazily (a computed specifier, so neither tsc nor the bench needs
 * the module to exist); a string says why it is not available.
 */
async function loadCalculateWholesale(): Promise<CalculateWholesale | string> {
  const spec = '../shared/calculation/wholesale/run';
  let mod: unknown;
  try {
    mod = await import(spec);
  } catch (e) {
    return `cannot load shared/calculation/wholesale/run.ts: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  const fn = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>).calculateWholesale : undefined;
  return typeof fn === 'function' ? (fn as CalculateWholesale) : 'shared/calculation/wholesale/run.ts does not export calculateWholesale';
}

/** Rows of a wholesale result of unknown shape (columnar `{ rows: [...] }`, an array, or `{ length }`). */
function wholesaleRowCount(r: unknown): number | null {
  if (Array.isArray(r)) return r.length;
  if (typeof r !== 'object' || r === null) return null;
  const o = r as Record<string, unknown>;
  if (Array.isArray(o.rows)) return o.rows.length;
  if (typeof o.length === 'number') return o.length;
  return null;
}

/** Wholesale measurements: the same month, as wholesale_fixing (charges are in the lake, see run.ts). */
async function measureWholesale(kind: string, lake: string, args: CalculationArguments, threads: number): Promise<void> {
  const rss = (): number => process.resourceUsage().maxRSS / 1024;
  if (kind === 'wholesale-duckdb') {
    const r = await timeDuckdbWholesale(lake, args, { threads });
    console.log(JSON.stringify({ seconds: r.seconds, resultRows: r.rows, peakRssMb: rss() }));
    return;
  }
  const calculate = await loadCalculateWholesale();
  if (typeof calculate === 'string') {
    console.log(JSON.stringify({ unavailable: calculate }));
    return;
  }
  try {
    const t0 = performance.now();
    const r = await calculate(new ParquetLakeSource(lake), args);
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, resultRows: wholesaleRowCount(r), peakRssMb: rss() }));
  } catch (e) {
    console.log(JSON.stringify({ failed: e instanceof Error ? e.message.split('\n')[0] : String(e) }));
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      lake: { type: 'string' },
      mps: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' },
    },
  });
  if (positionals[0] === 'wholesale-engine' || positionals[0] === 'wholesale-duckdb') {
    const wargs = generateSynthetic({ ...benchOptions(Number(values.mps), Number(values.days), Number(values.seed)), calculationType: 'wholesale_fixing' }).args;
    await measureWholesale(positionals[0], values.lake as string, wargs, Number(values.threads));
    return;
  }
  // the arguments come from the generator's options; no points are generated here
  const args = generateSynthetic({ ...benchOptions(Number(values.mps), Number(values.days), Number(values.seed)) }).args;
  const lake = values.lake as string;
  let out: { seconds: number; resultRows: number; points?: number };
  if (positionals[0] === 'engine') {
    const workers = Number(values.workers);
    const stats: { points?: number } = {};
    const t0 = performance.now();
    const r = workers > 0 ? await calculateEnergyParallel(new ParquetLakeSource(lake), args, { workers }, stats) : await calculateEnergy(new ParquetLakeSource(lake), args, stats);
    out = { seconds: (performance.now() - t0) / 1000, resultRows: countResultPoints(r, QBIT_ACTIVE), points: stats.points };
  } else {
    const r = await timeDuckdbEnergy(lake, args, { threads: Number(values.threads) });
    out = { seconds: r.seconds, resultRows: r.rows };
  }
  console.log(JSON.stringify({ ...out, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
