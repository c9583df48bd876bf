/**
 * The calculation diff's kernel (issue 17): two jobs' result rows of one grid area compared series
 * by series and slot by slot, exactly.
 *
 * Columnar on purpose: a grid area of a benchmark-size job is ~170,000 rows per side, a job
 * 8 M, so no row becomes an object. Rows arrive in batches of columns (keys as ids of an interner
 * shared by both sides, times, scaled values); the series of a row is looked up once per run of
 * rows with equal keys (result files hold a series' rows together), and rows are appended to
 * growable typed arrays per side. `finish` groups each side's rows by series with a counting sort
 * (stable: file order is kept, which is time order within a series; a series that is not gets
 * its rows sorted), then walks both sides of a series together by time like a merge. A slot that
 * only one side has counts with the other side as 0.
 *
 * Values are scaled integers (milli-kWh, micro-DKK) in doubles when |v| ≤ 2^52, where every
 * difference and every ExactSum step is exact; larger ones (possible in a Decimal(18,6) amount,
 * never seen in real results) are kept as bigints on the side and take the BigInt path.
 */
import type { DiffSpec } from './diff-spec';
import { ExactSum, FAST_LIMIT, type Scaled } from './exact';

/** Reads one key column of a series ('' never: null for an empty cell). */
export type KeyCell = (column: string) => string | null;
/** Whether a series (by its key) is kept on one side: filters and the caller's scope. */
export type SeriesFilter = (cell: KeyCell) => boolean;

/**
 * A scaled value column: `small[i]` is the value when it is not NaN; NaN means the value is in
 * `big` (a bigint beyond 2^52) or, when `big` has no entry, null.
 */
export interface ValueColumn {
  small: ArrayLike<number>;
  big?: ReadonlyMap<number, bigint>;
}

/** One batch of rows, column by column. */
export interface DiffColumns {
  length: number;
  /** Per key column (spec.keyColumns order): the interned id of each row's key (GridAreaDiff.intern), -1 = null. */
  keys: ReadonlyArray<ArrayLike<number>>;
  /** Slot start, epoch ms. */
  time: ArrayLike<number>;
  value: ValueColumn;
  /** spec.secondaryColumn's values (wholesale quantity), absent when the kind has none. */
  secondary?: ValueColumn;
}

export type Presence = 'both' | 'onlyA' | 'onlyB';

/** Totals of one compared column over a series' slots. */
export interface ColumnDiff {
  totalA: bigint;
  totalB: bigint;
  sumAbsDifference: bigint;
  maxAbsDifference: bigint;
  changedSlots: number;
}

export interface SeriesDiff {
  /** spec.keyColumns' values, null for an empty cell. */
  key: Array<string | null>;
  presence: Presence;
  /** Slots of the union of both sides' times. */
  slots: number;
  changedSlots: number;
  totalA: bigint;
  totalB: bigint;
  sumAbsDifference: bigint;
  maxAbsDifference: bigint;
  /** Slot start (epoch ms) of the largest |b − a|, the earliest of equals. */
  maxAt: number;
  /** The wholesale quantity compared the same way; null when neither side has one. */
  secondary: ColumnDiff | null;
}

export interface GridAreaDiffResult {
  /** Every kept series, sorted by key. */
  series: SeriesDiff[];
  /** Σ|b − a| per slot start over every kept series. */
  timeline: Map<number, bigint>;
}

/**
 * One side's rows of the grid area, growable typed arrays: `series[r]` (-1: a row of a series the
 * side's filter drops), slot start `time[r]` (epoch ms), `value[r]` / `secondary[r]` as in
 * ValueColumn (NaN: in the big map, or null).
 */
export class SideRows {
  length = 0;
  series = new Int32Array(4096);
  time = new Float64Array(4096);
  value = new Float64Array(4096);
  secondary: Float64Array | null;
  readonly bigValue = new Map<number, bigint>();
  readonly bigSecondary = new Map<number, bigint>();

  constructor(withSecondary: boolean) {
    this.secondary = withSecondary ? new Float64Array(4096) : null;
  }

  reserve(n: number): void {
    if (this.length + n <= this.series.length) return;
    let size = this.series.length * 2;
    while (size < this.length + n) size *= 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (k: number) => T): T => {
      const b = make(size);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.series = grow(this.series, (k) => new Int32Array(k));
    this.time = grow(this.time, (k) => new Float64Array(k));
    this.value = grow(this.value, (k) => new Float64Array(k));
    if (this.secondary) this.secondary = grow(this.secondary, (k) => new Float64Array(k));
  }
}

const NULL_ID = -1;

