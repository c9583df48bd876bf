/**
 * The results API's representations of kept rows (result-stream.ts), each produced as the rows
 * arrive so a response never holds the whole result:
 *
 * - JSON / NDJSON: the CSV-shaped row with `quantity_qualities` as a JSON array of quality names
 *   (`["measured"]`; null for a wholesale row without qualities — monthly amounts and totals).
 *   The Python-style string `['measured']` is the CSV contract's (issue #2) and stays there.
 * - CSV: byte-identical to rowsToCsv / wholesaleRowsToCsv for the same rows (header first, `;`,
 *   every line newline-terminated).
 * - Parquet: the kept rows as Arrow slices of the stored record batches (same schema, no row
 *   objects), re-encoded by parquet-wasm's streaming writer in row groups of PARQUET_ROW_GROUP
 *   rows, so its buffer is bounded too. When one stored file answers the query exactly the
 *   caller gets those bytes as stored instead (parquetResultStream).
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { parseQualities, type Quality } from '../domain/codes';
import type { Manifest } from '../settlement/manifest';
import { CommittedFileMissingError } from '../settlement/errors';
import type { BlobStore } from '../storage/blob-store';
import { energyResultsTable, energyRowReader } from './energy-parquet';
import {
  fileWanted,
  fileWhollyKept,
  gridAreaOfFile,
  RESULT_COLUMNS,
  resultFiles,
  rowKeeper,
  type ResultChunk,
  type ResultKind,
  type ResultQuery,
} from './result-stream';
import { wholesaleRowReader, wholesaleTable } from './wholesale-output';
import { WholesaleRows } from './wholesale-results';

type CsvRow = Readonly<Record<string, string>>;
export type JsonResultRow = Record<string, string | Quality[] | null>;

/** The row as JSON: qualities as an array of names (null when the row has none). */
export function jsonResultRow(row: CsvRow): JsonResultRow {
  const out: JsonResultRow = { ...row };
  out.quantity_qualities = row.quantity_qualities === '' ? null : parseQualities(row.quantity_qualities);
  return out;
}

const utf8 = new TextEncoder();

/**
 * CSV of the chunks' rows, encoded per chunk. `onRows` counts what went out (audit).
 * The header is the first chunk, so a client sees the response begin before any file is read.
 */
export async function* csvStream(
  kind: ResultKind,
  chunks: AsyncIterable<ResultChunk<CsvRow>>,
  onRows: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  const columns = RESULT_COLUMNS[kind];
  yield utf8.encode(columns.join(';') + '\n');
  for await (const chunk of chunks) {
    let text = '';
    for (const r of chunk.rows) text += columns.map((c) => r[c]).join(';') + '\n';
    onRows(chunk.rows.length);
    yield utf8.encode(text);
  }
}

/** One JSON object per line (jsonResultRow), newline-terminated. */
export async function* ndjsonStream(
  chunks: AsyncIterable<ResultChunk<CsvRow>>,
  onRows: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    let text = '';
    for (const r of chunk.rows) text += JSON.stringify(jsonResultRow(r)) + '\n';
    onRows(chunk.rows.length);
    yield utf8.encode(text);
  }
}

/** Rows per row group of a re-encoded Parquet answer: bounds what the streaming writer buffers. */
export const PARQUET_ROW_GROUP = 65_536;

/** A zero-row table with the kind's schema (an answer with no kept rows is still a valid file). */
function emptyTable(kind: ResultKind, manifest: Manifest): arrow.Table {
  const calculationType = manifest.calculationType as Parameters<typeof energyResultsTable>[0]['calculationType'];
  return kind === 'energy'
    ? energyResultsTable({
        calculationId: manifest.jobId,
        calculationType,
        resolution: 'PT1H',
        periodStart: 0,
        slotMs: 3_600_000,
        nSlots: 0,
        series: [],
        values: [],
        masks: [],
      })
    : wholesaleTable({ calculationId: manifest.jobId, calculationType, series: [], rows: new WholesaleRows() });
}

