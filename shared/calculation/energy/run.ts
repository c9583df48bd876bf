import { ScenarioCsvSource, readScenarioArguments } from '../../basis-data/scenario-source';
import type { BasisDataSource, CalculationArguments } from '../../basis-data/types';
import { energyResultRows } from '../../results/energy-csv';
import type { EnergyResultRow } from '../../results/energy-result-row';
import type { EnergyResults } from '../../results/energy-results';
import { aggregateDays, allocateAccumulators, allocateCells, scatterBatch, type Cells, type KernelPlan } from './kernels';
import { buildPlan, type EnergyPlan } from './plan';
import { buildEnergyResults } from './results';

export interface EnergyRunStats {
  points: number;
  cells: number;
  groups: number;
  readSeconds: number;
  computeSeconds: number;
}

export function kernelPlan(plan: EnergyPlan): KernelPlan {
  return {
    periodStart: plan.args.periodStart,
    asOf: plan.args.asOf,
    quarterly: plan.quarterly,
    slotMs: plan.slotMs,
    nSlots: plan.nSlots,
    mpFirstPeriod: plan.mpFirstPeriod,
    mpPeriodCount: plan.mpPeriodCount,
    nPeriods: plan.nPeriods,
    pFrom: plan.pFrom,
    pTo: plan.pTo,
    pStep: plan.pStep,
    pGroup: plan.pGroup,
    dayStart0: plan.dayStart0,
    nDays: plan.nDays,
    dpCellStart: plan.dpCellStart,
    nCells: plan.nCells,
    nGroups: plan.groups.length,
  };
}

/** Master data → plan. Separate so parallel runners can share it. */
export async function planCalculation(source: BasisDataSource, args: CalculationArguments): Promise<EnergyPlan> {
  const [periods, gridLoss] = await Promise.all([source.readMeteringPointPeriods(), source.readGridLossMeteringPointIds()]);
  return buildPlan(args, periods, gridLoss);
}

/**
 * Balance-fixing style energy results for one calculation, in this thread. Nothing is written:
 * callers write only after the whole calculation succeeded, so bad input never leaves partial output.
 */
export async function calculateEnergy(
  source: BasisDataSource,
  args: CalculationArguments,
  stats?: Partial<EnergyRunStats>,
): Promise<EnergyResults> {
  const plan = await planCalculation(source, args);
  const kp = kernelPlan(plan);
  let cells: Cells | null = null;
  let points = 0;
  const t0 = performance.now();
  await source.forEachTimeSeriesBatch(plan.dictionary, { from: args.periodStart, to: args.periodEnd }, (batch) => {
    // Bi-temporal sources carry registration times; cells are allocated on the first batch.
    cells ??= allocateCells(plan.nCells, batch.registration !== null);
    if (batch.registration && !cells.reg) cells.reg = new Float64Array(plan.nCells);
    scatterBatch(kp, cells, batch);
    points += batch.length;
  });
  const t1 = performance.now();
  const acc = allocateAccumulators(plan.groups.length, plan.nSlots);
  aggregateDays(kp, cells ?? allocateCells(plan.nCells, false), acc, 0, plan.nDays);
  const results = buildEnergyResults(plan, acc);
  if (stats) {
    Object.assign(stats, {
      points,
      cells: plan.nCells,
      groups: plan.groups.length,
      readSeconds: (t1 - t0) / 1000,
      computeSeconds: (performance.now() - t1) / 1000,
    });
  }
  return results;
}

/** Runs a reference-layout scenario folder (`DIR/when/...`) and returns the CSV rows. */
export async function calculateScenario(dir: string): Promise<EnergyResultRow[]> {
  const args = await readScenarioArguments(dir);
  return energyResultRows(await calculateEnergy(new ScenarioCsvSource(dir), args));
}
