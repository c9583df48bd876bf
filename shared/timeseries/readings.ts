/**
 * Metering point readings as series, read where they live (the basis-data lake overlaid with the
 * integration events as of a time: a BasisDataSource), never copied: the readings of the metering
 * points a filter selects, on a quarter-hour grid.
 *
 * - A point counts when a master-data period of its metering point that matches the filter
 *   (grid area, metering point, supplier, BRP, types) covers it — a supplier change splits a
 *   metering point's readings between the suppliers as settlement does.
 * - Several registrations of one point: the latest registered at or before `asOf` wins (as in
 *   the engine); points registered after `asOf` do not exist yet.
 * - Cells are metering-point-major typed arrays, one per quarter-hour; an hourly metering point's
 *   reading sits in the first quarter of its hour (the others NaN), a point not aligned to its
 *   resolution is skipped.
 * - Quantities stay integer milli-kWh in doubles (exact); quarter energy is micro-kWh: a PT1H
 *   reading is split into four exact quarters (milli × 250), as the settlement engine does.
 */
import type { BasisDataSource, MeteringPointPeriod } from '../basis-data/types';
import { QUARTER_MS, HOUR_MS } from '../domain/time';
import type { PointSeries } from './bucket';

export interface ReadingsFilter {
  gridArea?: string;
  meteringPointId?: string;
  energySupplierId?: string;
  balanceResponsiblePartyId?: string;
  /** Metering point types (default: consumption, E17). */
  types?: readonly string[];
}

export interface ReadingCells {
  /** Start of quarter 0 (fromMs rounded down to a quarter). */
  fromMs: number;
  quarters: number;
  meteringPointIds: string[];
  /** Per metering point: 1 = hourly readings. */
  hourly: Uint8Array;
  /** milli-kWh, [mp * quarters + q], NaN = no reading. */
  milli: Float64Array;
}

/** The periods the filter selects, per metering point id. */
export function selectedPeriods(
  periods: readonly MeteringPointPeriod[],
  f: ReadingsFilter,
): Map<string, MeteringPointPeriod[]> {
  const types = f.types ?? ['E17'];
  const out = new Map<string, MeteringPointPeriod[]>();
  for (const p of periods) {
    if (f.meteringPointId !== undefined && p.meteringPointId !== f.meteringPointId) continue;
    if (f.gridArea !== undefined && p.gridAreaCode !== f.gridArea) continue;
    if (f.meteringPointId === undefined && !types.includes(p.type)) continue;
    if (f.energySupplierId !== undefined && p.energySupplierId !== f.energySupplierId) continue;
    if (f.balanceResponsiblePartyId !== undefined && p.balanceResponsiblePartyId !== f.balanceResponsiblePartyId)
      continue;
    const list = out.get(p.meteringPointId);
    if (list) list.push(p);
    else out.set(p.meteringPointId, [p]);
  }
  return out;
}

