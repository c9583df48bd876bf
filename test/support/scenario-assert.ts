/**
 * Scenario assertions (test/scenarios/<name>/{when,then}).
 *
 * A scenario folder holds the engine inputs under `when/` and the expectation under `then/`:
 * - `then/energy_results.csv`: expected rows in the output contract. For every
 *   (time_series_type, aggregation_level) pair occurring in it, the engine's rows of that pair
 *   must equal the expected rows exactly (multiset, order-insensitive; qualities compared as
 *   sets; result_id ignored where the expected one is empty; every other column as string).
 * - `then/exhaustive` (optional marker): the engine must not produce any other pair either.
 * - `then/error.txt` (instead of energy_results.csv): the calculation must be rejected with a
 *   ValidationError/CalculationError/ArgumentsError whose message contains every non-empty line
 *   of the file (case-insensitive).
 * Independently of the expectation, every engine run is checked for duplicate (series, time)
 * rows and for result ids that differ from `resultId()` of the row's series
 * (docs/energy-calculation.md, "Results").
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AGGREGATION_LEVELS, QUALITIES, TIME_SERIES_TYPES } from '../../shared/domain/codes';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from '../../shared/results/energy-result-row';
import { resultId } from '../../shared/results/result-id';

export type CalculateScenario = (dir: string) => Promise<EnergyResultRow[]>;
type Column = (typeof ENERGY_RESULT_COLUMNS)[number];

export const SCENARIOS_ROOT = path.resolve(__dirname, '..', 'scenarios');
export const ENGINE_MODULE = path.resolve(__dirname, '..', '..', 'shared', 'calculation', 'energy', 'run');

/** Error classes a rejected scenario may throw (anything else, e.g. a TypeError, is an engine bug). */
export const EXPECTED_ERROR_NAMES = ['ValidationError', 'CalculationError', 'ArgumentsError'];

const MAX_DIFF_LINES = 150;

/** Scenario folders: direct children of `root` that contain a `when/` folder. */
export function listScenarioDirs(root: string = SCENARIOS_ROOT): string[] {
  return readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(path.join(dir, 'when')))
    .sort();
}

/**
 * Loads `calculateScenario` from shared/calculation/energy/run.ts. Resolved at run time so the
 * suite compiles while the engine is being written; a missing module fails each scenario test
 * with this message instead of breaking the whole suite.
 */
