/**
 * Where rows live in the basis-data lake, so a settlement batch (one grid area × some days) reads
 * only its share (issue 11):
 *
 * - `time_series_points/grid_area=GGG/observation_date=YYYY-MM-DD/part-*.parquet`: points of the
 *   metering points whose period covering the point has grid_area_code GGG. Points of exchange
 *   (E20) metering points go to `exchange-*.parquet` files of the same folder, so a neighbouring
 *   grid area reads them without reading the rest of GGG.
 * - `metering_point_periods/grid_area=GGG/part-0.parquet`: periods by grid_area_code, those of
 *   exchange metering points in `exchange-0.parquet` next to it, so a neighbour reads them alone.
 * - `exchange_neighbours/part-0.parquet`: which grid areas own exchange metering points from or to
 *   which (columns grid_area_code, neighbour_grid_area_code; a pair per direction, every time).
 *   Every reader reads this small index to know whose exchange files (master data and time
 *   series) to read, so that cost does not grow with the exchange metering points of the country.
 * - `charge_link_periods/grid_area=GGG/part-0.parquet`: links by the grid area of the linked
 *   metering point's period covering the link's start.
 * - `grid_area=unassigned`: rows of metering points without (valid) lake master data. Such rows
 *   do not take part in a calculation unless integration events give the metering point periods,
 *   so every reader reads them too (they are expected to be empty; bulk ingestion rejects them).
 * - Grid loss metering points and the charge price tables stay whole: they are small next to the
 *   time series (a list of ids; prices per charge, not per metering point).
 *
 * The pre-issue-11 flat layout (`time_series_points/observation_date=…/`, `metering_point_periods/
 * part-0.parquet`, `charge_link_periods/part-0.parquet`) is still read, correctly but unscoped;
 * `npx tsx tools/migrate-lake.ts` rewrites a lake into this layout.
 */
import { GRID_AREA_CODE_RE } from '../../domain/identifiers';
import { INSTANT_HINT, parseInstant } from '../../domain/time';
import { ValidationError } from '../errors';

/** A master-data CSV instant through the one parser (shared/domain/time.ts), naming the column. */
export function rawInstant(text: string, column: string): number {
  const ms = parseInstant(text);
  if (ms === null)
    throw new ValidationError('metering_point_periods', null, column, `'${text.slice(0, 40)}' is not ${INSTANT_HINT}`);
  return ms;
}

export const GRID_AREA_PARTITION = 'grid_area';
/** Partition of rows whose metering point has no (valid) lake period. */
export const UNASSIGNED_GRID_AREA = 'unassigned';
/** Files of exchange metering points (master data and time series) start with this. */
export const EXCHANGE_FILE_PREFIX = 'exchange-';
export const EXCHANGE_TYPE = 'E20';

export const gridAreaFolder = (gridArea: string): string => `${GRID_AREA_PARTITION}=${gridArea}`;

/** The grid-area folder a grid area code is stored under ('unassigned' for an invalid or empty code). */
export function partitionGridArea(code: string | null | undefined): string {
  return code && GRID_AREA_CODE_RE.test(code) ? code : UNASSIGNED_GRID_AREA;
}

/** The attributes of a metering point period that decide where its rows are stored. */
export interface PlacedPeriod {
  meteringPointId: string;
  type: string;
  gridAreaCode: string;
  fromDate: number;
  toDate: number | null;
  /** A child metering point is stored with its parent (it belongs to its parent's grid area). */
  parentMeteringPointId?: string | null;
}

export interface LakePartition {
  gridArea: string;
  exchange: boolean;
}

const UNASSIGNED: LakePartition = { gridArea: UNASSIGNED_GRID_AREA, exchange: false };

/**
 * The metering points' partitions from their lake periods. A point (or link) goes to the grid area
 * of the period covering its time; one outside every period of its metering point goes to the
 * nearest period's grid area (the previous one, else the next), so it stays with the metering
 * point; a metering point without periods goes to 'unassigned'.
 */
export class LakeLayout {
  private readonly byMp = new Map<string, PlacedPeriod[]>();
  private readonly partitions: LakePartition[] = [UNASSIGNED];
  private readonly partitionIndex = new Map<string, number>([[key(UNASSIGNED), 0]]);
  private readonly codeCache = new WeakMap<readonly string[], Int32Array>();

  constructor(periods: Iterable<PlacedPeriod>) {
    for (const p of periods) {
      let list = this.byMp.get(p.meteringPointId);
      if (!list) this.byMp.set(p.meteringPointId, (list = []));
      list.push(p);
    }
    for (const list of this.byMp.values()) list.sort((a, b) => a.fromDate - b.fromDate);
  }

  /** From master-data rows as text (the writers' input); unparsable dates sort first and cover nothing. */
  static fromRaw(
    rows: Iterable<{
      metering_point_id: string;
      type: string;
      grid_area_code: string;
      from_date: string;
      to_date: string;
      parent_metering_point_id?: string;
    }>,
  ): LakeLayout {
    const periods: PlacedPeriod[] = [];
    for (const r of rows)
      periods.push({
        meteringPointId: r.metering_point_id,
        type: r.type,
        gridAreaCode: r.grid_area_code,
        fromDate: rawInstant(r.from_date, 'from_date'),
        toDate: r.to_date === '' ? null : rawInstant(r.to_date, 'to_date'),
        parentMeteringPointId: r.parent_metering_point_id || null,
      });
    return new LakeLayout(periods);
  }