/** A value as Scaled, or null. */
function valueAt(small: ArrayLike<number>, big: ReadonlyMap<number, bigint>, r: number): Scaled | null {
  const v = small[r];
  if (v === v) return v; // not NaN
  return big.get(r) ?? null;
}

/** Per-column slot accumulator shared by the value and the secondary column. */
class Accumulator {
  readonly totalA = new ExactSum();
  readonly totalB = new ExactSum();
  readonly sumAbs = new ExactSum();
  maxAbs: Scaled = 0;
  maxAt = Number.NaN;
  changed = 0;
  seen = false;

  /** Adds one slot; returns |b − a| (0 for nulls). */
  slot(t: number, a: Scaled | null, b: Scaled | null): Scaled {
    if (a !== null || b !== null) this.seen = true;
    if (a !== b) {
      // null ≠ 0 counts as a change of the slot, its difference as 0 − 0
      this.changed++;
    }
    let d: Scaled;
    if (typeof a !== 'bigint' && typeof b !== 'bigint') {
      const x = a ?? 0;
      const y = b ?? 0;
      this.totalA.add(x);
      this.totalB.add(y);
      d = y > x ? y - x : x - y; // exact: both within 2^52, so |y − x| ≤ 2^53
      if (d > FAST_LIMIT) d = BigInt(d); // beyond the sums' double range
    } else {
      const x = BigInt(a ?? 0);
      const y = BigInt(b ?? 0);
      this.totalA.add(x);
      this.totalB.add(y);
      d = y > x ? y - x : x - y;
    }
    this.sumAbs.add(d);
    if (Number.isNaN(this.maxAt) || d > this.maxAbs) {
      // strictly greater: slots come in time order, so the earliest of equal maxima stays
      this.maxAbs = d;
      this.maxAt = t;
    }
    return d;
  }

  result(): ColumnDiff {
    return {
      totalA: this.totalA.value(),
      totalB: this.totalB.value(),
      sumAbsDifference: this.sumAbs.value(),
      maxAbsDifference: BigInt(this.maxAbs),
      changedSlots: this.changed,
    };
  }
}

export class GridAreaDiff {
  private readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly seriesIds = new Map<string, number>();
  private readonly seriesKeys: number[][] = [];
  /** Per side and series: 1 kept, 0 dropped (filter decided once per series and side). */
  private readonly kept: [number[], number[]] = [[], []];
  private readonly sides: [SideRows, SideRows];

  constructor(
    readonly spec: DiffSpec,
    private readonly filters: readonly [SeriesFilter, SeriesFilter],
  ) {
    const secondary = spec.secondaryColumn !== null;
    this.sides = [new SideRows(secondary), new SideRows(secondary)];
  }

