/**
 * Metering points of a wholesale calculation and their energy per hour: parents (E17/E18) and
 * child metering points in the calculation grid areas (exchange excluded), children clipped to
 * their parent's periods and taking its energy supplier; grid-loss metering points carry the
 * calculated grid loss instead of readings (opengeh-wholesale §3.1, docs/wholesale-calculation.md).
 */
import { QBIT_ACTIVE, QBIT_CALCULATED, RESOLUTION_MS, SETTLEMENT_METHODS } from '../../domain/codes';
import { HOUR_MS } from '../../basis-data/time';
import type { BasisDataSource, CalculationArguments, MeteringPointPeriod } from '../../basis-data/types';
import type { EnergyResults } from '../../results/energy-results';
import { aggregateDays, allocateAccumulators, allocateCells, scatterBatch, type Cells } from '../energy/kernels';
import { kernelLayout, type SelectedPeriod } from '../energy/plan';

/** Engine names of metering point types in wholesale results (opengeh-wholesale §2.1). */
export const METERING_POINT_TYPE_NAMES: Record<string, string> = {
  E17: 'consumption',
  E18: 'production',
  D01: 've_production',
  D05: 'net_production',
  D06: 'supply_to_grid',
  D07: 'consumption_from_grid',
  D08: 'wholesale_services_information',
  D09: 'own_production',
  D10: 'net_from_grid',
  D11: 'net_to_grid',
  D12: 'total_consumption',
  D14: 'electrical_heating',
  D15: 'net_consumption',
  D19: 'capacity_settlement',
};
const SETTLEMENT_NAMES: Record<(typeof SETTLEMENT_METHODS)[number], string> = { E02: 'non_profiled', D01: 'flex' };

export interface WholesalePeriod {
  meteringPointId: string;
  from: number;
  to: number;
  gridArea: string;
  energySupplierId: string;
  meteringPointType: string;
  settlementMethod: string | null;
  /** Native resolution of the readings (ms). */
  step: number;
}

export interface WholesaleEnergy {
  periods: WholesalePeriod[];
  /** Periods of each metering point, sorted by time. */
  byMeteringPoint: Map<string, number[]>;
  /** Hours of the calculation period. */
  nHours: number;
  /** Per period × hour: milli-kWh, and quality bits | QBIT_ACTIVE where the period covers the hour. */
  energy: Float64Array;
  quality: Uint8Array;
}

/** Selects wholesale periods: parents in the grid areas, children clipped to their parent. */
export function wholesalePeriods(args: CalculationArguments, all: readonly MeteringPointPeriod[]): WholesalePeriod[] {
  const areas = new Set(args.gridAreas);
  const inPeriod = (from: number, to: number | null) => from < args.periodEnd && (to === null || to > args.periodStart);
  const clamp = (from: number, to: number | null) => ({ from: Math.max(from, args.periodStart), to: Math.min(to ?? args.periodEnd, args.periodEnd) });
  const parents = all.filter((p) => (p.type === 'E17' || p.type === 'E18') && areas.has(p.gridAreaCode) && inPeriod(p.fromDate, p.toDate));
  const out: WholesalePeriod[] = parents.map((p) => ({
    meteringPointId: p.meteringPointId,
    ...clamp(p.fromDate, p.toDate),
    gridArea: p.gridAreaCode,
    energySupplierId: p.energySupplierId as string,
    meteringPointType: METERING_POINT_TYPE_NAMES[p.type],
    settlementMethod: p.settlementMethod ? SETTLEMENT_NAMES[p.settlementMethod] : null,
    step: RESOLUTION_MS[p.resolution],
  }));
  const parentPeriods = new Map<string, MeteringPointPeriod[]>();
  for (const p of parents) (parentPeriods.get(p.meteringPointId) ?? parentPeriods.set(p.meteringPointId, []).get(p.meteringPointId))?.push(p);
  for (const c of all) {
    if (c.type === 'E17' || c.type === 'E18' || c.type === 'E20' || !c.parentMeteringPointId || !inPeriod(c.fromDate, c.toDate)) continue;
    const own = clamp(c.fromDate, c.toDate);
    for (const parent of parentPeriods.get(c.parentMeteringPointId) ?? []) {
      const pr = clamp(parent.fromDate, parent.toDate);
      const from = Math.max(own.from, pr.from);
      const to = Math.min(own.to, pr.to);
      if (from >= to) continue;
      out.push({ meteringPointId: c.meteringPointId, from, to, gridArea: c.gridAreaCode, energySupplierId: parent.energySupplierId as string, meteringPointType: METERING_POINT_TYPE_NAMES[c.type], settlementMethod: null, step: RESOLUTION_MS[c.resolution] });
    }
  }
  return out;
}

