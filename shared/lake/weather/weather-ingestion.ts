/**
 * Weather per region (source C, issue 15): one hourly run fetches Open-Meteo's current weather
 * and 7-day hourly forecast for every region and writes
 *
 * ```
 * raw/open_meteo/day=D/hour=HH/{region}.json                         the responses as received
 * curated/weather_current/date=D/hour=HH/part-0.parquet               one row per region (observed_at, values)
 * curated/weather_forecast/date=D/issued_hour=HH/part-0.parquet       one row per region × forecast hour
 * operational/weather_daily/date=D/part-0.parquet                     per region: Σ and count per variable over D's hours
 * operational/weather_rolling/date=D/part-0.parquet                   per region × window (7, 30 days): averages
 * ```
 *
 * D and HH are the run's (UTC) day and hour, so a re-run of an hour replaces exactly that hour's
 * partitions. All regions are fetched before anything is written: an hour is stored for all
 * regions or not at all. Values are integers in thousandths (Decimal(18,3)); the daily sums are
 * exact integers, and an average is Σ / count rounded HALF_UP (ties away from zero) to 0.01
 * (Decimal(18,2)) once, at the end — never an average of rounded averages. A rolling window
 * averages every hourly observation in its days (not the days' means), so a day with fewer
 * observations weighs less; `days_with_data` says how many of the window's days had any.
 */
import * as arrow from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parquetBytes, stringColumn, tableOf, timestampColumn } from '../../basis-data/parquet/arrow-io';
import { SourceRegistryError } from '../errors';
import type { PartitionStore } from '../partition-store';
import { parquetToTable } from '../records';
import { LAKE_NAME_RE, addDays, curatedPath, dayOf, operationalPath, rawPath } from '../zones';
import {
  WEATHER_VARIABLES,
  fetchRegionWeather,
  type RegionWeather,
  type WeatherRegion,
  type WeatherVariable,
} from './open-meteo';

export const WEATHER_SOURCE = 'open_meteo';
export const DATASETS = {
  current: 'weather_current',
  forecast: 'weather_forecast',
  daily: 'weather_daily',
  rolling: 'weather_rolling',
} as const;
/** Hourly at minute 5 (Open-Meteo refreshes `current` every 15 minutes; the hour's value is there by then). */
export const WEATHER_SCHEDULE = '0 5 * * * *';
export const ROLLING_WINDOWS = [7, 30] as const;

export const DEFAULT_REGIONS_FILE = join(__dirname, 'regions.json');

