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
 * `--help` lists every option; progress goes to stderr (phases, and per day read, throttled).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ArgumentsError, parseCalculationArguments } from '../shared/basis-data/calculation-arguments';
import { CalculationError, ValidationError } from '../shared/basis-data/errors';
import { ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { readScenarioArguments, ScenarioCsvSource } from '../shared/basis-data/scenario-source';
import type { BasisDataSource, CalculationArguments } from '../shared/basis-data/types';
import { MagnitudeError } from '../shared/decimal/scaled';
import { progressReporter, silentProgress, withProgress } from '../shared/basis-data/progress';
import { CALCULATION_TYPES, DEFAULT_QUARTERLY_TRANSITION } from '../shared/domain/codes';
import { PERIOD_BOUNDARY_HINT } from '../shared/domain/time';
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

/** Every option the command takes; CALCULATE_HELP describes each (test/unit/cli-usage.test.ts). */
export const CALCULATE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean' },
  scenario: { type: 'string' },
  lake: { type: 'string' },
  out: { type: 'string' },
  workers: { type: 'string' },
  'allow-partial-month': { type: 'boolean' },
  messages: { type: 'boolean' },
  ...Object.fromEntries(ARG_FLAGS.map((f) => [f, { type: 'string' as const }])),
} satisfies ParseArgsConfig['options'];

/** What `--lake` cannot do without (the rest have defaults). */
const REQUIRED_LAKE_FLAGS = [
  'calculation-id',
  'calculation-type',
  'grid-areas',
  'period-start-datetime',
  'period-end-datetime',
] as const;

export const CALCULATE_HELP = `npm run calculate -- (--scenario DIR | --lake DIR <arguments>) --out OUT [options]

Calculates the energy (and for wholesale types the wholesale) results of one calculation and
writes OUT/energy_results.csv/.parquet (OUT/wholesale_results.csv/.parquet). Exit code 0; 1 for
bad input (the message names file, row, column or argument; nothing written); 2 for bad usage.

Basis data (exactly one):
  --scenario DIR    reference layout: DIR/when/*.csv + DIR/calculation_arguments.yml (the
                    arguments come from that file; the argument flags below are refused)
  --lake DIR        Parquet lake (README "Lake layout"); the arguments are flags:

Arguments (--lake):
  --calculation-id ID                          required
  --calculation-type TYPE                      required: ${CALCULATION_TYPES.join(', ')}
  --grid-areas 800,801                         required: 3-digit codes, comma-separated
  --period-start-datetime T                    required: ${PERIOD_BOUNDARY_HINT}
  --period-end-datetime T                      required, exclusive (same forms)
  --calculation-execution-time-start T         default now; an instant
  --created-by-user-id U                       default 'cli'
  --as-of T                                    system time of the basis data; default the execution start
                                               (an instant: a date alone is refused)
  --quarterly-resolution-transition-datetime T default ${DEFAULT_QUARTERLY_TRANSITION}
  --allow-partial-month                        wholesale types: allow a period that is not one local month

Output and running:
  --out OUT         required: the output folder
  --messages        also write the RSM-014 documents (grid area owners from DIR/grid_area_owners.csv)
  --workers N       worker threads for a lake (default 0: in this thread, with progress per day read)
  --quiet           no progress lines on stderr
  -h, --help        this text
`;

const usage = (err: (s: string) => void, message: string): number => {
  err(`usage: ${message} (see --help)`);
  return 2;
};

export async function runCalculate(
  argv: string[],
  log: (s: string) => void = console.log,
  err: (s: string) => void = console.error,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: CALCULATE_OPTIONS, strict: true }));
  } catch (e) {
    return usage(err, (e as Error).message);
  }
  if (values.help) {
    log(CALCULATE_HELP);
    return 0;
  }
  const v = values as Record<string, string | boolean | undefined>;
  if (!values.scenario === !values.lake)
    return usage(err, values.scenario ? 'give --scenario or --lake, not both' : 'missing --scenario DIR or --lake DIR');
  if (!values.out) return usage(err, 'missing --out OUT');
  const given = [...ARG_FLAGS, 'allow-partial-month'].filter((f) => v[f] !== undefined);
  if (values.scenario && given.length)
    return usage(
      err,
      `${given.map((f) => `--${f}`).join(', ')}: only with --lake (a scenario's arguments are in its calculation_arguments.yml)`,
    );
  const missing = REQUIRED_LAKE_FLAGS.filter((f) => values.lake && v[f] === undefined);
  if (missing.length) return usage(err, `--lake needs ${missing.map((f) => `--${f}`).join(', ')}`);
  if (values.workers !== undefined && !/^\d+$/.test(values.workers))
    return usage(err, `--workers must be a whole number ≥ 0, not '${values.workers}'`);
  const progress = values.quiet ? silentProgress : progressReporter(err);
  try {
    let source: BasisDataSource;
    let args: CalculationArguments;
    if (values.scenario) {
      source = new ScenarioCsvSource(values.scenario);
      args = await readScenarioArguments(values.scenario);
    } else {
      source = new ParquetLakeSource(values.lake as string);
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
    // worker threads read the lake files themselves: only the phases are reported then (the
    // parallel paths need the lake source itself, not a wrapper)
    const parallel = workers > 0 && source instanceof ParquetLakeSource;
    const tracked = parallel ? source : withProgress(source, progress);
    progress.phase(
      `${args.calculationType} ${args.calculationId}: ${args.gridAreas.length} grid area(s), ${new Date(args.periodStart).toISOString()}..${new Date(args.periodEnd).toISOString()}`,
    );
    const t0 = performance.now();
    const results =
      parallel && source instanceof ParquetLakeSource
        ? await calculateEnergyParallel(source, args, { workers })
        : await calculateEnergy(tracked, args);
    const t1 = performance.now();
    progress.phase(`energy results: ${results.series.length} series`);
    // wholesale types also price the energy: tariffs, subscriptions, fees (computed before
    // anything is written, so bad charge data leaves no output either)
    if (isWholesaleType(args.calculationType)) progress.phase('calculating wholesale amounts');
    const wholesale = isWholesaleType(args.calculationType)
      ? await calculateWholesale(tracked, args, results, { workers })
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
    progress.phase(`writing results to ${values.out}`);
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
