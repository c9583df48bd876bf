import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readParquetTable } from '../../shared/basis-data/parquet/arrow-io';
import { ENERGY_RESULTS_CSV_HEADER } from '../../shared/results/energy-csv';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, writeScenarioCsv } from '../../bench/synthetic';
import { runCalculate } from '../../cli/calculate';
import { validateAgainstXsd } from '../../shared/market-documents/xsd-validator';
import { itWithCimSchemas, rsm014Schemas } from '../support/cim-schemas';

const ROOT = resolve(__dirname, '../..');

describe('npm run calculate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const data = generateSynthetic({
    seed: 3,
    meteringPoints: 120,
    gridAreas: 3,
    days: 1,
    periodStart: '2023-11-01T23:00:00Z',
  });
  const scenario = join(dir, 'scenario');
  writeScenarioCsv(scenario, data);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes energy_results.csv and .parquet with the contract header (real command)', () => {
    const out = join(dir, 'out-cmd');
    const stdout = execFileSync('npm', ['run', '-s', 'calculate', '--', '--scenario', scenario, '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
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
    expect(
      await runCalculate(
        ['--scenario', scenario, '--out', out],
        () => {},
        () => {},
      ),
    ).toBe(0);
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
        '--lake',
        lake,
        '--out',
        out,
        '--workers',
        '2',
        '--calculation-id',
        a.calculationId,
        '--calculation-type',
        a.calculationType,
        '--grid-areas',
        a.gridAreas.join(','),
        '--period-start-datetime',
        new Date(a.periodStart).toISOString(),
        '--period-end-datetime',
        new Date(a.periodEnd).toISOString(),
        '--calculation-execution-time-start',
        new Date(a.executionTimeStart).toISOString(),
        '--created-by-user-id',
        a.createdByUserId,
      ],
      () => {},
      () => {},
    );
    expect(code).toBe(0);
    const ref = join(dir, 'out-pq', 'energy_results.csv');
    if (!existsSync(ref))
      expect(
        await runCalculate(
          ['--scenario', scenario, '--out', join(dir, 'out-pq')],
          () => {},
          () => {},
        ),
      ).toBe(0);
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
    expect(
      await runCalculate(
        ['--scenario', bad, '--out', out],
        () => {},
        (s) => errors.push(s),
      ),
    ).toBe(1);
    expect(errors.join('\n')).toMatch(/time_series_points\.csv, row 5, column quality: unknown quality 'superb'/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad flags with the zod issues', async () => {
    const errors: string[] = [];
    const code = await runCalculate(
      [
        '--lake',
        dir,
        '--out',
        join(dir, 'x'),
        '--calculation-id',
        'c',
        '--calculation-type',
        'balance_fixing',
        '--grid-areas',
        '8000',
        '--period-start-datetime',
        'soon',
        '--period-end-datetime',
        '2024-01-01T00:00:00Z',
      ],
      () => {},
      (s) => errors.push(s),
    );
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/grid-areas\.0: grid area code must be exactly 3 digits/);
    expect(errors.join('\n')).toMatch(/period-start-datetime: 'soon' is not an ISO-8601 instant/);
  });
});

describe('npm run calculate --messages (RSM-014)', () => {
  const F1 = join(ROOT, 'test', 'scenarios', 'f1-minimal-energy');
  const dir = mkdtempSync(join(tmpdir(), 'cli-msg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** What the real command wrote (the first test), validated against the official XSD by the second. */
  let files: Array<{ receiver: string; f: string; xml: string }> = [];

  it('writes OUT/messages/{receiverId}/{documentId}.xml for F1 (real command)', () => {
    const out = join(dir, 'out');
    const stdout = execFileSync('npm', ['run', '-s', 'calculate', '--', '--scenario', F1, '--out', out, '--messages'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(stdout).toMatch(/messages: 29 RSM-014 documents for 6 receivers/);
    const root = join(out, 'messages');
    files = readdirSync(root).flatMap((receiver) =>
      readdirSync(join(root, receiver)).map((f) => ({
        receiver,
        f,
        xml: readFileSync(join(root, receiver, f), 'utf8'),
      })),
    );
    // F1 (aggregation): 5 grid-area results → owner; 3 types × (3 suppliers → DDQ + DDK, 2 BRP sums → DDK)
    expect(files).toHaveLength(29);
    expect(readdirSync(root).sort()).toEqual([
      '1000000000000',
      '1100000000000',
      '2000000000000',
      '2200000000000',
      '3000000000000',
      '5790000000001',
    ]);
    expect(readdirSync(join(root, '5790000000001'))).toHaveLength(5); // grid area 800's owner from grid_area_owners.csv
    for (const { receiver, f, xml } of files) {
      expect(f).toMatch(/^[0-9a-f-]{36}\.xml$/);
      expect(xml).toContain(`<cim:mRID>${f.replace('.xml', '')}</cim:mRID>`); // file name = document id
      expect(xml).toMatch(
        new RegExp(
          `<cim:receiver_MarketParticipant\\.mRID codingScheme="A10">${receiver}</cim:receiver_MarketParticipant\\.mRID>`,
        ),
      );
    }
  });

  itWithCimSchemas()('every written file is valid against the official RSM-014 XSD', async () => {
    expect(files).toHaveLength(29); // written by the test above
    const results = await validateAgainstXsd(
      rsm014Schemas().set,
      files.map(({ receiver, f, xml }) => ({ name: `${receiver}/${f}`, xml })),
    );
    expect([...results].filter(([, r]) => !r.valid).map(([n, r]) => `${n}: ${r.errors.join(' | ')}`)).toEqual([]);
    expect(results.size).toBe(29);
  });

  it('a rerun overwrites the same files (deterministic document ids)', async () => {
    const out = join(dir, 'out-twice');
    for (let i = 0; i < 2; i++)
      expect(
        await runCalculate(
          ['--scenario', F1, '--out', out, '--messages'],
          () => {},
          () => {},
        ),
      ).toBe(0);
    const n = readdirSync(join(out, 'messages')).reduce((s, r) => s + readdirSync(join(out, 'messages', r)).length, 0);
    expect(n).toBe(29);
  });

  it.each([
    ['the owners file is missing', null, /grid area 800 .*grid_area_owners\.csv does not exist/],
    [
      'the owners file lacks the grid area',
      'grid_area_code;grid_access_provider_id\n801;5790000000002\n',
      /grid area 800 \(not listed in .*grid_area_owners\.csv\)/,
    ],
  ])('exits 1 naming the grid area and writes nothing when %s', async (_name, owners, expected) => {
    const scenario = join(dir, `f1-${owners === null ? 'none' : 'other'}`);
    cpSync(F1, scenario, { recursive: true });
    if (owners === null) rmSync(join(scenario, 'grid_area_owners.csv'));
    else writeFileSync(join(scenario, 'grid_area_owners.csv'), owners);
    const out = join(scenario, 'out');
    const errors: string[] = [];
    expect(
      await runCalculate(
        ['--scenario', scenario, '--out', out, '--messages'],
        () => {},
        (s) => errors.push(s),
      ),
    ).toBe(1);
    expect(errors.join('\n')).toMatch(expected);
    expect(existsSync(out)).toBe(false);
    // without --messages the owners are not needed
    expect(
      await runCalculate(
        ['--scenario', scenario, '--out', out],
        () => {},
        () => {},
      ),
    ).toBe(0);
    expect(existsSync(join(out, 'messages'))).toBe(false);
  });
});
