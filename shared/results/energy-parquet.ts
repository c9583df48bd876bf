import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { formatQualities, QBIT_ACTIVE, QUALITIES } from '../domain/codes';
import { decimalCells, qualityMaskCells, textCells, timestampCells } from './arrow-cells';
import { formatScaled } from '../decimal/scaled';
import { formatInstant } from '../domain/time';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from './energy-result-row';
import {
  decimal3Column,
  dictionaryColumn,
  tableOf,
  timestampColumn,
  writeParquetFile,
} from '../basis-data/parquet/arrow-io';
import type { EnergyResults, SeriesMeta } from './energy-results';

const utf8 = new TextEncoder();

/** List<Utf8> of quality names per row, built from masks without per-row arrays of strings. */
function qualitiesColumn(rowMasks: Uint8Array): arrow.Data<arrow.List<arrow.Utf8>> {
  const names = QUALITIES.map((q) => utf8.encode(q));
  let items = 0;
  let bytes = 0;
  for (const m of rowMasks)
    for (let q = 0; q < names.length; q++)
      if (m & (1 << q)) {
        items++;
        bytes += names[q].length;
      }
  const listOffsets = new Int32Array(rowMasks.length + 1);
  const strOffsets = new Int32Array(items + 1);
  const data = new Uint8Array(bytes);
  let item = 0;
  let pos = 0;
  rowMasks.forEach((m, r) => {
    for (let q = 0; q < names.length; q++) {
      if (!(m & (1 << q))) continue;
      data.set(names[q], pos);
      pos += names[q].length;
      strOffsets[++item] = pos;
    }
    listOffsets[r + 1] = item;
  });
  const child = arrow.makeData({ type: new arrow.Utf8(), length: items, valueOffsets: strOffsets, data });
  return arrow.makeData({
    type: new arrow.List(new arrow.Field('item', new arrow.Utf8(), false)),
    length: rowMasks.length,
    valueOffsets: listOffsets,
    child,
  });
}

/** `energy_results.parquet`: same columns as the CSV; strings dictionary-encoded, DECIMAL(18,3), UTC timestamps. */
export function energyResultsTable(r: EnergyResults): arrow.Table {
  let rows = 0;
  for (const m of r.masks) for (let s = 0; s < m.length; s++) if (m[s] & QBIT_ACTIVE) rows++;
  const seriesOfRow = new Int32Array(rows);
  const time = new Float64Array(rows);
  const quantity = new Float64Array(rows);
  const masks = new Uint8Array(rows);
  let k = 0;
  r.masks.forEach((m, i) => {
    const v = r.values[i];
    for (let s = 0; s < m.length; s++) {
      if (!(m[s] & QBIT_ACTIVE)) continue;
      seriesOfRow[k] = i;
      time[k] = r.periodStart + s * r.slotMs;
      quantity[k] = v[s];
      masks[k] = m[s];
      k++;
    }
  });
  const perSeries = (f: (m: SeriesMeta) => string | null) => {
    const dict: string[] = [];
    const index = new Map<string, number>();
    const codeOfSeries = r.series.map((m) => {
      const s = f(m);
      if (s === null) return -1;
      let c = index.get(s);
      if (c === undefined) index.set(s, (c = dict.push(s) - 1));
      return c;
    });
    return dictionaryColumn(
      Int32Array.from(seriesOfRow, (i) => codeOfSeries[i]),
      dict,
    );
  };
  const constant = (s: string) => dictionaryColumn(new Int32Array(rows), [s]);
  return tableOf({
    calculation_id: constant(r.calculationId),
    calculation_type: constant(r.calculationType),
    time_series_type: perSeries((m) => m.timeSeriesType),
    aggregation_level: perSeries((m) => m.aggregationLevel),
    grid_area_code: perSeries((m) => m.gridAreaCode),
    neighbor_grid_area_code: perSeries((m) => m.neighborGridAreaCode),
    energy_supplier_id: perSeries((m) => m.energySupplierId),
    balance_responsible_party_id: perSeries((m) => m.balanceResponsiblePartyId),
    metering_point_id: perSeries((m) => m.meteringPointId),
    time: timestampColumn(time),
    resolution: constant(r.resolution),
    quantity: decimal3Column(quantity),
    quantity_qualities: qualitiesColumn(masks),
    result_id: perSeries((m) => m.resultId),
  });
}

export async function writeEnergyResultsParquet(r: EnergyResults, path: string): Promise<void> {
  await writeParquetFile(path, energyResultsTable(r));
}

/** Arrow columns by name: a whole table or one record batch of it. */
export interface ArrowColumns {
  getChild(name: string): arrow.Vector | null;
}

/**
 * Reads rows of an energy results table (or record batch) by index: `cell` gives one column's
 * text straight from the Arrow vectors, so a filter decides before any row object exists; `row`
 * builds the CSV-shaped row.
 */
export interface ResultRowReader<Row> {
  cell(i: number, column: string): string | null;
  row(i: number): Row;
}

export function energyRowReader(columns: ArrowColumns): ResultRowReader<EnergyResultRow> {
  const vector = (c: string) => columns.getChild(c);
  const text = new Map<string, (i: number) => string | null>();
  for (const c of ENERGY_RESULT_COLUMNS) {
    const v = vector(c);
    if (v && c !== 'time' && c !== 'quantity' && c !== 'quantity_qualities') text.set(c, textCells(v));
  }
  const none = () => null;
  const timeOf = vector('time') ? timestampCells(vector('time') as arrow.Vector) : none;
  const quantityOf = vector('quantity') ? decimalCells(vector('quantity') as arrow.Vector) : none;
  const maskOf = vector('quantity_qualities') ? qualityMaskCells(vector('quantity_qualities') as arrow.Vector) : none;
  // a batch repeats few instants and quality sets: formatted once each
  const times = new Map<number, string>();
  const qualityText = new Map<number, string>();
  return {
    cell: (i, column) => (text.get(column) ?? none)(i),
    row(i) {
      const row = {} as EnergyResultRow;
      for (const c of ENERGY_RESULT_COLUMNS) {
        if (c === 'time') {
          const t = timeOf(i);
          let s = t === null ? '' : times.get(t);
          if (s === undefined) times.set(t as number, (s = formatInstant(t as number)));
          row[c] = s;
        } else if (c === 'quantity') {
          const q = quantityOf(i);
          row[c] = q === null ? '' : formatScaled(Number(q), 3);
        } else if (c === 'quantity_qualities') {
          const m = maskOf(i);
          let s = m === null ? '' : qualityText.get(m);
          if (s === undefined) qualityText.set(m as number, (s = formatQualities(m as number)));
          row[c] = s;
        } else row[c] = (text.get(c) ?? none)(i) ?? '';
      }
      return row;
    },
  };
}

/**
 * Reads an `energy_results.parquet` (bytes) back into CSV-shaped rows (tests, small outputs; the
 * results API streams with shared/results/result-stream.ts). `keep` sees a row's cells straight
 * from the Arrow columns and decides before the row object is built.
 */
export function energyResultRowsFromParquet(
  bytes: Uint8Array,
  keep?: (cell: (column: string) => string | null) => boolean,
): EnergyResultRow[] {
  const table = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  const rows: EnergyResultRow[] = [];
  for (const batch of table.batches) {
    const reader = energyRowReader(batch);
    for (let i = 0; i < batch.numRows; i++) {
      if (keep && !keep((column) => reader.cell(i, column))) continue;
      rows.push(reader.row(i));
    }
  }
  return rows;
}
