/**
 * Reading a served dataset (issue 15) for `GET /api/datasets/{name}`: its partitions for a date
 * range, found day by day through their `_current.json` pointers (never by listing a version
 * folder: partition-store.ts), rows filtered by region, answered as JSON pages with a cursor, or
 * streamed as CSV or Parquet one partition at a time (memory: one partition, whatever the range).
 *
 * Every row starts with its partition's columns (`date`, then the sub-partition keys such as
 * `hour`), then the stored columns.
 */
import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { InvariantError } from '../../domain/errors';
import type { PartitionStore } from '../partition-store';
import { parquetToTable } from '../records';
import { addDays, curatedPath, operationalPath } from '../zones';
import { csvField, tableCells, type CellValue } from './cells';
import type { ServedDataset } from './served-datasets';

export interface DatasetQuery {
  dataset: ServedDataset;
  /** First and last date (inclusive), YYYY-MM-DD, already checked. */
  from: string;
  to: string;
  region?: string;
}

export interface DatasetPartition {
  path: string;
  /** date first, then the sub-partition keys in path order. */
  keys: Array<[string, string]>;
}

/** The dataset's partitions with a pointer, date by date from `from` to `to`, in path order. */
export async function datasetPartitions(store: PartitionStore, q: DatasetQuery): Promise<DatasetPartition[]> {
  const out: DatasetPartition[] = [];
  const pathOf = q.dataset.zone === 'curated' ? curatedPath : operationalPath;
  for (let d = q.from; d <= q.to; d = addDays(d, 1)) {
    const base = pathOf(q.dataset.name, d);
    for (const path of await store.partitions(`${base}/`)) {
      const rest = path.slice(base.length).split('/').filter(Boolean);
      const keys: Array<[string, string]> = [['date', d]];
      for (const seg of rest) {
        const at = seg.indexOf('=');
        keys.push([seg.slice(0, at), seg.slice(at + 1)]);
      }
      out.push({ path, keys });
    }
  }
  return out;
}

interface ReadPartition {
  version: string;
  table: arrow.Table;
  /** Indexes of the rows the query keeps (region filter). */
  kept: number[];
}

async function readPartition(
  store: PartitionStore,
  p: DatasetPartition,
  q: DatasetQuery,
): Promise<ReadPartition | null> {
  const read = await store.read(p.path);
  if (!read) return null; // withdrawn between listing and reading
  let table: arrow.Table | null = null;
  for (const [name, bytes] of read.files) {
    if (!name.endsWith('.parquet')) continue;
    const t = parquetToTable(bytes);
    table = table ? table.concat(t) : t;
  }
  if (!table) throw new InvariantError(`partition ${p.path} holds no Parquet file`);
  const kept: number[] = [];
  const col = q.region !== undefined && q.dataset.regionColumn ? table.getChild(q.dataset.regionColumn) : null;
  if (q.region !== undefined && q.dataset.regionColumn && !col)
    throw new InvariantError(`partition ${p.path} lacks its region column ${q.dataset.regionColumn}`);
  for (let i = 0; i < table.numRows; i++) if (!col || col.get(i) === q.region) kept.push(i);
  return { version: read.pointer.version, table, kept };
}

function rowsOf(p: DatasetPartition, read: ReadPartition, from: number, to: number): Array<Record<string, CellValue>> {
  const cells = tableCells(read.table);
  const rows: Array<Record<string, CellValue>> = [];
  for (let k = from; k < to; k++) {
    const i = read.kept[k];
    const row: Record<string, CellValue> = {};
    for (const [key, value] of p.keys) row[key] = value;
    cells.names.forEach((n, c) => {
      if (!(n in row)) row[n] = cells.columns[c][i];
    });
    rows.push(row);
  }
  return rows;
}

/**
 * Every kept row of the range as columns (for analyses), partition keys first; refuses more than
 * `maxRows` rows (an analysis holds its inputs in memory).
 */