const regionsSchema = z
  .object({
    regions: z
      .array(
        z
          .object({
            id: z.string().regex(LAKE_NAME_RE, `must match ${LAKE_NAME_RE.source}`),
            name: z.string().min(1),
            priceArea: z.enum(['DK1', 'DK2']).optional(),
            latitude: z.number().min(-90).max(90),
            longitude: z.number().min(-180).max(180),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export function loadWeatherRegions(file: string = DEFAULT_REGIONS_FILE): WeatherRegion[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SourceRegistryError(file, [`(file): ${(e as Error).message}`]);
  }
  const r = regionsSchema.safeParse(doc);
  if (!r.success)
    throw new SourceRegistryError(
      file,
      r.error.issues.map(
        (i) =>
          `${i.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '')}: ${i.message}`,
      ),
    );
  const ids = new Set<string>();
  for (const [i, reg] of r.data.regions.entries()) {
    if (ids.has(reg.id)) throw new SourceRegistryError(file, [`regions[${i}].id: duplicate region ${reg.id}`]);
    ids.add(reg.id);
  }
  return r.data.regions;
}

export interface WeatherDeps {
  partitions: PartitionStore;
  openMeteoUrl: string;
  sleep: (ms: number) => Promise<void>;
  retry?: { attempts: number; backoffMs: number; timeoutMs: number };
}

// ---- decimals in Arrow

/** Decimal128(18, scale) column from integers scaled by 10^scale (two's complement words); NaN = null. */
function decimalColumn(scaledValues: Float64Array, scale: number): arrow.Data<arrow.Decimal> {
  const n = scaledValues.length;
  const words = new Uint32Array(n * 4);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const v = scaledValues[i];
    if (Number.isNaN(v)) {
      nullBitmap ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      nullBitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
      continue;
    }
    const big = BigInt.asUintN(128, BigInt(v));
    for (let w = 0; w < 4; w++) words[i * 4 + w] = Number((big >> BigInt(32 * w)) & 0xffffffffn);
  }
  return arrow.makeData({ type: new arrow.Decimal(scale, 18, 128), length: n, data: words, nullBitmap, nullCount });
}

/** A Decimal128 column's values as scaled integers (exact below 2^53); null → NaN. */
function decimalValues(col: arrow.Vector | null, field: string): Float64Array {
  if (!col) throw new Error(`column ${field} missing`);
  const out = new Float64Array(col.length);
  let offset = 0;
  for (const data of col.data) {
    const words = data.values as Uint32Array;
    for (let i = 0; i < data.length; i++) {
      if (!data.getValid(i)) {
        out[offset + i] = NaN;
        continue;
      }
      const lo = words[(data.offset + i) * 4];
      const hi = words[(data.offset + i) * 4 + 1] | 0; // signed high word (values stay below 2^53)
      out[offset + i] = hi * 0x1_0000_0000 + lo;
    }
    offset += data.length;
  }
  return out;
}

/** Σ / n rounded HALF_UP (ties away from zero) from thousandths to hundredths, exactly (BigInt). */
export function averageToCenti(sumMilli: number, n: number): number {
  const num = BigInt(sumMilli);
  const den = BigInt(n) * 10n; // milli → centi is a further ÷10
  const neg = num < 0n;
  const abs = neg ? -num : num;
  const q = (2n * abs + den) / (2n * den);
  return Number(neg ? -q : q);
}

// ---- the hourly run

export interface WeatherHourResult {
  day: string;
  hour: number;
  regions: number;
  forecastRows: number;
}

export async function ingestWeatherHour(
  deps: WeatherDeps,
  regions: WeatherRegion[],
  at: Date,
): Promise<WeatherHourResult> {
  const day = dayOf(at.getTime());
  const hour = at.getUTCHours();
  const hh = String(hour).padStart(2, '0');
  const retry = deps.retry ?? { attempts: 3, backoffMs: 2_000, timeoutMs: 30_000 };
  // everything first: a region that fails leaves the whole hour unwritten (retried by the next tick or a re-run)
  const fetched: RegionWeather[] = [];
  for (const region of regions)
    fetched.push(await fetchRegionWeather(deps.openMeteoUrl, region, { ...retry, sleep: deps.sleep }));

  await deps.partitions.replace(
    rawPath(WEATHER_SOURCE, day, hour),
    fetched.map((w) => ({ name: `${w.region}.json`, bytes: w.body, contentType: 'application/json' })),
    { regions: fetched.length },
  );

  const cur: Record<string, arrow.Data> = {
    region: stringColumn(fetched.map((w) => w.region)),
    observed_at: timestampColumn(Float64Array.from(fetched, (w) => w.current.time)),
  };
  for (const v of WEATHER_VARIABLES)
    cur[v] = decimalColumn(
      Float64Array.from(fetched, (w) => w.current.values[v] ?? NaN),
      3,
    );
  await deps.partitions.replace(curatedPath(DATASETS.current, day, [['hour', hh]]), [
    { name: 'part-0.parquet', bytes: parquetBytes(tableOf(cur)) },
  ]);

  const rows = fetched.reduce((n, w) => n + w.hourly.time.length, 0);
  const regionCol: string[] = [];
  const time = new Float64Array(rows);
  const vals = Object.fromEntries(WEATHER_VARIABLES.map((v) => [v, new Float64Array(rows)])) as Record<
    WeatherVariable,
    Float64Array
  >;
  let r = 0;
  for (const w of fetched) {
    time.set(w.hourly.time, r);
    for (const v of WEATHER_VARIABLES) vals[v].set(w.hourly.values[v], r);
    for (let i = 0; i < w.hourly.time.length; i++) regionCol.push(w.region);
    r += w.hourly.time.length;
  }
  const fc: Record<string, arrow.Data> = {
    region: stringColumn(regionCol),
    issued_at: timestampColumn(new Float64Array(rows).fill(Date.parse(`${day}T${hh}:00:00Z`))),
    time: timestampColumn(time),
  };
  for (const v of WEATHER_VARIABLES) fc[v] = decimalColumn(vals[v], 3);
  await deps.partitions.replace(curatedPath(DATASETS.forecast, day, [['issued_hour', hh]]), [
    { name: 'part-0.parquet', bytes: parquetBytes(tableOf(fc)) },
  ]);

  await refreshDaily(deps, day);
  await refreshRolling(deps, day);
  return { day, hour, regions: fetched.length, forecastRows: rows };
}

interface DailyAgg {
  sums: Record<WeatherVariable, number>;
  counts: Record<WeatherVariable, number>;
}
const emptyAgg = (): DailyAgg => ({
  sums: Object.fromEntries(WEATHER_VARIABLES.map((v) => [v, 0])) as Record<WeatherVariable, number>,
  counts: Object.fromEntries(WEATHER_VARIABLES.map((v) => [v, 0])) as Record<WeatherVariable, number>,
});

/** operational/weather_daily/date=D from every curated hour of D (≤ 24 small files). */
export async function refreshDaily(deps: Pick<WeatherDeps, 'partitions'>, day: string): Promise<void> {
  const byRegion = new Map<string, DailyAgg>();
  for (const p of await deps.partitions.partitions(`${curatedPath(DATASETS.current, day)}/`)) {
    const read = await deps.partitions.read(p);
    if (!read) continue;
    const t = parquetToTable(read.files.get('part-0.parquet') as Buffer);
    const regions = t.getChild('region')?.toArray() as string[];
    for (const v of WEATHER_VARIABLES) {
      const values = decimalValues(t.getChild(v), v);
      for (let i = 0; i < values.length; i++) {
        if (Number.isNaN(values[i])) continue;
        let agg = byRegion.get(regions[i]);
        if (!agg) byRegion.set(regions[i], (agg = emptyAgg()));
        agg.sums[v] += values[i];
        agg.counts[v]++;
      }
    }
  }
  const ids = [...byRegion.keys()].sort();
  if (ids.length === 0) return;
  const cols: Record<string, arrow.Data> = { region: stringColumn(ids) };
  for (const v of WEATHER_VARIABLES) {
    cols[`${v}_sum`] = decimalColumn(
      Float64Array.from(ids, (id) => (byRegion.get(id) as DailyAgg).sums[v]),
      3,
    );
    cols[`${v}_count`] = arrow.vectorFromArray(
      Int32Array.from(ids, (id) => (byRegion.get(id) as DailyAgg).counts[v]),
    ).data[0];
  }
  await deps.partitions.replace(operationalPath(DATASETS.daily, day), [
    { name: 'part-0.parquet', bytes: parquetBytes(tableOf(cols)) },
  ]);
}

/** operational/weather_rolling/date=D: per region and window, the averages over D−w+1 … D. */
export async function refreshRolling(deps: Pick<WeatherDeps, 'partitions'>, day: string): Promise<void> {
  const longest = Math.max(...ROLLING_WINDOWS);
  // per day offset (0 = D) and region: the daily sums
  const days: Array<Map<string, DailyAgg>> = [];
  for (let back = 0; back < longest; back++) {
    const read = await deps.partitions.read(operationalPath(DATASETS.daily, addDays(day, -back)));
    const m = new Map<string, DailyAgg>();
    if (read) {
      const t = parquetToTable(read.files.get('part-0.parquet') as Buffer);
      const regions = t.getChild('region')?.toArray() as string[];
      regions.forEach((id) => m.set(id, emptyAgg()));
      for (const v of WEATHER_VARIABLES) {
        const sums = decimalValues(t.getChild(`${v}_sum`), `${v}_sum`);
        const counts = t.getChild(`${v}_count`)?.toArray() as Int32Array;
        regions.forEach((id, i) => {
          const agg = m.get(id) as DailyAgg;
          agg.sums[v] = sums[i];
          agg.counts[v] = counts[i];
        });
      }
    }
    days.push(m);
  }
  const regionIds = [...new Set(days.flatMap((m) => [...m.keys()]))].sort();
  const region: string[] = [];
  const windowDays: number[] = [];
  const fromDay: string[] = [];
  const withData: number[] = [];
  const avgs = Object.fromEntries(WEATHER_VARIABLES.map((v) => [v, [] as number[]])) as Record<
    WeatherVariable,
    number[]
  >;
  const counts = Object.fromEntries(WEATHER_VARIABLES.map((v) => [v, [] as number[]])) as Record<
    WeatherVariable,
    number[]
  >;
  for (const id of regionIds)
    for (const w of ROLLING_WINDOWS) {
      region.push(id);
      windowDays.push(w);
      fromDay.push(addDays(day, -(w - 1)));
      withData.push(days.slice(0, w).filter((m) => m.has(id)).length);
      for (const v of WEATHER_VARIABLES) {
        let sum = 0;
        let n = 0;
        for (const m of days.slice(0, w)) {
          const agg = m.get(id);
          if (agg) {
            sum += agg.sums[v];
            n += agg.counts[v];
          }
        }
        avgs[v].push(n === 0 ? NaN : averageToCenti(sum, n));
        counts[v].push(n);
      }
    }
  if (region.length === 0) return;
  const cols: Record<string, arrow.Data> = {
    region: stringColumn(region),
    window_days: arrow.vectorFromArray(Int32Array.from(windowDays)).data[0],
    from_day: stringColumn(fromDay),
    to_day: stringColumn(region.map(() => day)),
    days_with_data: arrow.vectorFromArray(Int32Array.from(withData)).data[0],
  };
  for (const v of WEATHER_VARIABLES) {
    cols[`${v}_avg`] = decimalColumn(Float64Array.from(avgs[v]), 2);
    cols[`${v}_observations`] = arrow.vectorFromArray(Int32Array.from(counts[v])).data[0];
  }
  await deps.partitions.replace(operationalPath(DATASETS.rolling, day), [
    { name: 'part-0.parquet', bytes: parquetBytes(tableOf(cols)) },
  ]);
}

/** Reads a Decimal(18, s) column as decimal text (for tests and serving). */
export function decimalTexts(col: arrow.Vector | null, scale: number, field: string): Array<string | null> {
  const values = decimalValues(col, field);
  return Array.from(values, (v) => {
    if (Number.isNaN(v)) return null;
    const neg = v < 0;
    const s = String(Math.abs(v)).padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  });
}
