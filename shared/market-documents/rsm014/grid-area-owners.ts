/**
 * Grid area owners for a scenario folder: `grid_area_owners.csv` with
 * `grid_area_code;grid_access_provider_id` (`;`-separated like the other scenario CSVs). Pure
 * parsing; reading the file is the caller's (the CLI's) business.
 */
import { columnIndexes, parseCsv } from '../../basis-data/csv';
import { ValidationError } from '../../basis-data/errors';
import type { GridAreaOwnerResolver } from './routing';
import { GRID_AREA_CODE_RE } from '../../domain/identifiers';

export const GRID_AREA_OWNERS_FILE = 'grid_area_owners.csv';

/** Grid area code → owner GLN. Malformed or duplicated rows are refused, naming file, row and column. */
export function parseGridAreaOwnersCsv(text: string, file: string = GRID_AREA_OWNERS_FILE): Map<string, string> {
  const table = parseCsv(text, file);
  const col = columnIndexes(table, ['grid_area_code', 'grid_access_provider_id'] as const);
  const owners = new Map<string, string>();
  table.rows.forEach((r, i) => {
    const row = i + 1;
    const ga = r[col.grid_area_code];
    const gln = r[col.grid_access_provider_id];
    if (!GRID_AREA_CODE_RE.test(ga))
      throw new ValidationError(file, row, 'grid_area_code', `'${ga}' is not a 3-digit grid area code`);
    if (!/^\d{13}$/.test(gln) && !/^[0-9A-Z-]{16}$/.test(gln))
      throw new ValidationError(
        file,
        row,
        'grid_access_provider_id',
        `'${gln}' is neither a 13-digit GLN nor a 16-character EIC`,
      );
    if (owners.has(ga)) throw new ValidationError(file, row, 'grid_area_code', `grid area ${ga} is listed twice`);
    owners.set(ga, gln);
  });
  return owners;
}

export function ownerResolver(owners: ReadonlyMap<string, string>): GridAreaOwnerResolver {
  return (gridArea) => owners.get(gridArea) ?? null;
}
