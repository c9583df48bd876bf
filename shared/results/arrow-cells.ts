/**
 * Fast cell access on one Arrow record batch of a result file. `Vector.get(i)` costs tens of
 * microseconds for decimals and lists (it builds objects per call), which made reading a
 * 24,000-row result file take seconds; these read the buffers directly — dictionary keys into a
 * dictionary decoded once, decimal words as integers, list offsets into quality names — so a
 * row costs a few microseconds. Anything else (and a chunked vector) falls back to `get`.
 */
import * as arrow from 'apache-arrow';
import { QUALITIES } from '../domain/codes';
import { arrowValueText } from '../basis-data/parquet/arrow-io';

type Cell<T> = (i: number) => T | null;

/** A single-chunk vector's data, or null for a chunked one (then the slow path). */
function single(vector: arrow.Vector): arrow.Data | null {
  return vector.data.length === 1 ? vector.data[0] : null;
}

/**
 * Arrow JS slices a Data by cutting its value and offset buffers (subarray) and adding to
 * `offset`, which then only positions the validity bitmap: buffers are indexed by `i`, the
 * bitmap by `offset + i`.
 */
function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const at = data.offset + i;
  return (data.nullBitmap[at >> 3] & (1 << (at & 7))) !== 0;
}

const slow =
  (vector: arrow.Vector): Cell<string> =>
  (i) => {
    const v: unknown = vector.get(i);
    return v === null || v === undefined ? null : arrowValueText(v);
  };

/** A string cell (dictionary-encoded or plain); null for a null cell. */
export function textCells(vector: arrow.Vector): Cell<string> {
  const data = single(vector);
  if (!data || !arrow.DataType.isDictionary(data.type) || !data.dictionary) return slow(vector);
  const dictionary = Array.from(data.dictionary, (s: unknown) => (s === null ? null : arrowValueText(s)));
  const keys = data.values as Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;
  return (i) => (isValid(data, i) ? dictionary[keys[i]] : null);
}

const TWO_32 = 0x1_0000_0000;

/** A Decimal128 cell's unscaled integer: a number when it is exact as one, else a bigint. */
export function decimalCells(vector: arrow.Vector): Cell<number | bigint> {
  const data = single(vector);
  if (!data || !arrow.DataType.isDecimal(data.type) || !(data.values instanceof Uint32Array))
    return (i) => {
      const t = slow(vector)(i);
      return t === null ? null : BigInt(t);
    };
  const words = data.values;
  return (i) => {
    if (!isValid(data, i)) return null;
    const w = i * 4;
    const [w0, w1, w2, w3] = [words[w], words[w + 1], words[w + 2], words[w + 3]];
    // |value| < 2^53 with the upper words a pure sign extension: exact in a double
    if (w2 === 0 && w3 === 0 && w1 < 0x20_0000) return w1 * TWO_32 + w0;
    if (w2 === 0xffffffff && w3 === 0xffffffff && w1 > 0xffe0_0000) {
      // two's complement negation of the low 64 bits, all in exact integers
      const lo = (~w0 >>> 0) + 1;
      const hi = (~w1 >>> 0) + (lo === TWO_32 ? 1 : 0);
      return -(hi * TWO_32 + (lo % TWO_32));
    }
    const u = BigInt(w0) | (BigInt(w1) << 32n) | (BigInt(w2) << 64n) | (BigInt(w3) << 96n);
    return BigInt.asIntN(128, u);
  };
}

/** A timestamp cell as epoch milliseconds. */
export function timestampCells(vector: arrow.Vector): Cell<number> {
  return (i) => {
    const v: unknown = vector.get(i);
    return v === null || v === undefined ? null : Number(v);
  };
}

const utf8 = new TextDecoder();

/** A List<Utf8> of quality names as a quality bit mask. */
export function qualityMaskCells(vector: arrow.Vector): Cell<number> {
  const data = single(vector);
  const child = data?.children[0];
  if (!data || !child || !data.valueOffsets || !child.valueOffsets || !(child.values instanceof Uint8Array))
    return (i) => {
      const v: unknown = vector.get(i);
      if (v === null || v === undefined) return null;
      return [...(v as Iterable<string>)].reduce(
        (m, q) => m | (1 << QUALITIES.indexOf(q as (typeof QUALITIES)[number])),
        0,
      );
    };
  const listOffsets = data.valueOffsets as Int32Array;
  const strOffsets = child.valueOffsets as Int32Array;
  const bytes = child.values;
  const bitOfName = new Map<string, number>(QUALITIES.map((q, b) => [q, 1 << b]));
  return (i) => {
    if (!isValid(data, i)) return null;
    let mask = 0;
    for (let k = listOffsets[i]; k < listOffsets[i + 1]; k++)
      mask |= bitOfName.get(utf8.decode(bytes.subarray(strOffsets[k], strOffsets[k + 1]))) ?? 0;
    return mask;
  };
}