  /** Where a period row itself goes: its grid area's folder, exchange periods in their own file. */
  static periodFile(p: { type: string; gridAreaCode: string }): string {
    const file = p.type === EXCHANGE_TYPE ? `${EXCHANGE_FILE_PREFIX}0.parquet` : 'part-0.parquet';
    return `${gridAreaFolder(partitionGridArea(p.gridAreaCode))}/${file}`;
  }

  /** Where a period row goes in this lake: a child's with its parent (partitionOf), others by periodFile. */
  periodFileOf(p: { meteringPointId: string; type: string; gridAreaCode: string; fromDate: number }): string {
    const part = this.partitionOf(p.meteringPointId, p.fromDate);
    if (part.gridArea !== partitionGridArea(p.gridAreaCode) && !part.exchange)
      return `${gridAreaFolder(part.gridArea)}/part-0.parquet`;
    return LakeLayout.periodFile(p);
  }

  /** The metering point's period at `time` (or nearest), or null without periods. */
  private periodAt(meteringPointId: string, time: number): PlacedPeriod | null {
    const list = this.byMp.get(meteringPointId);
    if (!list) return null;
    let before: PlacedPeriod | null = null;
    for (const p of list) {
      if (!(p.fromDate <= time)) return before ?? p; // also NaN dates: never "covering"
      if (p.toDate === null || time < p.toDate) return p;
      before = p;
    }
    return before;
  }

  partitionOf(meteringPointId: string, time: number): LakePartition {
    const p = this.periodAt(meteringPointId, time);
    if (!p) return UNASSIGNED;
    // a child belongs to its parent's grid area (domain.md): its rows go where its parent's are,
    // so the batch of the parent's grid area reads it, whichever grid areas share the run
    const parent = p.parentMeteringPointId ? this.periodAt(p.parentMeteringPointId, time) : null;
    if (parent) return { gridArea: partitionGridArea(parent.gridAreaCode), exchange: false };
    return { gridArea: partitionGridArea(p.gridAreaCode), exchange: p.type === EXCHANGE_TYPE };
  }

  /** Whether the metering point has any lake period. */
  has(meteringPointId: string): boolean {
    return this.byMp.has(meteringPointId);
  }

  private indexOf(p: LakePartition): number {
    const k = key(p);
    let i = this.partitionIndex.get(k);
    if (i === undefined) {
      i = this.partitions.length;
      this.partitions.push(p);
      this.partitionIndex.set(k, i);
    }
    return i;
  }

  /**
   * Per id of `ids`: its partition index when the metering point has one partition over all its
   * periods (the common case: no per-point lookup), else -1. Cached per ids array.
   */
  private codesFor(ids: readonly string[]): Int32Array {
    let codes = this.codeCache.get(ids);
    if (codes) return codes;
    codes = new Int32Array(ids.length);
    ids.forEach((id, i) => {
      const list = this.byMp.get(id);
      if (!list) return void (codes[i] = 0);
      const first = this.indexOf(this.partitionOf(id, list[0].fromDate));
      codes[i] = list.every((p) => this.indexOf(this.partitionOf(id, p.fromDate)) === first) ? first : -1;
    });
    this.codeCache.set(ids, codes);
    return codes;
  }

  /**
   * Splits rows (`mp` indexes `ids`, `time` epoch ms) by partition: row indexes per partition, in
   * row order. Columnar: one lookup per row only for metering points that change partition.
   */
  split(
    ids: readonly string[],
    mp: Int32Array,
    time: Float64Array,
    length: number,
  ): Array<{ partition: LakePartition; rows: Int32Array }> {
    const codes = this.codesFor(ids);
    const part = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const m = mp[i];
      const c = m < 0 ? 0 : codes[m]; // a null id: unassigned
      part[i] = c >= 0 ? c : this.indexOf(this.partitionOf(ids[m], time[i]));
    }
    const counts = new Int32Array(this.partitions.length);
    for (let i = 0; i < length; i++) counts[part[i]]++;
    const rows = Array.from(counts, (n) => new Int32Array(n));
    const fill = new Int32Array(this.partitions.length);
    for (let i = 0; i < length; i++) rows[part[i]][fill[part[i]]++] = i;
    const out: Array<{ partition: LakePartition; rows: Int32Array }> = [];
    rows.forEach((r, k) => {
      if (r.length > 0) out.push({ partition: this.partitions[k], rows: r });
    });
    return out;
  }
}

function key(p: LakePartition): string {
  return `${p.gridArea}|${p.exchange ? 'x' : ''}`;
}

/**
 * Charge link rows by grid-area folder (`grid_area=GGG`): a link goes with the linked metering
 * point's period covering the link's start (exchange metering points' links with their owner).
 */
export function linkPartitions(
  layout: LakeLayout,
  meteringPointIds: readonly string[],
  fromDates: readonly number[],
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  meteringPointIds.forEach((mp, i) => {
    const folder = gridAreaFolder(layout.partitionOf(mp, fromDates[i]).gridArea);
    (out.get(folder) ?? out.set(folder, []).get(folder))?.push(i);
  });
  return out;
}