/**
 * Hourly energy per wholesale period: readings through the energy kernels (padding, PT15M summed
 * to hours with the union of qualities), grid-loss metering points from the energy results.
 */
export async function wholesaleEnergy(
  source: BasisDataSource,
  args: CalculationArguments,
  all: readonly MeteringPointPeriod[],
  gridLossIds: ReadonlySet<string>,
  energy: EnergyResults,
): Promise<WholesaleEnergy> {
  const periods = wholesalePeriods(args, all);
  const nHours = (args.periodEnd - args.periodStart) / HOUR_MS;
  const dictionary = new Map<string, number>();
  const selected: SelectedPeriod[] = [];
  periods.forEach((p, i) => {
    if (gridLossIds.has(p.meteringPointId)) return;
    let mp = dictionary.get(p.meteringPointId);
    if (mp === undefined) dictionary.set(p.meteringPointId, (mp = dictionary.size));
    selected.push({ mp, from: p.from, to: p.to, step: p.step, group: i });
  });
  const kp = kernelLayout(args, selected, dictionary.size, periods.length, HOUR_MS, false, true);
  let cells: Cells | null = null;
  await source.forEachTimeSeriesBatch(dictionary, { from: args.periodStart, to: args.periodEnd }, (batch) => {
    cells ??= allocateCells(kp.nCells, batch.registration !== null);
    if (batch.registration && !cells.reg) cells.reg = new Float64Array(kp.nCells);
    scatterBatch(kp, cells, batch);
  });
  const acc = allocateAccumulators(periods.length, nHours);
  aggregateDays(kp, cells ?? allocateCells(kp.nCells, false), acc, 0, kp.nDays);
  // accumulators are micro-kWh sums of 3-dp readings: exact milli after / 1000
  const energyMilli = acc.sum;
  for (let i = 0; i < energyMilli.length; i++) energyMilli[i] = energyMilli[i] / 1000;
  const quality = acc.mask;

  // grid-loss metering points: positive (E17) / negative (E18) grid loss, summed to hours
  const glSeries = new Map<string, { v: Float64Array; m: Uint8Array }>();
  energy.series.forEach((s, i) => {
    if ((s.timeSeriesType === 'positive_grid_loss' || s.timeSeriesType === 'negative_grid_loss') && s.meteringPointId) {
      const e = glSeries.get(s.meteringPointId) ?? { v: new Float64Array(energy.nSlots), m: new Uint8Array(energy.nSlots) };
      const v = energy.values[i];
      const m = energy.masks[i];
      for (let k = 0; k < energy.nSlots; k++) if (m[k] & QBIT_ACTIVE) ((e.v[k] += v[k]), (e.m[k] |= m[k]));
      glSeries.set(s.meteringPointId, e);
    }
  });
  const perHour = HOUR_MS / energy.slotMs;
  periods.forEach((p, i) => {
    if (!gridLossIds.has(p.meteringPointId)) return;
    const gl = glSeries.get(p.meteringPointId);
    const h0 = (p.from - args.periodStart) / HOUR_MS;
    const h1 = (p.to - args.periodStart) / HOUR_MS;
    for (let h = h0; h < h1; h++) {
      let v = 0;
      if (gl) for (let k = h * perHour; k < (h + 1) * perHour; k++) v += gl.v[k];
      energyMilli[i * nHours + h] = v;
      quality[i * nHours + h] = QBIT_CALCULATED | QBIT_ACTIVE;
    }
  });

  const byMeteringPoint = new Map<string, number[]>();
  periods.forEach((p, i) => (byMeteringPoint.get(p.meteringPointId) ?? byMeteringPoint.set(p.meteringPointId, []).get(p.meteringPointId))?.push(i));
  for (const list of byMeteringPoint.values()) list.sort((a, b) => periods[a].from - periods[b].from);
  return { periods, byMeteringPoint, nHours, energy: energyMilli, quality };
}
