/**
 * The calculation diff's answer, built grid area by grid area from the kernel's results
 * (diff-kernel.ts) without keeping every series: the `limit` biggest movers (a bounded top list),
 * counts, totals per grid area and per actor, and the timeline. Decimals are strings with the
 * kind's fixed number of decimals; instants `YYYY-MM-DDTHH:MM:SSZ` as in the result files.
 *
 * The energy totals add up every kept series, so a slot's difference counts once per aggregation
 * level it appears in (supplier, BRP, grid area); the `level` filter picks one level.
 */
import { formatInstant } from '../../domain/time';
import type { ActorRole, DiffSpec } from './diff-spec';
import type { GridAreaDiffResult, Presence, SeriesDiff } from './diff-kernel';
import { formatScaledBig } from './exact';

export interface DiffFilters {
  type: string | null;
  gridArea: string | null;
  level: string | null;
}

export interface ColumnDiffJson {
  totalA: string;
  totalB: string;
  sumAbsDifference: string;
  maxAbsDifference: string;
  changedSlots: number;
}

export interface SeriesDiffJson {
  key: Record<string, string | null>;
  presence: Presence;
  slots: number;
  changedSlots: number;
  totalA: string;
  totalB: string;
  sumAbsDifference: string;
  maxAbsDifference: string;
  maxAt: string;
  /** Wholesale only: the quantity (kWh or pcs, 3 dp) compared like the amount; null when absent. */
  quantity?: ColumnDiffJson | null;
}

export interface DiffJson {
  jobA: string;
  jobB: string;
  kind: DiffSpec['kind'];
  unit: DiffSpec['unit'];
  filters: DiffFilters;
  seriesCount: number;
  changedSeriesCount: number;
  sumAbsDifference: string;
  series: SeriesDiffJson[];
  gridAreas: Array<{ gridArea: string; sumAbsDifference: string; changedSeries: number }>;
  actors: Array<{ role: ActorRole; actorId: string; sumAbsDifference: string; changedSeries: number }>;
  timeline: Array<{ time: string; sumAbsDifference: string }>;
}

/** A series moved: it exists in one job only, or a slot's value differs. */
export const seriesChanged = (s: SeriesDiff): boolean => s.presence !== 'both' || s.changedSlots > 0;

const keyText = (s: SeriesDiff) => s.key.map((k) => k ?? '').join('\u0000');

/** Biggest movers first: sumAbsDifference descending, then the key. */
export function compareSeries(x: SeriesDiff, y: SeriesDiff): number {
  if (x.sumAbsDifference !== y.sumAbsDifference) return x.sumAbsDifference > y.sumAbsDifference ? -1 : 1;
  const kx = keyText(x);
  const ky = keyText(y);
  return kx < ky ? -1 : kx > ky ? 1 : 0;
}

interface Tally {
  sum: bigint;
  changed: number;
}

export class DiffReport {
  private seriesCount = 0;
  private changedCount = 0;
  private total = 0n;
  private top: SeriesDiff[] = [];
  private readonly gridAreas = new Map<string, Tally>();
  private readonly actors = new Map<string, Tally & { role: ActorRole; actorId: string }>();
  private readonly timeline = new Map<number, bigint>();
  private readonly gridAreaColumn: number;
  private readonly actorColumns: Array<{ index: number; role: ActorRole }>;

  constructor(
    readonly spec: DiffSpec,
    private readonly limit: number,
  ) {
    this.gridAreaColumn = spec.keyColumns.indexOf('grid_area_code');
    this.actorColumns = spec.actorColumns.map((a) => ({ index: spec.keyColumns.indexOf(a.column), role: a.role }));
  }

