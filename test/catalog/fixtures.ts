/** Catalog entries built from real profiles of small hand-made CSVs (no hand-written profiles). */
import type { CatalogEntry, DatasetMetadata } from '../../shared/catalog/dataset';
import { profileDataset } from '../../shared/catalog/profile/profiler';

export const csvBytes = (rows: string[][]): Uint8Array =>
  new TextEncoder().encode(rows.map((r) => r.join(';')).join('\n') + '\n');

/** Hourly rows for one grid area over [from, to) (UTC days), with a quantity column. */
export function hourlyGridAreaCsv(gridArea: string, from: string, days: number): Uint8Array {
  const t0 = Date.parse(`${from}T00:00:00Z`);
  const rows = [['grid_area', 'time_utc', 'quantity_kwh']];
  for (let h = 0; h < days * 24; h += 7)
    rows.push([gridArea, new Date(t0 + h * 3_600_000).toISOString(), String(h % 97)]);
  return csvBytes(rows);
}

export async function entryOf(
  bytes: Uint8Array,
  meta: Partial<DatasetMetadata> & { id: string; name: string },
): Promise<CatalogEntry> {
  const [source] = meta.id.split('.');
  return {
    source,
    owner: null,
    published: false,
    materialize: {
      kind: 'url',
      url: `https://example.org/${meta.id}`,
      format: 'csv',
      identifier: source,
      date: '2026-01-01T00:00:00Z',
    },
    ...meta,
    profile: await profileDataset(bytes, 'csv'),
    indexed_at: '2026-01-01T00:00:00Z',
  };
}
