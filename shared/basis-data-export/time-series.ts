/**
 * The time series files of a basis data export, pivoted per metering point per local
 * (Europe/Copenhagen) day as in the DH2 settlement basis (opengeh-wholesale §2.7):
 * `METERINGPOINTID;TYPEOFMP;STARTDATETIME;ENERGYQUANTITY1..N`.
 *
 * One file per resolution — N is the most slots a local day can have (the 25-hour autumn DST
 * day: 100 quarters, 25 hours), and the row carries no resolution, so a PT15M row with 25
 * values and a PT1H row could not be told apart in one file. The 2022 DataHub implementation
 * split them the same way (time_series_quarter / time_series_hour).
 *
 * Points are scattered from the columnar source batches into dense per-(series, day, slot)
 * typed-array cells — no object per point — for a window of local days at a time, then written
 * as bytes. Rows are ordered by STARTDATETIME, then METERINGPOINTID, then TYPEOFMP, so the
 * output does not depend on the window size.
 */
import { Q_MISSING, RESOLUTION_MS, type Resolution } from '../domain/codes';
import { localMidnight, localParts } from '../domain/local-time';
import { ValidationError } from '../basis-data/errors';
import { DAY_MS, formatInstant } from '../domain/time';
import type { BasisDataSource, TimeSeriesBatch } from '../basis-data/types';
import { ensureRegistrations, storePoint, type Cells } from '../basis-data/point-cells';
import { InvariantError } from '../domain/errors';
import { ByteWriter } from './byte-writer';
import { compareIds, csvField, type ExportPeriod } from './master-basis-data';

// Module-local copy: an imported binding can compile to a getter call, which must stay out of the hot loop.
const DAY = DAY_MS;

/** The longest local day (autumn DST change) in milliseconds. */
const LONGEST_DAY_MS = 25 * 3_600_000;

export const TIME_SERIES_FILES: ReadonlyArray<{ resolution: Resolution; name: string; columns: number }> = [
  { resolution: 'PT15M', name: 'time_series_quarter.csv', columns: LONGEST_DAY_MS / RESOLUTION_MS.PT15M },
  { resolution: 'PT1H', name: 'time_series_hour.csv', columns: LONGEST_DAY_MS / RESOLUTION_MS.PT1H },
];

export function timeSeriesHeader(columns: number): string {
  const cols = ['METERINGPOINTID', 'TYPEOFMP', 'STARTDATETIME'];
  for (let i = 1; i <= columns; i++) cols.push(`ENERGYQUANTITY${i}`);
  return cols.join(';');
}

/**
 * UTC instants of the local midnights from the one starting the local day of `from` up to the
 * first at or after `to`: day d is `[starts[d], starts[d + 1])`, 23, 24 or 25 hours long.
 */
export function localDayStarts(from: number, to: number): Float64Array {
  const p = localParts(from);
  const starts: number[] = [];
  for (let i = 0; ; i++) {
    const s = localMidnight(p.year, p.month, p.day + i);
    starts.push(s);
    if (s >= to) break;
  }
  return Float64Array.from(starts);
}

export interface TimeSeriesCsv {
  name: string;
  resolution: Resolution;
  csv: Buffer;
  rows: number;
}

/**
 * A row series: one metering point with one type and resolution. Two periods of the same
 * metering point on the same local day (a master data change not at midnight) share a row when
 * type and resolution agree; otherwise each gets its own row (or file).
 */
interface Series {
  id: string;
  type: string;
  file: number;
  columns: number;
  /** Clipped periods `[from, to)` of this series. */
  ranges: Array<[number, number]>;
}

/** Typed-array layout the scatter kernel works on (a window of local days). */
interface Layout {
  mpFirstPeriod: Int32Array;
  mpPeriodCount: Int32Array;
  pFrom: Float64Array;
  pTo: Float64Array;
  pStep: Float64Array;
  pSeries: Int32Array;
  /** First cell of series s (for day 0 of the window); its day d starts at `+ d * columns[s]`. */
  seriesBase: Float64Array;
  seriesColumns: Int32Array;
  dayStarts: Float64Array;
  asOf: number;
}

