/**
 * Arrow columns as plain cells for JSON, CSV and the analyses (issue 15): text stays text,
 * decimals become their exact decimal text (never a float), integers numbers, timestamps ISO-8601
 * instants (UTC), booleans 'true'/'false'. One conversion, so JSON, CSV and analysis results
 * agree on every value.
 */
import * as arrow from 'apache-arrow';
import { arrowValueText } from '../../basis-data/parquet/arrow-io';
import { decimalCells, textCells, timestampCells } from '../../results/arrow-cells';

export type CellValue = string | number | null;

export interface CellColumns {
  names: string[];
  /** columns[c][r]: row r of column names[c]. */
  columns: CellValue[][];
  rows: number;
}

/** An unscaled decimal integer with `scale` decimals as text (exact for any 128-bit value). */
export function scaledText(unscaled: number | bigint, scale: number): string {
  const big = BigInt(unscaled);
  const neg = big < 0n;
  const digits = (neg ? -big : big).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  return `${neg ? '-' : ''}${int}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
}

function columnCells(vector: arrow.Vector): CellValue[] {
  const n = vector.length;
  const out = new Array<CellValue>(n);
  const type = vector.type as arrow.DataType;
  if (arrow.DataType.isDecimal(type)) {
    const cell = decimalCells(vector);
    for (let i = 0; i < n; i++) {
      const v = cell(i);
      out[i] = v === null ? null : scaledText(v, type.scale);
    }
  } else if (arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type)) {
    const cell = timestampCells(vector);
    for (let i = 0; i < n; i++) {
      const v = cell(i);
      out[i] = v === null ? null : new Date(v).toISOString();
    }
  } else if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type)) {
    for (let i = 0; i < n; i++) {
      const v: unknown = vector.get(i);
      if (v === null || v === undefined) out[i] = null;
      else if (typeof v === 'bigint') out[i] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      else out[i] = Number(v);
    }
  } else if (arrow.DataType.isUtf8(type) || arrow.DataType.isDictionary(type)) {
    const cell = textCells(vector);
    for (let i = 0; i < n; i++) out[i] = cell(i);
  } else {
    for (let i = 0; i < n; i++) {
      const v: unknown = vector.get(i);
      out[i] = v === null || v === undefined ? null : arrowValueText(v);
    }
  }
  return out;
}

export function tableCells(table: arrow.Table): CellColumns {
  const names = table.schema.fields.map((f) => f.name);
  return {
    names,
    columns: names.map((n) => columnCells(table.getChild(n) as arrow.Vector)),
    rows: table.numRows,
  };
}

/** RFC 4180 field: quoted when it holds the delimiter, a quote or a line break. */
export function csvField(v: CellValue): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