/** Rows of a Parquet file from its footer (nothing decoded). */
async function parquetRowCount(bytes: Uint8Array): Promise<number> {
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  try {
    const meta = file.metadata();
    const fileMeta = meta.fileMetadata();
    const n = fileMeta.numRows();
    fileMeta.free();
    meta.free();
    return n;
  } finally {
    file.free();
  }
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterable over bytes already in hand
async function* toAsync(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** Handed out in slices so the HTTP layer's writes stay small. */
function* bytesOf(data: Uint8Array): Generator<Uint8Array> {
  const step = 1 << 20;
  for (let at = 0; at < data.length; at += step) yield data.subarray(at, Math.min(at + step, data.length));
}

/**
 * The kept rows as Parquet. `asStored` is true when exactly one stored file holds the answer and
 * every row of it is kept (a grid area the caller sees whole, no type filter): its bytes go out
 * as they are. Otherwise the kept rows are re-encoded (see the module comment); `onRows` counts
 * them as they are handed to the writer.
 */
export async function parquetResultStream(
  results: Pick<BlobStore, 'get'>,
  manifest: Manifest,
  query: ResultQuery,
  onRows: (n: number) => void,
): Promise<{ asStored: boolean; body: AsyncIterable<Uint8Array> }> {
  const wanted = resultFiles(manifest, query.kind).filter((f) => fileWanted(f, query));
  if (wanted.length === 1 && fileWhollyKept(wanted[0], query)) {
    const bytes = await results.get(wanted[0]);
    if (!bytes) throw new CommittedFileMissingError(wanted[0], 'result');
    onRows(await parquetRowCount(bytes));
    return { asStored: true, body: toAsync(bytesOf(bytes)) };
  }
  const batches = keptSlices(results, manifest, query, onRows);
  let sent = 0;
  const input = new ReadableStream<pw.RecordBatch>({
    async pull(controller) {
      const next = await batches.next();
      if (!next.done) {
        sent++;
        controller.enqueue(next.value);
        return;
      }
      // no kept row at all: a valid, empty file of the kind's schema
      if (sent === 0)
        for (const b of pw.Table.fromIPCStream(
          arrow.tableToIPC(emptyTable(query.kind, manifest), 'stream'),
        ).recordBatches())
          controller.enqueue(b);
      controller.close();
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP)
    .build();
  const out = (await pw.transformParquetStream(input, props)) as ReadableStream<Uint8Array>;
  return { asStored: false, body: out as unknown as AsyncIterable<Uint8Array> };
}

/**
 * The kept rows of every wanted file as parquet-wasm record batches: runs of consecutive kept
 * rows become slices of the decoded Arrow batch (rows of one series are consecutive, so a type or
 * actor filter keeps long runs), so no row object is built and the stored types are kept.
 */
async function* keptSlices(
  results: Pick<BlobStore, 'get'>,
  manifest: Manifest,
  query: ResultQuery,
  onRows: (n: number) => void,
): AsyncGenerator<pw.RecordBatch> {
  const keep = rowKeeper(query);
  for (const file of resultFiles(manifest, query.kind)) {
    if (!fileWanted(file, query)) continue;
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    const parquet = await pw.ParquetFile.fromFile(new Blob([bytes]));
    try {
      const meta = parquet.metadata();
      const groups = meta.numRowGroups();
      meta.free();
      for (let g = 0; g < groups; g++) {
        const table = arrow.tableFromIPC(
          (await parquet.read({ rowGroups: [g], batchSize: PARQUET_ROW_GROUP })).intoIPCStream(),
        );
        for (const batch of table.batches) {
          const reader = query.kind === 'energy' ? energyRowReader(batch) : wholesaleRowReader(batch);
          let i = 0;
          const cell = (column: string) => reader.cell(i, column);
          let runStart = -1;
          const runs: Array<[number, number]> = [];
          for (; i < batch.numRows; i++) {
            const kept = keep(cell);
            if (kept && runStart < 0) runStart = i;
            if (!kept && runStart >= 0) {
              runs.push([runStart, i]);
              runStart = -1;
            }
          }
          if (runStart >= 0) runs.push([runStart, batch.numRows]);
          for (const [a, b] of runs) {
            onRows(b - a);
            const ipc = arrow.tableToIPC(new arrow.Table([batch.slice(a, b)]), 'stream');
            for (const rb of pw.Table.fromIPCStream(ipc).recordBatches()) yield rb;
          }
        }
      }
    } finally {
      parquet.free();
    }
  }
}

/** The stored file's name for a download (`{job}-{kind}[-{ga}].parquet`). */
export function parquetFileName(jobId: string, query: ResultQuery, file?: string): string {
  const ga = query.gridArea ?? (file ? gridAreaOfFile(file) : null);
  return `${jobId}-${query.kind}${ga ? `-${ga}` : ''}${query.type ? `-${query.type}` : ''}.parquet`;
}
