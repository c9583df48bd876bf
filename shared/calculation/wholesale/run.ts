import type { BasisDataSource, CalculationArguments } from '../../basis-data/types';
import { readScenarioArguments, ScenarioCsvSource } from '../../basis-data/scenario-source';
import type { EnergyResults } from '../../results/energy-results';
import { wholesaleResultRows } from '../../results/wholesale-output';
import type { WholesaleResultRow, WholesaleResults } from '../../results/wholesale-results';
import { calculateEnergy } from '../energy/run';
import { calculateEnergyParallel } from '../energy/parallel';
import { ParquetLakeSource } from '../../basis-data/parquet/lake';
import { calculateAmounts, calculateSliceAmounts, type CalculationPeriod } from './amounts';
import type { MonthlyAmount } from './monthly';
import { wholesaleEnergy } from './metering-points';

export function isWholesaleType(t: CalculationArguments['calculationType']): boolean {
  return t !== 'aggregation' && t !== 'balance_fixing';
}

/**
 * Wholesale results of one calculation. Needs the energy results of the same arguments (grid
 * loss prices the grid-loss metering points); computes them when not given.
 */
export async function calculateWholesale(
  source: BasisDataSource,
  args: CalculationArguments,
  energy?: EnergyResults,
  opts: { workers?: number } = {},
): Promise<WholesaleResults> {
  const workers = opts.workers ?? 0;
  const parallel = workers > 0 && source instanceof ParquetLakeSource;
  const energyResults =
    energy ??
    (parallel ? await calculateEnergyParallel(source, args, { workers }) : await calculateEnergy(source, args));
  const [periods, gridLoss, charges] = await Promise.all([
    source.readMeteringPointPeriods(),
    source.readGridLossMeteringPointIds(),
    source.readCharges(),
  ]);
  const e = await wholesaleEnergy(source, args, periods, new Set(gridLoss), energyResults, workers);
  return calculateAmounts(args, e, charges);
}

/**
 * One grid area × time slice of a wholesale calculation (`args` covers the slice, on local-day
 * boundaries, of the calculation's `period`, and one or more of its grid areas): its amounts per
 * charge and the exact partial sums of the monthly amounts (see calculateSliceAmounts). The
 * energy results must be those of `args`.
 */
export async function calculateWholesaleSlice(
  source: BasisDataSource,
  args: CalculationArguments,
  period: CalculationPeriod,
  energy: EnergyResults,
): Promise<{ results: WholesaleResults; monthly: MonthlyAmount[] }> {
  const [periods, gridLoss, charges] = await Promise.all([
    source.readMeteringPointPeriods(),
    source.readGridLossMeteringPointIds(),
    source.readCharges(),
  ]);
  const e = await wholesaleEnergy(source, args, periods, new Set(gridLoss), energy, 0);
  return calculateSliceAmounts(args, e, charges, period);
}

export async function calculateWholesaleScenario(dir: string): Promise<WholesaleResultRow[]> {
  const args = await readScenarioArguments(dir);
  return wholesaleResultRows(await calculateWholesale(new ScenarioCsvSource(dir), args));
}
