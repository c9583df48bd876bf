/**
 * Wholesale scenario assertions (test/scenarios-wholesale/<name>/{when,then}).
 *
 * A scenario folder holds the engine inputs under `when/` (the energy inputs plus
 * charge_price_information_periods.csv, charge_price_points.csv, charge_link_periods.csv) and the
 * expectation in `then/wholesale_results.csv` (docs/wholesale-calculation.md, "Output"):
 * - For every (amount_type, charge_type, resolution) group occurring in the expected file, the
 *   engine's rows of that group must equal the expected rows exactly: multiset, order-insensitive;
 *   `quantity_qualities` compared as sets (`['calculated', 'missing']` = `['missing', 'calculated']`,
 *   but `''` (monthly amounts, totals) is not `[]` (subscriptions, fees)); result_id ignored where
 *   the expected one is empty; every other column compared as a string ('' = null).
 * - `then/exhaustive` (optional marker): the engine must not produce rows of any other group.
 * - `then/error.txt` (instead of wholesale_results.csv): the calculation must be rejected with a
 *   ValidationError/CalculationError/ArgumentsError whose message contains every non-empty line of
 *   the file (case-insensitive), e.g. the file, row, column and reason of invalid input.
 * - Independently of the expectation: rows of one result series (the result-id inputs
 *   calculation_id|amount_type|grid_area|es|owner|code|type|mp_type|settlement) must share one
 *   non-empty result_id, and different series must not share one (checked only when the engine
 *   fills result_id).
 * `checkWholesaleScenarioFiles` checks the folder itself (headers, formats and the arithmetic
 * between the expected rows) without the engine.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isLocalMidnight } from '../../shared/domain/local-time';
import { EXPECTED_ERROR_NAMES } from './scenario-assert';

export { WHOLESALE_RESULT_COLUMNS } from '../../shared/results/wholesale-results';
import { WHOLESALE_RESULT_COLUMNS } from '../../shared/results/wholesale-results';
export type WholesaleColumn = (typeof WHOLESALE_RESULT_COLUMNS)[number];
export type WholesaleRow = Record<string, string>;
export type CalculateWholesaleScenario = (dir: string) => Promise<Record<string, string>[]>;

export const AMOUNT_TYPES = ['amount_per_charge', 'monthly_amount_per_charge', 'total_monthly_amount'] as const;
export const WHOLESALE_SCENARIOS_ROOT = path.resolve(__dirname, '..', 'scenarios-wholesale');
export const WHOLESALE_ENGINE_MODULE = path.resolve(__dirname, '..', '..', 'shared', 'calculation', 'wholesale', 'run');

const QUALITY_ORDER = ['missing', 'estimated', 'measured', 'calculated'];
const MAX_DIFF_LINES = 150;

/** Scenario folders: direct children of `root` that contain a `when/` folder. */
export function listWholesaleScenarioDirs(root: string = WHOLESALE_SCENARIOS_ROOT): string[] {
  return readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(path.join(dir, 'when')))
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Reading the expectation

export function readWholesaleResultCsv(file: string): WholesaleRow[] {
  const lines = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines[0] !== WHOLESALE_RESULT_COLUMNS.join(';')) {
    throw new Error(
      `${file}: header must be exactly\n  ${WHOLESALE_RESULT_COLUMNS.join(';')}\nbut is\n  ${lines[0] ?? '(empty file)'}`,
    );
  }
  const rows: WholesaleRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = lines[i].split(';');
    if (fields.length !== WHOLESALE_RESULT_COLUMNS.length) {
      throw new Error(`${file}:${i + 1}: expected ${WHOLESALE_RESULT_COLUMNS.length} fields, found ${fields.length}`);
    }
    const row: WholesaleRow = {};
    WHOLESALE_RESULT_COLUMNS.forEach((c, k) => (row[c] = fields[k].trim()));
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Normalisation and keys

/**
 * `['measured', 'missing']` → `['missing', 'measured']` (code-list order, duplicates dropped);
 * `[]` stays `[]` and `''` (no qualities at all) stays `''`.
 */
