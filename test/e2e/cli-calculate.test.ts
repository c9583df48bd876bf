import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readParquetTable } from '../../shared/basis-data/parquet/arrow-io';
import { ENERGY_RESULTS_CSV_HEADER } from '../../shared/results/energy-csv';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, writeScenarioCsv } from '../../bench/synthetic';
import { runCalculate } from '../../cli/calculate';

const ROOT = resolve(__dirname, '../..');

describe('npm run calculate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const data = generateSynthetic({ seed: 3, meteringPoints: 120, gridAreas: 3, days: 1, periodStart: '2023-11-01T23:00:00Z' });
  const scenario = join(dir, 'scenario');
  writeScenarioCsv(scenario, data);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes energy_results.csv and .parquet with the contract header (real command)', () => {
    const out = join(dir, 'out-cmd');
    const stdout = execFileSync('npm', ['run', '-s', 'calculate', '--', '--scenario', scenario, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout).toMatch(/result points/);
    const lines = readFileSync(join(out, 'energy_results.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(ENERGY_RESULTS_CSV_HEADER);
    expect(lines[0]).toBe(
      'calculation_id;calculation_type;time_series_type;aggregation_level;grid_area_code;neighbor_grid_area_code;energy_supplier_id;balance_responsible_party_id;metering_point_id;time;resolution;quantity;quantity_qualities;result_id',
    );
    for (const line of lines.slice(1, 200)) {
      const f = line.split(';');
      expect(f).toHaveLength(14);
      expect(f[9]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/);
      expect(f[11]).toMatch(/^-?\d+\.\d{3}$/);
      expect(f[12]).toMatch(/^\[('(missing|estimated|measured|calculated)'(, )?)+\]$/);
    }
  });

  it('the Parquet file holds the same rows as the CSV', async () => {
    const out = join(dir, 'out-pq');
    expect(await runCalculate(['--scenario', scenario, '--out', out], () => {}, () => {})).toBe(0);
    const csv = readFileSync(join(out, 'energy_results.csv'), 'utf8').trimEnd().split('\n').slice(1);
    const t = await readParquetTable(join(out, 'energy_results.parquet'));
    expect(t.numRows).toBe(csv.length);
    const first = csv[0].split(';');
    const row = t.get(0)?.toJSON() as Record<string, unknown>;
    expect(row.time_series_type).toBe(first[2]);
    expect(row.grid_area_code).toBe(first[4]);
    expect(new Date(Number(row.time)).toISOString().replace('.000Z', 'Z')).toBe(first[9]);
    const total = (rows: string[]) => rows.reduce((s, l) => s + Math.round(Number(l.split(';')[11]) * 1000), 0);
    let pq = 0;
    const q = t.getChild('quantity');
    for (let i = 0; i < t.numRows; i++) pq += Number(String(q?.get(i))); // DecimalBigNum → unscaled integer
    expect(pq).toBe(total(csv));
  });

  it('runs the lake form with the arguments as flags and gives the same CSV', async () => {
    const lake = join(dir, 'lake');
    await writeSyntheticLake(lake, data);
    const a = data.args;
    const out = join(dir, 'out-lake');
    const code = await runCalculate(
      [
        '--lake', lake, '--out', out, '--workers', '2',
        '--calculation-id', a.calculationId, '--calculation-type', a.calculationType, '--grid-areas', a.gridAreas.join(','),
        '--period-start-datetime', new Date(a.periodStart).toISOString(), '--period-end-datetime', new Date(a.periodEnd).toISOString(),
        '--calculation-execution-time-start', new Date(a.executionTimeStart).toISOString(), '--created-by-user-id', a.createdByUserId,
      ],
      () => {},
      () => {},
    );
    expect(code).toBe(0);
    const ref = join(dir, 'out-pq', 'energy_results.csv');
    if (!existsSync(ref)) expect(await runCalculate(['--scenario', scenario, '--out', join(dir, 'out-pq')], () => {}, () => {})).toBe(0);
    expect(readFileSync(join(out, 'energy_results.csv'), 'utf8')).toBe(readFileSync(ref, 'utf8'));
  });

  it('exits non-zero with the validation message and writes nothing on bad input', async () => {
    const bad = join(dir, 'bad');
    cpSync(scenario, bad, { recursive: true });
    const file = join(bad, 'when', 'time_series_points.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[5] = lines[5].replace(/;(measured|estimated|calculated|missing);/, ';superb;');
    writeFileSync(file, lines.join('\n'));
    const out = join(dir, 'out-bad');
    const errors: string[] = [];
    expect(await runCalculate(['--scenario', bad, '--out', out], () => {}, (s) => errors.push(s))).toBe(1);
    expect(errors.join('\n')).toMatch(/time_series_points\.csv, row 5, column quality: unknown quality 'superb'/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad flags with the zod issues', async () => {
    const errors: string[] = [];
    const code = await runCalculate(
      ['--lake', dir, '--out', join(dir, 'x'), '--calculation-id', 'c', '--calculation-type', 'balance_fixing', '--grid-areas', '8000', '--period-start-datetime', 'soon', '--period-end-datetime', '2024-01-01T00:00:00Z'],
      () => {},
      (s) => errors.push(s),
    );
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/grid-areas\.0: grid area code must be exactly 3 digits/);
    expect(errors.join('\n')).toMatch(/period-start-datetime: 'soon' is not an ISO-8601 instant/);
  });
});
