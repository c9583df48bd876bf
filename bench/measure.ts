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
import { calculateWholesale } from '../shared/calculation/wholesale/run';
import { benchOptions } from './run';
import { generateSynthetic } from './synthetic';

/** Wholesale measurements: the same month, as wholesale_fixing (charges are in the lake, see run.ts). */
async function measureWholesale(
  kind: string,
  lake: string,
  args: CalculationArguments,
  threads: number,
): Promise<void> {
  const rss = (): number => process.resourceUsage().maxRSS / 1024;
  if (kind === 'wholesale-duckdb') {
    const r = await timeDuckdbWholesale(lake, args, { threads });
    console.log(JSON.stringify({ seconds: r.seconds, resultRows: r.rows, peakRssMb: rss() }));
    return;
  }
  const t0 = performance.now();
  const r = await calculateWholesale(new ParquetLakeSource(lake), args, undefined, { workers: 2 });
  console.log(
    JSON.stringify({ seconds: (performance.now() - t0) / 1000, resultRows: r.rows.length, peakRssMb: rss() }),
  );
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
    const wargs = generateSynthetic({
      ...benchOptions(Number(values.mps), Number(values.days), Number(values.seed)),
      calculationType: 'wholesale_fixing',
    }).args;
    await measureWholesale(positionals[0], values.lake as string, wargs, Number(values.threads));
    return;
  }
  // the arguments come from the generator's options; no points are generated here
  const args = generateSynthetic({
    ...benchOptions(Number(values.mps), Number(values.days), Number(values.seed)),
  }).args;
  const lake = values.lake as string;
  let out: { seconds: number; resultRows: number; points?: number };
  if (positionals[0] === 'engine') {
    const workers = Number(values.workers);
    const stats: { points?: number } = {};
    const t0 = performance.now();
    const r =
      workers > 0
        ? await calculateEnergyParallel(new ParquetLakeSource(lake), args, { workers }, stats)
        : await calculateEnergy(new ParquetLakeSource(lake), args, stats);
    out = {
      seconds: (performance.now() - t0) / 1000,
      resultRows: countResultPoints(r, QBIT_ACTIVE),
      points: stats.points,
    };
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
