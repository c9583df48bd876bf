/**
 * Raw delivery → columns (the curated zone's "basic flattening"). Values stay text: a source's
 * decimals and timestamps are kept exactly as delivered (no float parsing), typed later by the
 * operational datasets that know their meaning. Columns are held column-major.
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { parquetBytes, stringColumn, tableOf } from '../basis-data/parquet/arrow-io';
import { SourceFormatError } from './errors';
import type { SourceDefinition } from './source-registry';

export interface Columns {
  names: string[];
  /** values[c][r]: row r of column names[c]; null = absent in that record. */
  values: Array<Array<string | null>>;
  rows: number;
}

/** Splits one CSV line (RFC 4180 quoting: `"a;b"`, `""` inside quotes). */
function splitCsvLine(line: string, delimiter: string, url: string, row: number): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      out.push(field);
      field = '';
    } else field += ch;
    i++;
  }
  if (quoted) throw new SourceFormatError(url, `row ${row}`, 'unterminated quoted field');
  out.push(field);
  return out;
}

export function parseCsvColumns(text: string, delimiter: string, url: string): Columns {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new SourceFormatError(url, 'header', 'file is empty');
  const names = splitCsvLine(lines[0], delimiter, url, 1).map((h) => h.trim());
  const dup = names.find((n, i) => n === '' || names.indexOf(n) !== i);
  if (dup !== undefined)
    throw new SourceFormatError(url, 'header', `empty or repeated column name ${JSON.stringify(dup)}`);
  const values: Array<Array<string | null>> = names.map(() => []);
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = splitCsvLine(lines[i], delimiter, url, i + 1);
    // a short last row is what a cut-off file looks like: never read it as nulls
    if (fields.length !== names.length)
      throw new SourceFormatError(url, `row ${i + 1}`, `expected ${names.length} fields, found ${fields.length}`);
    for (let c = 0; c < names.length; c++) values[c].push(fields[c]);
    rows++;
  }
  return { names, values, rows };
}

/** Nested objects become `a.b` columns; arrays and other values their JSON text. */
function flatten(record: Record<string, unknown>, prefix: string, into: Map<string, string | null>): void {
  for (const [k, v] of Object.entries(record)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, into);
    else into.set(key, v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
  }
}

export function parseJsonColumns(text: string, recordsPath: string | undefined, url: string): Columns {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SourceFormatError(url, '(document)', `not valid JSON: ${(e as Error).message}`);
  }
  let at: unknown = doc;
  for (const key of recordsPath ? recordsPath.split('.') : []) {
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  }
  if (!Array.isArray(at)) throw new SourceFormatError(url, recordsPath ?? '(document)', 'is not an array of records');
  const names: string[] = [];
  const index = new Map<string, number>();
  const values: Array<Array<string | null>> = [];
  at.forEach((rec: unknown, r) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec))
      throw new SourceFormatError(url, `${recordsPath ?? ''}[${r}]`, 'is not an object');
    const flat = new Map<string, string | null>();
    flatten(rec as Record<string, unknown>, '', flat);
    for (const [k, v] of flat) {
      let c = index.get(k);
      if (c === undefined) {
        c = names.length;
        index.set(k, c);
        names.push(k);
        values.push(new Array<string | null>(r).fill(null)); // earlier records lacked it
      }
      values[c][r] = v;
    }
    for (const col of values) if (col.length === r) col.push(null);
  });
  return { names, values, rows: at.length };
}

export function parseDelivery(source: SourceDefinition, bytes: Buffer, url: string): Columns {
  const text = bytes.toString('utf8');
  return source.format.type === 'csv'
    ? parseCsvColumns(text, source.format.delimiter, url)
    : parseJsonColumns(text, source.format.recordsPath, url);
}

/** The rows at `rowIndexes` of `cols` (all rows when null) as a Parquet file of Utf8 columns. */
export function columnsToParquet(cols: Columns, rowIndexes: readonly number[] | null): Uint8Array {
  const pick = (col: Array<string | null>) => (rowIndexes ? rowIndexes.map((r) => col[r]) : col);
  const data: Record<string, arrow.Data> = {};
  cols.names.forEach((n, c) => (data[n] = stringColumn(pick(cols.values[c]))));
  return parquetBytes(tableOf(data));
}

/** Reads a (small) Parquet file from bytes into an Arrow table. */
export function parquetToTable(bytes: Uint8Array): arrow.Table {
  const wasmTable = pw.readParquet(bytes);
  return arrow.tableFromIPC(wasmTable.intoIPCStream());
}
