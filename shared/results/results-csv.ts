/** Result rows as the results API's CSV (`;`-separated, header first, newline-terminated). */
import { ENERGY_RESULTS_CSV_HEADER } from './energy-csv';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from './energy-result-row';
import { WHOLESALE_RESULTS_CSV_HEADER } from './wholesale-output';
import { WHOLESALE_RESULT_COLUMNS, type WholesaleResultRow } from './wholesale-results';

export function rowsToCsv(rows: readonly EnergyResultRow[]): string {
  return (
    [ENERGY_RESULTS_CSV_HEADER, ...rows.map((r) => ENERGY_RESULT_COLUMNS.map((c) => r[c]).join(';'))].join('\n') + '\n'
  );
}

export function wholesaleRowsToCsv(rows: readonly WholesaleResultRow[]): string {
  return (
    [WHOLESALE_RESULTS_CSV_HEADER, ...rows.map((r) => WHOLESALE_RESULT_COLUMNS.map((c) => r[c]).join(';'))].join('\n') +
    '\n'
  );
}
