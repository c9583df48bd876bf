/**
 * Acceptance scenarios: one test per folder under test/scenarios (see
 * test/support/scenario-assert.ts for the folder contract and what is asserted, and each
 * folder's README.md for where its numbers come from).
 */
import path from 'node:path';
import { calculateScenario } from '../../shared/calculation/energy/run';
import { assertScenario, checkScenarioFiles, listScenarioDirs, type CalculateScenario } from '../support/scenario-assert';

const calculate: CalculateScenario = calculateScenario;
const dirs = listScenarioDirs();

test('scenario folders are well-formed', () => {
  expect(dirs.length).toBeGreaterThan(0);
  const problems = dirs.flatMap((dir) => checkScenarioFiles(dir).map((p) => `${path.basename(dir)}: ${p}`));
  expect(problems).toEqual([]);
});

describe('energy scenarios', () => {
  test.each(dirs.map((dir) => [path.basename(dir), dir]))('%s', async (_name, dir) => {
    await assertScenario(dir, calculate);
  });
});