export async function readDatasetColumns(
  store: PartitionStore,
  q: DatasetQuery,
  maxRows: number,
): Promise<{ names: string[]; columns: CellValue[][]; rows: number }> {
  const names: string[] = [];
  const index = new Map<string, number>();
  const columns: CellValue[][] = [];
  let rows = 0;
  for (const p of await datasetPartitions(store, q)) {
    const read = await readPartition(store, p, q);
    if (!read) continue;
    if (rows + read.kept.length > maxRows) throw new DatasetTooLargeError(q.dataset.name, maxRows);
    for (const row of rowsOf(p, read, 0, read.kept.length)) {
      for (const [k, v] of Object.entries(row)) {
        let c = index.get(k);
        if (c === undefined) {
          c = names.length;
          index.set(k, c);
          names.push(k);
          columns.push(new Array<CellValue>(rows).fill(null));
        }
        columns[c][rows] = v;
      }
      rows++;
      for (const col of columns) if (col.length < rows) col.push(null);
    }
  }
  return { names, columns, rows };
}

/** Column names of the range's first partition (partition keys first); null when it has none. */
export async function datasetColumnNames(store: PartitionStore, q: DatasetQuery): Promise<string[] | null> {
  const parts = await datasetPartitions(store, q);
  for (const p of parts) {
    const read = await store.read(p.path);
    if (!read) continue;
    for (const [name, bytes] of read.files)
      if (name.endsWith('.parquet'))
        return [...p.keys.map(([k]) => k), ...parquetToTable(bytes).schema.fields.map((f) => f.name)].filter(
          (n, i, all) => all.indexOf(n) === i,
        );
  }
  return null;
}

export class DatasetTooLargeError extends Error {
  constructor(
    readonly dataset: string,
    readonly maxRows: number,
  ) {
    super(`dataset ${dataset}: more than ${maxRows} rows in the range; narrow from/to or region`);
    this.name = 'DatasetTooLargeError';
  }
}

// ---- JSON pages

export interface DatasetPosition {
  /** Index into datasetPartitions(…) and into the partition's kept rows. */
  partition: number;
  row: number;
  /** The version of that partition when the cursor was issued: a replaced partition refuses it. */
  version: string;
}

const queryKey = (q: DatasetQuery) => JSON.stringify([q.dataset.name, q.from, q.to, q.region ?? '']);
const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);

export function encodeDatasetCursor(q: DatasetQuery, at: DatasetPosition): string {
  const key = queryKey(q);
  const check = digest(`${key}|${at.partition}|${at.row}|${at.version}`);
  return Buffer.from(JSON.stringify({ p: at.partition, r: at.row, v: at.version, q: digest(key), c: check })).toString(
    'base64url',
  );
}

/** The position a cursor names, or why it is refused (a cursor is bound to its query and checksummed). */
export function decodeDatasetCursor(
  text: string,
  q: DatasetQuery,
): { ok: true; at: DatasetPosition } | { ok: false; message: string } {
  const malformed = {
    ok: false,
    message: 'malformed: not a cursor issued by this API (use nextCursor as given)',
  } as const;
  if (text.length > 512 || !/^[A-Za-z0-9_-]+$/.test(text)) return malformed;
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return malformed;
  }
  if (typeof token !== 'object' || token === null) return malformed;
  const { p, r, v, q: qd, c } = token as Record<string, unknown>;
  if (!Number.isSafeInteger(p) || !Number.isSafeInteger(r) || typeof v !== 'string' || typeof qd !== 'string')
    return malformed;
  const key = queryKey(q);
  if (qd !== digest(key))
    return {
      ok: false,
      message: 'issued for another query: a cursor continues the dataset, from, to and region it came from',
    };
  const at = { partition: p as number, row: r as number, version: v };
  if (c !== digest(`${key}|${at.partition}|${at.row}|${at.version}`) || at.partition < 0 || at.row < 0)
    return { ok: false, message: 'altered: its position does not match its checksum (use nextCursor as given)' };
  return { ok: true, at };
}

export type DatasetPage =
  { ok: true; rows: Array<Record<string, CellValue>>; next: DatasetPosition | null } | { ok: false; message: string };

/**
 * Up to `limit` rows from `from` on. A cursor whose partition was replaced since it was issued
 * (a re-run or a later hour) is refused rather than silently skipping or repeating rows.
 */
