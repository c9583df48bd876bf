/**
 * `npm run lake -- generate|convert|upload|list|download …`: basis data for the local host (or
 * any storage account by connection string). `--help` on every subcommand. Exit code 0 done,
 * 1 bad input or a failed operation, 2 bad usage (the message names what is missing).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticLake } from '../bench/lake';
import { generateSynthetic } from '../bench/synthetic';
import {
  generateCharges,
  gridOperatorOf,
  writeChargesLake as writeSyntheticChargesLake,
} from '../bench/synthetic-charges';
import { readChargesCsv, writeChargesLake } from '../shared/basis-data/charges';
import { ValidationError } from '../shared/basis-data/errors';
import { scenarioToLake } from '../shared/basis-data/parquet/convert';
import { LAKE_TABLES, lakeLayoutOf } from '../shared/basis-data/parquet/lake';
import { readScenarioArguments, ScenarioCsvSource } from '../shared/basis-data/scenario-source';
import { NAMES } from '../shared/config/names';
import { localMidnight } from '../shared/domain/local-time';
import { formatInstant, parseInstant } from '../shared/domain/time';
import { eventToJson } from '../shared/integration-events/json-form';
import { GRID_AREA_OWNERS_FILE, parseGridAreaOwnersCsv } from '../shared/market-documents/rsm014';
import { AzureBlobStore } from '../shared/storage/azure-blob-store';
import { uploadLake } from '../local/upload-lake';
import { storageConnectionString, UsageError } from './target';
import { gridAreaOwnerEvents } from './event-examples';

/** Written next to a generated or converted lake: GridAreaUpdated per grid area (`npm run events -- publish`). */
export const OWNERS_EVENTS_FILE = 'grid-area-owners.events.json';

const STORAGE_OPTIONS = `  --connection-string CS   storage to use (default: $AZURE_STORAGE_CONNECTION_STRING, else the
                           running npm start's, from .local/host.json)
  --data-dir DIR           where npm start wrote host.json (default .local)`;

const HELP: Record<string, string> = {
  lake: `Usage: npm run lake -- <command> [options]   (npm run lake -- <command> --help for its options)

  generate   write a synthetic basis-data lake (Parquet, grid-area layout) into a folder
  convert    write a scenario folder's CSV basis data (DIR/when/*.csv) as a lake folder
  upload     upload a lake folder into the basis-data container of the running host's storage
  list       list the blobs of a container (default basis-data)
  download   download the blobs under a prefix of a container (e.g. RSM-014 documents)`,
  generate: `Usage: npm run lake -- generate --out DIR [--grid-areas 4] [--metering-points 2000] [--days 2]
                              [--start 2024-02-01] [--seed 2024] [--charges]

Writes synthetic basis data (bench/synthetic.ts: consumption, production, exchange between the
grid areas, grid loss, PT15M and PT1H, supplier changes) as a Parquet lake in DIR, and
DIR/${OWNERS_EVENTS_FILE}: one GridAreaUpdated event per grid area naming its owner (grid
access provider 5790001<code>001), for npm run events -- publish.

  --out DIR              the lake folder (replaced)
  --grid-areas N         grid areas 800, 801, … (default 4)
  --metering-points N    ordinary metering points (default 2000)
  --days N               local days of readings (default 2)
  --start DATE           first day: a Danish local date YYYY-MM-DD or a local-midnight instant
                         (default 2024-02-01 = 2024-01-31T23:00:00Z)
  --seed N               the generator's seed (default 2024; same seed, same data)
  --charges              also tariffs, subscriptions, fees and their links (wholesale jobs)`,
  convert: `Usage: npm run lake -- convert --scenario DIR --out LAKE

Checks and writes a scenario folder (DIR/when/metering_point_periods.csv, time_series_points.csv,
grid_loss_metering_points.csv, optional charge_*.csv; ';'-separated, the layout npm run calculate
-- --scenario reads) as a Parquet lake in LAKE. A DIR/${GRID_AREA_OWNERS_FILE} becomes
LAKE/${OWNERS_EVENTS_FILE} (GridAreaUpdated events). Bad input: exit code 1 naming file, row and
column; nothing is written.

  --scenario DIR   the scenario folder
  --out LAKE       the lake folder (must not exist yet)`,
  upload: `Usage: npm run lake -- upload DIR [--connection-string CS] [--data-dir .local]

Uploads every .parquet file under DIR into the ${NAMES.containers.basisData} container (same relative
paths; a lake in the old flat layout is rewritten into the grid-area layout first). A job started
after the upload sees the new grid areas at once.

${STORAGE_OPTIONS}`,
  list: `Usage: npm run lake -- list [--container ${NAMES.containers.basisData}] [--prefix P] [--connection-string CS]

Lists blob paths and sizes. Containers: ${Object.values(NAMES.containers).join(', ')}.

  --container NAME   (default ${NAMES.containers.basisData})
  --prefix P         only blobs under P (e.g. messages/<jobId>/ in ${NAMES.containers.messages})
${STORAGE_OPTIONS}`,
  download: `Usage: npm run lake -- download --container NAME --prefix P --out DIR [--connection-string CS]

Downloads every blob under P into DIR (same relative paths). The RSM-014 documents of a job:
  npm run lake -- download --container ${NAMES.containers.messages} --prefix messages/<jobId>/ --out docs

  --container NAME   e.g. ${NAMES.containers.messages}, ${NAMES.containers.results}
  --prefix P         required ('' for the whole container)
  --out DIR          target folder
${STORAGE_OPTIONS}`,
};

