/**
 * Synthetic data of the series benchmark (bench/series.ts), deterministic:
 * - a Parquet body of generic series points (PT15M, DECIMAL(18,6), one dictionary tag column);
 * - a one-grid-area lake of consumption metering points (mixed PT15M/PT1H, two suppliers) over a
 *   month, written with the lake writer (shared/basis-data/parquet/lake.ts) and cached;
 * - a month of DK1 prices (EUR, DKK; PT15M) and 5-minute CO2 intensities as MarketSeries.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { dictionaryColumn, parquetBytes, tableOf, timestampColumn } from '../shared/basis-data/parquet/arrow-io';
import { writeMeteringPointPeriods, writeTimeSeriesDaySync } from '../shared/basis-data/parquet/lake';
import type { RawMeteringPointPeriod } from '../shared/basis-data/master-data';
import { DAY_MS, QUARTER_MS, formatInstant } from '../shared/domain/time';
import type { MarketSeries } from '../shared/market-data/market-series';

/** Decimal128(18, 6) from values × 10^6. */
function decimal6(v: BigInt64Array): arrow.Data<arrow.Decimal> {
  const lanes = new BigInt64Array(v.length * 2);
  for (let i = 0; i < v.length; i++) {
    lanes[2 * i] = v[i];
    lanes[2 * i + 1] = v[i] < 0n ? -1n : 0n;
  }
  return arrow.makeData({ type: new arrow.Decimal(6, 18, 128), length: v.length, data: new Uint32Array(lanes.buffer) });
}

/** `meters` series of PT15M points from `fromMs` for `days`, as one Parquet body (rows ordered by meter, time). */
export function seriesParquet(meters: number, fromMs: number, days: number): { bytes: Uint8Array; points: number } {
  const per = (days * DAY_MS) / QUARTER_MS;
  const n = meters * per;
  const t = new Float64Array(n);
  const v = new BigInt64Array(n);
  const tag = new Int32Array(n);
  for (let m = 0, k = 0; m < meters; m++)
    for (let s = 0; s < per; s++, k++) {
      t[k] = fromMs + s * QUARTER_MS;
      v[k] = BigInt(((m * 7919 + s * 104729) % 20_000_000) - 1_000_000);
      tag[k] = m;
    }
  const names = Array.from({ length: meters }, (_, m) => `m${m}`);
  return {
    bytes: parquetBytes(tableOf({ time: timestampColumn(t), value: decimal6(v), meter: dictionaryColumn(tag, names) })),
    points: n,
  };
}

export const GRID_AREA = '900';
export const SUPPLIERS = ['5790000000001', '5790000000002'];

/** A cached lake of `mps` consumption metering points of GRID_AREA over [fromMs, fromMs + days). */
export async function gridAreaLake(dir: string, mps: number, fromMs: number, days: number): Promise<string> {
  const lake = join(dir, `lake-${mps}-${formatInstant(fromMs).slice(0, 10)}-${days}`);
  if (existsSync(join(lake, '.complete'))) return lake;
  rmSync(lake, { recursive: true, force: true });
  mkdirSync(lake, { recursive: true });
  const ids = Array.from({ length: mps }, (_, i) => `57131318${String(i).padStart(10, '0')}`);
  const hourly = (m: number) => m % 5 === 0; // a fifth hourly, as in older installations
  const rows: RawMeteringPointPeriod[] = ids.map((id, m) => ({
    metering_point_id: id,
    type: 'E17',
    calculation_type: '',
    settlement_method: 'E02',
    grid_area_code: GRID_AREA,
    resolution: hourly(m) ? 'PT1H' : 'PT15M',
    from_grid_area_code: '',
    to_grid_area_code: '',
    parent_metering_point_id: '',
    energy_supplier_id: SUPPLIERS[m % 2],
    balance_responsible_party_id: '5790000000009',
    from_date: '2020-01-01T00:00:00Z',
    to_date: '',
  }));
  const layout = await writeMeteringPointPeriods(lake, rows);
  const perDay = DAY_MS / QUARTER_MS;
  const cap = mps * perDay;
  const mp = new Int32Array(cap);
  const time = new Float64Array(cap);
  const milli = new Float64Array(cap);
  const quality = new Uint8Array(cap).fill(2);
  for (let d = 0; d < days; d++) {
    const day0 = fromMs + d * DAY_MS;
    let k = 0;
    for (let m = 0; m < mps; m++) {
      const step = hourly(m) ? 4 : 1;
      for (let s = 0; s < perDay; s += step, k++) {
        mp[k] = m;
        time[k] = day0 + s * QUARTER_MS;
        milli[k] = ((m * 31 + s * 17 + d) % 900) * step + 10;
      }
    }
    writeTimeSeriesDaySync(
      lake,
      ids,
      { date: formatInstant(day0).slice(0, 10), length: k, mp, time, quantityMilli: milli, quality },
      layout,
    );
  }
  writeFileSync(join(lake, '.complete'), '');
  return lake;
}

/** PT15M prices (EUR, DKK) and 5-minute CO2 intensities for DK1 over [fromMs, toMs). */
export function marketMonth(fromMs: number, toMs: number): MarketSeries[] {
  const series = (
    kind: MarketSeries['kind'],
    unit: string,
    minutes: number,
    f: (i: number) => bigint,
  ): MarketSeries => {
    const n = (toMs - fromMs) / (minutes * 60_000);
    return {
      source: 'energidataservice',
      area: 'DK1',
      kind,
      unit,
      startMs: Float64Array.from({ length: n }, (_, i) => fromMs + i * minutes * 60_000),
      minutes: new Int32Array(n).fill(minutes),
      value: BigInt64Array.from({ length: n }, (_, i) => f(i)),
    };
  };
  return [
    series('day_ahead_price', 'EUR/MWh', 15, (i) => BigInt(((i * 7919) % 200_000_000) - 20_000_000)),
    series('day_ahead_price', 'DKK/MWh', 15, (i) => BigInt(((i * 7919) % 1_500_000_000) - 150_000_000)),
    series('co2_intensity', 'g/kWh', 5, (i) => BigInt(((i * 104729) % 300_000_000) + 20_000_000)),
  ];
}