export async function readDatasetPage(
  store: PartitionStore,
  q: DatasetQuery,
  from: DatasetPosition | null,
  limit: number,
): Promise<DatasetPage> {
  const parts = await datasetPartitions(store, q);
  const rows: Array<Record<string, CellValue>> = [];
  let row = from?.row ?? 0;
  for (let p = from?.partition ?? 0; p < parts.length; p++, row = 0) {
    const read = await readPartition(store, parts[p], q);
    if (!read) continue;
    if (from && p === from.partition && read.version !== from.version)
      return {
        ok: false,
        message: 'the dataset changed since this cursor was issued (a partition was replaced): start again',
      };
    const take = Math.min(read.kept.length, row + (limit - rows.length));
    rows.push(...rowsOf(parts[p], read, row, take));
    if (rows.length === limit) {
      if (take < read.kept.length) return { ok: true, rows, next: { partition: p, row: take, version: read.version } };
      // the next page starts at the next partition (it may turn out empty: then its page is too)
      if (p + 1 < parts.length) {
        const nextRead = await readPartition(store, parts[p + 1], q);
        if (nextRead) return { ok: true, rows, next: { partition: p + 1, row: 0, version: nextRead.version } };
      }
      return { ok: true, rows, next: null };
    }
  }
  return { ok: true, rows, next: null };
}

// ---- streams

const utf8 = new TextEncoder();

/**
 * CSV (`,`, RFC 4180 quotes, header first), one partition at a time. The header is the first
 * partition's columns; a later partition lacking one of them leaves it empty.
 */
export async function* datasetCsv(
  store: PartitionStore,
  q: DatasetQuery,
  onRows: (n: number) => void = () => {},
): AsyncGenerator<Uint8Array> {
  let header: string[] | null = null;
  for (const p of await datasetPartitions(store, q)) {
    const read = await readPartition(store, p, q);
    if (!read) continue;
    const rows = rowsOf(p, read, 0, read.kept.length);
    if (!header) {
      header = [...p.keys.map(([k]) => k), ...read.table.schema.fields.map((f) => f.name)].filter(
        (n, i, all) => all.indexOf(n) === i,
      );
      yield utf8.encode(`${header.map(csvField).join(',')}\r\n`);
    }
    const cols = header;
    const text = rows.map((r) => `${cols.map((c) => csvField(r[c] ?? null)).join(',')}\r\n`).join('');
    onRows(rows.length);
    if (text) yield utf8.encode(text);
  }
  if (!header) yield utf8.encode('date\r\n');
}

/** The kept rows of one partition as Arrow tables: runs of kept rows sliced, partition columns added. */
function* keptTables(p: DatasetPartition, read: ReadPartition): Generator<arrow.Table> {
  let start = -1;
  const runs: Array<[number, number]> = [];
  read.kept.forEach((i, k) => {
    if (start < 0) start = i;
    if (k + 1 === read.kept.length || read.kept[k + 1] !== i + 1) {
      runs.push([start, i + 1]);
      start = -1;
    }
  });
  for (const [a, b] of runs) {
    const slice = read.table.slice(a, b);
    const cols: Record<string, arrow.Vector> = {};
    for (const [k, v] of p.keys) cols[k] = arrow.vectorFromArray(new Array<string>(b - a).fill(v), new arrow.Utf8());
    for (const f of slice.schema.fields) if (!(f.name in cols)) cols[f.name] = slice.getChild(f.name) as arrow.Vector;
    yield new arrow.Table(cols);
  }
}

/**
 * Parquet (stored types kept: decimals stay Decimal, timestamps Timestamp), written as a stream
 * of row groups, one partition read at a time. Partitions of one dataset share a schema (their
 * writer fixes it); a source whose deliveries changed columns must be read as CSV.
 */
export async function datasetParquet(
  store: PartitionStore,
  q: DatasetQuery,
  onRows: (n: number) => void = () => {},
): Promise<AsyncIterable<Uint8Array>> {
  const parts = await datasetPartitions(store, q);
  async function* batches(): AsyncGenerator<pw.RecordBatch> {
    let sent = 0;
    for (const p of parts) {
      const read = await readPartition(store, p, q);
      if (!read) continue;
      for (const t of keptTables(p, read)) {
        onRows(t.numRows);
        sent++;
        yield* pw.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')).recordBatches();
      }
    }
    if (sent === 0) {
      // nothing kept: still a valid file (the partition columns only)
      const empty = new arrow.Table({ date: arrow.vectorFromArray([] as string[], new arrow.Utf8()) });
      yield* pw.Table.fromIPCStream(arrow.tableToIPC(empty, 'stream')).recordBatches();
    }
  }
  const it = batches();
  const input = new ReadableStream<pw.RecordBatch>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await it.return(undefined);
    },
  });
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).build();
  return await pw.transformParquetStream(input, props);
}