type Log = (s: string) => void;

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
      allowPositionals,
    });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: '${text}' is not a positive integer`);
  return n;
}

/** `YYYY-MM-DD` is a Danish local date (its local midnight); an instant must be a local midnight. */
export function parseStart(text: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) return localMidnight(Number(date[1]), Number(date[2]), Number(date[3]));
  const ms = parseInstant(text);
  if (ms === null) throw new UsageError(`--start: '${text}' is neither a date YYYY-MM-DD nor an instant`);
  return ms;
}

const ownersEvents = (owners: ReadonlyMap<string, string>) =>
  gridAreaOwnerEvents(owners).map((e) => eventToJson(e.eventId, e.event));

async function generate(argv: string[], log: Log): Promise<number> {
  const { values } = parse('generate', argv, {
    out: { type: 'string' },
    'grid-areas': { type: 'string' },
    'metering-points': { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    seed: { type: 'string' },
    charges: { type: 'boolean' },
  });
  if (values.help) return help('generate', log);
  if (!values.out) throw new UsageError('generate: --out DIR is required (the folder to write the lake to)');
  const gridAreas = positiveInt(values['grid-areas'], '--grid-areas', 4);
  const start = parseStart(values.start ?? '2024-02-01');
  const seed = positiveInt(values.seed, '--seed', 2024);
  const data = generateSynthetic({
    seed,
    meteringPoints: positiveInt(values['metering-points'], '--metering-points', 2000),
    gridAreas,
    calculationGridAreas: gridAreas,
    days: positiveInt(values.days, '--days', 2),
    periodStart: formatInstant(start),
  });
  const out = resolve(values.out);
  // the folder is replaced: never wipe one that is not a lake (`--out .` would take the checkout)
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, LAKE_TABLES.periods)))
    throw new UsageError(`generate: ${out} exists and is not a lake; give a new folder`);
  log(`generating ${data.meteringPointIds.length} metering points in grid areas ${data.gridAreas.join(', ')} ...`);
  const points = await writeSyntheticLake(out, data);
  if (values.charges) {
    const charges = generateCharges(data, { seed });
    await writeSyntheticChargesLake(out, charges, await lakeLayoutOf(out));
    log(`charges: ${charges.priceInformationPeriods.length} price informations, ${charges.linkPeriods.length} links`);
  }
  writeFileSync(
    join(out, OWNERS_EVENTS_FILE),
    JSON.stringify(ownersEvents(new Map(data.gridAreas.map((ga) => [ga, gridOperatorOf(ga)]))), null, 2) + '\n',
  );
  const begin = formatInstant(data.args.periodStart);
  const end = formatInstant(data.args.periodEnd);
  log(
    [
      `wrote ${points.toLocaleString('en')} time series points to ${out}`,
      `  grid areas ${data.gridAreas.join(',')}, period ${begin} – ${end}`,
      `  grid area owners (GridAreaUpdated events): ${join(out, OWNERS_EVENTS_FILE)}`,
      'next:',
      `  npm run lake -- upload ${values.out}`,
      `  npm run events -- publish ${join(values.out, OWNERS_EVENTS_FILE)}`,
      `  curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:7071/api/KickStartJob?processType=D04&beginTime=${begin}&endTime=${end}"`,
    ].join('\n'),
  );
  return 0;
}

