/**
 * A job's committed results, read only through its manifest: a job is never seen complete while
 * partial. null when the job has no manifest yet.
 */
import { CommittedFileMissingError } from '../settlement/errors';
import { readManifest } from '../settlement/manifest';
import type { BlobStore } from '../storage/blob-store';
import { energyResultRowsFromParquet } from './energy-parquet';
import type { EnergyResultRow } from './energy-result-row';
import { wholesaleRowsFromParquet } from './wholesale-output';
import type { WholesaleResultRow } from './wholesale-results';

export interface ResultsFilter {
  timeSeriesType?: string;
  gridArea?: string;
}

export interface WholesaleResultsFilter {
  amountType?: string;
  gridArea?: string;
}

/** Committed wholesale results (null when the job has no manifest yet). */
export async function readWholesaleResults(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
  filter: WholesaleResultsFilter,
): Promise<WholesaleResultRow[] | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const rows: WholesaleResultRow[] = [];
  for (const file of manifest.wholesaleFiles ?? []) {
    if (filter.gridArea && !file.includes(`/ga=${filter.gridArea}/`)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    for (const r of wholesaleRowsFromParquet(bytes)) {
      if (filter.amountType && r.amount_type !== filter.amountType) continue;
      rows.push(r);
    }
  }
  return rows;
}

/** Committed results only (null when the job has no manifest yet). */
export async function readResults(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
  filter: ResultsFilter,
): Promise<EnergyResultRow[] | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const rows: EnergyResultRow[] = [];
  for (const file of manifest.files) {
    if (filter.gridArea && !file.includes(`/ga=${filter.gridArea}/`)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    for (const r of energyResultRowsFromParquet(bytes)) {
      if (filter.timeSeriesType && r.time_series_type !== filter.timeSeriesType) continue;
      if (filter.gridArea && r.grid_area_code !== filter.gridArea) continue;
      rows.push(r);
    }
  }
  return rows;
}