export function loadCalculateScenario(): CalculateScenario {
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load resolved at run time, so a missing engine fails each test (above)
    mod = require(ENGINE_MODULE) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot load the energy engine (${path.relative(process.cwd(), ENGINE_MODULE)}.ts): ${msg}`);
  }
  const fn = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>).calculateScenario : undefined;
  if (typeof fn !== 'function') throw new Error(`${ENGINE_MODULE} does not export a function calculateScenario(dir)`);
  return fn as CalculateScenario;
}

// ---------------------------------------------------------------------------------------------
// Reading the expectation

export function readResultCsv(file: string): EnergyResultRow[] {
  const lines = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(';');
  if (header.join(';') !== ENERGY_RESULT_COLUMNS.join(';')) {
    throw new Error(
      `${file}: header must be exactly\n  ${ENERGY_RESULT_COLUMNS.join(';')}\nbut is\n  ${lines[0] ?? '(empty file)'}`,
    );
  }
  const rows: EnergyResultRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = lines[i].split(';');
    if (fields.length !== ENERGY_RESULT_COLUMNS.length) {
      throw new Error(`${file}:${i + 1}: expected ${ENERGY_RESULT_COLUMNS.length} fields, found ${fields.length}`);
    }
    const row = {} as EnergyResultRow;
    ENERGY_RESULT_COLUMNS.forEach((c, k) => (row[c] = fields[k].trim()));
    rows.push(row);
  }
  return rows;
}

export function readExpectedError(dir: string): string[] | null {
  const file = path.join(dir, 'then', 'error.txt');
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

// ---------------------------------------------------------------------------------------------
// Normalisation and keys

/** `['measured', 'missing']` → `['missing', 'measured']` (code-list order, duplicates dropped). */
export function canonicalQualities(text: string): string {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '').trim();
  const parts = inner === '' ? [] : inner.split(',').map((s) => s.trim().replace(/^['"]|['"]$/g, ''));
  const rank = (q: string): number => {
    const i = (QUALITIES as readonly string[]).indexOf(q);
    return i < 0 ? QUALITIES.length : i;
  };
  const unique = [...new Set(parts)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return `[${unique.map((q) => `'${q}'`).join(', ')}]`;
}

const COMPARED: Column[] = ENERGY_RESULT_COLUMNS.filter((c) => c !== 'result_id');
const SERIES: Column[] = [
  'calculation_id',
  'time_series_type',
  'aggregation_level',
  'grid_area_code',
  'neighbor_grid_area_code',
  'energy_supplier_id',
  'balance_responsible_party_id',
  'metering_point_id',
];
const IDENTITY: Column[] = [...SERIES.filter((c) => c !== 'calculation_id'), 'time'];

function value(row: EnergyResultRow, c: Column): string {
  const v = row[c] ?? '';
  return c === 'quantity_qualities' ? canonicalQualities(v) : v;
}
const keyOf = (row: EnergyResultRow, cols: Column[]): string => cols.map((c) => value(row, c)).join('\u0001');
const pairOf = (row: EnergyResultRow): string => `${row.time_series_type} / ${row.aggregation_level}`;

function describeIdentity(row: EnergyResultRow): string {
  const parts = [`ga=${row.grid_area_code}`];
  if (row.neighbor_grid_area_code) parts.push(`neighbour=${row.neighbor_grid_area_code}`);
  if (row.energy_supplier_id) parts.push(`es=${row.energy_supplier_id}`);
  if (row.balance_responsible_party_id) parts.push(`brp=${row.balance_responsible_party_id}`);
  if (row.metering_point_id) parts.push(`mp=${row.metering_point_id}`);
  parts.push(row.time);
  return parts.join(' ');
}
function describeValue(row: EnergyResultRow): string {
  const extra = COMPARED.filter((c) => !IDENTITY.includes(c) && c !== 'quantity' && c !== 'quantity_qualities')
    .map((c) => `${c}=${row[c] ?? ''}`)
    .join(' ');
  return `${row.quantity} ${canonicalQualities(row.quantity_qualities)}  (${extra})`;
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface ComparisonReport {
  ok: boolean;
  text: string;
}

/**
 * Compares engine rows with expected rows per (time_series_type, aggregation_level) pair of the
 * expectation. With `exhaustive`, pairs the expectation does not mention must be absent too.
 */
export function compareResults(
  expected: EnergyResultRow[],
  actual: EnergyResultRow[],
  exhaustive: boolean,
): ComparisonReport {
  const lines: string[] = [];
  const expectedPairs = new Set(expected.map(pairOf));
  let matched = 0;

  for (const pair of [...expectedPairs].sort()) {
    const exp = expected.filter((r) => pairOf(r) === pair);
    const act = actual.filter((r) => pairOf(r) === pair);
    // engine rows of the pair by their key without result_id
    const pool = new Map<string, EnergyResultRow[]>();
    for (const r of act) {
      const k = keyOf(r, COMPARED);
      const list = pool.get(k);
      if (list) list.push(r);
      else pool.set(k, [r]);
    }
    const take = (r: EnergyResultRow): boolean => {
      const list = pool.get(keyOf(r, COMPARED));
      if (!list || list.length === 0) return false;
      const i = r.result_id ? list.findIndex((a) => a.result_id === r.result_id) : 0;
      if (i < 0) return false;
      list.splice(i, 1);
      return true;
    };
    // rows with an expected result_id first, so they cannot be consumed by id-less rows
    const missing = [...exp.filter((r) => r.result_id), ...exp.filter((r) => !r.result_id)].filter((r) => !take(r));
    const unexpected = [...pool.values()].flat();
    matched += exp.length - missing.length;
    if (missing.length === 0 && unexpected.length === 0) continue;

    lines.push(
      `${pair}: ${exp.length} expected, ${act.length} produced; ${missing.length} expected row(s) not produced, ${unexpected.length} unexpected row(s)`,
    );
    const byIdentity = new Map<string, EnergyResultRow[]>();
    for (const r of unexpected) {
      const k = keyOf(r, IDENTITY);
      const list = byIdentity.get(k);
      if (list) list.push(r);
      else byIdentity.set(k, [r]);
    }
    const sorted = (rows: EnergyResultRow[]): EnergyResultRow[] =>
      [...rows].sort((a, b) => keyOf(a, IDENTITY).localeCompare(keyOf(b, IDENTITY)));
    for (const e of sorted(missing)) {
      const twin = byIdentity.get(keyOf(e, IDENTITY))?.shift();
      if (twin) {
        const diffs = [...COMPARED, 'result_id' as const]
          .filter((c) =>
            c === 'result_id' ? e.result_id !== '' && e.result_id !== twin.result_id : value(e, c) !== value(twin, c),
          )
          .map((c) => `${c}: expected ${JSON.stringify(value(e, c))}, got ${JSON.stringify(value(twin, c))}`);
        lines.push(`  ~ ${describeIdentity(e)}: ${diffs.join('; ')}`);
      } else {
        lines.push(`  - missing    ${describeIdentity(e)}: ${describeValue(e)}`);
      }
    }
    for (const a of sorted([...byIdentity.values()].flat())) {
      lines.push(`  + unexpected ${describeIdentity(a)}: ${describeValue(a)}`);
    }
  }

  if (exhaustive) {
    const extra = new Map<string, number>();
    for (const r of actual) if (!expectedPairs.has(pairOf(r))) extra.set(pairOf(r), (extra.get(pairOf(r)) ?? 0) + 1);
    for (const [pair, n] of [...extra].sort()) {
      lines.push(`${pair}: ${n} row(s) produced, but the expectation is exhaustive and has none of this pair`);
      for (const r of actual.filter((x) => pairOf(x) === pair).slice(0, 5))
        lines.push(`  + unexpected ${describeIdentity(r)}: ${describeValue(r)}`);
    }
  }

  const ok = lines.length === 0;
  const shown =
    lines.length > MAX_DIFF_LINES
      ? [...lines.slice(0, MAX_DIFF_LINES), `  … ${lines.length - MAX_DIFF_LINES} more line(s)`]
      : lines;
  return {
    ok,
    text: ok
      ? `${matched} rows in ${expectedPairs.size} (type, level) pairs match`
      : `engine results differ from then/energy_results.csv (${matched} of ${expected.length} expected rows matched):\n${shown.join('\n')}`,
  };
}

/** Invariants of any engine output: no duplicate (series, time) rows, result ids per docs. */
export function checkOutputInvariants(actual: EnergyResultRow[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const r of actual) {
    const k = keyOf(r, [...SERIES, 'time']);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  for (const r of actual) {
    const n = seen.get(keyOf(r, [...SERIES, 'time'])) ?? 0;
    if (n > 1) {
      problems.push(`duplicate rows (${n}×) for ${pairOf(r)} ${describeIdentity(r)}`);
      seen.set(keyOf(r, [...SERIES, 'time']), 0);
    }
  }
  const wrongIds = new Map<string, string>();
  for (const r of actual) {
    const want = resultId({
      calculationId: r.calculation_id,
      timeSeriesType: r.time_series_type,
      aggregationLevel: r.aggregation_level,
      gridAreaCode: r.grid_area_code,
      neighborGridAreaCode: r.neighbor_grid_area_code || null,
      energySupplierId: r.energy_supplier_id || null,
      balanceResponsiblePartyId: r.balance_responsible_party_id || null,
      meteringPointId: r.metering_point_id || null,
    });
    if (r.result_id !== want)
      wrongIds.set(
        keyOf(r, SERIES),
        `${pairOf(r)} ${describeIdentity(r)}: result_id ${JSON.stringify(r.result_id)}, expected ${want}`,
      );
  }
  const ids = [...wrongIds.values()];
  if (ids.length > 0) {
    problems.push(
      `${ids.length} series with a result_id other than resultId() of its series (docs/energy-calculation.md), e.g.`,
    );
    problems.push(...ids.slice(0, 5).map((s) => `  ${s}`));
  }
  return problems.slice(0, MAX_DIFF_LINES);
}

// ---------------------------------------------------------------------------------------------
// Running a scenario

/** Runs the engine on `dir` and throws a readable report if it does not meet `then/`. */
export async function assertScenario(
  dir: string,
  calculate: CalculateScenario = loadCalculateScenario(),
): Promise<void> {
  const name = path.basename(dir);
  const expectedError = readExpectedError(dir);
  if (expectedError !== null) {
    await assertScenarioRejected(dir, expectedError, calculate);
    return;
  }
  const expected = readResultCsv(path.join(dir, 'then', 'energy_results.csv'));
  const exhaustive = existsSync(path.join(dir, 'then', 'exhaustive'));
  const actual = await calculate(dir);
  const report = compareResults(expected, actual, exhaustive);
  const invariants = checkOutputInvariants(actual);
  const failures = [...(report.ok ? [] : [report.text]), ...invariants];
  if (failures.length > 0) throw new Error(`scenario ${name}:\n${failures.join('\n')}`);
}

async function assertScenarioRejected(dir: string, substrings: string[], calculate: CalculateScenario): Promise<void> {
  const name = path.basename(dir);
  let rows: EnergyResultRow[];
  try {
    rows = await calculate(dir);
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`scenario ${name}: expected an Error, got ${String(e)}`);
    const problems: string[] = [];
    if (!EXPECTED_ERROR_NAMES.includes(e.name))
      problems.push(`error is a ${e.name}, expected one of ${EXPECTED_ERROR_NAMES.join(', ')}`);
    const message = e.message.toLowerCase();
    for (const s of substrings)
      if (!message.includes(s.toLowerCase())) problems.push(`message does not contain ${JSON.stringify(s)}`);
    if (problems.length > 0) {
      throw new Error(
        `scenario ${name}: rejected, but ${problems.join('; ')}\n${e.stack ?? `${e.name}: ${e.message}`}`,
      );
    }
    return;
  }
  throw new Error(
    `scenario ${name}: expected the calculation to fail with a message containing ${substrings.map((s) => JSON.stringify(s)).join(', ')}, but it returned ${rows.length} rows`,
  );
}

// ---------------------------------------------------------------------------------------------
// Well-formedness of the fixture files themselves (runs without the engine)

const MPP_HEADER =
  'metering_point_id;type;calculation_type;settlement_method;grid_area_code;resolution;from_grid_area_code;to_grid_area_code;parent_metering_point_id;energy_supplier_id;balance_responsible_party_id;from_date;to_date';
const TS_HEADERS = [
  'metering_point_id;quantity;quality;observation_time',
  'metering_point_id;quantity;quality;observation_time;registration_time',
];
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const QUANTITY_RE = /^-?\d+\.\d{3}$/;

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

function instantOf(v: unknown): number | null {
  if (typeof v !== 'string' || !INSTANT_RE.test(v)) return null;
  return Date.parse(v);
}

/** Problems with a scenario folder's files (empty = well-formed). Does not need the engine. */
export function checkScenarioFiles(dir: string): string[] {
  const p: string[] = [];
  const rel = (f: string): string => path.relative(dir, f);
  const when = (f: string): string => path.join(dir, 'when', f);
  for (const f of [
    'metering_point_periods.csv',
    'time_series_points.csv',
    'grid_loss_metering_points.csv',
    'calculation_arguments.yml',
  ]) {
    if (!existsSync(when(f))) p.push(`missing when/${f}`);
  }
  if (p.length > 0) return p;

  const mpp = readLines(when('metering_point_periods.csv'));
  if (mpp[0] !== MPP_HEADER) p.push(`when/metering_point_periods.csv: unexpected header ${mpp[0]}`);
  mpp.slice(1).forEach((l, i) => {
    if (l.split(';').length !== 13)
      p.push(`when/metering_point_periods.csv row ${i + 1}: ${l.split(';').length} fields`);
  });
  const ts = readLines(when('time_series_points.csv'));
  if (!TS_HEADERS.includes(ts[0])) p.push(`when/time_series_points.csv: unexpected header ${ts[0]}`);
  const tsWidth = (ts[0] ?? '').split(';').length;
  ts.slice(1).forEach((l, i) => {
    if (l.split(';').length !== tsWidth)
      p.push(`when/time_series_points.csv row ${i + 1}: ${l.split(';').length} fields`);
  });
  const gl = readLines(when('grid_loss_metering_points.csv'));
  if (gl[0] !== 'metering_point_id') p.push(`when/grid_loss_metering_points.csv: unexpected header ${gl[0]}`);

  let args: Record<string, unknown> = {};
  try {
    const parsed: unknown = parseYaml(readFileSync(when('calculation_arguments.yml'), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      p.push('when/calculation_arguments.yml: not a mapping');
    else args = parsed as Record<string, unknown>;
  } catch (e) {
    p.push(`when/calculation_arguments.yml: ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const k of [
    'calculation-id',
    'calculation-type',
    'grid-areas',
    'period-start-datetime',
    'period-end-datetime',
    'calculation-execution-time-start',
    'created-by-user-id',
  ]) {
    if (!(k in args)) p.push(`when/calculation_arguments.yml: missing ${k}`);
  }

  const errorFile = path.join(dir, 'then', 'error.txt');
  const resultsFile = path.join(dir, 'then', 'energy_results.csv');
  if (existsSync(errorFile) === existsSync(resultsFile)) {
    p.push('then/ must contain exactly one of energy_results.csv and error.txt');
    return p;
  }
  if (existsSync(errorFile)) {
    if ((readExpectedError(dir) ?? []).length === 0) p.push('then/error.txt has no substring');
    return p;
  }

  let rows: EnergyResultRow[] = [];
  try {
    rows = readResultCsv(resultsFile);
  } catch (e) {
    p.push(e instanceof Error ? e.message : String(e));
    return p;
  }
  if (rows.length === 0) p.push(`${rel(resultsFile)} has no rows`);
  const end = instantOf(args['period-end-datetime']);
  const start = instantOf(args['period-start-datetime']);
  const transition = instantOf(args['quarterly-resolution-transition-datetime'] ?? '2023-01-31T23:00:00Z');
  const resolution = end !== null && transition !== null ? (end > transition ? 'PT15M' : 'PT1H') : null;
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = `${rel(resultsFile)} row ${i + 1}`;
    if (r.calculation_id !== args['calculation-id'])
      p.push(`${at}: calculation_id ${r.calculation_id} differs from the yml`);
    if (r.calculation_type !== args['calculation-type'])
      p.push(`${at}: calculation_type ${r.calculation_type} differs from the yml`);
    if (!(TIME_SERIES_TYPES as readonly string[]).includes(r.time_series_type))
      p.push(`${at}: unknown time_series_type ${r.time_series_type}`);
    if (!(AGGREGATION_LEVELS as readonly string[]).includes(r.aggregation_level))
      p.push(`${at}: unknown aggregation_level ${r.aggregation_level}`);
    if (!/^\d{3}$/.test(r.grid_area_code)) p.push(`${at}: grid_area_code ${r.grid_area_code}`);
    if ((r.aggregation_level === 'neighbor_grid_area') !== (r.neighbor_grid_area_code !== ''))
      p.push(`${at}: neighbor_grid_area_code does not fit the level`);
    if ((r.aggregation_level === 'metering_point') !== (r.metering_point_id !== ''))
      p.push(`${at}: metering_point_id does not fit the level`);
    const wantEs = r.aggregation_level === 'energy_supplier' || r.aggregation_level === 'metering_point';
    const wantBrp = wantEs || r.aggregation_level === 'balance_responsible_party';
    if (wantEs !== (r.energy_supplier_id !== '')) p.push(`${at}: energy_supplier_id does not fit the level`);
    if (wantBrp !== (r.balance_responsible_party_id !== ''))
      p.push(`${at}: balance_responsible_party_id does not fit the level`);
    const t = instantOf(r.time);
    if (t === null) p.push(`${at}: time ${r.time}`);
    else if (start !== null && end !== null && (t < start || t >= end))
      p.push(`${at}: time ${r.time} outside the calculation period`);
    if (resolution !== null && r.resolution !== resolution)
      p.push(`${at}: resolution ${r.resolution}, the period implies ${resolution}`);
    if (t !== null && resolution === 'PT1H' && t % 3_600_000 !== 0)
      p.push(`${at}: time ${r.time} is not on a whole hour`);
    if (!QUANTITY_RE.test(r.quantity)) p.push(`${at}: quantity ${r.quantity} is not a 3-decimal number`);
    const q = canonicalQualities(r.quantity_qualities);
    if (q !== r.quantity_qualities) p.push(`${at}: qualities ${r.quantity_qualities} not written as ${q}`);
    if (
      q === '[]' ||
      q
        .replace(/\[|\]|'/g, '')
        .split(', ')
        .some((x) => !(QUALITIES as readonly string[]).includes(x))
    )
      p.push(`${at}: qualities ${r.quantity_qualities}`);
    const k = keyOf(r, [...SERIES, 'time']);
    if (seen.has(k)) p.push(`${at}: duplicate (series, time)`);
    seen.add(k);
  });
  return p;
}
