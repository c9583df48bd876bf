/**
 * Differential test of the wholesale calculation: the TypeScript engine
 * (`calculateWholesaleScenario` of shared/calculation/wholesale/run.ts) against the independent
 * DuckDB SQL formulation (bench/duckdb-wholesale.ts) on a seeded synthetic scenario (metering points
 * from bench/synthetic.ts, charges from bench/synthetic-charges.ts), plus checks of the DuckDB
 * formulation alone: the wholesale scenario folders (test/scenarios-wholesale, F5 among them), the
 * F5 numbers of opengeh-wholesale.md §6.4, the grid loss against bench/duckdb-energy.ts, and CSV
 * input against the same data as a Parquet lake.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { duckdbEnergyResults } from '../../bench/duckdb-energy';
import { duckdbWholesaleResults, WHOLESALE_RESULT_COLUMNS } from '../../bench/duckdb-wholesale';
import {
  generateSynthetic,
  PERIOD_COLUMNS,
  writeScenarioCsv,
  type SyntheticData,
  type SyntheticOptions,
} from '../../bench/synthetic';
import {
  generateCharges,
  writeChargesCsv,
  writeChargesLake,
  type SyntheticCharges,
} from '../../bench/synthetic-charges';
import type { RawMeteringPointPeriod } from '../../shared/basis-data/master-data';
import {
  ParquetLakeSource,
  writeGridLossMeteringPoints,
  writeMeteringPointPeriods,
  writeTimeSeriesDay,
} from '../../shared/basis-data/parquet/lake';
import { readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { calculateWholesale, calculateWholesaleScenario } from '../../shared/calculation/wholesale/run';
import { wholesaleResultRows } from '../../shared/results/wholesale-output';
import { isLocalMidnight } from '../../shared/domain/local-time';
import {
  compareWholesaleResults,
  listWholesaleScenarioDirs,
  readWholesaleResultCsv,
  type WholesaleRow,
} from '../support/wholesale-assert';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'wholesale-vs-duckdb-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const rowText = (r: WholesaleRow): string => WHOLESALE_RESULT_COLUMNS.map((c) => r[c] ?? '').join(';');
const sortedTexts = (rows: WholesaleRow[]): string[] => rows.map(rowText).sort();

function countBy(rows: WholesaleRow[]): Record<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.amount_type}/${r.charge_type}/${r.resolution}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...out].sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** Identical rows (every column, result_id included), order-insensitive; a readable report otherwise. */
function expectSameRows(engine: WholesaleRow[], duck: WholesaleRow[]): void {
  const a = sortedTexts(engine);
  const b = sortedTexts(duck);
  if (a.length === b.length && a.every((t, i) => t === b[i])) return;
  const inB = new Set(b);
  const inA = new Set(a);
  const report = compareWholesaleResults(duck, engine, true);
  throw new Error(
    [
      `engine and DuckDB wholesale results differ: engine ${engine.length} rows, duckdb ${duck.length} rows`,
      `rows per amount_type/charge_type/resolution  engine ${JSON.stringify(countBy(engine))}`,
      `                                             duckdb ${JSON.stringify(countBy(duck))}`,
      `only in engine (${a.filter((t) => !inB.has(t)).length}):`,
      ...a
        .filter((t) => !inB.has(t))
        .slice(0, 10)
        .map((t) => `    ${t}`),
      `only in duckdb (${b.filter((t) => !inA.has(t)).length}):`,
      ...b
        .filter((t) => !inA.has(t))
        .slice(0, 10)
        .map((t) => `    ${t}`),
      `field-level report (duckdb as the expectation):`,
      report.text,
    ].join('\n'),
  );
}

/** A test tariff priced 1.000000 every hour and linked to the grid-loss metering points only. */
const GL_TEST = 'GL-TEST';
function addGridLossTestTariff(data: SyntheticData, charges: SyntheticCharges): void {
  const owner = '5790000000017';
  const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';
  charges.priceInformationPeriods.push([GL_TEST, 'tariff', owner, 'PT1H', 'false', '2020-01-01T00:00:00Z', '']);
  for (let t = data.args.periodStart; t < data.args.periodEnd; t += 3_600_000)
    charges.pricePoints.push([GL_TEST, 'tariff', owner, '1.000000', iso(t)]);
  for (const id of data.gridLossMeteringPointIds)
    charges.linkPeriods.push([GL_TEST, 'tariff', owner, id, '1', '2020-01-01T00:00:00Z', '']);
}

