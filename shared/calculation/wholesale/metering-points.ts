/**
 * Metering points of a wholesale calculation and their energy per hour: parents (E17/E18) and
 * child metering points in the calculation grid areas (exchange excluded), children clipped to
 * their parent's periods and taking its energy supplier; grid-loss metering points carry the
 * calculated grid loss instead of readings (opengeh-wholesale §3.1, docs/wholesale-calculation.md).
 */
import { QBIT_ACTIVE, QBIT_CALCULATED, RESOLUTION_MS, SETTLEMENT_METHODS } from '../../domain/codes';
import { HOUR_MS } from '../../domain/time';
import type { BasisDataSource, CalculationArguments, MeteringPointPeriod } from '../../basis-data/types';
import type { EnergyResults } from '../../results/energy-results';
import {
  aggregateDays,
  allocateAccumulators,
  allocateCells,
  scatterBatch,
  type Accumulators,
  type Cells,
} from '../energy/kernels';
import { ensureRegistrations } from '../../basis-data/point-cells';
import { runKernelsParallel } from '../energy/parallel';
import { ParquetLakeSource } from '../../basis-data/parquet/lake';
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
  /** Row of each metering point in `energy` / `quality`. */
  mpRow: Map<string, number>;
  /** Hours of the calculation period. */
  nHours: number;
  /**
   * Per metering point × hour: milli-kWh over the whole hour (all its periods: a supplier change
   * at :15 does not split the hour's energy), and quality bits | QBIT_ACTIVE where any period
   * covers part of the hour. Which period (supplier) carries the hour is decided by its start.
   */
  energy: Float64Array;
  quality: Uint8Array;
}

/**
 * Selects wholesale periods: parents in the grid areas, children clipped to their parent. A child
 * belongs to its parent's grid area (domain.md): it is settled with a parent period in the grid
 * areas, in that grid area, whatever grid area its own period names — so a grid area's results
 * never depend on which other grid areas share the run (the lake stores a child with its parent).
 */
