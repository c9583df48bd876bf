/**
 * A job's committed results, read only through its manifest: a job is never seen complete while
 * partial. null when the job has no manifest yet.
 */
import { CommittedFileMissingError } from '../settlement/errors';
import { readManifest } from '../settlement/manifest';
import { rowVisible, type RowScope } from '../auth/access';
import type { BlobStore } from '../storage/blob-store';
import { energyResultRowsFromParquet } from './energy-parquet';
import type { EnergyResultRow } from './energy-result-row';
import { wholesaleRowsFromParquet } from './wholesale-output';
import type { WholesaleResultRow } from './wholesale-results';

export interface ResultsFilter {
  timeSeriesType?: string;
  gridArea?: string;
  /** The caller's access (shared/auth/access.ts); absent = every row (internal readers). */
  scope?: RowScope;
}

export interface WholesaleResultsFilter {
  amountType?: string;
  gridArea?: string;
  scope?: RowScope;
}

/**
 * Whether a result file (one per grid area: `.../ga=XXX/...`) can hold a row the filter keeps:
 * a grid access provider's read never opens the files of other grid areas.
 */
function fileWanted(file: string, filter: { gridArea?: string; scope?: RowScope }): boolean {
  if (filter.gridArea && !file.includes(`/ga=${filter.gridArea}/`)) return false;
  const scope = filter.scope;
  if (!scope || scope.kind === 'all' || scope.energySupplierId !== null || scope.balanceResponsiblePartyId !== null)
    return true;
  const ga = /\/ga=(\d{3})\//.exec(file)?.[1];
  return ga === undefined || scope.gridAreas.has(ga);
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
    if (!fileWanted(file, filter)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    const scope = filter.scope;
    // filters run on the Arrow cells, before a row object exists
    for (const r of wholesaleRowsFromParquet(
      bytes,
      (cell) =>
        (!filter.amountType || cell('amount_type') === filter.amountType) &&
        (!filter.gridArea || cell('grid_area_code') === filter.gridArea) &&
        (!scope || rowVisible(scope, cell)),
    ))
      rows.push(r);
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
    if (!fileWanted(file, filter)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    const scope = filter.scope;
    for (const r of energyResultRowsFromParquet(
      bytes,
      (cell) =>
        (!filter.timeSeriesType || cell('time_series_type') === filter.timeSeriesType) &&
        (!filter.gridArea || cell('grid_area_code') === filter.gridArea) &&
        (!scope || rowVisible(scope, cell)),
    ))
      rows.push(r);
  }
  return rows;
}
