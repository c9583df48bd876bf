import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { formatQualities } from '../domain/codes';
import { formatScaled } from '../decimal/scaled';
import { formatInstant } from '../domain/time';
import { dictionaryColumn, parquetBytes, tableOf, timestampColumn } from '../basis-data/parquet/arrow-io';
import type { ArrowColumns, ResultRowReader } from './energy-parquet';
import { decimalCells, textCells, timestampCells } from './arrow-cells';
import { WHOLESALE_RESULT_COLUMNS, type WholesaleResultRow, type WholesaleResults } from './wholesale-results';

export const WHOLESALE_RESULTS_CSV_HEADER = WHOLESALE_RESULT_COLUMNS.join(';');
export const WHOLESALE_RESULTS_FILES = { csv: 'wholesale_results.csv', parquet: 'wholesale_results.parquet' } as const;

const bigMicro = (value: bigint | number): string => {
  const v = BigInt(value);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(7, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
};

export function wholesaleResultRows(r: WholesaleResults): WholesaleResultRow[] {
  const rows = r.rows;
  const out = new Array<WholesaleResultRow>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const s = r.series[rows.series[i]];
    const qty = rows.quantityMilli[i];
    const q = rows.qualities[i];
    const price = rows.priceMicro[i];
    const amount = rows.amount(i);
    out[i] = {
      calculation_id: r.calculationId,
      calculation_type: r.calculationType,
      amount_type: s.amountType,
      grid_area_code: s.gridArea,
      energy_supplier_id: s.energySupplierId,
      charge_owner_id: s.chargeOwnerId ?? '',
      charge_code: s.chargeCode ?? '',
      charge_type: s.chargeType ?? '',
      is_tax: s.isTax === null ? '' : String(s.isTax),
      metering_point_type: s.meteringPointType ?? '',
      settlement_method: s.settlementMethod ?? '',
      time: formatInstant(rows.time[i]),
      resolution: s.resolution,
      quantity: Number.isNaN(qty) ? '' : formatScaled(qty, 3),
      quantity_unit: s.quantityUnit ?? '',
      quantity_qualities: q < 0 ? '' : formatQualities(q),
      price: Number.isNaN(price) ? '' : formatScaled(price, 6),
      amount: amount === null ? '' : bigMicro(amount),
      result_id: s.resultId,
    };
  }
  return out;
}

export function wholesaleCsv(r: WholesaleResults): string {
  const lines = [WHOLESALE_RESULTS_CSV_HEADER];
  for (const row of wholesaleResultRows(r)) lines.push(WHOLESALE_RESULT_COLUMNS.map((c) => row[c]).join(';'));
  return lines.join('\n') + '\n';
}

/** Decimal128(18, scale) from BigInt unscaled values; null entries become nulls. */
function decimalBig(values: Array<bigint | null>, scale: number): arrow.Data<arrow.Decimal> {
  const n = values.length;
  const words = new Uint32Array(n * 4);
  const nullBitmap = new Uint8Array((n + 7) >> 3).fill(0xff);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nullBitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
      return;
    }
    const u = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++) words[i * 4 + w] = Number((u >> BigInt(32 * w)) & 0xffffffffn);
  });
  return arrow.makeData({
    type: new arrow.Decimal(scale, 18, 128),
    length: n,
    data: words,
    nullBitmap: nullCount ? nullBitmap : undefined,
    nullCount,
  });
}

