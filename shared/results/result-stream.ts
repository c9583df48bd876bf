/**
 * Streaming read of a job's committed results (issue 12 "bounded work", issue 13 "results API at
 * real sizes"). A wholesale month is millions of rows; holding them all as objects made the host
 * grow to gigabytes and stop answering. Here the files listed in the manifest are read one at a
 * time, in manifest order, each Parquet row group decoded on its own; the filters (type, grid
 * area, the caller's scope) are evaluated on the Arrow cells, and only the rows kept become
 * objects, handed out in small chunks as the consumer pulls them. Memory is one file's bytes plus
 * one decoded row group plus one chunk — never the match count.
 *
 * Positions (manifest file index, row index within the file) let a page resume exactly where the
 * previous one stopped without re-reading the files before it (result-cursor.ts).
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { rowVisible, type RowScope } from '../auth/access';
import { CommittedFileMissingError } from '../settlement/errors';
import type { Manifest } from '../settlement/manifest';
import type { BlobStore } from '../storage/blob-store';
import { energyRowReader, type ArrowColumns, type ResultRowReader } from './energy-parquet';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from './energy-result-row';
import { wholesaleRowReader } from './wholesale-output';
import { WHOLESALE_RESULT_COLUMNS, type WholesaleResultRow } from './wholesale-results';

export type ResultKind = 'energy' | 'wholesale';
export type ResultRowOf<K extends ResultKind> = K extends 'energy' ? EnergyResultRow : WholesaleResultRow;

export const RESULT_COLUMNS = { energy: ENERGY_RESULT_COLUMNS, wholesale: WHOLESALE_RESULT_COLUMNS } as const;

export interface ResultQuery<K extends ResultKind = ResultKind> {
  kind: K;
  /** time_series_type (energy) or amount_type (wholesale) */
  type?: string;
  gridArea?: string;
  /** The caller's access (shared/auth/access.ts); absent = every row (internal readers). */
  scope?: RowScope;
}

/** Where a row is: its file's index in the manifest's list for the kind, and its index in that file. */
export interface ResultPosition {
  file: number;
  row: number;
}

/** Kept rows of one stretch of one file, in file order. */
export interface ResultChunk<Row> {
  fileIndex: number;
  file: string;
  /** The file's grid area (`.../ga=GGG/...`), null for a path without one. */
  gridArea: string | null;
  rows: Row[];
  /** rows[k]'s index within the file. */
  rowIndex: number[];
}

export interface StreamOptions {
  /** Start here (a page's cursor): earlier files are not opened, earlier row groups not decoded. */
  from?: ResultPosition;
  /** Largest chunk handed out (rows); default 4096. */
  chunkRows?: number;
  /** Told how many rows each decoded row group holds (tests prove a page decodes only what it needs). */
  onDecoded?: (file: string, rows: number) => void;
}

/** The kind's committed files, in manifest order. */
export const resultFiles = (manifest: Manifest, kind: ResultKind): string[] =>
  kind === 'energy' ? manifest.files : (manifest.wholesaleFiles ?? []);

export const gridAreaOfFile = (file: string): string | null => /\/ga=(\d{3})\//.exec(file)?.[1] ?? null;

/**
 * Whether a result file (one per grid area and batch: `.../ga=XXX/...`) can hold a row the
 * filter keeps: a grid access provider's read never opens the files of other grid areas.
 */
export function fileWanted(file: string, filter: { gridArea?: string; scope?: RowScope }): boolean {
  if (filter.gridArea && !file.includes(`/ga=${filter.gridArea}/`)) return false;
  const scope = filter.scope;
  if (!scope || scope.kind === 'all' || scope.energySupplierId !== null || scope.balanceResponsiblePartyId !== null)
    return true;
  const ga = gridAreaOfFile(file);
  return ga === null || scope.gridAreas.has(ga);
}

/**
 * Whether every row of the file is kept by the query: no type filter, and the caller sees the
 * file's whole grid area (administrator, or the grid access provider owning it). Then the
 * stored file answers the query as it is (Parquet download without re-encoding).
 */
export function fileWhollyKept(file: string, query: ResultQuery): boolean {
  if (query.type) return false;
  const ga = gridAreaOfFile(file);
  if (ga === null || (query.gridArea !== undefined && query.gridArea !== ga)) return false;
  const scope = query.scope;
  return !scope || scope.kind === 'all' || scope.gridAreas.has(ga);
}

function rowReader(kind: ResultKind, columns: ArrowColumns): ResultRowReader<EnergyResultRow | WholesaleResultRow> {
  return kind === 'energy' ? energyRowReader(columns) : wholesaleRowReader(columns);
}

