/**
 * Grid area → price area (bidding zone) as basis data, not code: the lake file
 * `grid_area_price_areas/grid_area_price_areas.csv` (SERIES_LAKE_PATHS.gridAreaPriceAreas),
 * `grid_area_code;price_area;valid_from;valid_to` (valid_from/valid_to ISO instants, valid_to
 * empty = open). Source: Energinet's grid area master data (each DataHub grid area — "netområde" —
 * lies in the price area of its transmission node: west of the Great Belt DK1, east DK2; the
 * list is published with DataHub's grid area overview and changes only when grid areas merge),
 * maintained by the basis-data team like the metering point master data. The GridAreaUpdated
 * integration event carries no price area, hence a file of its own. `local/data/` holds the one for
 * the demo's and tests' synthetic grid areas.
 */
import { SERIES_LAKE_PATHS } from '../basis-data/parquet/lake';
import { parseInstant } from '../domain/time';
import { ValidationError } from '../basis-data/errors';
import type { BlobStore } from '../storage/blob-store';

export interface PriceAreaAssignment {
  gridArea: string;
  priceArea: string;
  validFrom: number;
  validTo: number | null;
}

export interface PriceAreaMap {
  /** The price area of the grid area at `atMs`; null when the file does not say. */
  priceAreaOf(gridArea: string, atMs: number): string | null;
}

const HEADER = ['grid_area_code', 'price_area', 'valid_from', 'valid_to'];

export function parsePriceAreas(text: string, file: string = SERIES_LAKE_PATHS.gridAreaPriceAreas): PriceAreaMap {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0 || lines[0].split(';').join(';') !== HEADER.join(';'))
    throw new ValidationError(file, 1, null, `header must be ${HEADER.join(';')}`);
  const rows: PriceAreaAssignment[] = [];
  lines.slice(1).forEach((line, i) => {
    const [gridArea, priceArea, from, to = ''] = line.split(';').map((c) => c.trim());
    const row = i + 1;
    if (!/^\d{3}$/.test(gridArea ?? '')) throw new ValidationError(file, row, 'grid_area_code', 'three digits');
    if (!/^[A-Z]{2}[0-9A-Z-]{0,8}$/.test(priceArea ?? ''))
      throw new ValidationError(file, row, 'price_area', 'e.g. DK1');
    const validFrom = parseInstant(from ?? '');
    if (validFrom === null) throw new ValidationError(file, row, 'valid_from', 'an ISO-8601 instant');
    const validTo = to === '' ? null : parseInstant(to);
    if (to !== '' && validTo === null) throw new ValidationError(file, row, 'valid_to', 'an ISO-8601 instant or empty');
    rows.push({ gridArea, priceArea, validFrom, validTo });
  });
  return {
    priceAreaOf(gridArea, atMs) {
      const hit = rows.find(
        (r) => r.gridArea === gridArea && r.validFrom <= atMs && (r.validTo === null || atMs < r.validTo),
      );
      return hit?.priceArea ?? null;
    },
  };
}

/** Reads the mapping from the lake (an empty mapping when the file is absent). */
export async function readPriceAreas(lake: Pick<BlobStore, 'get'>): Promise<PriceAreaMap> {
  const bytes = await lake.get(SERIES_LAKE_PATHS.gridAreaPriceAreas);
  if (!bytes) return { priceAreaOf: () => null };
  return parsePriceAreas(Buffer.from(bytes).toString('utf8'));
}