export function wholesaleTable(r: WholesaleResults): arrow.Table {
  const rows = wholesaleResultRows(r);
  const dict = (c: (typeof WHOLESALE_RESULT_COLUMNS)[number]) => {
    const d: string[] = [];
    const idx = new Map<string, number>();
    const codes = Int32Array.from(rows, (row) => {
      const v = row[c];
      if (v === '') return -1;
      let k = idx.get(v);
      if (k === undefined) idx.set(v, (k = d.push(v) - 1));
      return k;
    });
    return dictionaryColumn(codes, d);
  };
  return tableOf({
    calculation_id: dict('calculation_id'),
    calculation_type: dict('calculation_type'),
    amount_type: dict('amount_type'),
    grid_area_code: dict('grid_area_code'),
    energy_supplier_id: dict('energy_supplier_id'),
    charge_owner_id: dict('charge_owner_id'),
    charge_code: dict('charge_code'),
    charge_type: dict('charge_type'),
    is_tax: dict('is_tax'),
    metering_point_type: dict('metering_point_type'),
    settlement_method: dict('settlement_method'),
    time: timestampColumn(r.rows.time.subarray(0, r.rows.length)),
    resolution: dict('resolution'),
    quantity: decimalBig(
      Array.from(r.rows.quantityMilli.subarray(0, r.rows.length), (x) => (Number.isNaN(x) ? null : BigInt(x))),
      3,
    ),
    quantity_unit: dict('quantity_unit'),
    quantity_qualities: dict('quantity_qualities'),
    price: decimalBig(
      Array.from(r.rows.priceMicro.subarray(0, r.rows.length), (x) => (Number.isNaN(x) ? null : BigInt(x))),
      6,
    ),
    amount: decimalBig(
      Array.from({ length: r.rows.length }, (_, i) => {
        const a = r.rows.amount(i);
        return a === null ? null : BigInt(a);
      }),
      6,
    ),
    result_id: dict('result_id'),
  });
}

/** Reads rows of a wholesale results table (or record batch) by index (see energyRowReader). */
export function wholesaleRowReader(columns: ArrowColumns): ResultRowReader<WholesaleResultRow> {
  const none = () => null;
  const text = new Map<string, (i: number) => string | null>();
  const decimal = new Map<string, (i: number) => number | bigint | null>();
  for (const c of WHOLESALE_RESULT_COLUMNS) {
    const v = columns.getChild(c);
    if (!v || c === 'time') continue;
    if (c === 'quantity' || c === 'price' || c === 'amount') decimal.set(c, decimalCells(v));
    else text.set(c, textCells(v));
  }
  const timeVector = columns.getChild('time');
  const timeOf = timeVector ? timestampCells(timeVector) : none;
  const times = new Map<number, string>();
  return {
    cell: (i, column) => (text.get(column) ?? none)(i),
    row(i) {
      const row = {} as WholesaleResultRow;
      for (const c of WHOLESALE_RESULT_COLUMNS) {
        if (c === 'time') {
          const t = timeOf(i);
          let s = t === null ? '' : times.get(t);
          if (s === undefined) times.set(t as number, (s = formatInstant(t as number)));
          row[c] = s;
        } else if (c === 'quantity' || c === 'price' || c === 'amount') {
          const v = (decimal.get(c) ?? none)(i);
          row[c] = v === null ? '' : c === 'quantity' ? formatScaled(Number(v), 3) : bigMicro(v);
        } else row[c] = (text.get(c) ?? none)(i) ?? '';
      }
      return row;
    },
  };
}

/** Reads a `wholesale_results.parquet` (bytes) back into CSV-shaped rows (tests, small outputs). */
export function wholesaleRowsFromParquet(
  bytes: Uint8Array,
  keep?: (cell: (column: string) => string | null) => boolean,
): WholesaleResultRow[] {
  const table = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  const rows: WholesaleResultRow[] = [];
  for (const batch of table.batches) {
    const reader = wholesaleRowReader(batch);
    for (let i = 0; i < batch.numRows; i++) {
      if (keep && !keep((column) => reader.cell(i, column))) continue;
      rows.push(reader.row(i));
    }
  }
  return rows;
}

/** Both files under `outDir`, each written under a temporary name and renamed into place. */
export async function writeWholesaleResults(r: WholesaleResults, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const out: string[] = [];
  for (const [name, data] of [
    [WHOLESALE_RESULTS_FILES.csv, wholesaleCsv(r)],
    [WHOLESALE_RESULTS_FILES.parquet, parquetBytes(wholesaleTable(r))],
  ] as const) {
    const tmp = join(outDir, `.${name}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, join(outDir, name));
      out.push(join(outDir, name));
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return out;
}
