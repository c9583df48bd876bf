/**
 * Decoding Arrow columns (zero-copy views) into the engine's typed arrays, with validation that
 * names file, row and column. Ids and qualities are matched once per dictionary entry when the
 * file is dictionary-encoded (files we write), else per distinct run of bytes.
 */
import { arrowTypeName } from './arrow-io';
import * as arrow from 'apache-arrow';
import { QUALITY_BY_NAME } from '../../domain/codes';
import { ValidationError } from '../errors';
import { GSRN_RE } from '../../domain/identifiers';
import { INSTANT_HINT, instantBounds } from '../../domain/time';

/** The one range of instants (shared/domain/time.ts), checked per row without re-deriving it. */
const INSTANT_RANGE = instantBounds();

const utf8 = new TextDecoder();

/** The validity bitmap if the column has nulls, else null (read once per batch, not per row). */
function validity(d: arrow.Data): Uint8Array | null {
  const bm = d.nullBitmap;
  return bm && bm.length > 0 && d.nullCount > 0 ? bm : null;
}

function valid(bm: Uint8Array | null, j: number): boolean {
  return bm === null || (bm[j >> 3] & (1 << (j & 7))) !== 0;
}

/** Strings of a Utf8 Data (small: dictionaries). */
function utf8Strings(d: arrow.Data): string[] {
  const offs = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  const out = new Array<string>(d.length);
  for (let i = 0; i < d.length; i++) out[i] = utf8.decode(bytes.subarray(offs[d.offset + i], offs[d.offset + i + 1]));
  return out;
}

/**
 * Maps each row's string to an integer code via `lookup` (called once per distinct dictionary
 * entry, or per change of value in plain Utf8 columns); `lookup` may throw for invalid values.
 */
export function codeColumn(
  d: arrow.Data,
  out: Int32Array | Uint8Array,
  lookup: (s: string, row: number) => number,
  nullCode: (row: number) => number,
): void {
  const n = d.length;
  const bm = validity(d);
  const off = d.offset;
  if (arrow.DataType.isDictionary(d.type)) {
    const dict = (d.dictionary as arrow.Vector<arrow.DataType>).data;
    const strings = dict.flatMap((c) => utf8Strings(c));
    const codes = new Int32Array(strings.length).fill(-2);
    const keys = d.values as Int32Array | Uint32Array | Int16Array | Int8Array;
    for (let i = 0; i < n; i++) {
      if (!valid(bm, off + i)) {
        out[i] = nullCode(i);
        continue;
      }
      const k = keys[off + i];
      let c = codes[k];
      if (c === -2) c = codes[k] = lookup(strings[k], i);
      out[i] = c;
    }
    return;
  }
  if (!arrow.DataType.isUtf8(d.type)) throw new TypeError(`expected a string column, found ${arrowTypeName(d.type)}`);
  const offs = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  let prevStart = -1;
  let prevEnd = -1;
  let prevCode = 0;
  for (let i = 0; i < n; i++) {
    if (!valid(bm, off + i)) {
      out[i] = nullCode(i);
      prevStart = -1;
      continue;
    }
    const s = offs[off + i];
    const e = offs[off + i + 1];
    if (prevStart >= 0 && e - s === prevEnd - prevStart) {
      let same = true;
      for (let k = 0; k < e - s; k++) {
        if (bytes[s + k] !== bytes[prevStart + k]) {
          same = false;
          break;
        }
      }
      if (same) {
        out[i] = prevCode;
        continue;
      }
    }
    prevCode = lookup(utf8.decode(bytes.subarray(s, e)), i);
    out[i] = prevCode;
    prevStart = s;
    prevEnd = e;
  }
}

export function meteringPointIdColumn(
  d: arrow.Data,
  out: Int32Array,
  dictionary: ReadonlyMap<string, number>,
  file: string,
  firstRow: number,
): void {
  codeColumn(
    d,
    out,
    (s, i) => {
      const c = dictionary.get(s);
      if (c !== undefined) return c;
      if (!GSRN_RE.test(s))
        throw new ValidationError(
          file,
          firstRow + i + 1,
          'metering_point_id',
          `'${s}' is not a valid metering point id (18-digit GSRN)`,
        );
      return -1;
    },
    (i) => {
      throw new ValidationError(file, firstRow + i + 1, 'metering_point_id', 'value is required');
    },
  );
}

