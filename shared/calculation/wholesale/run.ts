import type { BasisDataSource, CalculationArguments } from '../../basis-data/types';
import { readScenarioArguments, ScenarioCsvSource } from '../../basis-data/scenario-source';
import type { EnergyResults } from '../../results/energy-results';
import { wholesaleResultRows } from '../../results/wholesale-output';
import type { WholesaleResultRow, WholesaleResults } from '../../results/wholesale-results';
import { calculateEnergy } from '../energy/run';
import { calculateEnergyParallel } from '../energy/parallel';
import { ParquetLakeSource } from '../../basis-data/parquet/lake';
import { calculateAmounts } from './amounts';
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

export async function calculateWholesaleScenario(dir: string): Promise<WholesaleResultRow[]> {
  const args = await readScenarioArguments(dir);
  return wholesaleResultRows(await calculateWholesale(new ScenarioCsvSource(dir), args));
}
