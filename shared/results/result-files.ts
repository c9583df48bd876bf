/**
 * A committed job's energy result files read one grid area at a time, in chunks of whole result
 * series, for consumers that must run in bounded memory next to HTTP handlers (the RSM-014 and
 * eSett senders, issue 12 "bounded work"). `readResults` (committed-results.ts) returns every
 * row of a job at once; a national month is millions of rows, which a sender in the same process
 * as the HTTP functions cannot hold (a 4.9 M-row month ran the local host out of memory).
 *
 * Why per grid area and not per file: a batch is one grid area × some days
 * (job-paths.ts `batchPath`), so one result series (one result_id: one document per receiver)
 * has rows in every batch file of its grid area, but never in another grid area's files (every
 * row of a batch has the batch's grid area as `grid_area_code`). eSett has one document per grid
 * area. So a grid area's files are the smallest unit that holds whole documents.
 *
 * The Arrow tables of one grid area are held (dictionary-encoded, a few tens of bytes per row);
 * row objects — an order of magnitude larger — exist only for one chunk at a time. Decoding,
 * indexing and materialising run in time slices (`Pacer`), so no synchronous stretch grows with
 * the size of a job or the speed of the machine.
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { arrowValueText } from '../basis-data/parquet/arrow-io';
import { formatScaled } from '../decimal/scaled';
import { formatQualities, QUALITIES } from '../domain/codes';
import { formatInstant } from '../domain/time';
import { CommittedFileMissingError } from '../settlement/errors';
import { readManifest } from '../settlement/manifest';
import type { BlobStore } from '../storage/blob-store';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from './energy-result-row';

/** Lets other callbacks (HTTP requests, timers, I/O) run before continuing. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Longest synchronous stretch (ms) of a paced consumer. A status request needs several turns of
 * the event loop (accept, parse, token check, a storage round trip, respond), and each turn can
 * wait behind one stretch of every consumer running next to it (the RSM-014 and eSett senders
 * run at once), so stretches are kept to a few milliseconds. A row count would not do: what
 * 1,000 rows cost depends on the step (decoding, indexing, building XML) and on the machine's
 * load; profiled stretches of 100-400 ms between yields, adding up over a request's turns, gave
 * the 1.2 s status answer of the first 6.6 M-row run (issue 12).
 */
export const PACE_SLICE_MS = 8;

/**
 * Time slicing for long work sharing its event loop with HTTP functions: hot loops ask `due()`
 * (a clock read, cheap enough per row) and `await pause()` only when their slice is used up.
 */
export class Pacer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs: number = PACE_SLICE_MS) {}

  due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  async pause(): Promise<void> {
    await yieldToEventLoop();
    this.sliceStart = performance.now();
  }

  /** pause() when the slice is used up; what the *Pausing builders are given between their steps. */
  readonly maybePause = async (): Promise<void> => {
    if (this.due()) await this.pause();
  };
}

/** Row group size of committed energy result files (calculate-batch.ts): one decode step. */
export const RESULT_ROW_GROUP_ROWS = 20_000;

export interface GridAreaResultFiles {
  gridArea: string;
  /** The grid area's committed energy result files, in manifest order. */
  files: string[];
}

const GRID_AREA_OF_FILE = /\/ga=([^/]+)\//;

/**
 * The committed energy result files grouped by grid area (`.../ga=XXX/...`), in the manifest's
 * (sorted) order, so the grid areas come in the order a whole-job read sees them; null when the
 * job has no manifest yet.
 */
export async function energyResultFilesByGridArea(
  results: Pick<BlobStore, 'get'>,
  jobId: string,
): Promise<GridAreaResultFiles[] | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const out: GridAreaResultFiles[] = [];
  const byGridArea = new Map<string, GridAreaResultFiles>();
  for (const file of manifest.files) {
    // a path without a grid area segment forms its own group: never merged with another file
    const gridArea = GRID_AREA_OF_FILE.exec(file)?.[1] ?? file;
    let group = byGridArea.get(gridArea);
    if (!group) {
      group = { gridArea, files: [] };
      byGridArea.set(gridArea, group);
      out.push(group);
    }
    group.files.push(file);
  }
  return out;
}

/** A cell of the current row, as text (null for a null cell); what `keep` filters on. */
export type ResultCell = (column: (typeof ENERGY_RESULT_COLUMNS)[number]) => string | null;

export interface SeriesChunkOptions {
  /**
   * Rows per chunk: whole series are added until the chunk reaches this many rows (a single
   * series larger than this forms a chunk on its own).
   */
  maxRows: number;
  /** Rows to leave out, decided on the Arrow cells before a row object exists. */
  keep?: (cell: ResultCell) => boolean;
  /** The consumer's time slicing (shared with its own building steps); a new one by default. */
  pacer?: Pacer;
}