  /** The id of a key text (both sides share ids, so equal keys have equal ids). */
  intern(text: string | null): number {
    if (text === null) return NULL_ID;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.push(text) - 1;
      this.ids.set(text, id);
    }
    return id;
  }

  private textOf = (id: number): string | null => (id === NULL_ID ? null : this.strings[id]);

  /** The series of a key (ids in key column order) on a side; -1 when that side's filter drops it. */
  seriesOf(side: 0 | 1, key: ArrayLike<number>): number {
    const text = Array.prototype.join.call(key, ',');
    let s = this.seriesIds.get(text);
    if (s === undefined) {
      s = this.seriesKeys.push(Array.from(key)) - 1;
      this.seriesIds.set(text, s);
      this.kept[0].push(-1);
      this.kept[1].push(-1);
    }
    let k = this.kept[side][s];
    if (k === -1) {
      const columns = this.spec.keyColumns;
      const ids = this.seriesKeys[s];
      const cell: KeyCell = (column) => {
        const c = columns.indexOf(column);
        return c < 0 ? null : this.textOf(ids[c]);
      };
      k = this.filters[side](cell) ? 1 : 0;
      this.kept[side][s] = k;
    }
    return k === 1 ? s : -1;
  }

  /**
   * Room for `n` more rows of a side: the writer fills [start, start + n) of its arrays (a reader
   * that decodes straight into them, arrow-diff-columns.ts, copies nothing twice).
   */
  rowsFor(side: 0 | 1, n: number): { rows: SideRows; start: number } {
    const rows = this.sides[side];
    rows.reserve(n);
    const start = rows.length;
    rows.length += n;
    return { rows, start };
  }

  /** Appends a batch of one side's rows (side 0 = job A, 1 = job B). */
  append(side: 0 | 1, batch: DiffColumns): void {
    const { rows, start } = this.rowsFor(side, batch.length);
    const keys = batch.keys;
    const current = new Array<number>(keys.length).fill(-2);
    let series = -1;
    for (let i = 0; i < batch.length; i++) {
      let same = true;
      for (let k = 0; k < keys.length; k++)
        if (keys[k][i] !== current[k]) {
          same = false;
          current[k] = keys[k][i];
        }
      if (!same) series = this.seriesOf(side, current);
      const r = start + i;
      rows.series[r] = series;
      rows.time[r] = batch.time[i];
      rows.value[r] = batch.value.small[i];
      const big = batch.value.big?.get(i);
      if (big !== undefined) rows.bigValue.set(r, big);
      if (rows.secondary) {
        rows.secondary[r] = batch.secondary ? batch.secondary.small[i] : Number.NaN;
        const b = batch.secondary?.big?.get(i);
        if (b !== undefined) rows.bigSecondary.set(r, b);
      }
    }
  }

  /** Each side's rows grouped by series (counting sort), each series' rows in time order. */
  private grouped(side: 0 | 1): { start: Int32Array; order: Int32Array } {
    const store = this.sides[side];
    const n = this.seriesKeys.length;
    const start = new Int32Array(n + 1);
    const series = store.series;
    for (let r = 0; r < store.length; r++) if (series[r] >= 0) start[series[r] + 1]++;
    for (let s = 0; s < n; s++) start[s + 1] += start[s];
    const next = start.slice(0, n);
    const order = new Int32Array(start[n]);
    for (let r = 0; r < store.length; r++) if (series[r] >= 0) order[next[series[r]]++] = r;
    const time = store.time;
    for (let s = 0; s < n; s++) {
      let sorted = true;
      for (let k = start[s] + 1; k < start[s + 1]; k++)
        if (time[order[k]] < time[order[k - 1]]) {
          sorted = false;
          break;
        }
      // files of one grid area come in batch (time) order, so this is for foreign inputs only
      if (!sorted) order.subarray(start[s], start[s + 1]).sort((x, y) => time[x] - time[y] || x - y);
    }
    return { start, order };
  }

  finish(): GridAreaDiffResult {
    const a = this.grouped(0);
    const b = this.grouped(1);
    const [sa, sb] = this.sides;
    const timeline = new Timeline();
    const out: Array<{ text: string; diff: SeriesDiff }> = [];
    // the common case (energy: one compared column, no value beyond 2^52) on plain numbers
    const fast = this.spec.secondaryColumn === null && sa.bigValue.size === 0 && sb.bigValue.size === 0;
    for (let s = 0; s < this.seriesKeys.length; s++) {
      const [ia, ea, ib, eb] = [a.start[s], a.start[s + 1], b.start[s], b.start[s + 1]];
      if (ia === ea && ib === eb) continue; // dropped on both sides
      timeline.restart();
      const merged = fast
        ? mergeFast(sa, a.order, ia, ea, sb, b.order, ib, eb, timeline)
        : mergeExact(sa, a.order, ia, ea, sb, b.order, ib, eb, timeline, this.spec.secondaryColumn !== null);
      const key = this.seriesKeys[s].map(this.textOf);
      out.push({
        text: key.map((k) => k ?? '').join('\u0000'),
        diff: { key, presence: ia === ea ? 'onlyB' : ib === eb ? 'onlyA' : 'both', ...merged },
      });
    }
    out.sort((x, y) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
    return { series: out.map((o) => o.diff), timeline: timeline.result() };
  }
}

type Merged = Omit<SeriesDiff, 'key' | 'presence'>;

/**
 * Σ|b − a| per slot start of a grid area. Series of a grid area mostly share their slot times, so
 * the next slot's index is guessed as the one after the previous slot's (one comparison), with
 * a map lookup only when the guess misses.
 */
class Timeline {
  private readonly times: number[] = [];
  private readonly small: number[] = [];
  private readonly big: bigint[] = [];
  private readonly index = new Map<number, number>();
  private last = -1;

  restart(): void {
    this.last = -1;
  }

  add(t: number, d: Scaled): void {
    let i = this.last + 1;
    if (i >= this.times.length || this.times[i] !== t) {
      const found = this.index.get(t);
      if (found === undefined) {
        i = this.times.push(t) - 1;
        this.small.push(0);
        this.big.push(0n);
        this.index.set(t, i);
      } else i = found;
    }
    this.last = i;
    if (d === 0) return;
    if (typeof d === 'bigint') this.big[i] += d;
    else {
      const sum = this.small[i] + d; // d ≥ 0 and both ≤ 2^52: exact
      if (sum > FAST_LIMIT) {
        this.big[i] += BigInt(sum);
        this.small[i] = 0;
      } else this.small[i] = sum;
    }
  }

  result(): Map<number, bigint> {
    return new Map(this.times.map((t, i) => [t, this.big[i] + BigInt(this.small[i])]));
  }
}