async function convert(argv: string[], log: Log, err: Log): Promise<number> {
  const { values } = parse('convert', argv, { scenario: { type: 'string' }, out: { type: 'string' } });
  if (values.help) return help('convert', log);
  const missing = [!values.scenario && '--scenario DIR', !values.out && '--out LAKE'].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`convert: ${missing.join(' and ')} required`);
  const scenario = resolve(values.scenario as string);
  const out = resolve(values.out as string);
  if (!existsSync(join(scenario, 'when')))
    throw new UsageError(`convert: ${scenario}/when/ does not exist (the scenario layout: DIR/when/*.csv)`);
  if (existsSync(out)) throw new UsageError(`convert: ${out} exists; give a new folder`);
  const source = new ScenarioCsvSource(scenario);
  let owners: Map<string, string> | null = null;
  try {
    // scenarioToLake expects valid input: read everything through the validating source first
    const periods = await source.readMeteringPointPeriods();
    await source.readGridLossMeteringPointIds();
    const dictionary = new Map(periods.map((p, i) => [p.meteringPointId, i]));
    await source.forEachTimeSeriesBatch(dictionary, { from: 0, to: Number.MAX_SAFE_INTEGER }, () => {});
    await source.readCharges();
    if (existsSync(join(scenario, 'when', 'calculation_arguments.yml'))) await readScenarioArguments(scenario);
    const ownersFile = join(scenario, GRID_AREA_OWNERS_FILE);
    if (existsSync(ownersFile)) owners = parseGridAreaOwnersCsv(await readFile(ownersFile, 'utf8'));
  } catch (e) {
    // everything above only reads the input: any failure is bad input (ValidationError names file, row, column)
    err(`convert: ${e instanceof ValidationError ? e.message : String(e instanceof Error ? e.message : e)}`);
    return 1;
  }
  mkdirSync(out, { recursive: true });
  await scenarioToLake(scenario, out);
  const charges = await readChargesCsv(scenario);
  if (charges.priceInformation.length + charges.prices.length + charges.links.length > 0)
    await writeChargesLake(out, charges, await lakeLayoutOf(out));
  if (owners) writeFileSync(join(out, OWNERS_EVENTS_FILE), JSON.stringify(ownersEvents(owners), null, 2) + '\n');
  log(`wrote the lake of ${scenario} to ${out}${owners ? ` (and ${OWNERS_EVENTS_FILE})` : ''}`);
  return 0;
}

async function upload(argv: string[], log: Log): Promise<number> {
  const { values, positionals } = parse(
    'upload',
    argv,
    { 'connection-string': { type: 'string' }, 'data-dir': { type: 'string' } },
    true,
  );
  if (values.help) return help('upload', log);
  if (positionals.length !== 1) throw new UsageError('upload: DIR (the lake folder) is required, exactly one');
  const dir = resolve(positionals[0]);
  if (!existsSync(dir)) throw new UsageError(`upload: ${dir} does not exist`);
  const store = AzureBlobStore.fromConnectionString(
    storageConnectionString(values['connection-string'], values['data-dir']),
    NAMES.containers.basisData,
  );
  await store.ensureContainer();
  const files = await uploadLake(dir, store);
  if (files === 0) throw new UsageError(`upload: no .parquet files under ${dir}`);
  log(`uploaded ${files} files from ${dir} to container ${NAMES.containers.basisData}`);
  return 0;
}

function container(values: { container?: string; 'connection-string'?: string; 'data-dir'?: string }) {
  const name = values.container ?? NAMES.containers.basisData;
  if (!(Object.values(NAMES.containers) as string[]).includes(name))
    throw new UsageError(`--container: '${name}' is none of ${Object.values(NAMES.containers).join(', ')}`);
  return AzureBlobStore.fromConnectionString(
    storageConnectionString(values['connection-string'], values['data-dir']),
    name,
  );
}

async function list(argv: string[], log: Log): Promise<number> {
  const { values } = parse('list', argv, {
    container: { type: 'string' },
    prefix: { type: 'string' },
    'connection-string': { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (values.help) return help('list', log);
  const blobs = await container(values).listDetailed(values.prefix ?? '');
  for (const b of blobs) log(`${String(b.size).padStart(10)}  ${b.path}`);
  log(`${blobs.length} blobs`);
  return 0;
}

async function download(argv: string[], log: Log): Promise<number> {
  const { values } = parse('download', argv, {
    container: { type: 'string' },
    prefix: { type: 'string' },
    out: { type: 'string' },
    'connection-string': { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (values.help) return help('download', log);
  const missing = [
    !values.container && '--container NAME',
    values.prefix === undefined && '--prefix P',
    !values.out && '--out DIR',
  ].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`download: ${missing.join(', ')} required`);
  const files = await container(values).downloadPrefix(values.prefix as string, resolve(values.out as string));
  for (const f of files) log(f);
  log(`${files.length} files downloaded to ${resolve(values.out as string)}`);
  return 0;
}

function help(command: string, log: Log): number {
  log(HELP[command]);
  return 0;
}

const COMMANDS: Record<string, (argv: string[], log: Log, err: Log) => Promise<number>> = {
  generate,
  convert,
  upload,
  list,
  download,
};

export async function runLake(argv: string[], log: Log = console.log, err: Log = console.error): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    (command === undefined ? err : log)(HELP.lake);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    err(`unknown command '${command}'\n\n${HELP.lake}`);
    return 2;
  }
  try {
    return await run(rest, log, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n\n${HELP[command]}`);
      return 2;
    }
    err(`${command} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) void runLake(process.argv.slice(2)).then((code) => process.exit(code));