/** One decoded row group: its columns in ENERGY_RESULT_COLUMNS order. */
interface Segment {
  columns: Array<arrow.Vector | null>;
}

/** Rows [start, end) of one segment, all of one result series and kept. */
interface Run {
  segment: number;
  start: number;
  end: number;
}

const RESULT_ID = ENERGY_RESULT_COLUMNS.indexOf('result_id');

async function decodeFile(bytes: Uint8Array, into: Segment[], pacer: Pacer): Promise<void> {
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  try {
    const meta = file.metadata();
    const groups = meta.numRowGroups();
    meta.free();
    for (let g = 0; g < groups; g++) {
      // one row group at a time: the synchronous decode is bounded by the writer's row group size
      const table = arrow.tableFromIPC((await file.read({ rowGroups: [g] })).intoIPCStream());
      into.push({ columns: ENERGY_RESULT_COLUMNS.map((c) => table.getChild(c)) });
      await pacer.maybePause();
    }
  } finally {
    file.free();
  }
}

/**
 * Row `i` of a segment as energyResultRowsFromParquet (energy-parquet.ts) builds it — the same
 * text for every field (test/unit/result-files.test.ts compares the two on a real file), so
 * documents built from chunks are byte-identical to documents built from `readResults`.
 */
function rowAt(s: Segment, i: number): EnergyResultRow {
  const row = {} as EnergyResultRow;
  ENERGY_RESULT_COLUMNS.forEach((c, k) => {
    const v: unknown = s.columns[k]?.get(i);
    if (v === null || v === undefined) row[c] = '';
    else if (c === 'time') row[c] = formatInstant(Number(v));
    else if (c === 'quantity') row[c] = formatScaled(Number(arrowValueText(v)), 3);
    else if (c === 'quantity_qualities') {
      const names = [...(v as Iterable<string>)];
      row[c] = formatQualities(
        names.reduce((m, q) => m | (1 << QUALITIES.indexOf(q as (typeof QUALITIES)[number])), 0),
      );
    } else row[c] = arrowValueText(v);
  });
  return row;
}

/**
 * A grid area's committed energy result rows (its files from energyResultFilesByGridArea) in
 * chunks of whole result series: every row of a result_id is in the same chunk. Series come in
 * the order of their first row, and rows within a chunk in file and row order, so a chunk-wise
 * consumer sees the series in the same order, with the same rows, as one given every row at once.
 */
export async function* energyResultSeriesChunks(
  results: Pick<BlobStore, 'get'>,
  files: readonly string[],
  options: SeriesChunkOptions,
): AsyncGenerator<EnergyResultRow[], void, undefined> {
  const pacer = options.pacer ?? new Pacer();
  const segments: Segment[] = [];
  for (const file of files) {
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    await decodeFile(bytes, segments, pacer);
  }

  // index: the runs of each result series, series in first-appearance order
  const runsOf = new Map<string, Run[]>();
  for (let segment = 0; segment < segments.length; segment++) {
    const s = segments[segment];
    const ids = s.columns[RESULT_ID];
    const length = s.columns.find((c) => c !== null)?.length ?? 0;
    let i = 0;
    const cell: ResultCell = (column) => {
      const v: unknown = s.columns[ENERGY_RESULT_COLUMNS.indexOf(column)]?.get(i);
      return v === null || v === undefined ? null : arrowValueText(v);
    };
    let open: Run | null = null;
    let openId: string | null = null;
    for (; i < length; i++) {
      if (pacer.due()) await pacer.pause();
      if (options.keep && !options.keep(cell)) {
        open = null;
        continue;
      }
      const v: unknown = ids?.get(i);
      const id = v === null || v === undefined ? '' : arrowValueText(v);
      if (open && id === openId) {
        open.end = i + 1;
        continue;
      }
      open = { segment, start: i, end: i + 1 };
      openId = id;
      const runs = runsOf.get(id);
      if (runs) runs.push(open);
      else runsOf.set(id, [open]);
    }
  }

  let chunk: Run[] = [];
  let chunkRows = 0;
  const materialise = async (): Promise<EnergyResultRow[]> => {
    chunk.sort((a, b) => a.segment - b.segment || a.start - b.start);
    const rows: EnergyResultRow[] = [];
    for (const run of chunk)
      for (let i = run.start; i < run.end; i++) {
        rows.push(rowAt(segments[run.segment], i));
        if (pacer.due()) await pacer.pause();
      }
    chunk = [];
    chunkRows = 0;
    return rows;
  };
  for (const runs of runsOf.values()) {
    for (const r of runs) {
      chunk.push(r);
      chunkRows += r.end - r.start;
    }
    if (chunkRows >= options.maxRows) yield await materialise();
  }
  if (chunk.length > 0) yield await materialise();
}
