import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChargesCsv } from '../../shared/basis-data/charges';
import { ValidationError } from '../../shared/basis-data/errors';

const F5 = join(__dirname, '..', 'scenarios-wholesale', 'f5-minimal-wholesale');

/** A copy of F5 with one line of one charge file replaced. */
function broken(file: string, line: number, edit: (l: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'charges-'));
  cpSync(F5, dir, { recursive: true });
  const path = join(dir, 'when', file);
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[line] = edit(lines[line]);
  writeFileSync(path, lines.join('\n'));
  return dir;
}

/** Data row of F5's subscription-1 price point (2023-01-31T23:00:00Z) in charge_price_points.csv. */
const SUBSCRIPTION_1_LINE = readFileSync(join(F5, 'when', 'charge_price_points.csv'), 'utf8')
  .split('\n')
  .findIndex((l) => l.startsWith('subscription-1;'));

describe('charge input validation (file, row, column, reason)', () => {
  const cases: Array<[string, string, number, (l: string) => string, RegExp]> = [
    [
      'a price with 7 decimals',
      'charge_price_points.csv',
      1,
      (l) => {
        const f = l.split(';');
        f[3] = '1.1234567';
        return f.join(';');
      },
      /charge_price_points\.csv, row 1, column charge_price: '1\.1234567' has more than 6 decimals/,
    ],
    [
      'an unknown charge type',
      'charge_link_periods.csv',
      2,
      (l) => l.replace(/;(tariff|fee|subscription);/, ';discount;'),
      /charge_link_periods\.csv, row 2, column charge_type: unknown charge type 'discount'/,
    ],
    [
      'a link factor of 0',
      'charge_link_periods.csv',
      1,
      (l) => {
        const f = l.split(';');
        f[4] = '0';
        return f.join(';');
      },
      /charge_link_periods\.csv, row 1, column quantity: '0' is not a whole number ≥ 1/,
    ],
    [
      'a tariff with monthly resolution',
      'charge_price_information_periods.csv',
      1,
      (l) => l.replace(/;(PT1H|P1D|P1M);/, ';P1M;').replace(/^([^;]*);(fee|subscription);/, '$1;tariff;'),
      /charge_price_information_periods\.csv, row 1, column resolution: a tariff has resolution PT1H or P1D/,
    ],
    [
      'is_tax that is not a boolean',
      'charge_price_information_periods.csv',
      1,
      (l) => {
        const f = l.split(';');
        f[4] = 'maybe';
        return f.join(';');
      },
      /column is_tax: expected true or false/,
    ],
    // P1M charges (fees, subscriptions) are priced at local day starts only (docs/wholesale-calculation.md "Inputs")
    [
      'a fee price point at 05:00Z',
      'charge_price_points.csv',
      1,
      (l) => l.replace('2023-02-01T23:00:00Z', '2023-02-02T05:00:00Z'),
      /charge_price_points\.csv, row 1, column charge_time: a fee \(P1M\) price point must lie on a local day start \(midnight Europe\/Copenhagen\), not at 2023-02-02T05:00:00Z/,
    ],
    [
      'a subscription price point at UTC midnight',
      'charge_price_points.csv',
      SUBSCRIPTION_1_LINE,
      (l) => l.replace('2023-01-31T23:00:00Z', '2023-02-01T00:00:00Z'),
      new RegExp(
        `charge_price_points\\.csv, row ${SUBSCRIPTION_1_LINE}, column charge_time: a subscription \\(P1M\\) price point must lie on a local day start`,
      ),
    ],
  ];
  it.each(cases)('rejects %s', async (_name, file, line, edit, message) => {
    const dir = broken(file, line, edit);
    try {
      const err = await readChargesCsv(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