/** The row filter on Arrow cells: decides before a row object exists. */
export function rowKeeper(query: ResultQuery): (cell: (column: string) => string | null) => boolean {
  const typeColumn = query.kind === 'energy' ? 'time_series_type' : 'amount_type';
  const { type, gridArea, scope } = query;
  return (cell) =>
    (!type || cell(typeColumn) === type) &&
    (!gridArea || cell('grid_area_code') === gridArea) &&
    (!scope || rowVisible(scope, cell));
}

const DEFAULT_CHUNK_ROWS = 4096;
/** Arrow batch size of a decoded row group: one batch per row group of our files (1 M rows). */
const READ_BATCH_ROWS = 1 << 20;

/**
 * The row groups of one Parquet file (bytes) from row `fromRow` on, each decoded into an Arrow
 * table that is a copy (IPC), so it stays valid while the consumer awaits other work — the
 * zero-copy FFI views of parquet-wasm would not survive another request's parquet-wasm call.
 */
async function* rowGroups(
  bytes: Uint8Array,
  fromRow: number,
): AsyncGenerator<{ table: arrow.Table; firstRow: number }> {
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  try {
    const meta = file.metadata();
    const sizes: number[] = [];
    for (let g = 0; g < meta.numRowGroups(); g++) sizes.push(meta.rowGroup(g).numRows());
    meta.free();
    let firstRow = 0;
    for (let g = 0; g < sizes.length; g++) {
      if (firstRow + sizes[g] > fromRow) {
        const table = arrow.tableFromIPC(
          (await file.read({ rowGroups: [g], batchSize: READ_BATCH_ROWS })).intoIPCStream(),
        );
        yield { table, firstRow };
      }
      firstRow += sizes[g];
    }
  } finally {
    file.free();
  }
}

/**
 * The kept rows of the kind's committed files, file by file in manifest order, in chunks of at
 * most `chunkRows`. Stops reading as soon as the consumer stops pulling (a page is full).
 */
export async function* streamResultChunks<K extends ResultKind>(
  results: Pick<BlobStore, 'get'>,
  manifest: Manifest,
  query: ResultQuery<K>,
  options: StreamOptions = {},
): AsyncGenerator<ResultChunk<ResultRowOf<K>>> {
  const files = resultFiles(manifest, query.kind);
  const from = options.from ?? { file: 0, row: 0 };
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const keep = rowKeeper(query);
  for (let f = from.file; f < files.length; f++) {
    const file = files[f];
    if (!fileWanted(file, query)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    const fromRow = f === from.file ? from.row : 0;
    const gridArea = gridAreaOfFile(file);
    let chunk: ResultChunk<ResultRowOf<K>> = { fileIndex: f, file, gridArea, rows: [], rowIndex: [] };
    for await (const { table, firstRow } of rowGroups(bytes, fromRow)) {
      options.onDecoded?.(file, table.numRows);
      let batchFirst = firstRow;
      for (const batch of table.batches) {
        const reader = rowReader(query.kind, batch) as ResultRowReader<ResultRowOf<K>>;
        let i = Math.max(0, fromRow - batchFirst);
        const cell = (column: string) => reader.cell(i, column);
        for (; i < batch.numRows; i++) {
          if (!keep(cell)) continue;
          chunk.rows.push(reader.row(i));
          chunk.rowIndex.push(batchFirst + i);
          if (chunk.rows.length >= chunkRows) {
            yield chunk;
            chunk = { fileIndex: f, file, gridArea, rows: [], rowIndex: [] };
          }
        }
        batchFirst += batch.numRows;
      }
    }
    if (chunk.rows.length) yield chunk;
  }
}

/** One page of kept rows from `from` on, and where the next page starts (null: this was the last). */
export async function readResultPage<K extends ResultKind>(
  results: Pick<BlobStore, 'get'>,
  manifest: Manifest,
  query: ResultQuery<K>,
  from: ResultPosition,
  limit: number,
  options: Pick<StreamOptions, 'onDecoded'> = {},
): Promise<{ rows: Array<ResultRowOf<K>>; next: ResultPosition | null }> {
  const rows: Array<ResultRowOf<K>> = [];
  // one row beyond the page tells whether there is a next page, and exactly where it starts
  for await (const chunk of streamResultChunks(results, manifest, query, {
    from,
    chunkRows: Math.min(limit + 1, DEFAULT_CHUNK_ROWS),
    onDecoded: options.onDecoded,
  })) {
    for (let k = 0; k < chunk.rows.length; k++) {
      if (rows.length === limit) return { rows, next: { file: chunk.fileIndex, row: chunk.rowIndex[k] } };
      rows.push(chunk.rows[k]);
    }
  }
  return { rows, next: null };
}
