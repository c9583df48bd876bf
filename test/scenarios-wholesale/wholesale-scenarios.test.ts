/**
 * Wholesale acceptance scenarios: one test per folder under test/scenarios-wholesale (see
 * test/support/wholesale-assert.ts for the folder contract and what is asserted, and each
 * folder's README.md for where its numbers come from).
 */
import path from 'node:path';
import {
  assertWholesaleScenario,
  assertWholesaleScenarioRejected,
  checkWholesaleScenarioFiles,
  listWholesaleScenarioDirs,
  readExpectedWholesaleError,
} from '../support/wholesale-assert';
import { calculateWholesaleScenario } from '../../shared/calculation/wholesale/run';

const dirs = listWholesaleScenarioDirs();

test('wholesale scenario folders are well-formed and arithmetically consistent', () => {
  expect(dirs.length).toBeGreaterThan(0);
  const problems = dirs.flatMap((dir) => checkWholesaleScenarioFiles(dir).map((p) => `${path.basename(dir)}: ${p}`));
  expect(problems).toEqual([]);
});

describe('wholesale scenarios', () => {
  test.each(dirs.map((dir) => [path.basename(dir), dir]))('%s', async (_name, dir) => {
    const expectedError = readExpectedWholesaleError(dir);
    if (expectedError !== null) {
      await assertWholesaleScenarioRejected(dir, expectedError, calculateWholesaleScenario);
      return;
    }
    const rows = await calculateWholesaleScenario(dir);
    assertWholesaleScenario(dir, rows);
  });
});
