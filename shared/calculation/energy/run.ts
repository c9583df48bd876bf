import { ScenarioCsvSource, readScenarioArguments } from '../../basis-data/scenario-source';
import type { BasisDataSource, CalculationArguments } from '../../basis-data/types';
import { energyResultRows } from '../../results/energy-csv';
import type { EnergyResultRow } from '../../results/energy-result-row';
import type { EnergyResults } from '../../results/energy-results';
import { aggregateDays, allocateAccumulators, allocateCells, scatterBatch, type Cells } from './kernels';
import { ensureRegistrations } from '../../basis-data/point-cells';
import { buildPlan, type EnergyPlan } from './plan';
import { buildEnergyResults } from './results';

export interface EnergyRunStats {
  points: number;
  cells: number;
  groups: number;
  readSeconds: number;
  computeSeconds: number;
}

export function runStats(plan: EnergyPlan, points: number, t0: number, t1: number): EnergyRunStats {
  return {
    points,
    cells: plan.kernel.nCells,
    groups: plan.groups.length,
    readSeconds: (t1 - t0) / 1000,
    computeSeconds: (performance.now() - t1) / 1000,
  };
}

/** Master data → plan. Separate so parallel runners can share it. */
export async function planCalculation(source: BasisDataSource, args: CalculationArguments): Promise<EnergyPlan> {
  const [periods, gridLoss] = await Promise.all([
    source.readMeteringPointPeriods(),
    source.readGridLossMeteringPointIds(),
  ]);
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
  const kp = plan.kernel;
  let cells: Cells | null = null;
  let points = 0;
  const t0 = performance.now();
  await source.forEachTimeSeriesBatch(plan.dictionary, { from: args.periodStart, to: args.periodEnd }, (batch) => {
    // Bi-temporal sources carry registration times; cells are allocated on the first batch.
    cells ??= allocateCells(kp.nCells, batch.registration !== null || source.byRegistrationTime === true);
    if (batch.registration) ensureRegistrations(cells);
    scatterBatch(kp, cells, batch);
    points += batch.length;
  });
  const t1 = performance.now();
  const acc = allocateAccumulators(plan.groups.length, plan.nSlots);
  aggregateDays(kp, cells ?? allocateCells(kp.nCells, false), acc, 0, kp.nDays);
  const results = buildEnergyResults(plan, acc);
  if (stats) Object.assign(stats, runStats(plan, points, t0, t1));
  return results;
}

/** Runs a reference-layout scenario folder (`DIR/when/...`) and returns the CSV rows. */
export async function calculateScenario(dir: string): Promise<EnergyResultRow[]> {
  const args = await readScenarioArguments(dir);
  return energyResultRows(await calculateEnergy(new ScenarioCsvSource(dir), args));
}