export function wholesalePeriods(args: CalculationArguments, all: readonly MeteringPointPeriod[]): WholesalePeriod[] {
  const areas = new Set(args.gridAreas);
  const inPeriod = (from: number, to: number | null) => from < args.periodEnd && (to === null || to > args.periodStart);
  const clamp = (from: number, to: number | null) => ({
    from: Math.max(from, args.periodStart),
    to: Math.min(to ?? args.periodEnd, args.periodEnd),
  });
  const parents = all.filter(
    (p) => (p.type === 'E17' || p.type === 'E18') && areas.has(p.gridAreaCode) && inPeriod(p.fromDate, p.toDate),
  );
  const out: WholesalePeriod[] = parents
    .filter((p) => areas.has(p.gridAreaCode))
    .map((p) => ({
      meteringPointId: p.meteringPointId,
      ...clamp(p.fromDate, p.toDate),
      gridArea: p.gridAreaCode,
      energySupplierId: p.energySupplierId as string,
      meteringPointType: METERING_POINT_TYPE_NAMES[p.type],
      settlementMethod: p.settlementMethod ? SETTLEMENT_NAMES[p.settlementMethod] : null,
      step: RESOLUTION_MS[p.resolution],
    }));
  const parentPeriods = new Map<string, MeteringPointPeriod[]>();
  for (const p of parents)
    (parentPeriods.get(p.meteringPointId) ?? parentPeriods.set(p.meteringPointId, []).get(p.meteringPointId))?.push(p);
  for (const c of all) {
    if (
      c.type === 'E17' ||
      c.type === 'E18' ||
      c.type === 'E20' ||
      !c.parentMeteringPointId ||
      !inPeriod(c.fromDate, c.toDate)
    )
      continue;
    const own = clamp(c.fromDate, c.toDate);
    for (const parent of parentPeriods.get(c.parentMeteringPointId) ?? []) {
      const pr = clamp(parent.fromDate, parent.toDate);
      // a parent may change supplier at :15 while the child reads hourly: the child's slot goes
      // with the parent period covering the slot's start (boundaries rounded up to the child's step)
      const step = RESOLUTION_MS[c.resolution];
      const up = (t: number) => Math.ceil(t / step) * step;
      const from = up(Math.max(own.from, pr.from));
      const to = Math.min(up(Math.min(own.to, pr.to)), own.to);
      if (from >= to) continue;
      out.push({
        meteringPointId: c.meteringPointId,
        from,
        to,
        gridArea: parent.gridAreaCode,
        energySupplierId: parent.energySupplierId as string,
        meteringPointType: METERING_POINT_TYPE_NAMES[c.type],
        settlementMethod: null,
        step: RESOLUTION_MS[c.resolution],
      });
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
  workers = 0,
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
  let acc: Accumulators;
  if (workers > 0 && source instanceof ParquetLakeSource) {
    const files = await source.timeSeriesFiles({ from: args.periodStart, to: args.periodEnd });
    acc = (await runKernelsParallel(kp, [...dictionary.keys()], source.dir, files, workers)).acc;
  } else {
    let cells: Cells | null = null;
    await source.forEachTimeSeriesBatch(dictionary, { from: args.periodStart, to: args.periodEnd }, (batch) => {
      cells ??= allocateCells(kp.nCells, batch.registration !== null || source.byRegistrationTime === true);
      if (batch.registration) ensureRegistrations(cells);
      scatterBatch(kp, cells, batch);
    });
    acc = allocateAccumulators(periods.length, nHours);
    aggregateDays(kp, cells ?? allocateCells(kp.nCells, false), acc, 0, kp.nDays);
  }

  const mpRow = new Map<string, number>();
  for (const p of periods) if (!mpRow.has(p.meteringPointId)) mpRow.set(p.meteringPointId, mpRow.size);
  const energyMilli = new Float64Array(mpRow.size * nHours);
  const quality = new Uint8Array(mpRow.size * nHours);
  // readings: the periods' hourly sums (micro-kWh of 3-dp readings: exact milli after / 1000)
  periods.forEach((p, i) => {
    if (gridLossIds.has(p.meteringPointId)) return;
    const row = (mpRow.get(p.meteringPointId) as number) * nHours;
    for (let h = 0; h < nHours; h++) {
      const m = acc.mask[i * nHours + h];
      if (!(m & QBIT_ACTIVE)) continue;
      energyMilli[row + h] += acc.sum[i * nHours + h] / 1000;
      quality[row + h] |= m;
    }
  });

  // grid-loss metering points: positive (E17) / negative (E18) grid loss, summed to hours
  const perHour = HOUR_MS / energy.slotMs;
  energy.series.forEach((s, i) => {
    if ((s.timeSeriesType !== 'positive_grid_loss' && s.timeSeriesType !== 'negative_grid_loss') || !s.meteringPointId)
      return;
    const r = mpRow.get(s.meteringPointId);
    if (r === undefined || !gridLossIds.has(s.meteringPointId)) return;
    const v = energy.values[i];
    const m = energy.masks[i];
    for (let k = 0; k < energy.nSlots; k++) {
      if (!(m[k] & QBIT_ACTIVE)) continue;
      const h = Math.floor(k / perHour);
      energyMilli[r * nHours + h] += v[k];
      quality[r * nHours + h] |= QBIT_CALCULATED | QBIT_ACTIVE;
    }
  });

  const byMeteringPoint = new Map<string, number[]>();
  periods.forEach((p, i) =>
    (byMeteringPoint.get(p.meteringPointId) ?? byMeteringPoint.set(p.meteringPointId, []).get(p.meteringPointId))?.push(
      i,
    ),
  );
  for (const list of byMeteringPoint.values()) list.sort((a, b) => periods[a].from - periods[b].from);
  return { periods, byMeteringPoint, mpRow, nHours, energy: energyMilli, quality };
}
