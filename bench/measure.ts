/** One benchmark measurement in its own process (see bench/run.ts); prints a JSON line. */
import { parseArgs } from 'node:util';
import { ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { calculateEnergyParallel } from '../shared/calculation/energy/parallel';
import { calculateEnergy } from '../shared/calculation/energy/run';
import { countResultPoints } from '../shared/results/energy-results';
import { QBIT_ACTIVE } from '../shared/domain/codes';
import { timeDuckdbEnergy } from './duckdb-energy';
import { benchOptions } from './run';
import { generateSynthetic } from './synthetic';

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
