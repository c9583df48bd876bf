import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEnergyResultsCsv } from './energy-csv';
import { writeEnergyResultsParquet } from './energy-parquet';
import type { EnergyResults } from './energy-results';

export const ENERGY_RESULTS_FILES = { csv: 'energy_results.csv', parquet: 'energy_results.parquet' } as const;

/**
 * Writes both result files under `outDir`. Each file is written under a temporary name and
 * renamed into place, so a reader never sees a half-written file and a retry overwrites.
 */
export async function writeEnergyResults(
  r: EnergyResults,
  outDir: string,
): Promise<{ points: number; files: string[] }> {
  await mkdir(outDir, { recursive: true });
  const tmp = (name: string) => join(outDir, `.${name}.${process.pid}.tmp`);
  const csv = join(outDir, ENERGY_RESULTS_FILES.csv);
  const parquet = join(outDir, ENERGY_RESULTS_FILES.parquet);
  try {
    const points = await writeEnergyResultsCsv(r, tmp(ENERGY_RESULTS_FILES.csv));
    await writeEnergyResultsParquet(r, tmp(ENERGY_RESULTS_FILES.parquet));
    await rename(tmp(ENERGY_RESULTS_FILES.csv), csv);
    await rename(tmp(ENERGY_RESULTS_FILES.parquet), parquet);
    return { points, files: [csv, parquet] };
  } finally {
    await rm(tmp(ENERGY_RESULTS_FILES.csv), { force: true });
    await rm(tmp(ENERGY_RESULTS_FILES.parquet), { force: true });
  }
}
