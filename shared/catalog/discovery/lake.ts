/**
 * The platform's own lake: every Parquet file of the basis-data lake tables, and every Parquet
 * file of committed settlement results (a job's files count once its `_manifest.json` exists —
 * it is written last). A new partition announces itself at the next run; a deleted one is
 * reconciled away. Files are datasets as they stand (one partition each), not whole tables.
 */
import type { BlobStore } from '../../storage/blob-store';
import type { Announcement, Discoverer } from './discoverer';

const LAKE_TABLES = ['metering_point_periods/', 'time_series_points/', 'grid_loss_metering_points/', 'charge'];

// ids go into URL paths (/api/catalog/datasets/{id}): no slashes
const sourceIdOf = (container: string, path: string) => `${container}:${path.replace(/\//g, ':')}`;

const describePath = (path: string) =>
  path
    .replace(/\.parquet$/, '')
    .split('/')
    .join(' ')
    .replace(/=/g, ' ')
    .replace(/_/g, ' ');

export function lakeDiscoverer(opts: { basisData: BlobStore; results: BlobStore }): Discoverer {
  return {
    identifier: 'lake',
    async *discover(): AsyncIterable<Announcement> {
      for (const prefix of LAKE_TABLES)
        for (const path of await opts.basisData.list(prefix))
          if (path.endsWith('.parquet'))
            yield {
              sourceId: sourceIdOf(opts.basisData.container, path),
              name: `Basis data: ${describePath(path)}`,
              materialize: { kind: 'blob', container: opts.basisData.container, path, format: 'parquet' },
            };
      const paths = await opts.results.list('jobs/');
      const committed = new Set(paths.filter((p) => p.endsWith('/_manifest.json')).map((p) => p.split('/')[1]));
      for (const path of paths)
        if (path.endsWith('.parquet') && committed.has(path.split('/')[1]))
          yield {
            sourceId: sourceIdOf(opts.results.container, path),
            name: `Settlement results: ${describePath(path)}`,
            materialize: { kind: 'blob', container: opts.results.container, path, format: 'parquet' },
          };
    },
  };
}
