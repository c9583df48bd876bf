/**
 * Reads an uploaded or discovered file as rows of text cells, whatever its format, so every
 * profiling rule sees the same thing (as the reference converts every format to CSV first).
 * Each reader is a two-pass generator: the profiler counts rows first, then picks its sample.
 */
import * as arrow from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm';
import { wasmBuffer } from '../../basis-data/parquet/arrow-io';

/** `json`: an array of objects, or an API envelope holding one under `records` (Energi Data Service) or `result.records` (CKAN datastore). */
export type DatasetFormat = 'csv' | 'parquet' | 'jsonl' | 'json';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['csv', 'parquet', 'jsonl', 'json'];

/** The file cannot be read as the format it claims (answered 400/422; nothing is indexed). */
export class UnreadableDatasetError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnreadableDatasetError';
  }
}

export type Cell = string | null;

export interface TabularSource {
  columns: string[];
  /** Every row in order; may be iterated more than once. */
  rows(): Iterable<Cell[]>;
  /**
   * Columnar sources (Parquet) know their row count and can render only the rows and columns
   * asked for — the profiler then never turns every cell into text.
   */
  columnar?: {
    /** Rows of the whole file (from its metadata). */
    rowCount: number;
    /**
     * Rows actually read: all of them, or (large Parquet files) those of the sampled row groups.
     * everyNth and column see only these.
     */
    sampledRowCount: number;
    /** Rows 0, stride, 2·stride, … of the rows read */
    everyNth(stride: number): Iterable<Cell[]>;
    /** Every value of one column (of the rows read). */
    column(index: number): Iterable<Cell>;
  };
}

/**
 * Large Parquet files are sampled by row group, never decoded whole: a file of more than
 * PARQUET_FULL_READ_ROWS rows has at most PARQUET_SAMPLE_ROW_GROUPS row groups read — all of
 * them when it has no more, else the first, the last and evenly between (by index, so the same
 * file gives the same sample) — and from each only its first ⌈PARQUET_SAMPLE_READ_ROWS / groups⌉
 * rows (the reader stops decoding there). The row count is exact, from the file's metadata.
 * Decoding is what costs: a 500,000-row group takes ~2 s, its first 2,500 rows ~0.1 s.
 */
export const PARQUET_FULL_READ_ROWS = 1_000_000;
export const PARQUET_SAMPLE_ROW_GROUPS = 16;
/** Twice the profiler's SAMPLE_ROWS: the stride of 2 then still spans every group read. */
export const PARQUET_SAMPLE_READ_ROWS = 40_000;

/** The row groups read of a file with `n` row groups and `rows` rows, and the rows read of each (null: all). */
export function sampledRowGroups(n: number, rows: number): { groups: number[]; rowsPerGroup: number | null } {
  const all = Array.from({ length: n }, (_, i) => i);
  if (rows <= PARQUET_FULL_READ_ROWS) return { groups: all, rowsPerGroup: null };
  const k = PARQUET_SAMPLE_ROW_GROUPS;
  const groups = n <= k ? all : [...new Set(Array.from({ length: k }, (_, j) => Math.round((j * (n - 1)) / (k - 1))))];
  return { groups, rowsPerGroup: Math.ceil(PARQUET_SAMPLE_READ_ROWS / groups.length) };
}

/** Bytes in memory, or (Parquet) a Blob — a file opened with fs.openAsBlob is read by ranges, never held whole. */
export type DatasetInput = Uint8Array | Blob;

export async function readDataset(input: DatasetInput, format: DatasetFormat): Promise<TabularSource> {
  if (format === 'parquet') return readParquet(input);
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(await input.arrayBuffer());
  switch (format) {
    case 'csv':
      return readCsv(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    case 'jsonl':
      return readJsonLines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    case 'json':
      return readJsonRecords(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  }
}

/** RFC 4180 fields (quotes, doubled quotes, newlines inside quotes) split on `sep`. */
function* csvRecords(text: string, sep: string): Generator<string[]> {
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (!(record.length === 1 && record[0] === '')) yield record;
      record = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new UnreadableDatasetError('CSV: a quoted field is not closed before the end of the file');
  if (field !== '' || record.length > 0) {
    record.push(field);
    yield record;
  }
}

/** The separator of the header line: the most frequent of `;`, `,`, tab and `|` outside quotes. */
function detectSeparator(text: string): string {
  const header = text.slice(0, Math.max(0, text.search(/\r?\n/)) || text.length).replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const sep of [';', ',', '\t', '|']) {
    const n = header.split(sep).length - 1;
    if (n > bestCount) [best, bestCount] = [sep, n];
  }
  return best;
}

function readCsv(text: string): TabularSource {
  if (text.trim() === '') throw new UnreadableDatasetError('CSV: the file is empty (a header row is required)');
  if (text.includes('\u0000')) throw new UnreadableDatasetError('CSV: the file is binary, not text');
  const sep = detectSeparator(text);
  const first = csvRecords(text, sep).next();
  const columns = (first.value as string[]).map((c) => c.trim());
  if (new Set(columns).size !== columns.length || columns.some((c) => c === ''))
    throw new UnreadableDatasetError('CSV: the header has empty or repeated column names');
  return {
    columns,
    *rows() {
      let line = 0;
      for (const rec of csvRecords(text, sep)) {
        if (line++ === 0) continue;
        if (rec.length !== columns.length)
          throw new UnreadableDatasetError(
            `CSV: record ${line - 1} has ${rec.length} fields, the header ${columns.length} (separator '${sep === '\t' ? '\\t' : sep}')`,
          );
        yield rec.map((v) => (v.trim() === '' ? null : v.trim()));
      }
    },
  };
}

const cellText = (v: unknown): Cell => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
};

