/**
 * `npm run calculate -- --scenario DIR --out OUT`
 * `npm run calculate -- --lake DIR --out OUT --calculation-id ID --calculation-type balance_fixing \
 *     --grid-areas 800,801 --period-start-datetime 2023-11-01T23:00:00Z --period-end-datetime ... \
 *     [--calculation-execution-time-start T] [--created-by-user-id U] [--as-of T] \
 *     [--quarterly-resolution-transition-datetime T] [--allow-partial-month] [--workers N]`
 * Writes OUT/energy_results.csv and OUT/energy_results.parquet (and for wholesale types
 * OUT/wholesale_results.csv / .parquet); exit code 1 with the validation
 * message on bad input (nothing written), 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { ArgumentsError, parseCalculationArguments } from '../shared/basis-data/calculation-arguments';
import { CalculationError, ValidationError } from '../shared/basis-data/errors';
import { ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { readScenarioArguments, ScenarioCsvSource } from '../shared/basis-data/scenario-source';
import type { BasisDataSource, CalculationArguments } from '../shared/basis-data/types';
import { MagnitudeError } from '../shared/decimal/scaled';
import { calculateEnergyParallel } from '../shared/calculation/energy/parallel';
import { calculateEnergy } from '../shared/calculation/energy/run';
import { writeEnergyResults } from '../shared/results/write-energy-results';
import { calculateWholesale, isWholesaleType } from '../shared/calculation/wholesale/run';
import { writeWholesaleResults } from '../shared/results/wholesale-output';

const ARG_FLAGS = [
  'calculation-id',
  'calculation-type',
  'grid-areas',
  'period-start-datetime',
  'period-end-datetime',
  'calculation-execution-time-start',
  'created-by-user-id',
  'as-of',
  'quarterly-resolution-transition-datetime',
] as const;

export async function runCalculate(argv: string[], log: (s: string) => void = console.log, err: (s: string) => void = console.error): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        lake: { type: 'string' },
        out: { type: 'string' },
        workers: { type: 'string' },
        'allow-partial-month': { type: 'boolean' },
        ...Object.fromEntries(ARG_FLAGS.map((f) => [f, { type: 'string' as const }])),
      },
      strict: true,
    }));
  } catch (e) {
    err(`usage: ${(e as Error).message}`);
    return 2;
  }
  if (!values.out || (!values.scenario === !values.lake)) {
    err('usage: calculate (--scenario DIR | --lake DIR <arguments as flags>) --out OUT');
    return 2;
  }
  try {
    let source: BasisDataSource;
    let args: CalculationArguments;
    if (values.scenario) {
      source = new ScenarioCsvSource(values.scenario);
      args = await readScenarioArguments(values.scenario);
    } else {
      source = new ParquetLakeSource(values.lake as string);
      const v = values as Record<string, string | boolean | undefined>;
      const now = new Date().toISOString();
      args = parseCalculationArguments(
        {
          'calculation-id': v['calculation-id'],
          'calculation-type': v['calculation-type'],
          'grid-areas': typeof v['grid-areas'] === 'string' ? v['grid-areas'].split(',').map((s) => s.trim()) : undefined,
          'period-start-datetime': v['period-start-datetime'],
          'period-end-datetime': v['period-end-datetime'],
          'calculation-execution-time-start': v['calculation-execution-time-start'] ?? now,
          'created-by-user-id': v['created-by-user-id'] ?? 'cli',
          ...(v['as-of'] ? { 'as-of': v['as-of'] } : {}),
          ...(v['quarterly-resolution-transition-datetime'] ? { 'quarterly-resolution-transition-datetime': v['quarterly-resolution-transition-datetime'] } : {}),
          ...(v['allow-partial-month'] ? { 'allow-partial-month': true } : {}),
        },
        'command-line arguments',
      );
    }
    const workers = values.workers === undefined ? 0 : Number(values.workers);
    const t0 = performance.now();
    const results =
      workers > 0 && source instanceof ParquetLakeSource ? await calculateEnergyParallel(source, args, { workers }) : await calculateEnergy(source, args);
    const t1 = performance.now();
    // wholesale types also price the energy: tariffs, subscriptions, fees (computed before
    // anything is written, so bad charge data leaves no output either)
    const wholesale = isWholesaleType(args.calculationType) ? await calculateWholesale(source, args, results, { workers }) : null;
    const t2 = performance.now();
    const { points, files } = await writeEnergyResults(results, values.out);
    log(`${args.calculationType} ${args.calculationId}: ${points} result points (${results.series.length} series) in ${((t1 - t0) / 1000).toFixed(2)} s`);
    if (wholesale) {
      files.push(...(await writeWholesaleResults(wholesale, values.out)));
      log(`wholesale: ${wholesale.rows.length} rows in ${((t2 - t1) / 1000).toFixed(2)} s`);
    }
    for (const f of files) log(`wrote ${f}`);
    return 0;
  } catch (e) {
    if (e instanceof ValidationError || e instanceof ArgumentsError || e instanceof CalculationError || e instanceof MagnitudeError) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  runCalculate(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(70);
    },
  );
}