function buildScenario(
  name: string,
  o: SyntheticOptions,
  linksPerMeteringPoint = 10,
): { dir: string; data: SyntheticData; charges: SyntheticCharges } {
  const data = generateSynthetic(o);
  const charges = generateCharges(data, { seed: o.seed, linksPerMeteringPoint });
  addGridLossTestTariff(data, charges);
  const dir = path.join(tmpRoot, name);
  writeScenarioCsv(dir, data);
  writeChargesCsv(dir, charges);
  return { dir, data, charges };
}

/** 300 metering points in 4 grid areas (3 calculated), local 2023-03-25 → 2023-03-29 (incl. the 23-hour DST day). */
const DST_WEEK: SyntheticOptions = {
  seed: 21,
  meteringPoints: 300,
  gridAreas: 4,
  calculationGridAreas: 3,
  days: 4,
  periodStart: '2023-03-24T23:00:00Z',
  calculationType: 'wholesale_fixing',
};

describe('wholesale: engine vs DuckDB on a synthetic scenario', () => {
  let scenario: { dir: string; data: SyntheticData; charges: SyntheticCharges };
  let duck: WholesaleRow[];
  beforeAll(async () => {
    scenario = buildScenario('dst-week', DST_WEEK);
    duck = await duckdbWholesaleResults({ scenarioDir: scenario.dir }, scenario.data.args, { threads: 2 });
  });

  test('the scenario is what the test intends (DST day, partial month, every kind of row)', async () => {
    const args = scenario.data.args;
    // The YAML the engine reads describes the calculation DuckDB was given.
    expect(await readScenarioArguments(scenario.dir)).toEqual(args);
    expect(args.allowPartialMonth).toBe(true);
    expect(args.periodEnd - args.periodStart).toBe((4 * 24 - 1) * 3_600_000);
    const apc = duck.filter((r) => r.amount_type === 'amount_per_charge');
    const kinds = new Set(apc.map((r) => `${r.charge_type}/${r.resolution}/${r.is_tax}`));
    for (const k of [
      'tariff/PT1H/false',
      'tariff/PT1H/true',
      'tariff/P1D/false',
      'tariff/P1D/true',
      'subscription/P1D/false',
      'fee/P1D/false',
    ]) {
      expect(kinds).toContain(k);
    }
    // Local days: 4 day starts per daily series, the DST day 23 hours long.
    const dayStarts = new Set(apc.filter((r) => r.resolution === 'P1D').map((r) => r.time));
    expect([...dayStarts].sort()).toEqual([
      '2023-03-24T23:00:00Z',
      '2023-03-25T23:00:00Z',
      '2023-03-26T22:00:00Z',
      '2023-03-27T22:00:00Z',
    ]);
    // Null prices and amounts, children and grid-loss metering points all occur.
    expect(apc.some((r) => r.charge_type === 'tariff' && r.price === '' && r.amount === '')).toBe(true);
    expect(apc.some((r) => r.charge_type === 'fee' && r.price === '')).toBe(true);
    expect(apc.some((r) => r.charge_type === 'subscription' && r.price === '')).toBe(true);
    expect(apc.some((r) => r.quantity_qualities.includes('calculated'))).toBe(true);
    const types = new Set(apc.map((r) => r.metering_point_type));
    expect(types).toContain('consumption');
    expect(types).toContain('production');
    expect([...types].some((t) => t !== 'consumption' && t !== 'production')).toBe(true);
    expect(new Set(apc.map((r) => r.settlement_method))).toEqual(new Set(['flex', 'non_profiled', '']));
    expect(new Set(duck.map((r) => r.grid_area_code))).toEqual(new Set(args.gridAreas));
    const totals = duck.filter((r) => r.amount_type === 'total_monthly_amount');
    expect(totals.some((r) => r.charge_owner_id === '')).toBe(true);
    expect(totals.some((r) => r.charge_owner_id !== '')).toBe(true);
    expect(duck.filter((r) => r.amount_type === 'monthly_amount_per_charge').length).toBeGreaterThan(50);
    // P1M price points (subscriptions, fees) are on-contract: local day starts only; some lie before the
    // period (they must not price anything: only points inside the period count).
    const p1m = scenario.charges.pricePoints.filter((r) => r[1] !== 'tariff').map((r) => Date.parse(r[4]));
    expect(p1m.filter((ms) => !isLocalMidnight(ms))).toEqual([]);
    expect(p1m.some((ms) => ms < args.periodStart)).toBe(true);
    // The tax owner of a total is per (grid area, supplier): some owner with a tax charge for one supplier
    // of a grid area is not a tax owner for another supplier there, and gets that supplier's tax added.
    const monthlyRows = duck.filter((r) => r.amount_type === 'monthly_amount_per_charge');
    const taxOwners = new Map<string, Set<string>>();
    for (const r of monthlyRows.filter((m) => m.is_tax === 'true')) {
      const k = `${r.grid_area_code}|${r.energy_supplier_id}`;
      taxOwners.set(k, (taxOwners.get(k) ?? new Set()).add(r.charge_owner_id));
    }
    const taxOwnerSomewhereInGa = (ga: string, owner: string): boolean =>
      [...taxOwners].some(([k, owners]) => k.startsWith(`${ga}|`) && owners.has(owner));
    const perSupplierCases = totals.filter(
      (r) =>
        r.charge_owner_id !== '' &&
        taxOwners.has(`${r.grid_area_code}|${r.energy_supplier_id}`) &&
        !taxOwners.get(`${r.grid_area_code}|${r.energy_supplier_id}`)?.has(r.charge_owner_id) &&
        taxOwnerSomewhereInGa(r.grid_area_code, r.charge_owner_id),
    );
    expect(perSupplierCases.length).toBeGreaterThan(0);
    expect(apc.length).toBeGreaterThan(5_000);
  });

  test('the grid-loss metering points carry the grid loss of the energy formulation', async () => {
    // GL-TEST (price 1 every hour) is linked to the grid-loss metering points only, so its rows are
    // their hourly energy; summed over suppliers it must be Σ of the quarterly positive (E17,
    // consumption) and negative (E18, production) grid loss of bench/duckdb-energy.ts per hour.
    const energy = await duckdbEnergyResults({ scenarioDir: scenario.dir }, scenario.data.args, { threads: 2 });
    const milli = (q: string): bigint => BigInt(q.replace('.', ''));
    const hourOf = (iso: string): string => `${iso.slice(0, 13)}:00:00Z`;
    const fromEnergy = new Map<string, bigint>();
    for (const r of energy) {
      const type =
        r.time_series_type === 'positive_grid_loss'
          ? 'consumption'
          : r.time_series_type === 'negative_grid_loss'
            ? 'production'
            : null;
      if (type === null) continue;
      const k = `${r.grid_area_code}|${type}|${hourOf(r.time)}`;
      fromEnergy.set(k, (fromEnergy.get(k) ?? 0n) + milli(r.quantity));
    }
    const fromWholesale = new Map<string, bigint>();
    for (const r of duck) {
      if (r.amount_type !== 'amount_per_charge' || r.charge_code !== GL_TEST) continue;
      expect(r.quantity_qualities).toBe("['calculated']");
      expect(r.amount).toBe(`${r.quantity}000`);
      const k = `${r.grid_area_code}|${r.metering_point_type}|${r.time}`;
      fromWholesale.set(k, (fromWholesale.get(k) ?? 0n) + milli(r.quantity));
    }
    const hours = (scenario.data.args.periodEnd - scenario.data.args.periodStart) / 3_600_000;
    expect(fromEnergy.size).toBe(hours * 2 * scenario.data.args.gridAreas.length);
    expect(Object.fromEntries([...fromWholesale].sort())).toEqual(Object.fromEntries([...fromEnergy].sort()));
    expect([...fromEnergy.values()].filter((v) => v > 0n).length).toBeGreaterThan(hours);
  });

  test('link-set tariff formulation equals the literal link × charge time join', async () => {
    const direct = await duckdbWholesaleResults({ scenarioDir: scenario.dir }, scenario.data.args, {
      threads: 2,
      tariffJoin: 'direct',
    });
    expect(sortedTexts(direct)).toEqual(sortedTexts(duck));
  });

  test('engine rows equal DuckDB rows', async () => {
    const engine = await calculateWholesaleScenario(scenario.dir);
    expectSameRows(engine, duck);
  });
});

