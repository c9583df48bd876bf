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

describe('charge input validation (file, row, column, reason)', () => {
  const cases: Array<[string, string, number, (l: string) => string, RegExp]> = [
    ['a price with 7 decimals', 'charge_price_points.csv', 1, (l) => { const f = l.split(';'); f[3] = '1.1234567'; return f.join(';'); }, /charge_price_points\.csv, row 1, column charge_price: '1\.1234567' has more than 6 decimals/],
    ['an unknown charge type', 'charge_link_periods.csv', 2, (l) => l.replace(/;(tariff|fee|subscription);/, ';discount;'), /charge_link_periods\.csv, row 2, column charge_type: unknown charge type 'discount'/],
    ['a link factor of 0', 'charge_link_periods.csv', 1, (l) => { const f = l.split(';'); f[4] = '0'; return f.join(';'); }, /charge_link_periods\.csv, row 1, column quantity: '0' is not a whole number ≥ 1/],
    ['a tariff with monthly resolution', 'charge_price_information_periods.csv', 1, (l) => l.replace(/;(PT1H|P1D|P1M);/, ';P1M;').replace(/^([^;]*);(fee|subscription);/, '$1;tariff;'), /charge_price_information_periods\.csv, row 1, column resolution: a tariff has resolution PT1H or P1D/],
    ['is_tax that is not a boolean', 'charge_price_information_periods.csv', 1, (l) => { const f = l.split(';'); f[4] = 'maybe'; return f.join(';'); }, /column is_tax: expected true or false/],
  ];
  it.each(cases)('rejects %s', async (_name, file, line, edit, message) => {
    const dir = broken(file, line, edit);
    try {
      const err = await readChargesCsv(dir).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
