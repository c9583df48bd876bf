/**
 * Parsing the body of PUT /api/series/{name} into columns: NDJSON, `;`-CSV or Parquet points
 * with a time, a value (exact decimal, at most 6 decimals; null allowed), tags and a unit.
 *
 * - NDJSON: `{"time": "2025-01-01T00:00:00Z", "value": "1.25" | 1.25 | null, "tags": {"k": "v"}, "unit": "kWh"}`
 * - CSV (`;`, header): `time;value[;unit][;TAG…]` — every other column is a tag.
 * - Parquet: `time` (timestamp), `value` (DECIMAL(p, s ≤ 6), INT32/INT64, or DOUBLE with at most
 *   6 decimals), optional `unit`; every other string column is a tag.
 * Tags are kept as one canonical text per row (`k1=v1,k2=v2`, keys sorted), dictionary-encoded.
 * The unit comes from `?unit=` or the rows (one unit per request). Errors name row and field.
 */
import * as arrow from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm';
import { ValidationError } from '../basis-data/errors';
import { timestampMsColumn } from '../basis-data/parquet/columns';
import { arrowTypeName, wasmBuffer } from '../basis-data/parquet/arrow-io';
import { parseInstant, INSTANT_HINT } from '../domain/time';
import { microOfNumber, parseMicro } from './exact';

export type SeriesFormat = 'ndjson' | 'csv' | 'parquet';

export interface SeriesPoints {
  length: number;
  startMs: Float64Array;
  value: BigInt64Array;
  present: Uint8Array;
  /** Index into `tagSets` per row. */
  tag: Int32Array;
  /** Canonical tag texts ('' = no tags). */
  tagSets: string[];
  unit: string | null;
}

const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const MAX_TAG_VALUE = 256;
const RESERVED = new Set(['time', 'value', 'unit', 'tags']);
export const UNIT_RE = /^[A-Za-z0-9/%°_.·²³ -]{1,32}$/;

const BODY = '(body)';

/** `k1=v1,k2=v2` with sorted keys; values may not hold ',' or '=' (they separate the pairs). */
export function canonicalTags(tags: Record<string, string>, row: number | null): string {
  const keys = Object.keys(tags).sort();
  return keys
    .map((k) => {
      const v = tags[k];
      if (!TAG_KEY.test(k) || RESERVED.has(k))
        throw new ValidationError(BODY, row, `tags.${k}`, 'tag names: letters, digits, _ . -');
      if (typeof v !== 'string' || v.length > MAX_TAG_VALUE || /[,=]/.test(v))
        throw new ValidationError(
          BODY,
          row,
          `tags.${k}`,
          `a text of at most ${MAX_TAG_VALUE} characters without ',' or '='`,
        );
      return `${k}=${v}`;
    })
    .join(',');
}

class Builder {
  t: number[] = [];
  v: bigint[] = [];
  p: number[] = [];
  tag: number[] = [];
  sets = new Map<string, number>();
  unit: string | null;
  constructor(unit: string | null) {
    this.unit = unit;
  }
  tagCode(text: string): number {
    let c = this.sets.get(text);
    if (c === undefined) this.sets.set(text, (c = this.sets.size));
    return c;
  }
  setUnit(u: string, row: number): void {
    if (!UNIT_RE.test(u)) throw new ValidationError(BODY, row, 'unit', 'a unit such as kWh, EUR/MWh, g/kWh');
    if (this.unit === null) this.unit = u;
    else if (this.unit !== u)
      throw new ValidationError(BODY, row, 'unit', `${u} differs from ${this.unit}: one unit per series`);
  }
  push(t: number, v: bigint | null, tag: number): void {
    this.t.push(t);
    this.v.push(v ?? 0n);
    this.p.push(v === null ? 0 : 1);
    this.tag.push(tag);
  }
  done(): SeriesPoints {
    return {
      length: this.t.length,
      startMs: Float64Array.from(this.t),
      value: BigInt64Array.from(this.v),
      present: Uint8Array.from(this.p),
      tag: Int32Array.from(this.tag),
      tagSets: [...this.sets.keys()],
      unit: this.unit,
    };
  }
}

/** A point's time must name its instant fully: date, time and zone (a bare date is ambiguous). */
const FULL_INSTANT = /T\d{2}:\d{2}.*(Z|[+-]\d{2}:?\d{2})$/;

function time(text: unknown, row: number): number {
  const ms = typeof text === 'string' && FULL_INSTANT.test(text) ? parseInstant(text) : null;
  if (ms === null) throw new ValidationError(BODY, row, 'time', INSTANT_HINT);
  return ms;
}

function value(x: unknown, row: number): bigint | null {
  if (x === null || x === '') return null;
  const v = typeof x === 'number' ? microOfNumber(x) : typeof x === 'string' ? parseMicro(x) : null;
  if (v === null) throw new ValidationError(BODY, row, 'value', 'a decimal number with at most 6 decimals, or null');
  return v;
}