export function qualityColumn(d: arrow.Data, out: Uint8Array, file: string, firstRow: number): void {
  codeColumn(
    d,
    out,
    (s, i) => {
      const q = QUALITY_BY_NAME.get(s);
      if (q === undefined)
        throw new ValidationError(
          file,
          firstRow + i + 1,
          'quality',
          `unknown quality '${s}' (expected missing, estimated, measured or calculated)`,
        );
      return q;
    },
    (i) => {
      throw new ValidationError(file, firstRow + i + 1, 'quality', 'value is required');
    },
  );
}

const UNIT_TO_MS = [1000, 1, 1 / 1000, 1 / 1_000_000]; // SECOND, MILLISECOND, MICROSECOND, NANOSECOND

/** Timestamp column → epoch ms, reading the int64 as two int32 halves (no BigInt per row). */
export function timestampMsColumn(
  d: arrow.Data,
  out: Float64Array,
  file: string,
  firstRow: number,
  column: string,
): void {
  if (!arrow.DataType.isTimestamp(d.type))
    throw new ValidationError(file, null, column, `expected a timestamp column, found ${arrowTypeName(d.type)}`);
  const f = UNIT_TO_MS[d.type.unit];
  const v = d.values as unknown as BigInt64Array;
  const w = new Int32Array(v.buffer, v.byteOffset + d.offset * 8, d.length * 2);
  const bm = validity(d);
  const n = d.length;
  for (let i = 0; i < n; i++) {
    if (bm !== null && !valid(bm, d.offset + i))
      throw new ValidationError(file, firstRow + i + 1, column, 'value is required');
    const raw = w[2 * i + 1] * 4294967296 + (w[2 * i] >>> 0);
    const ms = raw * f;
    if (!Number.isInteger(ms))
      throw new ValidationError(file, firstRow + i + 1, column, 'timestamps must be whole milliseconds');
    if (ms < INSTANT_RANGE.min || ms > INSTANT_RANGE.max)
      throw new ValidationError(file, firstRow + i + 1, column, `${new Date(ms).toISOString()} is not ${INSTANT_HINT}`);
    out[i] = ms;
  }
}

/**
 * Decimal column (DECIMAL(p, s≤3)) → integer milli-units. Nulls become 0 (padding semantics) and,
 * when `isNull` is given, are marked there. A value must fit the low 53 bits (checked always:
 * beyond 2^53 the two 32-bit halves no longer combine exactly); anything larger is rejected
 * rather than rounded.
 */
export function decimalMilliColumn(
  d: arrow.Data,
  out: Float64Array,
  file: string,
  firstRow: number,
  column: string,
  isNull?: Uint8Array,
): void {
  if (!arrow.DataType.isDecimal(d.type))
    throw new ValidationError(file, null, column, `expected DECIMAL(18,3), found ${arrowTypeName(d.type)}`);
  const scale = d.type.scale;
  if (scale > 3)
    throw new ValidationError(file, null, column, `DECIMAL scale ${scale} exceeds 3 decimals (decimal(18,3) expected)`);
  const factor = 10 ** (3 - scale);
  const v = d.values as Uint32Array;
  // arrow-js-ffi 0.4.3 zero-copy gives a Uint32Array of length n instead of 4n (parquet-bench.md gotcha 6)
  const words = new Uint32Array(v.buffer, v.byteOffset + d.offset * 16, d.length * 4);
  const bm = validity(d);
  const n = d.length;
  for (let i = 0; i < n; i++) {
    if (bm !== null && !valid(bm, d.offset + i)) {
      out[i] = 0;
      if (isNull) isNull[i] = 1;
      continue;
    }
    const lo = words[4 * i];
    const hi = words[4 * i + 1] | 0;
    const ext = words[4 * i + 2];
    const ok =
      (hi >= 0 && ext === 0 && words[4 * i + 3] === 0) ||
      (hi < 0 && ext === 0xffffffff && words[4 * i + 3] === 0xffffffff);
    const x = (hi * 4294967296 + lo) * factor;
    if (!ok || !Number.isSafeInteger(x)) {
      throw new ValidationError(
        file,
        firstRow + i + 1,
        column,
        'value exceeds decimal(18,3) or is too large to be represented exactly',
      );
    }
    out[i] = x;
    if (isNull) isNull[i] = 0;
  }
}