  add(result: GridAreaDiffResult): void {
    for (const s of result.series) {
      const changed = seriesChanged(s);
      this.seriesCount++;
      if (changed) this.changedCount++;
      this.total += s.sumAbsDifference;
      this.top.push(s);
      const tally = (t: Tally) => {
        t.sum += s.sumAbsDifference;
        if (changed) t.changed++;
      };
      const ga = s.key[this.gridAreaColumn] ?? '';
      let g = this.gridAreas.get(ga);
      if (!g) this.gridAreas.set(ga, (g = { sum: 0n, changed: 0 }));
      tally(g);
      for (const { index, role } of this.actorColumns) {
        const actorId = s.key[index];
        if (actorId === null) continue;
        const id = `${role}\u0000${actorId}`;
        let a = this.actors.get(id);
        if (!a) this.actors.set(id, (a = { role, actorId, sum: 0n, changed: 0 }));
        tally(a);
      }
    }
    // bounded: sorting when twice the limit keeps the work O(n log limit) overall
    if (this.top.length > 2 * this.limit) this.trim();
    for (const [t, sum] of result.timeline) this.timeline.set(t, (this.timeline.get(t) ?? 0n) + sum);
  }

  private trim(): void {
    this.top.sort(compareSeries);
    this.top.length = Math.min(this.top.length, this.limit);
  }

  json(jobA: string, jobB: string, filters: DiffFilters): DiffJson {
    this.trim();
    const scale = this.spec.scale;
    const f = (v: bigint) => formatScaledBig(v, scale);
    return {
      jobA,
      jobB,
      kind: this.spec.kind,
      unit: this.spec.unit,
      filters,
      seriesCount: this.seriesCount,
      changedSeriesCount: this.changedCount,
      sumAbsDifference: f(this.total),
      series: this.top.map((s) => seriesJson(this.spec, s)),
      gridAreas: [...this.gridAreas]
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([gridArea, t]) => ({ gridArea, sumAbsDifference: f(t.sum), changedSeries: t.changed })),
      actors: [...this.actors.values()]
        .sort(
          (x, y) =>
            (x.sum === y.sum ? 0 : x.sum > y.sum ? -1 : 1) ||
            x.role.localeCompare(y.role) ||
            x.actorId.localeCompare(y.actorId),
        )
        .map((a) => ({ role: a.role, actorId: a.actorId, sumAbsDifference: f(a.sum), changedSeries: a.changed })),
      timeline: [...this.timeline]
        .sort(([x], [y]) => x - y)
        .map(([t, sum]) => ({ time: formatInstant(t), sumAbsDifference: f(sum) })),
    };
  }
}

export function seriesJson(spec: DiffSpec, s: SeriesDiff): SeriesDiffJson {
  const f = (v: bigint) => formatScaledBig(v, spec.scale);
  const out: SeriesDiffJson = {
    key: Object.fromEntries(spec.keyColumns.map((c, k) => [c, s.key[k]])),
    presence: s.presence,
    slots: s.slots,
    changedSlots: s.changedSlots,
    totalA: f(s.totalA),
    totalB: f(s.totalB),
    sumAbsDifference: f(s.sumAbsDifference),
    maxAbsDifference: f(s.maxAbsDifference),
    maxAt: formatInstant(s.maxAt),
  };
  if (spec.secondaryColumn) {
    const q = s.secondary;
    const g = (v: bigint) => formatScaledBig(v, 3);
    out.quantity = q
      ? {
          totalA: g(q.totalA),
          totalB: g(q.totalB),
          sumAbsDifference: g(q.sumAbsDifference),
          maxAbsDifference: g(q.maxAbsDifference),
          changedSlots: q.changedSlots,
        }
      : null;
  }
  return out;
}

/** The CSV answer's columns after the key columns. */
export const DIFF_CSV_VALUE_COLUMNS = [
  'presence',
  'slots',
  'changed_slots',
  'total_a',
  'total_b',
  'sum_abs_difference',
  'max_abs_difference',
  'max_at',
] as const;

export const diffCsvHeader = (spec: DiffSpec): string =>
  [...spec.keyColumns, ...DIFF_CSV_VALUE_COLUMNS].join(';') + '\n';

/** One CSV line per series (`;`, '' for a null key cell), newline-terminated. */
export function diffCsvLines(spec: DiffSpec, series: readonly SeriesDiff[]): string {
  const f = (v: bigint) => formatScaledBig(v, spec.scale);
  let text = '';
  for (const s of series)
    text +=
      [
        ...s.key.map((k) => k ?? ''),
        s.presence,
        String(s.slots),
        String(s.changedSlots),
        f(s.totalA),
        f(s.totalB),
        f(s.sumAbsDifference),
        f(s.maxAbsDifference),
        formatInstant(s.maxAt),
      ].join(';') + '\n';
  return text;
}
