/**
 * `npm run calculate -- --scenario DIR --out OUT`
 * `npm run calculate -- --lake DIR --out OUT --calculation-id ID --calculation-type balance_fixing \
 *     --grid-areas 800,801 --period-start-datetime 2023-11-01T23:00:00Z --period-end-datetime ... \
 *     [--calculation-execution-time-start T] [--created-by-user-id U] [--as-of T] \
 *     [--quarterly-resolution-transition-datetime T] [--allow-partial-month] [--workers N]`
 * Writes OUT/energy_results.csv and OUT/energy_results.parquet (and for wholesale types
 * OUT/wholesale_results.csv / .parquet); exit code 1 with the validation
 * message on bad input (nothing written), 2 on bad usage.
 * `--messages` also writes every RSM-014 document of the energy results to
 * OUT/messages/{receiverId}/{documentId}.xml; grid area owners come from DIR/grid_area_owners.csv
 * (a grid area with results but no owner there is bad input: exit code 1, nothing written).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { energyResultRows } from '../shared/results/energy-csv';
import {
  buildRsm014Documents,
  GRID_AREA_OWNERS_FILE,
  GridAreaOwnerNotFoundError,
  ownerResolver,
  parseGridAreaOwnersCsv,
  Rsm014InputError,
  type Rsm014Document,
} from '../shared/market-documents/rsm014';

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

export async function runCalculate(
  argv: string[],
  log: (s: string) => void = console.log,
  err: (s: string) => void = console.error,
): Promise<number> {
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
        messages: { type: 'boolean' },
        ...Object.fromEntries(ARG_FLAGS.map((f) => [f, { type: 'string' as const }])),
      },
      strict: true,
    }));
  } catch (e) {
    err(`usage: ${(e as Error).message}`);
    return 2;
  }
  if (!values.out || !values.scenario === !values.lake) {
    err('usage: calculate (--scenario DIR | --lake DIR <arguments as flags>) --out OUT [--messages]');
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
          'grid-areas':
            typeof v['grid-areas'] === 'string' ? v['grid-areas'].split(',').map((s) => s.trim()) : undefined,
          'period-start-datetime': v['period-start-datetime'],
          'period-end-datetime': v['period-end-datetime'],
          'calculation-execution-time-start': v['calculation-execution-time-start'] ?? now,
          'created-by-user-id': v['created-by-user-id'] ?? 'cli',
          ...(v['as-of'] ? { 'as-of': v['as-of'] } : {}),
          ...(v['quarterly-resolution-transition-datetime']
            ? { 'quarterly-resolution-transition-datetime': v['quarterly-resolution-transition-datetime'] }
            : {}),
          ...(v['allow-partial-month'] ? { 'allow-partial-month': true } : {}),
        },
        'command-line arguments',
      );
    }
    // read before calculating, so a malformed owners file fails fast; a missing one only fails
    // once a grid area actually needs its owner (named in the error)
    const ownersFile = join((values.scenario ?? values.lake) as string, GRID_AREA_OWNERS_FILE);
    const owners = values.messages ? await readGridAreaOwners(ownersFile) : null;
    const workers = values.workers === undefined ? 0 : Number(values.workers);
    const t0 = performance.now();
    const results =
      workers > 0 && source instanceof ParquetLakeSource
        ? await calculateEnergyParallel(source, args, { workers })
        : await calculateEnergy(source, args);
    const t1 = performance.now();
    // wholesale types also price the energy: tariffs, subscriptions, fees (computed before
    // anything is written, so bad charge data leaves no output either)
    const wholesale = isWholesaleType(args.calculationType)
      ? await calculateWholesale(source, args, results, { workers })
      : null;
    const t2 = performance.now();
    // built before anything is written: an unknown grid area owner leaves no output either
    let messages: Rsm014Document[] | null = null;
    if (owners) {
      try {
        // createdDateTime is when the documents were made; the ids do not depend on it, so a
        // rerun still overwrites the same files
        messages = buildRsm014Documents(
          energyResultRows(results),
          {
            calculationId: args.calculationId,
            calculationType: args.calculationType,
            periodStart: args.periodStart,
            periodEnd: args.periodEnd,
            createdAt: Date.now(),
          },
          ownerResolver(owners),
        );
      } catch (e) {
        if (e instanceof GridAreaOwnerNotFoundError) {
          const why = existsSync(ownersFile) ? `not listed in ${ownersFile}` : `${ownersFile} does not exist`;
          err(`error: no grid area owner for grid area ${e.gridArea} (${why}); --messages needs one per grid area`);
          return 1;
        }
        throw e;
      }
    }
    const { points, files } = await writeEnergyResults(results, values.out);
    log(
      `${args.calculationType} ${args.calculationId}: ${points} result points (${results.series.length} series) in ${((t1 - t0) / 1000).toFixed(2)} s`,
    );
    if (wholesale) {
      files.push(...(await writeWholesaleResults(wholesale, values.out)));
      log(`wholesale: ${wholesale.rows.length} rows in ${((t2 - t1) / 1000).toFixed(2)} s`);
    }
    if (messages) {
      const dir = await writeMessages(messages, values.out);
      log(
        `messages: ${messages.length} RSM-014 documents for ${new Set(messages.map((m) => m.receiver.id)).size} receivers`,
      );
      files.push(dir);
    }
    for (const f of files) log(`wrote ${f}`);
    return 0;
  } catch (e) {
    if (
      e instanceof ValidationError ||
      e instanceof ArgumentsError ||
      e instanceof CalculationError ||
      e instanceof MagnitudeError ||
      e instanceof Rsm014InputError
    ) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** Owners from `grid_area_owners.csv`; an absent file is an empty list (the error comes later, naming the grid area). */
async function readGridAreaOwners(file: string): Promise<Map<string, string>> {
  if (!existsSync(file)) return new Map();
  return parseGridAreaOwnersCsv(await readFile(file, 'utf8'), file);
}

/**
 * OUT/messages/{receiverId}/{documentId}.xml, each written under a temporary name and renamed,
 * like the result files. Receiver ids are GLN/EIC (checked by the builder) and document ids
 * UUIDs, so both are safe path segments.
 */
async function writeMessages(docs: readonly Rsm014Document[], outDir: string): Promise<string> {
  const root = join(outDir, 'messages');
  await mkdir(root, { recursive: true }); // exists even when no result is sent, so "wrote" is true
  for (const d of docs) {
    const dir = join(root, d.receiver.id);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${d.documentId}.xml`);
    const tmp = join(dir, `.${d.documentId}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, d.xml, 'utf8');
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return root;
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