export function parseSeriesBody(body: Uint8Array, format: SeriesFormat, unit: string | null): SeriesPoints {
  if (format === 'parquet') return parseParquet(body, unit);
  const b = new Builder(null);
  if (unit !== null) b.setUnit(unit, 0);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const lines = text.split(/\r?\n/);
  if (format === 'ndjson') {
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const row = i + 1;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        throw new ValidationError(BODY, row, null, 'not a JSON object');
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o))
        throw new ValidationError(BODY, row, null, 'not a JSON object');
      const r = o as Record<string, unknown>;
      for (const k of Object.keys(r))
        if (!RESERVED.has(k)) throw new ValidationError(BODY, row, k, 'unknown field (time, value, tags, unit)');
      if (r.unit !== undefined) {
        if (typeof r.unit !== 'string') throw new ValidationError(BODY, row, 'unit', 'a text');
        b.setUnit(r.unit, row);
      }
      const tags = r.tags ?? {};
      if (typeof tags !== 'object' || tags === null || Array.isArray(tags))
        throw new ValidationError(BODY, row, 'tags', 'an object of texts');
      if (!('value' in r)) throw new ValidationError(BODY, row, 'value', 'required (null for a missing value)');
      b.push(time(r.time, row), value(r.value, row), b.tagCode(canonicalTags(tags as Record<string, string>, row)));
    });
  } else {
    const header = (lines[0] ?? '').split(';').map((h) => h.trim());
    const ti = header.indexOf('time');
    const vi = header.indexOf('value');
    const ui = header.indexOf('unit');
    if (ti < 0 || vi < 0) throw new ValidationError(BODY, 1, ti < 0 ? 'time' : 'value', 'required column is missing');
    const tagCols = header.map((h, i) => ({ h, i })).filter((c) => c.i !== ti && c.i !== vi && c.i !== ui);
    for (let i = 1; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      const row = i; // data rows counted from 1 after the header
      const cells = lines[i].split(';');
      if (cells.length !== header.length)
        throw new ValidationError(BODY, row, null, `${cells.length} fields, the header has ${header.length}`);
      if (ui >= 0) b.setUnit(cells[ui].trim(), row);
      const tags: Record<string, string> = {};
      for (const c of tagCols) if (cells[c.i] !== '') tags[c.h] = cells[c.i];
      b.push(time(cells[ti].trim(), row), value(cells[vi].trim(), row), b.tagCode(canonicalTags(tags, row)));
    }
  }
  return b.done();
}

function parseParquet(body: Uint8Array, unit: string | null): SeriesPoints {
  let ffi: ReturnType<pw.Table['intoFFI']>;
  try {
    ffi = pw.readParquet(body).intoFFI();
  } catch (e) {
    throw new ValidationError(BODY, null, null, `not a Parquet file (${(e as Error).message.slice(0, 100)})`);
  }
  try {
    // zero-copy views into parquet-wasm's memory: everything is read out before ffi.free()
    return pointsOfTable(parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), false), unit);
  } finally {
    ffi.free();
  }
}

