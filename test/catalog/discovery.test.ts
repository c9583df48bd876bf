/**
 * Discoverers against loopback servers speaking the sources' real JSON shapes (Energi Data
 * Service `/meta/dataset` + `/dataset/{name}`, CKAN `package_search`), the lake discoverer over
 * blob stores, and the profile-and-index use case they feed (idempotent, failures recorded).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DatasetTooLargeError,
  failureOf,
  profileAndIndex,
  type CatalogDeps,
} from '../../shared/catalog/catalog-service';
import type { DatasetMetadata } from '../../shared/catalog/dataset';
import { ckanDiscoverer } from '../../shared/catalog/discovery/ckan';
import { energiDataServiceDiscoverer } from '../../shared/catalog/discovery/energi-data-service';
import { lakeDiscoverer } from '../../shared/catalog/discovery/lake';
import { discoverOnQuery, runDiscovery } from '../../shared/catalog/discovery/run-discovery';
import { EmbeddedCatalogIndex } from '../../shared/catalog/index/embedded-index';
import { materializer } from '../../shared/catalog/materialize';
import { catalogQuerySchema } from '../../shared/catalog/search';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { UnreadableDatasetError } from '../../shared/catalog/profile/readers';
import * as arrow from 'apache-arrow';
import { parquetBytes, stringColumn } from '../../shared/basis-data/parquet/arrow-io';

const enqueueTo = (queue: DatasetMetadata[], m: DatasetMetadata): Promise<void> => {
  queue.push(m);
  return Promise.resolve();
};

type Route = (url: URL) => { status: number; body: string; type?: string } | null;

async function serve(route: Route): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${url.pathname}${url.search}`);
    const r = route(url);
    res.writeHead(r?.status ?? 404, { 'content-type': r?.type ?? 'application/json' });
    res.end(r?.body ?? '{"error":"not found"}');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

// Elspotprices as EDS serves it: the envelope, timestamps without a zone
const elspot = {
  total: 4,
  limit: 10000,
  dataset: 'Elspotprices',
  records: [
    {
      HourUTC: '2025-09-30T21:00:00',
      HourDK: '2025-09-30T23:00:00',
      PriceArea: 'DK1',
      SpotPriceDKK: 690.700059,
      SpotPriceEUR: 92.540001,
    },
    {
      HourUTC: '2025-09-30T21:00:00',
      HourDK: '2025-09-30T23:00:00',
      PriceArea: 'DK2',
      SpotPriceDKK: 700.1,
      SpotPriceEUR: 93.8,
    },
    {
      HourUTC: '2025-09-30T20:00:00',
      HourDK: '2025-09-30T22:00:00',
      PriceArea: 'DK1',
      SpotPriceDKK: 650.2,
      SpotPriceEUR: 87.1,
    },
    {
      HourUTC: '2025-09-30T20:00:00',
      HourDK: '2025-09-30T22:00:00',
      PriceArea: 'DK2',
      SpotPriceDKK: 660.3,
      SpotPriceEUR: 88.4,
    },
  ],
};

function catalogDeps(
  index = new EmbeddedCatalogIndex(new MemoryBlobStore('catalog')),
  maxBytes = 1 << 20,
): CatalogDeps {
  const files = new MemoryBlobStore('dataset-catalog');
  let n = 0;
  return {
    index,
    files,
    materialize: materializer({ containers: [files], maxBytes }),
    clock: () => new Date('2026-01-01T00:00:00Z'),
    newId: () => `id${++n}`,
    maxBytes,
  };
}

describe('Energi Data Service discoverer', () => {
  let eds: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    eds = await serve((url) => {
      if (url.pathname === '/meta/dataset')
        return {
          status: 200,
          body: JSON.stringify([
            {
              datasetName: 'Elspotprices',
              displayName: 'Elspot Prices',
              description: '<p>Day-ahead prices</p>',
              resolution: 'PT1H',
            },
            { datasetName: 'bad name/../x' },
          ]),
        };
      if (url.pathname === '/dataset/Elspotprices') return { status: 200, body: JSON.stringify(elspot) };
      return null;
    });
  });
  afterAll(() => eds.server.close());

  test('announces, the profiler fetches and indexes; price areas and HourDK local time recognised', async () => {
    const deps = catalogDeps();
    const queued: DatasetMetadata[] = [];
    const d = energiDataServiceDiscoverer({ baseUrl: eds.url });
    const run = await runDiscovery(
      { index: deps.index, enqueue: (m) => enqueueTo(queued, m), clock: () => deps.clock() },
      d,
    );
    expect(run).toEqual({ announced: 1, deleted: [] });
    expect(queued[0]).toMatchObject({
      id: 'energidataservice.Elspotprices',
      name: 'Elspot Prices',
      description: expect.stringMatching(/^Day-ahead prices Resolution PT1H/) as string,
      owner: null,
      materialize: { kind: 'url', format: 'json', identifier: 'energidataservice' },
    });
    const { outcome, entry } = await profileAndIndex(deps, queued[0]);
    expect(outcome).toBe('indexed');
    expect(eds.hits).toContain('/dataset/Elspotprices?limit=10000');
    expect(entry.profile.spatial_coverage).toEqual([
      expect.objectContaining({ type: 'price_area', values: ['DK1', 'DK2'] }),
    ]);
    const dk = entry.profile.temporal_coverage.find((t) => t.column_names[0] === 'HourDK');
    expect(dk).toMatchObject({
      local_time_zone: 'Europe/Copenhagen',
      ranges: [{ gte: '2025-09-30T20:00:00.000Z', lte: '2025-09-30T21:00:00.000Z' }],
    });
    // the same bytes again: not profiled again
    expect((await profileAndIndex(deps, queued[0])).outcome).toBe('unchanged');
    const found = await deps.index.search(catalogQuerySchema.parse({ keywords: 'DK2 2025' }), { subject: 'x' });
    expect(found.results.map((h) => h.id)).toEqual(['energidataservice.Elspotprices']);
  });
});

describe('CKAN discoverer', () => {
  let ckan: Awaited<ReturnType<typeof serve>>;
  const pkg = (i: number) => ({
    name: `pkg-${i}`,
    title: `Package ${i}`,
    notes: 'Wind turbines',
    license_title: 'CC-BY-4.0',
    resources: [
      { url: 'http://x/readme.pdf', format: 'PDF' },
      { url: `${ckan.url}/files/${i}.csv`, format: 'CSV' },
    ],
  });
  beforeAll(async () => {
    ckan = await serve((url) => {
      if (url.pathname === '/api/3/action/package_search') {
        const start = Number(url.searchParams.get('start'));
        const q = url.searchParams.get('q');
        const all = Array.from({ length: 150 }, (_, i) => i).filter((i) => !q || String(i) === q);
        const page = all.slice(start, start + Number(url.searchParams.get('rows')));
        return {
          status: 200,
          body: JSON.stringify({ success: true, result: { count: all.length, results: page.map(pkg) } }),
        };
      }
      if (url.pathname.startsWith('/files/'))
        return { status: 200, type: 'text/csv', body: 'lat,lon,capacity_kw\n55.1,8.2,3600\n56.0,9.1,2000\n' };
      return null;
    });
  });
  afterAll(() => ckan.server.close());

  test('pages through package_search; first readable resource; reconciliation deletes what is gone', async () => {
    const deps = catalogDeps();
    const queued: DatasetMetadata[] = [];
    const discovery = {
      index: deps.index,
      enqueue: (m: DatasetMetadata) => enqueueTo(queued, m),
      clock: () => deps.clock(),
    };
    const run = await runDiscovery(discovery, ckanDiscoverer({ baseUrl: ckan.url }));
    expect(run.announced).toBe(150);
    expect(ckan.hits.filter((h) => h.startsWith('/api/3/action/package_search'))).toHaveLength(2);
    expect(queued[3]).toMatchObject({
      id: 'ckan.pkg-3',
      license: 'CC-BY-4.0',
      materialize: { url: `${ckan.url}/files/3.csv`, format: 'csv' },
    });
    const { entry } = await profileAndIndex(deps, queued[3]);
    expect(entry.profile.spatial_coverage).toEqual([expect.objectContaining({ type: 'latlong', number: 2 })]);
    expect(entry.profile.columns[2]).toMatchObject({ unit: 'kW' });
    // a dataset the source no longer lists is deleted at the next run
    await deps.index.put({ ...entry, id: 'ckan.gone', name: 'gone' });
    expect((await runDiscovery(discovery, ckanDiscoverer({ baseUrl: ckan.url }))).deleted).toEqual(['ckan.gone']);
    expect(await deps.index.get('ckan.gone')).toBeNull();
    expect(await deps.index.get('ckan.pkg-3')).not.toBeNull();
  });

  test('on a query: announces what the portal finds', async () => {
    const queued: DatasetMetadata[] = [];
    const r = await discoverOnQuery(
      { enqueue: (m) => enqueueTo(queued, m), clock: () => new Date() },
      [ckanDiscoverer({ baseUrl: ckan.url })],
      ['42'],
    );
    expect(r).toEqual({ announced: ['ckan.pkg-42'], failed: [], timedOut: false });
    expect(queued.map((m) => m.id)).toEqual(['ckan.pkg-42']);
  });

  test('a malformed or too large file is recorded as a failure and leaves nothing indexed', async () => {
    const bad = await serve((url) =>
      url.pathname === '/bad.csv' ? { status: 200, body: 'a,b\n1,2,3\n' } : { status: 200, body: 'x'.repeat(5000) },
    );
    try {
      const deps = catalogDeps(undefined, 1000);
      const meta = (path: string): DatasetMetadata => ({
        id: `ckan${path.replace(/\W/g, '_')}`,
        name: path,
        source: 'ckan',
        owner: null,
        published: true,
        materialize: {
          kind: 'url',
          url: `${bad.url}${path}`,
          format: 'csv',
          identifier: 'ckan',
          date: '2026-01-01T00:00:00Z',
        },
      });
      await expect(profileAndIndex(deps, meta('/bad.csv'))).rejects.toThrow(UnreadableDatasetError);
      await expect(profileAndIndex(deps, meta('/huge.csv'))).rejects.toThrow(DatasetTooLargeError);
      expect(await deps.index.idsOfSource('ckan')).toEqual([]);
      expect(await failureOf(deps, 'ckan_bad_csv')).toMatchObject({
        error: 'UnreadableDatasetError',
        reason: expect.stringMatching(/record 1 has 3 fields/) as string,
      });
      expect(await failureOf(deps, 'ckan_huge_csv')).toMatchObject({ error: 'DatasetTooLargeError' });
    } finally {
      bad.server.close();
    }
  });
});

test('lake discoverer: basis data partitions and committed results only', async () => {
  const basisData = new MemoryBlobStore('basis-data');
  const results = new MemoryBlobStore('settlement-results');
  await basisData.put('metering_point_periods/grid_area=804/part-0.parquet', 'x');
  await basisData.put('time_series_points/grid_area=804/observation_date=2023-01-01/a.parquet', 'x');
  await basisData.put('notes.txt', 'x');
  await results.put('jobs/j1/energy/grid_area=804/part.parquet', 'x');
  await results.put('jobs/j1/_manifest.json', '{}');
  await results.put('jobs/j2/energy/grid_area=805/part.parquet', 'x'); // not committed
  const seen: string[] = [];
  for await (const a of lakeDiscoverer({ basisData, results }).discover()) seen.push(a.sourceId);
  expect(seen).toEqual([
    'basis-data:metering_point_periods:grid_area=804:part-0.parquet',
    'basis-data:time_series_points:grid_area=804:observation_date=2023-01-01:a.parquet',
    'settlement-results:jobs:j1:energy:grid_area=804:part.parquet',
  ]);
});

/** A partition of hourly points of one grid area over `days` days from `from` (UTC). */
function partition(gridArea: string, from: string, days: number): Uint8Array {
  const t0 = Date.parse(`${from}T00:00:00Z`);
  const times = Array.from({ length: days * 24 }, (_, h) => new Date(t0 + h * 3_600_000).toISOString());
  return parquetBytes(
    new arrow.Table({
      grid_area: arrow.makeVector(stringColumn(times.map(() => gridArea))),
      time_utc: arrow.makeVector(stringColumn(times)),
      quantity_kwh: arrow.makeVector(stringColumn(times.map((_, i) => String(i % 7)))),
    }),
  );
}