function readJsonRecords(text: string): TabularSource {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UnreadableDatasetError('JSON: the file is not JSON');
  }
  const envelope = doc as { records?: unknown; result?: { records?: unknown } } | null;
  const records = Array.isArray(doc) ? doc : (envelope?.records ?? envelope?.result?.records);
  if (!Array.isArray(records))
    throw new UnreadableDatasetError('JSON: no array of records (top level, `records` or `result.records`)');
  return readJsonLines(records.map((r) => JSON.stringify(r)).join('\n'));
}

function readJsonLines(text: string): TabularSource {
  const objects: Array<Record<string, unknown>> = [];
  const columns: string[] = [];
  const seen = new Set<string>();
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new UnreadableDatasetError(`JSON lines: line ${lineNo} is not JSON`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      throw new UnreadableDatasetError(`JSON lines: line ${lineNo} is not an object`);
    for (const k of Object.keys(o))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    objects.push(o as Record<string, unknown>);
  }
  if (objects.length === 0) throw new UnreadableDatasetError('JSON lines: the file holds no objects');
  return {
    columns,
    *rows() {
      for (const o of objects) yield columns.map((c) => cellText(o[c]));
    },
  };
}

/** Arrow cell → text: timestamps and dates as ISO instants (they are UTC in Parquet), integers exactly. */
function vectorText(type: arrow.DataType, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (
    (arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type)) &&
    (typeof v === 'number' || typeof v === 'bigint')
  ) {
    const ms = Number(v);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  return cellText(v);
}

async function readParquet(input: DatasetInput): Promise<TabularSource> {
  let table: arrow.Table;
  let rowCount: number;
  try {
    const file = await pw.ParquetFile.fromFile(input instanceof Blob ? input : new Blob([input]));
    try {
      const meta = file.metadata();
      rowCount = meta.fileMetadata().numRows();
      const { groups, rowsPerGroup } = sampledRowGroups(meta.numRowGroups(), rowCount);
      const reads = rowsPerGroup === null ? [{}] : groups.map((g) => ({ rowGroups: [g], limit: rowsPerGroup }));
      const tables: arrow.Table[] = [];
      for (const options of reads) {
        const wasmTable = await file.read(options);
        const ffi = wasmTable.intoFFI();
        try {
          // copied out of wasm memory: the rows are iterated later, after other parquet-wasm calls
          tables.push(parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), true));
        } finally {
          ffi.free();
        }
      }
      table = tables.length === 1 ? tables[0] : tables[0].concat(...tables.slice(1));
    } finally {
      file.free();
    }
  } catch (e) {
    throw new UnreadableDatasetError(`Parquet: ${(e as Error).message ?? String(e)}`);
  }
  const fields = table.schema.fields.map((f: arrow.Field<arrow.DataType>) => ({ name: f.name, type: f.type }));
  return {
    columns: fields.map((f) => f.name),
    *rows() {
      for (const batch of table.batches) {
        const vectors = fields.map((_, i) => batch.getChildAt(i)!);
        for (let r = 0; r < batch.numRows; r++)
          yield vectors.map((vec, i) => vectorText(fields[i].type, vec.get(r) as unknown));
      }
    },
    columnar: {
      rowCount,
      sampledRowCount: table.numRows,
      *everyNth(stride: number) {
        let first = 0;
        for (const batch of table.batches) {
          const vectors = fields.map((_, i) => batch.getChildAt(i)!);
          for (let r = (stride - (first % stride)) % stride; r < batch.numRows; r += stride)
            yield vectors.map((vec, i) => vectorText(fields[i].type, vec.get(r) as unknown));
          first += batch.numRows;
        }
      },
      *column(index: number) {
        for (const batch of table.batches) {
          const vec = batch.getChildAt(index)!;
          for (let r = 0; r < batch.numRows; r++) yield vectorText(fields[index].type, vec.get(r) as unknown);
        }
      },
    },
  };
}