function pointsOfTable(table: arrow.Table, unit: string | null): SeriesPoints {
  const n = table.numRows;
  const out: SeriesPoints = {
    length: n,
    startMs: new Float64Array(n),
    value: new BigInt64Array(n),
    present: new Uint8Array(n).fill(1),
    tag: new Int32Array(n),
    tagSets: [],
    unit,
  };
  const names = table.schema.fields.map((f) => f.name);
  for (const c of ['time', 'value'])
    if (!names.includes(c)) throw new ValidationError(BODY, null, c, 'required column is missing');
  const tagNames = names.filter((c) => c !== 'time' && c !== 'value' && c !== 'unit');
  for (const t of tagNames)
    if (!TAG_KEY.test(t)) throw new ValidationError(BODY, null, t, 'tag names: letters, digits, _ . -');
  const b = new Builder(unit);
  let offset = 0;
  for (const batch of table.batches) {
    const col = (c: string): arrow.Data => (batch.getChild(c) as arrow.Vector<arrow.DataType>).data[0];
    const m = batch.numRows;
    timestampMsColumn(col('time'), out.startMs.subarray(offset, offset + m), BODY, offset, 'time');
    valueColumn(col('value'), out.value.subarray(offset, offset + m), out.present.subarray(offset, offset + m), offset);
    if (names.includes('unit')) {
      const u = batch.getChild('unit') as arrow.Vector;
      for (let i = 0; i < m; i++) b.setUnit(String(u.get(i)), offset + i + 1);
    }
    if (tagNames.length === 0) {
      const code = b.tagCode('');
      out.tag.fill(code, offset, offset + m);
    } else {
      const vectors = tagNames.map((t) => batch.getChild(t) as arrow.Vector<arrow.DataType>);
      for (const [k, v] of vectors.entries())
        if (!arrow.DataType.isUtf8(v.type) && !arrow.DataType.isDictionary(v.type))
          throw new ValidationError(
            BODY,
            null,
            tagNames[k],
            `a tag column must hold texts, found ${arrowTypeName(v.type)}`,
          );
      if (vectors.length === 1 && arrow.DataType.isDictionary(vectors[0].type)) {
        // one dictionary-encoded tag column: the canonical text once per dictionary entry, then codes
        const d = vectors[0].data[0];
        const dict = d.dictionary as arrow.Vector<arrow.DataType>;
        const map = new Int32Array(dict.length);
        for (let k = 0; k < dict.length; k++) {
          const c = dict.get(k) as string | null;
          map[k] = b.tagCode(canonicalTags(c === null || c === '' ? {} : { [tagNames[0]]: c }, null));
        }
        const codes = d.values as Int32Array;
        const bm = d.nullBitmap;
        const none = b.tagCode('');
        for (let i = 0; i < m; i++) {
          const ok = !bm || bm.length === 0 || ((bm[(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1) === 1;
          out.tag[offset + i] = ok ? map[codes[d.offset + i]] : none;
        }
      } else {
        // rows mostly repeat a few tag combinations: memoise the canonical text per combination of cells
        const memo = new Map<string, number>();
        for (let i = 0; i < m; i++) {
          const cells = vectors.map((v) => v.get(i) as string | null);
          const key = cells.join('\u0000');
          let code = memo.get(key);
          if (code === undefined) {
            const tags: Record<string, string> = {};
            cells.forEach((c, k) => {
              if (c !== null && c !== '') tags[tagNames[k]] = c;
            });
            code = b.tagCode(canonicalTags(tags, offset + i + 1));
            memo.set(key, code);
          }
          out.tag[offset + i] = code;
        }
      }
    }
    offset += m;
  }
  out.tagSets = [...b.sets.keys()];
  out.unit = b.unit;
  return out;
}

/** DECIMAL(p, s ≤ 6) → × 10^6 (the fast path: copies the low 64 bits when s = 6), integers, or doubles with ≤ 6 decimals. */
function valueColumn(d: arrow.Data, out: BigInt64Array, present: Uint8Array, firstRow: number): void {
  const n = d.length;
  const bm = d.nullBitmap;
  const isValid = (i: number) =>
    !bm || bm.length === 0 || ((bm[(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1) === 1;
  if (arrow.DataType.isDecimal(d.type)) {
    const scale = d.type.scale;
    if (scale > 6) throw new ValidationError(BODY, null, 'value', `DECIMAL scale ${scale} exceeds 6 decimals`);
    const v = d.values as Uint32Array;
    const words = new Int32Array(v.buffer, v.byteOffset + d.offset * 16, n * 4);
    if (scale === 6) {
      // the fast path: copy the low 64 bits as two words when the high 64 bits only extend the sign
      const dst = new Int32Array(out.buffer, out.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        if (!isValid(i)) {
          present[i] = 0;
          continue;
        }
        const hi = words[4 * i + 1];
        const ext = hi >> 31;
        if (words[4 * i + 2] !== ext || words[4 * i + 3] !== ext)
          throw new ValidationError(BODY, firstRow + i + 1, 'value', 'exceeds 64 bits');
        dst[2 * i] = words[4 * i];
        dst[2 * i + 1] = hi;
      }
      return;
    }
    const lanes = new BigInt64Array(v.buffer, v.byteOffset + d.offset * 16, n * 2);
    const factor = 10n ** BigInt(6 - scale);
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) {
        present[i] = 0;
        continue;
      }
      const lo = lanes[2 * i];
      const hi = lanes[2 * i + 1];
      if (hi !== (lo < 0n ? -1n : 0n)) throw new ValidationError(BODY, firstRow + i + 1, 'value', 'exceeds 64 bits');
      out[i] = lo * factor;
    }
    return;
  }
  if (arrow.DataType.isInt(d.type) || arrow.DataType.isFloat(d.type)) {
    const vec = arrow.makeVector(d);
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) {
        present[i] = 0;
        continue;
      }
      const x = vec.get(i) as number | bigint;
      const micro = typeof x === 'bigint' ? x * 1_000_000n : microOfNumber(x);
      if (micro === null) throw new ValidationError(BODY, firstRow + i + 1, 'value', 'at most 6 decimals');
      out[i] = micro;
    }
    return;
  }
  throw new ValidationError(BODY, null, 'value', `expected DECIMAL, integer or DOUBLE, found ${arrowTypeName(d.type)}`);
}

/** Two points for one time and tag set in one request: 400 naming both rows (1-based). */
export function assertNoDuplicatePoints(p: SeriesPoints): void {
  // the common case — each tag set's times strictly increasing — needs no map: O(n), no allocation per row
  const last = new Float64Array(p.tagSets.length).fill(-Infinity);
  let increasing = true;
  for (let i = 0; i < p.length; i++) {
    const t = p.startMs[i];
    const g = p.tag[i];
    if (!(t > last[g])) {
      increasing = false;
      break;
    }
    last[g] = t;
  }
  if (increasing) return;
  const seen = new Map<string, number>();
  for (let i = 0; i < p.length; i++) {
    const key = `${p.startMs[i]}|${p.tag[i]}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw new ValidationError('(body)', i + 1, 'time', `the same time and tags as row ${first + 1}`);
    seen.set(key, i);
  }
}