test('lake: a replaced partition is profiled again and its old profile stops matching; a deleted one disappears', async () => {
  const basisData = new MemoryBlobStore('basis-data');
  const results = new MemoryBlobStore('settlement-results');
  const files = new MemoryBlobStore('dataset-catalog');
  const deps: CatalogDeps = {
    ...catalogDeps(),
    files,
    materialize: materializer({ containers: [files, basisData, results], maxBytes: 1 << 22 }),
  };
  const path = 'time_series_points/grid_area=804/observation_date=2023-03-01/part-0.parquet';
  const id = 'lake.basis-data:time_series_points:grid_area=804:observation_date=2023-03-01:part-0.parquet';
  // one discovery run with its queue drained by the profiler, as the timer and the trigger do
  const discoverAndProfile = async () => {
    const queued: DatasetMetadata[] = [];
    const run = await runDiscovery(
      { index: deps.index, enqueue: (m) => enqueueTo(queued, m), clock: () => deps.clock() },
      lakeDiscoverer({ basisData, results }),
    );
    const outcomes = [];
    for (const m of queued) outcomes.push((await profileAndIndex(deps, m)).outcome);
    return { ...run, outcomes };
  };
  const ids = async (query: unknown) =>
    (await deps.index.search(catalogQuerySchema.parse(query), { subject: 'x' })).results.map((h) => h.id);

  await basisData.put(path, partition('804', '2023-03-01', 2));
  expect(await discoverAndProfile()).toEqual({ announced: 1, deleted: [], outcomes: ['indexed'] });
  expect(await ids({ keywords: '804 2023' })).toEqual([id]);
  const first = (await deps.index.get(id))!.profile.content_hash;

  // unchanged bytes: announced again, not profiled again
  expect((await discoverAndProfile()).outcomes).toEqual(['unchanged']);

  // the partition is rewritten with other data (a correction run wrote 2024 points there)
  await basisData.put(path, partition('804', '2024-06-01', 1));
  expect((await discoverAndProfile()).outcomes).toEqual(['indexed']);
  const replaced = (await deps.index.get(id))!;
  expect(replaced.profile.content_hash).not.toBe(first);
  expect(replaced.profile.nb_rows).toBe(24);
  expect(await ids({ spatial: { grid_area: '804' }, temporal: { start: '2023', end: '2023' } })).toEqual([]);
  expect(await ids({ spatial: { grid_area: '804' }, temporal: { start: '2024', end: '2024' } })).toEqual([id]);

  // the partition is deleted: the next run removes it from the index
  await basisData.delete(path);
  expect(await discoverAndProfile()).toEqual({ announced: 0, deleted: [id], outcomes: [] });
  expect(await ids({ keywords: '804' })).toEqual([]);
  expect(await deps.index.get(id)).toBeNull();
});