test('whole local month (March 2023, DST): engine rows equal DuckDB rows', async () => {
  const o: SyntheticOptions = {
    ...DST_WEEK,
    seed: 23,
    meteringPoints: 100,
    gridAreas: 3,
    calculationGridAreas: 2,
    days: 31,
    periodStart: '2023-02-28T23:00:00Z',
  };
  const { dir, data } = buildScenario('march', o, 8);
  expect(data.args.allowPartialMonth).toBe(true); // the generator sets it for wholesale types; the month is whole anyway
  const duck = await duckdbWholesaleResults({ scenarioDir: dir }, data.args, { threads: 2 });
  // Subscription daily price = round6(monthly price / 31).
  expect(
    duck.filter((r) => r.charge_type === 'subscription' && r.amount_type === 'amount_per_charge' && r.price !== '')
      .length,
  ).toBeGreaterThan(100);
  expect(new Set(duck.filter((r) => r.resolution === 'P1D').map((r) => r.time)).size).toBe(31);
  const engine = await calculateWholesaleScenario(dir);
  expectSameRows(engine, duck);
});

describe('DuckDB wholesale formulation alone', () => {
  // Folders with then/error.txt test input validation (the engine's readers), not the calculation:
  // the DuckDB formulation is an oracle of the rules of calculation only.
  const dirs = listWholesaleScenarioDirs().filter((d) => fs.existsSync(path.join(d, 'then', 'wholesale_results.csv')));

  test.each(dirs.map((d) => [path.basename(d), d]))('reproduces test/scenarios-wholesale/%s', async (_name, dir) => {
    const args = await readScenarioArguments(dir);
    const rows = await duckdbWholesaleResults({ scenarioDir: dir }, args);
    const expected = readWholesaleResultCsv(path.join(dir, 'then', 'wholesale_results.csv'));
    const report = compareWholesaleResults(expected, rows, fs.existsSync(path.join(dir, 'then', 'exhaustive')));
    if (!report.ok) throw new Error(report.text);
  });

  test('F5 numbers of opengeh-wholesale.md §6.4', async () => {
    const dir = dirs.find((d) => path.basename(d) === 'f5-minimal-wholesale');
    if (!dir) throw new Error('test/scenarios-wholesale/f5-minimal-wholesale is missing');
    const rows = await duckdbWholesaleResults({ scenarioDir: dir }, await readScenarioArguments(dir));
    const ES1 = '1000000000000';
    const ES2 = '2000000000000';
    const ES3 = '3000000000000';
    const ES4 = '4000000000000';
    const GO = '0000000000800';
    const TAX = '6660000000666';
    const apc = (code: string, es: string, time: string, mpType?: string): string[] =>
      rows
        .filter(
          (r) =>
            r.amount_type === 'amount_per_charge' &&
            r.charge_code === code &&
            r.energy_supplier_id === es &&
            r.time === time,
        )
        .filter((r) => mpType === undefined || r.metering_point_type === mpType)
        .map((r) => `${r.quantity} ${r.price} ${r.amount}`);
    expect(apc('fee-1', ES1, '2023-02-01T23:00:00Z')).toEqual(['1.000 20.000000 20.000000']);
    expect(apc('fee-2', ES1, '2023-02-02T23:00:00Z', 'consumption_from_grid')).toEqual(['2.000 30.000000 60.000000']);
    expect(apc('fee-2', ES3, '2023-02-02T23:00:00Z')).toEqual(['2.000 30.000000 60.000000']);
    expect(apc('fee-3', ES2, '2023-02-01T23:00:00Z')).toEqual(['1.000  ']);
    expect(apc('fee-3', ES2, '2023-02-02T23:00:00Z')).toEqual(['1.000 20.000000 20.000000']);
    for (const d of ['2023-01-31T23:00:00Z', '2023-02-01T23:00:00Z', '2023-02-02T23:00:00Z']) {
      expect(apc('subscription-1', ES1, d)).toEqual(['2.000 0.302867 0.605734']);
    }
    expect(apc('tariff-hourly-1', ES1, '2023-02-01T02:00:00Z')).toEqual(['10.137 10.000000 101.370000']);
    expect(apc('tariff-hourly-1', ES3, '2023-02-01T02:00:00Z')).toEqual(['37.500 10.000000 375.000000']);
    expect(apc('tariff-hourly-3', ES2, '2023-02-01T02:00:00Z')).toEqual(['44.280 7.654321 338.933334']);
    expect(apc('tariff-hourly-4-co_is_tax', ES1, '2023-02-01T02:00:00Z')).toEqual(['10.137 666.666666 6757.999993']);
    expect(apc('tariff-hourly-2', ES1, '2023-02-03T02:00:00Z')).toEqual(['5.000 10.000000 50.000000']);
    expect(apc('tariff-daily-1', ES3, '2023-01-31T23:00:00Z')).toEqual(['37.500 0.001000 0.037500']);
    expect(apc('tariff-daily-1', ES1, '2023-01-31T23:00:00Z')).toEqual(['10.137 0.001000 0.010137']);
    expect(apc('tariff-daily-2', ES2, '2023-01-31T23:00:00Z')).toEqual(['4.121 1.000000 4.121000']);
    expect(apc('tariff-daily-2', ES4, '2023-01-31T23:00:00Z')).toEqual(['0.000 1.000000 0.000000']);
    expect(apc('tariff-daily-4-co_is_not_tax', ES2, '2023-01-31T23:00:00Z')).toEqual(['40.159 10.000000 401.590000']);
    expect(apc('tariff-daily-3-co_is_tax', ES1, '2023-02-02T23:00:00Z')).toEqual(['5.000 666.666666 3333.333330']);
    expect(rows.filter((r) => r.amount_type === 'amount_per_charge' && r.resolution === 'PT1H')).toHaveLength(432);
    const monthly = (code: string, es: string): string[] =>
      rows
        .filter(
          (r) => r.amount_type === 'monthly_amount_per_charge' && r.charge_code === code && r.energy_supplier_id === es,
        )
        .map((r) => r.amount);
    expect(monthly('subscription-1', ES1)).toEqual(['1.817202']);
    expect(monthly('subscription-2', ES3)).toEqual(['7.000000']);
    expect(monthly('tariff-hourly-2', ES4)).toEqual(['']);
    expect(monthly('tariff-hourly-2', ES2)).toEqual(['0.000000']);
    const totals = rows
      .filter((r) => r.amount_type === 'total_monthly_amount')
      .map((r) => `${r.energy_supplier_id}/${r.charge_owner_id} ${r.amount}`)
      .sort();
    expect(totals).toEqual(
      [
        `${ES1}/${GO} 10324.530662`,
        `${ES2}/${GO} 367.054334`,
        `${ES2}/${TAX} 401.590000`,
        `${ES3}/${GO} 442.037500`,
        `${ES4}/${GO} 0.000000`,
        `${ES1}/ 10324.530662`,
        `${ES2}/ 768.644334`,
        `${ES3}/ 442.037500`,
        `${ES4}/ 0.000000`,
      ].sort(),
    );
  });

  test('CSV scenario and Parquet lake of the same data give the same rows (bi-temporal points)', async () => {
    const o: SyntheticOptions = { ...DST_WEEK, seed: 22, meteringPoints: 120, bitemporal: true };
    const { dir, data, charges } = buildScenario('lake-vs-csv', o, 6);
    const lake = path.join(tmpRoot, 'lake');
    const layout = await writeMeteringPointPeriods(
      lake,
      data.periods.map((r) => Object.fromEntries(PERIOD_COLUMNS.map((c, i) => [c, r[i]])) as RawMeteringPointPeriod),
    );
    await writeGridLossMeteringPoints(lake, data.gridLossMeteringPointIds);
    for (const day of data.days()) await writeTimeSeriesDay(lake, data.meteringPointIds, day, layout);
    await writeChargesLake(lake, charges, layout);
    const fromCsv = await duckdbWholesaleResults({ scenarioDir: dir }, data.args, { threads: 2 });
    const fromLake = await duckdbWholesaleResults({ lakeDir: lake }, data.args, { threads: 2 });
    expect(fromCsv.length).toBeGreaterThan(1_000);
    expect(sortedTexts(fromLake)).toEqual(sortedTexts(fromCsv));
    // The engine reads the same lake (its charge reader validates every row, P1M price points on local
    // day starts included) and agrees row for row.
    const engineFromLake = wholesaleResultRows(await calculateWholesale(new ParquetLakeSource(lake), data.args));
    expectSameRows(engineFromLake, fromCsv);
  });
});