export async function buildTimeSeriesCsvs(
  source: BasisDataSource,
  selected: readonly ExportPeriod[],
  request: { periodStart: number; periodEnd: number; asOf: number },
  windowDays: number,
): Promise<TimeSeriesCsv[]> {
  const writers = TIME_SERIES_FILES.map((f) => {
    const w = new ByteWriter();
    w.text(timeSeriesHeader(f.columns) + '\n');
    return w;
  });
  const rows = TIME_SERIES_FILES.map(() => 0);
  const result = (): TimeSeriesCsv[] =>
    TIME_SERIES_FILES.map((f, i) => ({
      name: f.name,
      resolution: f.resolution,
      csv: writers[i].bytes(),
      rows: rows[i],
    }));
  if (selected.length === 0) return result();

  // Dictionary over the selected metering points only, so the source drops everything else
  // (-1) before it reaches the kernel. `selected` is sorted by id, so indexes follow id order.
  const dictionary = new Map<string, number>();
  for (const s of selected)
    if (!dictionary.has(s.period.meteringPointId)) dictionary.set(s.period.meteringPointId, dictionary.size);

  const seriesIndex = new Map<string, number>();
  const series: Series[] = [];
  const periodSeries: number[] = [];
  for (const { period: p, from, to } of selected) {
    const key = `${p.meteringPointId}|${p.type}|${p.resolution}`;
    let s = seriesIndex.get(key);
    if (s === undefined) {
      const file = TIME_SERIES_FILES.findIndex((f) => f.resolution === p.resolution);
      // every resolution a period can have has a file (Resolution is PT15M | PT1H)
      if (file < 0) throw new InvariantError(`no time series file for resolution ${p.resolution}`);
      s = series.length;
      seriesIndex.set(key, s);
      series.push({
        id: csvField(p.meteringPointId),
        type: csvField(p.type),
        file,
        columns: TIME_SERIES_FILES[file].columns,
        ranges: [],
      });
    }
    series[s].ranges.push([from, to]);
    periodSeries.push(s);
  }
  // Output order within a day: metering point id, then type (then file, irrelevant per file).
  const order = series
    .map((_, i) => i)
    .sort((a, b) => compareIds(series[a].id, series[b].id) || compareIds(series[a].type, series[b].type));

  const nMp = dictionary.size;
  const nPeriods = selected.length;
  const mpFirstPeriod = new Int32Array(nMp).fill(-1);
  const mpPeriodCount = new Int32Array(nMp);
  const pFrom = new Float64Array(nPeriods);
  const pTo = new Float64Array(nPeriods);
  const pStep = new Float64Array(nPeriods);
  const pSeries = new Int32Array(nPeriods);
  selected.forEach(({ period: p, from, to }, i) => {
    const mp = dictionary.get(p.meteringPointId) as number;
    if (mpFirstPeriod[mp] < 0) mpFirstPeriod[mp] = i;
    mpPeriodCount[mp]++;
    pFrom[i] = from;
    pTo[i] = to;
    pStep[i] = RESOLUTION_MS[p.resolution];
    pSeries[i] = periodSeries[i];
  });

  const seriesColumns = Int32Array.from(series, (s) => s.columns);
  const seriesBase = new Float64Array(series.length);
  let nCells = 0;
  for (let s = 0; s < series.length; s++) {
    seriesBase[s] = nCells;
    nCells += seriesColumns[s] * windowDays;
  }
  const cells: Cells = {
    qty: new Float64Array(nCells),
    qual: new Uint8Array(nCells),
    reg: source.byRegistrationTime === true ? new Float64Array(nCells) : null,
  };

  const { periodStart, periodEnd, asOf } = request;
  const dayStarts = localDayStarts(periodStart, periodEnd);
  const nDays = dayStarts.length - 1;
  for (let w0 = 0; w0 < nDays; w0 += windowDays) {
    const w1 = Math.min(nDays, w0 + windowDays);
    const from = Math.max(dayStarts[w0], periodStart);
    const to = Math.min(dayStarts[w1], periodEnd);
    cells.qual.fill(0);
    cells.reg?.fill(0);
    const layout: Layout = {
      mpFirstPeriod,
      mpPeriodCount,
      pFrom,
      pTo,
      pStep,
      pSeries,
      seriesBase,
      seriesColumns,
      dayStarts,
      asOf,
    };
    await source.forEachTimeSeriesBatch(dictionary, { from, to }, (batch) => {
      if (batch.registration) ensureRegistrations(cells);
      scatterWindow(layout, cells, batch, w0, w1, from, to);
    });

    for (let d = w0; d < w1; d++) {
      const dayFrom = dayStarts[d];
      const dayTo = dayStarts[d + 1];
      const start = formatInstant(dayFrom);
      for (const s of order) {
        const sr = series[s];
        // A row for every local day the metering point is in the basis data, points or not,
        // so the file reconciles with the master data and a day without readings is visible.
        if (!overlaps(sr.ranges, dayFrom, dayTo)) continue;
        const w = writers[sr.file];
        w.text(sr.id);
        w.byte(0x3b);
        w.text(sr.type);
        w.byte(0x3b);
        w.text(start);
        writeCells(w, cells, seriesBase[s] + (d - w0) * sr.columns, sr.columns);
        w.byte(0x0a);
        rows[sr.file]++;
      }
    }
  }
  return result();
}