/**
 * One series' slots on doubles: values within ±2^52 (checked by the caller), sums flushed into
 * bigints before they could leave the exact range. Absent and null are NaN: 0 in the sums, and a
 * slot whose value is present on one side only is a changed slot.
 */
function mergeFast(
  sa: SideRows,
  oa: Int32Array,
  ia: number,
  ea: number,
  sb: SideRows,
  ob: Int32Array,
  ib: number,
  eb: number,
  timeline: Timeline,
): Merged {
  const [ta_, va_, tb_, vb_] = [sa.time, sa.value, sb.time, sb.value];
  let [sumA, sumB, sumAbs] = [0, 0, 0];
  let [bigA, bigB, bigAbs] = [0n, 0n, 0n];
  let maxAbs = -1;
  let maxAt = Number.NaN;
  let changed = 0;
  let slots = 0;
  while (ia < ea || ib < eb) {
    const ra = ia < ea ? oa[ia] : -1;
    const rb = ib < eb ? ob[ib] : -1;
    const ta = ra >= 0 ? ta_[ra] : Infinity;
    const tb = rb >= 0 ? tb_[rb] : Infinity;
    const t = ta <= tb ? ta : tb;
    let va = Number.NaN;
    let vb = Number.NaN;
    if (ta === t) {
      va = va_[ra];
      ia++;
    }
    if (tb === t) {
      vb = vb_[rb];
      ib++;
    }
    slots++;
    const x = va === va ? va : 0;
    const y = vb === vb ? vb : 0;
    if (va !== vb && (va === va || vb === vb)) changed++;
    sumA += x;
    if (sumA > FAST_LIMIT || sumA < -FAST_LIMIT) {
      bigA += BigInt(sumA);
      sumA = 0;
    }
    sumB += y;
    if (sumB > FAST_LIMIT || sumB < -FAST_LIMIT) {
      bigB += BigInt(sumB);
      sumB = 0;
    }
    const d = y > x ? y - x : x - y; // ≤ 2^53: exact
    if (d > maxAbs) {
      // strictly greater: slots come in time order, so the earliest of equal maxima stays
      maxAbs = d;
      maxAt = t;
    }
    if (d > FAST_LIMIT) {
      bigAbs += BigInt(d);
      timeline.add(t, BigInt(d));
    } else {
      sumAbs += d;
      if (sumAbs > FAST_LIMIT) {
        bigAbs += BigInt(sumAbs);
        sumAbs = 0;
      }
      timeline.add(t, d);
    }
  }
  return {
    slots,
    changedSlots: changed,
    totalA: bigA + BigInt(sumA),
    totalB: bigB + BigInt(sumB),
    sumAbsDifference: bigAbs + BigInt(sumAbs),
    maxAbsDifference: BigInt(maxAbs),
    maxAt,
    secondary: null,
  };
}

/** One series' slots through the Accumulator (values beyond 2^52, the wholesale quantity). */
function mergeExact(
  sa: SideRows,
  oa: Int32Array,
  ia: number,
  ea: number,
  sb: SideRows,
  ob: Int32Array,
  ib: number,
  eb: number,
  timeline: Timeline,
  withSecondary: boolean,
): Merged {
  const value = new Accumulator();
  const secondary = withSecondary ? new Accumulator() : null;
  let slots = 0;
  while (ia < ea || ib < eb) {
    const ra = ia < ea ? oa[ia] : -1;
    const rb = ib < eb ? ob[ib] : -1;
    const ta = ra >= 0 ? sa.time[ra] : Infinity;
    const tb = rb >= 0 ? sb.time[rb] : Infinity;
    const t = ta <= tb ? ta : tb;
    const useA = ta === t;
    const useB = tb === t;
    const d = value.slot(
      t,
      useA ? valueAt(sa.value, sa.bigValue, ra) : null,
      useB ? valueAt(sb.value, sb.bigValue, rb) : null,
    );
    if (secondary)
      secondary.slot(
        t,
        useA && sa.secondary ? valueAt(sa.secondary, sa.bigSecondary, ra) : null,
        useB && sb.secondary ? valueAt(sb.secondary, sb.bigSecondary, rb) : null,
      );
    if (useA) ia++;
    if (useB) ib++;
    slots++;
    timeline.add(t, d);
  }
  const v = value.result();
  return {
    slots,
    changedSlots: v.changedSlots,
    totalA: v.totalA,
    totalB: v.totalB,
    sumAbsDifference: v.sumAbsDifference,
    maxAbsDifference: v.maxAbsDifference,
    maxAt: value.maxAt,
    secondary: secondary?.seen ? secondary.result() : null,
  };
}
