/**
 * Issue 13 "CLI": `calculate --help` lists every option, usage errors name what is missing, and a
 * long run reports its progress on stderr (phases, and the days read, throttled).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { CALCULATE_HELP, CALCULATE_OPTIONS, runCalculate } from '../../cli/calculate';
import { ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { progressReporter, withProgress } from '../../shared/basis-data/progress';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCalculate(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('calculate --help and usage', () => {
  it('--help (and -h) prints every option the parser accepts and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(CALCULATE_HELP);
    }
    for (const option of Object.keys(CALCULATE_OPTIONS)) expect(CALCULATE_HELP).toContain(`--${option}`);
  });

  it.each([
    [[], /^usage: missing --scenario DIR or --lake DIR \(see --help\)$/],
    [['--scenario', 'a', '--lake', 'b', '--out', 'o'], /give --scenario or --lake, not both/],
    [['--scenario', 'a'], /^usage: missing --out OUT/],
    [
      ['--lake', 'l', '--out', 'o', '--grid-areas', '800'],
      /^usage: --lake needs --calculation-id, --calculation-type, --period-start-datetime, --period-end-datetime /,
    ],
    [['--scenario', 's', '--out', 'o', '--as-of', '2024-01-01T00:00:00Z'], /--as-of: only with --lake/],
    [['--scenario', 's', '--out', 'o', '--workers', 'two'], /--workers must be a whole number ≥ 0, not 'two'/],
    [['--frobnicate'], /^usage: Unknown option '--frobnicate'.* \(see --help\)$/],
  ])('%j → exit 2 naming it', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-progress-'));
  const data = generateSynthetic({
    seed: 5,
    meteringPoints: 40,
    gridAreas: 2,
    days: 4,
    periodStart: '2024-03-29T23:00:00Z', // over the spring DST change: local days 2024-03-30 … 2024-04-02
  });
  const lake = join(dir, 'lake');
  beforeAll(() => writeSyntheticLake(lake, data));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the days read, throttled to the interval, in local dates', async () => {
    const lines: string[] = [];
    let clock = 0;
    // every look at the clock advances it 100 ms: ticks pass the 1 s interval only now and then
    const progress = progressReporter((l) => lines.push(l), { intervalMs: 1000, now: () => (clock += 100) });
    const source = withProgress(new ParquetLakeSource(lake), progress);
    const dictionary = new Map((await source.readMeteringPointPeriods()).map((p, i) => [p.meteringPointId, i]));
    let batches = 0;
    await source.forEachTimeSeriesBatch(
      dictionary,
      { from: data.args.periodStart, to: data.args.periodEnd },
      () => (batches += 1),
    );
    const ticks = lines.filter((l) => /day \d\/4/.test(l));
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length).toBeLessThan(batches); // throttled: not one line per batch
    for (const t of ticks) expect(t).toMatch(/day [1-4]\/4 \(2024-(03-30|03-31|04-01|04-02)\)/);
    expect(lines[0]).toMatch(/^progress 0\.\d s: reading metering point periods$/);
    expect(lines.at(-1)).toMatch(/time series: \d+ points from \d+ file\(s\)$/);
  });

  it('the CLI prints phases to stderr (not stdout) and --quiet silences them', async () => {
    const a = data.args;
    const argv = [
      '--lake',
      lake,
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
    ];
    const loud = await run([...argv, '--out', join(dir, 'out1')]);
    expect(loud.code).toBe(0);
    for (const phase of [
      'reading metering point periods',
      'reading time series of 4 day(s)',
      'energy results:',
      'writing results',
    ])
      expect(loud.err).toContain(phase);
    expect(loud.out).not.toMatch(/^progress /m);
    const quiet = await run([...argv, '--out', join(dir, 'out2'), '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe('');
    expect(readFileSync(join(dir, 'out2', 'energy_results.csv'), 'utf8')).toBe(
      readFileSync(join(dir, 'out1', 'energy_results.csv'), 'utf8'),
    );
  });
});
