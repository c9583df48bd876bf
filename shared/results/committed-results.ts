/**
 * A job's committed results, read only through its manifest: a job is never seen complete while
 * partial. null when the job has no manifest yet. The reading itself streams
 * (result-stream.ts); the functions here are the convenient shapes over it.
 */
import { readManifest } from '../settlement/manifest';
import type { RowScope } from '../auth/access';
import type { BlobStore } from '../storage/blob-store';
import type { EnergyResultRow } from './energy-result-row';
import type { WholesaleResultRow } from './wholesale-results';
import { streamResultChunks, type ResultKind, type ResultQuery, type ResultRowOf } from './result-stream';

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

/** One committed result file's kept rows (the senders build their documents a file at a time). */
export interface CommittedResultFile<Row> {
  file: string;
  /** The file's grid area (every result file belongs to one). */
  gridArea: string | null;
  rows: Row[];
}

/**
 * Calls `fn` once per committed result file of the kind that holds a kept row, in manifest
 * order, with that file's kept rows; the next file is read only after `fn` has finished, so
 * memory is one file's rows. Files of grid areas the filter excludes are never opened. false
 * when the job has no manifest yet.
 */
export async function forEachCommittedResultFile<K extends ResultKind = 'energy'>(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
  query: ResultQuery<K>,
  fn: (file: CommittedResultFile<ResultRowOf<K>>) => Promise<void> | void,
): Promise<boolean> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return false;
  let current: CommittedResultFile<ResultRowOf<K>> | null = null;
  for await (const chunk of streamResultChunks(results, manifest, query)) {
    if (current && current.file !== chunk.file) {
      await fn(current);
      current = null;
    }
    current ??= { file: chunk.file, gridArea: chunk.gridArea, rows: [] };
    for (const r of chunk.rows) current.rows.push(r);
  }
  if (current) await fn(current);
  return true;
}

async function readAll<K extends ResultKind>(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
  query: ResultQuery<K>,
): Promise<Array<ResultRowOf<K>> | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const rows: Array<ResultRowOf<K>> = [];
  for await (const chunk of streamResultChunks(results, manifest, query)) for (const r of chunk.rows) rows.push(r);
  return rows;
}

/**
 * Committed wholesale results, all kept rows in one array (null when the job has no manifest
 * yet): for small internal uses and tests only — the API pages and streams.
 */
export function readWholesaleResults(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
  filter: WholesaleResultsFilter,
): Promise<WholesaleResultRow[] | null> {
  return readAll(results, jobId, {
    kind: 'wholesale',
    type: filter.amountType,
    gridArea: filter.gridArea,
    scope: filter.scope,
  });
}

/**
 * Committed energy results, all kept rows in one array (null when the job has no manifest yet):
 * for small internal uses and tests only — the API pages and streams, the senders go file by
 * file (forEachCommittedResultFile).
 */
export function readResults(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
  filter: ResultsFilter,
): Promise<EnergyResultRow[] | null> {
  return readAll(results, jobId, {
    kind: 'energy',
    type: filter.timeSeriesType,
    gridArea: filter.gridArea,
    scope: filter.scope,
  });
}
