/**
 * `npm run diff -- OUT_A OUT_B` (issue 17): two `npm run calculate` outputs of the same scenario,
 * the second with a late correction of one reading; the diff finds exactly the series that moved
 * and by how much (JSON and CSV), through the same kernel as the API.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSynthetic, writeScenarioCsv } from '../../bench/synthetic';
import { runCalculate } from '../../cli/calculate';
import { DIFF_HELP, DIFF_OPTIONS, runDiff } from '../../cli/diff';
import type { DiffJson } from '../../shared/results/diff/diff-report';
import { lateCorrection } from '../support/late-correction';

const ROOT = resolve(__dirname, '../..');

async function diff(argv: string[]) {
  let out = '';
  const err: string[] = [];
  const code = await runDiff(
    argv,
    (s) => (out += s),
    (s) => err.push(s),
  );
  return { code, out, err: err.join('\n') };
}

describe('npm run diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-diff-'));
  const data = generateSynthetic({
    seed: 5,
    meteringPoints: 150,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 1,
    periodStart: '2024-01-31T23:00:00Z',
  });
  const fix = lateCorrection(data, 12_345);
  const [outA, outB] = [join(dir, 'out-a'), join(dir, 'out-b')];

  beforeAll(async () => {
    const a = join(dir, 'scenario-a');
    const b = join(dir, 'scenario-b');
    writeScenarioCsv(a, data);
    cpSync(a, b, { recursive: true });
    const csv = join(b, 'when', 'time_series_points.csv');
    const text = readFileSync(csv, 'utf8');
    expect(text).toContain(fix.scenarioLine(true) + '\n');
    writeFileSync(csv, text.replace(fix.scenarioLine(true) + '\n', fix.scenarioLine(false) + '\n'));
    for (const [scenario, out] of [
      [a, outA],
      [b, outB],
    ])
      expect(
        await runCalculate(
          ['--scenario', scenario, '--out', out, '--quiet'],
          () => {},
          () => {},
        ),
      ).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('JSON: exactly the corrected supplier series of the grid area moved, by the correction, at its quarter', async () => {
    const r = await diff([outA, outB, '--level', 'energy_supplier', '--type', fix.timeSeriesType]);
    expect(r).toMatchObject({ code: 0, err: '' });
    const d = JSON.parse(r.out) as DiffJson;
    expect(d).toMatchObject({
      jobA: 'out-a',
      jobB: 'out-b',
      kind: 'energy',
      unit: 'kWh',
      filters: { type: fix.timeSeriesType, gridArea: null, level: 'energy_supplier' },
      changedSeriesCount: 1,
      sumAbsDifference: fix.differenceText,
    });
    expect(d.series[0]).toMatchObject({
      key: {
        time_series_type: fix.timeSeriesType,
        aggregation_level: 'energy_supplier',
        grid_area_code: fix.gridArea,
        energy_supplier_id: fix.energySupplierId,
        balance_responsible_party_id: fix.balanceResponsiblePartyId,
      },
      presence: 'both',
      changedSlots: 1,
      sumAbsDifference: fix.differenceText,
      maxAbsDifference: fix.differenceText,
      maxAt: fix.timeText,
    });
    expect(d.series.slice(1).every((s) => s.changedSlots === 0)).toBe(true);
    expect(d.timeline.filter((t) => t.sumAbsDifference !== '0.000')).toEqual([
      { time: fix.timeText, sumAbsDifference: fix.differenceText },
    ]);
    expect(d.gridAreas.filter((g) => g.changedSeries > 0)).toEqual([
      { gridArea: fix.gridArea, sumAbsDifference: fix.differenceText, changedSeries: 1 },
    ]);
    expect(
      d.actors
        .filter((a) => a.changedSeries > 0)
        .map((a) => [a.role, a.actorId])
        .sort(),
    ).toEqual(
      [
        ['balance_responsible_party', fix.balanceResponsiblePartyId],
        ['energy_supplier', fix.energySupplierId],
      ].sort(),
    );
    // unfiltered: every level's consumption series of the supplier, BRP and grid area move by the
    // same amount, the grid loss by its opposite; nothing outside the grid area and the quarter
    const whole = JSON.parse((await diff([outA, outB, '--limit', '1000'])).out) as DiffJson;
    expect(whole.gridAreas.filter((g) => g.changedSeries > 0).map((g) => g.gridArea)).toEqual([fix.gridArea]);
    expect(whole.timeline.filter((t) => t.sumAbsDifference !== '0.000').map((t) => t.time)).toEqual([fix.timeText]);
    const gridLoss = whole.series.find((s) => s.key.time_series_type === 'grid_loss' && s.changedSlots > 0);
    expect(gridLoss).toMatchObject({ key: { grid_area_code: fix.gridArea }, sumAbsDifference: fix.differenceText });
    // every level: the grid area's consumption total moves by the same amount
    const all = JSON.parse((await diff([outA, outB, '--type', fix.timeSeriesType, '--limit', '1000'])).out) as DiffJson;
    const moved = all.series.filter((s) => s.changedSlots > 0);
    expect(moved.map((s) => s.key.aggregation_level).sort()).toEqual(
      ['balance_responsible_party', 'energy_supplier', 'grid_area'].sort(),
    );
    for (const s of moved)
      expect(s).toMatchObject({ key: { grid_area_code: fix.gridArea }, sumAbsDifference: fix.differenceText });
  });

  it('CSV: one line per series, every series; the same outputs twice differ nowhere', async () => {
    const r = await diff([outA, outB, '--format', 'csv']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const json = JSON.parse((await diff([outA, outB])).out) as DiffJson;
    expect(lines).toHaveLength(json.seriesCount + 1);
    expect(lines[0]).toBe(
      'time_series_type;aggregation_level;grid_area_code;neighbor_grid_area_code;energy_supplier_id;balance_responsible_party_id;metering_point_id;presence;slots;changed_slots;total_a;total_b;sum_abs_difference;max_abs_difference;max_at',
    );
    const line = lines.find((l) =>
      l.startsWith(`${fix.timeSeriesType};energy_supplier;${fix.gridArea};;${fix.energySupplierId};`),
    );
    expect(line?.split(';').slice(7, 10)).toEqual(['both', '96', '1']);
    expect(line?.split(';').slice(12)).toEqual([fix.differenceText, fix.differenceText, fix.timeText]);
    const same = JSON.parse((await diff([outA, outA])).out) as DiffJson;
    expect(same).toMatchObject({ changedSeriesCount: 0, sumAbsDifference: '0.000', seriesCount: json.seriesCount });
  });

  it('usage errors exit 2, a folder without results 1; --help lists every option; the npm script runs', async () => {
    expect((await diff([outA])).code).toBe(2);
    expect((await diff([outA, outB, '--kind', 'gas'])).err).toMatch(/^usage: --kind must be energy or wholesale/);
    expect((await diff([outA, outB, '--limit', '0'])).code).toBe(2);
    const missing = await diff([outA, outB, '--kind', 'wholesale']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/wholesale_results\.parquet not found/);
    const help = await diff(['--help']);
    expect(help.out).toBe(DIFF_HELP);
    for (const option of Object.keys(DIFF_OPTIONS)) expect(DIFF_HELP).toContain(`--${option}`);
    const stdout = execFileSync('npm', ['run', '-s', 'diff', '--', outA, outB, '--limit', '1'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect((JSON.parse(stdout) as DiffJson).sumAbsDifference).toBe(
      (JSON.parse((await diff([outA, outB])).out) as DiffJson).sumAbsDifference,
    );
  });
});