export async function readReadingCells(
  source: BasisDataSource,
  filter: ReadingsFilter,
  fromMs: number,
  toMs: number,
  asOf: number,
): Promise<ReadingCells> {
  const from = Math.floor(fromMs / QUARTER_MS) * QUARTER_MS;
  const quarters = Math.max(0, Math.ceil((toMs - from) / QUARTER_MS));
  const selected = selectedPeriods(await source.readMeteringPointPeriods(), filter);
  const ids = [...selected.keys()].sort();
  const dictionary = new Map(ids.map((id, i) => [id, i]));
  const hourly = new Uint8Array(ids.length);
  // per metering point its covered intervals, flattened: [start0, end0, start1, end1, …]
  const spans: Float64Array[] = ids.map((id, i) => {
    const ps = selected.get(id) as MeteringPointPeriod[];
    hourly[i] = ps[ps.length - 1].resolution === 'PT1H' ? 1 : 0;
    const a = new Float64Array(ps.length * 2);
    ps.forEach((p, k) => {
      a[2 * k] = p.fromDate;
      a[2 * k + 1] = p.toDate ?? Infinity;
    });
    return a;
  });
  const milli = new Float64Array(ids.length * quarters).fill(NaN);
  // registration times only when a batch has them (the bulk lake usually has none): one per cell
  let reg: Float64Array | null = null;
  // the common case, one period per metering point: its span as two numbers, no inner loop
  const single = spans.map((sp) => sp.length === 2);
  const spanFrom = Float64Array.from(spans, (sp) => sp[0]);
  const spanTo = Float64Array.from(spans, (sp) => sp[1]);
  // module constants as locals: under tsx (npm start, benches) an imported binding is a getter
  // call on every access, which profiled as a sixth of this loop's time
  const quarterMs = QUARTER_MS;
  const hourMs = HOUR_MS;
  if (ids.length > 0 && quarters > 0) {
    await source.forEachTimeSeriesBatch(dictionary, { from, to: toMs }, (b) => {
      const registration = b.registration;
      if (registration !== null && reg === null) {
        reg = new Float64Array(ids.length * quarters).fill(-Infinity);
        // cells filled before without a registration time count as the earliest registration
      }
      for (let i = 0; i < b.length; i++) {
        const m = b.mp[i];
        if (m < 0) continue;
        const t = b.time[i];
        if (t < fromMs || t >= toMs) continue;
        if (t % (hourly[m] === 1 ? hourMs : quarterMs) !== 0) continue;
        if (single[m]) {
          if (t < spanFrom[m] || t >= spanTo[m]) continue;
        } else {
          const sp = spans[m];
          let covered = false;
          for (let k = 0; k < sp.length; k += 2)
            if (t >= sp[k] && t < sp[k + 1]) {
              covered = true;
              break;
            }
          if (!covered) continue;
        }
        const cell = m * quarters + (t - from) / quarterMs;
        if (reg === null) {
          milli[cell] = b.quantityMilli[i];
          continue;
        }
        const r = registration === null ? -Infinity : registration[i];
        if (r > asOf) continue;
        if (r >= reg[cell]) {
          reg[cell] = r;
          milli[cell] = b.quantityMilli[i];
        }
      }
    });
  }
  return { fromMs: from, quarters, meteringPointIds: ids, hourly, milli };
}

/** Σ over the metering points of each quarter's energy in micro-kWh (hourly readings split into exact quarters). */
export function quarterEnergyMicro(c: ReadingCells): { micro: Float64Array; present: Uint8Array } {
  const micro = new Float64Array(c.quarters);
  const present = new Uint8Array(c.quarters);
  for (let m = 0; m < c.meteringPointIds.length; m++) {
    const base = m * c.quarters;
    if (c.hourly[m] === 1) {
      for (let q = 0; q < c.quarters; q++) {
        const x = c.milli[base + q];
        if (x !== x) continue; // NaN: no reading
        for (let k = q; k < q + 4 && k < c.quarters; k++) {
          micro[k] += x * 250;
          present[k] = 1;
        }
      }
    } else {
      for (let q = 0; q < c.quarters; q++) {
        const x = c.milli[base + q];
        if (x !== x) continue;
        micro[q] += x * 1000;
        present[q] = 1;
      }
    }
  }
  return { micro, present };
}

/** One metering point's readings as a series at its own resolution (kWh × 10^6). */
export function meteringPointSeries(c: ReadingCells, m: number): PointSeries & { minutes: number } {
  const base = m * c.quarters;
  const t: number[] = [];
  const v: bigint[] = [];
  for (let q = 0; q < c.quarters; q++) {
    const x = c.milli[base + q];
    if (x !== x) continue;
    t.push(c.fromMs + q * QUARTER_MS);
    v.push(BigInt(x) * 1000n);
  }
  return { startMs: Float64Array.from(t), value: BigInt64Array.from(v), minutes: c.hourly[m] === 1 ? 60 : 15 };
}