function overlaps(ranges: ReadonlyArray<[number, number]>, from: number, to: number): boolean {
  for (const [f, t] of ranges) if (f < to && t > from) return true;
  return false;
}

/** Cell code of a point with quality `missing`: written as an empty cell, like no point at all. */
const CELL_MISSING = Q_MISSING + 1;

function writeCells(w: ByteWriter, cells: Cells, first: number, columns: number): void {
  const { qty, qual } = cells;
  for (let k = first, end = first + columns; k < end; k++) {
    w.byte(0x3b);
    // Empty where there is no point, and where the point is `missing`: its quantity is unknown
    // (the source coalesced a null to 0), and the calculation treats an absent point as missing.
    if (qual[k] > CELL_MISSING) w.milli(qty[k]);
  }
}

/**
 * Scatters one batch into the window's cells. Same rules as the energy engine's scatter
 * (shared/calculation/energy/kernels.ts) so the export shows exactly the readings the job used:
 * points outside the selected periods are skipped, points must be aligned to the resolution,
 * and per slot the as-of pick of shared/basis-data/point-cells.ts (newest registration at or
 * before `asOf`, ties settled by content; a duplicate only for a source without registration
 * times).
 */
function scatterWindow(
  L: Layout,
  cells: Cells,
  b: TimeSeriesBatch,
  w0: number,
  w1: number,
  winFrom: number,
  winTo: number,
): void {
  const { mpFirstPeriod, mpPeriodCount, pFrom, pTo, pStep, pSeries, seriesBase, seriesColumns, dayStarts, asOf } = L;
  const nMp = mpFirstPeriod.length;
  const mpCol = b.mp;
  const timeCol = b.time;
  const dayFirst = dayStarts[w0];
  for (let i = 0, n = b.length; i < n; i++) {
    const mp = mpCol[i];
    if (mp < 0 || mp >= nMp) continue;
    const count = mpPeriodCount[mp];
    if (count === 0) continue;
    const t = timeCol[i];
    if (t < winFrom || t >= winTo) continue; // another window's point (sources filter by partition only)
    let p = mpFirstPeriod[mp];
    const last = p + count;
    while (p < last && !(t >= pFrom[p] && t < pTo[p])) p++;
    if (p === last) continue;
    // Local day of t: days are 23-25 h, so the 24 h estimate is off by at most one.
    let d = w0 + Math.floor((t - dayFirst) / DAY);
    if (d >= w1) d = w1 - 1;
    while (t < dayStarts[d]) d--;
    while (t >= dayStarts[d + 1]) d++;
    const step = pStep[p];
    const offset = t - dayStarts[d];
    // Local midnights are whole UTC hours, so this is alignment to the resolution in UTC.
    if (offset % step !== 0) {
      throw new ValidationError(
        b.file,
        b.firstRow + i,
        'observation_time',
        `${formatInstant(t)} is not aligned to the metering point's resolution (${step / 60000} minutes)`,
      );
    }
    const s = pSeries[p];
    const cell = seriesBase[s] + (d - w0) * seriesColumns[s] + offset / step;
    storePoint(cells, cell, b, i, t, asOf);
  }
}