export function canonicalWholesaleQualities(text: string): string {
  const t = text.trim();
  if (t === '') return '';
  const inner = t.replace(/^\[/, '').replace(/\]$/, '').trim();
  const parts = inner === '' ? [] : inner.split(',').map((s) => s.trim().replace(/^['"]|['"]$/g, ''));
  const rank = (q: string): number => {
    const i = QUALITY_ORDER.indexOf(q);
    return i < 0 ? QUALITY_ORDER.length : i;
  };
  const unique = [...new Set(parts)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return `[${unique.map((q) => `'${q}'`).join(', ')}]`;
}

const COMPARED: WholesaleColumn[] = WHOLESALE_RESULT_COLUMNS.filter((c) => c !== 'result_id');
const IDENTITY: WholesaleColumn[] = [
  'amount_type',
  'grid_area_code',
  'energy_supplier_id',
  'charge_owner_id',
  'charge_code',
  'charge_type',
  'metering_point_type',
  'settlement_method',
  'time',
];
/** Inputs of the result id (docs/wholesale-calculation.md, "Output"). */
const SERIES: WholesaleColumn[] = [
  'calculation_id',
  'amount_type',
  'grid_area_code',
  'energy_supplier_id',
  'charge_owner_id',
  'charge_code',
  'charge_type',
  'metering_point_type',
  'settlement_method',
];

function value(row: WholesaleRow, c: WholesaleColumn): string {
  const raw = row[c];
  const v = raw === undefined || raw === null ? '' : String(raw);
  return c === 'quantity_qualities' ? canonicalWholesaleQualities(v) : v;
}
const keyOf = (row: WholesaleRow, cols: WholesaleColumn[]): string => cols.map((c) => value(row, c)).join('\u0001');
const groupOf = (row: WholesaleRow): string =>
  `${value(row, 'amount_type')} / ${value(row, 'charge_type') || "''"} / ${value(row, 'resolution')}`;

function describeIdentity(row: WholesaleRow): string {
  const parts = [`ga=${value(row, 'grid_area_code')}`, `es=${value(row, 'energy_supplier_id')}`];
  if (value(row, 'charge_owner_id')) parts.push(`owner=${value(row, 'charge_owner_id')}`);
  if (value(row, 'charge_code')) parts.push(`code=${value(row, 'charge_code')}`);
  if (value(row, 'metering_point_type')) parts.push(`mp_type=${value(row, 'metering_point_type')}`);
  if (value(row, 'settlement_method')) parts.push(`settlement=${value(row, 'settlement_method')}`);
  parts.push(value(row, 'time'));
  return parts.join(' ');
}
function describeValue(row: WholesaleRow): string {
  return (
    [
      'quantity',
      'quantity_qualities',
      'price',
      'amount',
      'is_tax',
      'quantity_unit',
      'calculation_id',
      'calculation_type',
    ] as WholesaleColumn[]
  )
    .map((c) => `${c}=${JSON.stringify(value(row, c))}`)
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface WholesaleComparisonReport {
  ok: boolean;
  text: string;
}

/** Compares engine rows with expected rows per (amount_type, charge_type, resolution) group of the expectation. */
export function compareWholesaleResults(
  expected: WholesaleRow[],
  actual: WholesaleRow[],
  exhaustive = false,
): WholesaleComparisonReport {
  const lines: string[] = [];
  const expectedGroups = new Set(expected.map(groupOf));
  let matched = 0;

  for (const group of [...expectedGroups].sort()) {
    const exp = expected.filter((r) => groupOf(r) === group);
    const act = actual.filter((r) => groupOf(r) === group);
    const pool = new Map<string, WholesaleRow[]>();
    for (const r of act) {
      const k = keyOf(r, COMPARED);
      const list = pool.get(k);
      if (list) list.push(r);
      else pool.set(k, [r]);
    }
    const take = (r: WholesaleRow): boolean => {
      const list = pool.get(keyOf(r, COMPARED));
      if (!list || list.length === 0) return false;
      const i = r.result_id ? list.findIndex((a) => value(a, 'result_id') === r.result_id) : 0;
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
      `${group}: ${exp.length} expected, ${act.length} produced; ${missing.length} expected row(s) not produced, ${unexpected.length} unexpected row(s)`,
    );
    const byIdentity = new Map<string, WholesaleRow[]>();
    for (const r of unexpected) {
      const k = keyOf(r, IDENTITY);
      const list = byIdentity.get(k);
      if (list) list.push(r);
      else byIdentity.set(k, [r]);
    }
    const sorted = (rows: WholesaleRow[]): WholesaleRow[] =>
      [...rows].sort((a, b) => keyOf(a, IDENTITY).localeCompare(keyOf(b, IDENTITY)));
    for (const e of sorted(missing)) {
      const twin = byIdentity.get(keyOf(e, IDENTITY))?.shift();
      if (twin) {
        const diffs = [...COMPARED, 'result_id' as const]
          .filter((c) =>
            c === 'result_id' ? e.result_id !== '' && e.result_id !== value(twin, c) : value(e, c) !== value(twin, c),
          )
          .map((c) => `${c}: expected ${JSON.stringify(value(e, c))}, got ${JSON.stringify(value(twin, c))}`);
        lines.push(`  ~ ${describeIdentity(e)}: ${diffs.join('; ')}`);
      } else {
        lines.push(`  - missing    ${describeIdentity(e)}: ${describeValue(e)}`);
      }
    }
    for (const a of sorted([...byIdentity.values()].flat()))
      lines.push(`  + unexpected ${describeIdentity(a)}: ${describeValue(a)}`);
  }

  if (exhaustive) {
    const extra = new Map<string, number>();
    for (const r of actual)
      if (!expectedGroups.has(groupOf(r))) extra.set(groupOf(r), (extra.get(groupOf(r)) ?? 0) + 1);
    for (const [group, n] of [...extra].sort()) {
      lines.push(`${group}: ${n} row(s) produced, but the expectation is exhaustive and has none of this group`);
      for (const r of actual.filter((x) => groupOf(x) === group).slice(0, 5))
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
      ? `${matched} rows in ${expectedGroups.size} (amount_type, charge_type, resolution) groups match`
      : `engine results differ from then/wholesale_results.csv (${matched} of ${expected.length} expected rows matched):\n${shown.join('\n')}`,
  };
}

/** Result ids: one per series, distinct between series (only checked where the engine fills them). */
export function checkWholesaleResultIds(actual: WholesaleRow[]): string[] {
  const idsBySeries = new Map<string, Set<string>>();
  const seriesById = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const r of actual) {
    const id = value(r, 'result_id');
    if (id === '') continue;
    const s = keyOf(r, SERIES);
    (idsBySeries.get(s) ?? idsBySeries.set(s, new Set()).get(s)!).add(id);
    (seriesById.get(id) ?? seriesById.set(id, new Set()).get(id)!).add(s);
  }
  if (idsBySeries.size === 0) return [];
  for (const [s, ids] of idsBySeries) {
    if (ids.size > 1) problems.push(`series ${s.split('\u0001').join('|')} has ${ids.size} result ids`);
  }
  for (const [id, series] of seriesById) {
    if (series.size > 1)
      problems.push(
        `result_id ${id} is shared by ${series.size} series, e.g. ${[...series][0].split('\u0001').join('|')}`,
      );
  }
  if (actual.some((r) => value(r, 'result_id') === '')) problems.push('some rows have a result_id and others none');
  return problems.slice(0, 20);
}

/**
 * Throws a readable report unless `rows` (the engine's output for `dir`) meet
 * `dir/then/wholesale_results.csv` (see the header of this file).
 */
export function assertWholesaleScenario(dir: string, rows: Record<string, string>[]): void {
  const name = path.basename(dir);
  const expected = readWholesaleResultCsv(path.join(dir, 'then', 'wholesale_results.csv'));
  const exhaustive = existsSync(path.join(dir, 'then', 'exhaustive'));
  const report = compareWholesaleResults(expected, rows, exhaustive);
  const failures = [...(report.ok ? [] : [report.text]), ...checkWholesaleResultIds(rows)];
  if (failures.length > 0) throw new Error(`wholesale scenario ${name}:\n${failures.join('\n')}`);
}

/** Substrings the rejection message must contain (`then/error.txt`), or null for a results scenario. */
export function readExpectedWholesaleError(dir: string): string[] | null {
  const file = path.join(dir, 'then', 'error.txt');
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Throws a readable report unless `calculate(dir)` is rejected with a message containing every substring. */
export async function assertWholesaleScenarioRejected(
  dir: string,
  substrings: string[],
  calculate: CalculateWholesaleScenario,
): Promise<void> {
  const name = path.basename(dir);
  let rows: Record<string, string>[];
  try {
    rows = await calculate(dir);
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`wholesale scenario ${name}: expected an Error, got ${String(e)}`);
    const problems: string[] = [];
    if (!EXPECTED_ERROR_NAMES.includes(e.name))
      problems.push(`error is a ${e.name}, expected one of ${EXPECTED_ERROR_NAMES.join(', ')}`);
    const message = e.message.toLowerCase();
    for (const s of substrings)
      if (!message.includes(s.toLowerCase())) problems.push(`message does not contain ${JSON.stringify(s)}`);
    if (problems.length > 0)
      throw new Error(
        `wholesale scenario ${name}: rejected, but ${problems.join('; ')}\n${e.stack ?? `${e.name}: ${e.message}`}`,
      );
    return;
  }
  throw new Error(
    `wholesale scenario ${name}: expected the calculation to fail with a message containing ${substrings.map((s) => JSON.stringify(s)).join(', ')}, but it returned ${rows.length} rows`,
  );
}

// ---------------------------------------------------------------------------------------------
// Well-formedness and arithmetic of the fixture files themselves (runs without the engine)

const WHEN_HEADERS: Record<string, string> = {
  'metering_point_periods.csv':
    'metering_point_id;type;calculation_type;settlement_method;grid_area_code;resolution;from_grid_area_code;to_grid_area_code;parent_metering_point_id;energy_supplier_id;balance_responsible_party_id;from_date;to_date',
  'time_series_points.csv': 'metering_point_id;quantity;quality;observation_time',
  'grid_loss_metering_points.csv': 'metering_point_id',
  'charge_price_information_periods.csv': 'charge_code;charge_type;charge_owner_id;resolution;is_tax;from_date;to_date',
  'charge_price_points.csv': 'charge_code;charge_type;charge_owner_id;charge_price;charge_time',
  'charge_link_periods.csv': 'charge_code;charge_type;charge_owner_id;metering_point_id;quantity;from_date;to_date',
};
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const Q3_RE = /^-?\d+\.\d{3}$/;
const D6_RE = /^-?\d+\.\d{6}$/;
const WHOLESALE_TYPES = [
  'wholesale_fixing',
  'first_correction_settlement',
  'second_correction_settlement',
  'third_correction_settlement',
];

/** Exact decimal as a BigInt scaled by 10^scale ('' → null). */
function scaled(text: string, scale: number): bigint | null {
  if (text === '') return null;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  const v = BigInt(m[2] + frac);
  return m[1] === '-' ? -v : v;
}
/** Round a value scaled by 10^from to 10^to (to < from), HALF_UP away from zero. */
function roundHalfUp(v: bigint, from: number, to: number): bigint {
  const unit = 10n ** BigInt(from - to);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const r = (a + unit / 2n) / unit;
  return neg ? -r : r;
}
const sumNullable = (values: (bigint | null)[]): bigint | null =>
  values.reduce<bigint | null>((acc, v) => (v === null ? acc : (acc ?? 0n) + v), null);
const fmt6 = (v: bigint | null): string => {
  if (v === null) return '';
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(7, '0');
  return `${neg ? '-' : ''}${s.slice(0, -6)}.${s.slice(-6)}`;
};

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

/** Problems with a wholesale scenario folder's files (empty = well-formed and arithmetically consistent). */
export function checkWholesaleScenarioFiles(dir: string): string[] {
  const p: string[] = [];
  const when = (f: string): string => path.join(dir, 'when', f);
  for (const f of [...Object.keys(WHEN_HEADERS), 'calculation_arguments.yml'])
    if (!existsSync(when(f))) p.push(`missing when/${f}`);
  if (!existsSync(path.join(dir, 'README.md'))) p.push('missing README.md');
  if (p.length > 0) return p;
  for (const [f, header] of Object.entries(WHEN_HEADERS)) {
    const lines = readLines(when(f));
    if (lines[0] !== header) p.push(`when/${f}: unexpected header ${lines[0]}`);
    const width = header.split(';').length;
    lines.slice(1).forEach((l, i) => {
      if (l.split(';').length !== width)
        p.push(`when/${f} row ${i + 1}: ${l.split(';').length} fields, expected ${width}`);
    });
  }

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
  if (!WHOLESALE_TYPES.includes(String(args['calculation-type'])))
    p.push(
      `when/calculation_arguments.yml: calculation-type ${String(args['calculation-type'])} is not a wholesale type`,
    );
  const errorFile = path.join(dir, 'then', 'error.txt');
  if (existsSync(errorFile) === existsSync(path.join(dir, 'then', 'wholesale_results.csv'))) {
    p.push('then/ must contain exactly one of wholesale_results.csv and error.txt');
    return p;
  }
  if (existsSync(errorFile)) {
    if ((readExpectedWholesaleError(dir) ?? []).length === 0) p.push('then/error.txt has no substring');
    return p;
  }
  const start = typeof args['period-start-datetime'] === 'string' ? Date.parse(args['period-start-datetime']) : NaN;
  const end = typeof args['period-end-datetime'] === 'string' ? Date.parse(args['period-end-datetime']) : NaN;

  let rows: WholesaleRow[];
  try {
    rows = readWholesaleResultCsv(path.join(dir, 'then', 'wholesale_results.csv'));
  } catch (e) {
    p.push(e instanceof Error ? e.message : String(e));
    return p;
  }
  if (rows.length === 0) p.push('then/wholesale_results.csv has no rows');
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = `then/wholesale_results.csv row ${i + 1}`;
    const bad = (msg: string): void => {
      p.push(`${at}: ${msg}`);
    };
    if (r.calculation_id !== args['calculation-id']) bad(`calculation_id ${r.calculation_id} differs from the yml`);
    if (r.calculation_type !== args['calculation-type'])
      bad(`calculation_type ${r.calculation_type} differs from the yml`);
    if (!(AMOUNT_TYPES as readonly string[]).includes(r.amount_type)) bad(`unknown amount_type ${r.amount_type}`);
    if (!/^\d{3}$/.test(r.grid_area_code)) bad(`grid_area_code ${r.grid_area_code}`);
    if (r.energy_supplier_id === '') bad('energy_supplier_id is empty');
    if (!INSTANT_RE.test(r.time)) bad(`time ${r.time}`);
    const t = Date.parse(r.time);
    if (t < start || t >= end) bad(`time ${r.time} outside the calculation period`);
    if (r.quantity_qualities !== canonicalWholesaleQualities(r.quantity_qualities))
      bad(`qualities ${r.quantity_qualities} not written as ${canonicalWholesaleQualities(r.quantity_qualities)}`);
    if (r.price !== '' && !D6_RE.test(r.price)) bad(`price ${r.price} is not a 6-decimal number`);
    if (r.amount !== '' && !D6_RE.test(r.amount)) bad(`amount ${r.amount} is not a 6-decimal number`);
    const k = keyOf(r, IDENTITY);
    if (seen.has(k)) bad('duplicate row identity');
    seen.add(k);
    if (r.amount_type === 'amount_per_charge') {
      if (!['tariff', 'subscription', 'fee'].includes(r.charge_type)) bad(`charge_type ${r.charge_type}`);
      if (!['true', 'false'].includes(r.is_tax)) bad(`is_tax ${r.is_tax}`);
      if (r.metering_point_type === '' || r.charge_owner_id === '' || r.charge_code === '')
        bad('metering_point_type, charge_owner_id and charge_code are required');
      if ((r.metering_point_type === 'consumption') !== (r.settlement_method !== ''))
        bad('settlement_method does not fit the metering point type');
      if (!Q3_RE.test(r.quantity)) bad(`quantity ${r.quantity} is not a 3-decimal number`);
      const q = scaled(r.quantity, 3);
      const price = scaled(r.price, 6);
      if ((price === null) !== (r.amount === '')) bad('amount must be empty exactly when price is empty');
      if (r.charge_type === 'tariff') {
        if (r.quantity_unit !== 'kWh') bad(`unit ${r.quantity_unit}`);
        if (r.resolution !== 'PT1H' && r.resolution !== 'P1D') bad(`resolution ${r.resolution}`);
        if (r.resolution === 'PT1H' && t % 3_600_000 !== 0) bad(`time ${r.time} not on a whole hour`);
        if (r.resolution === 'P1D' && !isLocalMidnight(t)) bad(`time ${r.time} is not a local midnight`);
        if (r.quantity_qualities === '' || r.quantity_qualities === '[]') bad('a tariff row needs qualities');
        if (price !== null && q !== null && fmt6(roundHalfUp(q * price, 9, 6)) !== r.amount) {
          bad(`amount ${r.amount} ≠ round6(${r.quantity} × ${r.price}) = ${fmt6(roundHalfUp(q * price, 9, 6))}`);
        }
      } else {
        if (r.quantity_unit !== 'pcs') bad(`unit ${r.quantity_unit}`);
        if (r.resolution !== 'P1D') bad(`resolution ${r.resolution}`);
        if (!isLocalMidnight(t)) bad(`time ${r.time} is not a local midnight`);
        if (r.quantity_qualities !== '[]') bad(`qualities of a ${r.charge_type} must be []`);
        if (q !== null && q % 1000n !== 0n) bad(`quantity ${r.quantity} is not a whole number of links`);
        if (price !== null && q !== null && (q * price) % 1000n !== 0n)
          bad('amount of a subscription/fee must be exact at 6 decimals');
        if (price !== null && q !== null && fmt6((q * price) / 1000n) !== r.amount)
          bad(`amount ${r.amount} ≠ ${r.quantity} × ${r.price}`);
      }
    } else {
      if (r.resolution !== 'P1M') bad(`resolution ${r.resolution}, expected P1M`);
      if (t !== start) bad(`time ${r.time} is not the period start`);
      for (const c of ['metering_point_type', 'settlement_method', 'quantity', 'quantity_qualities', 'price'] as const)
        if (r[c] !== '') bad(`${c} must be empty`);
      if (r.amount_type === 'monthly_amount_per_charge') {
        if (
          !['tariff', 'subscription', 'fee'].includes(r.charge_type) ||
          !['true', 'false'].includes(r.is_tax) ||
          r.charge_code === '' ||
          r.charge_owner_id === ''
        ) {
          bad('a monthly amount needs charge_type, is_tax, charge_code and charge_owner_id');
        }
        if (r.quantity_unit !== (r.charge_type === 'tariff' ? 'kWh' : 'pcs')) bad(`unit ${r.quantity_unit}`);
      } else {
        for (const c of ['charge_code', 'charge_type', 'is_tax', 'quantity_unit'] as const)
          if (r[c] !== '') bad(`${c} of a total must be empty`);
      }
    }
  });

  // arithmetic between the levels (docs/wholesale-calculation.md "Monthly amounts", "Totals")
  const charge = (r: WholesaleRow): string =>
    [r.grid_area_code, r.energy_supplier_id, r.charge_owner_id, r.charge_code, r.charge_type].join('|');
  const perCharge = rows.filter((r) => r.amount_type === 'amount_per_charge');
  const monthly = rows.filter((r) => r.amount_type === 'monthly_amount_per_charge');
  const totals = rows.filter((r) => r.amount_type === 'total_monthly_amount');
  const chargeKeys = new Set(perCharge.map(charge));
  if (perCharge.length > 0) {
    for (const m of monthly) {
      const want = fmt6(sumNullable(perCharge.filter((r) => charge(r) === charge(m)).map((r) => scaled(r.amount, 6))));
      if (want !== m.amount)
        p.push(`monthly ${charge(m)}: amount ${m.amount || "''"} ≠ Σ amount_per_charge = ${want || "''"}`);
      chargeKeys.delete(charge(m));
    }
    if (monthly.length > 0) for (const k of chargeKeys) p.push(`no monthly amount for ${k}`);
  }
  if (monthly.length > 0) {
    for (const tot of totals) {
      const sameEs = monthly.filter(
        (m) => m.grid_area_code === tot.grid_area_code && m.energy_supplier_id === tot.energy_supplier_id,
      );
      let want: bigint | null;
      if (tot.charge_owner_id === '') {
        want = sumNullable(sameEs.map((m) => scaled(m.amount, 6)));
      } else {
        const nonTax = sameEs.filter((m) => m.charge_owner_id === tot.charge_owner_id && m.is_tax === 'false');
        const tax = sameEs.filter((m) => m.is_tax === 'true');
        const a = sumNullable(nonTax.map((m) => scaled(m.amount, 6)));
        const tt = sumNullable(tax.map((m) => scaled(m.amount, 6)));
        const isTaxOwner = tax.some((m) => m.charge_owner_id === tot.charge_owner_id);
        want = isTaxOwner ? a : a === null && tt === null ? null : (a ?? 0n) + (tt ?? 0n);
      }
      if (fmt6(want) !== tot.amount)
        p.push(
          `total ga=${tot.grid_area_code} es=${tot.energy_supplier_id} owner=${tot.charge_owner_id || '(all)'}: amount ${tot.amount || "''"} ≠ ${fmt6(want) || "''"}`,
        );
    }
  }
  return p.slice(0, MAX_DIFF_LINES);
}
