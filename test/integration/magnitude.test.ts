/** Quantities too large for exact arithmetic are refused with a MagnitudeError saying where. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScenarioArguments, ScenarioCsvSource } from '../../shared/basis-data/scenario-source';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import { MagnitudeError } from '../../shared/decimal/scaled';

const SCENARIO = join(__dirname, '..', 'scenarios', 'case-c1-grid-loss-simple');

describe('MagnitudeError', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'magnitude-'));
    cpSync(SCENARIO, dir, { recursive: true });
    const file = join(dir, 'when', 'time_series_points.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    // 3 billion kWh in one hour: beyond 2^53 micro-kWh / 4
    lines[1] = lines[1].replace(/^(\d+);20;/, '$1;3000000000;');
    writeFileSync(file, lines.join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the limit and the first slot that exceeds it', async () => {
    const err: unknown = await calculateEnergy(new ScenarioCsvSource(dir), await readScenarioArguments(dir)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MagnitudeError);
    expect(err).toMatchObject({
      name: 'MagnitudeError',
      message: 'quantities in one time slot add up to more than 2251799813 kWh; exact arithmetic cannot be guaranteed',
      limitKwh: 2251799813,
      slotStart: Date.parse('2020-01-01T00:00:00Z'),
    });
    expect((err as MagnitudeError).absSumMicroKwh).toBeGreaterThanOrEqual(3e15);
  });
});
