/**
 * On-query discovery through POST /api/catalog/search, against loopback CKAN and Energi Data
 * Service servers: the first search answers with what the index holds and queues what the
 * sources found; once the profiler has drained the queue, the same search finds it. A slow
 * source is cut off at the deadline without holding the search, and a failing one only loses its own part.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { searchCatalogHandler, type CatalogHttpDeps } from '../../functions/http/catalog';
import { devAuthenticator } from '../../local/dev-issuer';
import { profileAndIndex } from '../../shared/catalog/catalog-service';
import type { DatasetMetadata } from '../../shared/catalog/dataset';
import { ckanDiscoverer } from '../../shared/catalog/discovery/ckan';
import type { Discoverer } from '../../shared/catalog/discovery/discoverer';
import { energiDataServiceDiscoverer } from '../../shared/catalog/discovery/energi-data-service';
import { lakeDiscoverer } from '../../shared/catalog/discovery/lake';
import { EmbeddedCatalogIndex } from '../../shared/catalog/index/embedded-index';
import { materializer } from '../../shared/catalog/materialize';
import { decodeProfileRequest, profileRequestMessage } from '../../shared/catalog/profile-request';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { tokenFor } from '../support/tokens';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

async function serve(
  route: (url: URL) => Promise<{ status: number; body: string } | null>,
): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${url.pathname}${url.search}`);
    void route(url).then((r) => {
      if (res.destroyed) return;
      res.writeHead(r?.status ?? 404, { 'content-type': 'application/json' });
      res.end(r?.body ?? '{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

let ckan: Awaited<ReturnType<typeof serve>>;
let eds: Awaited<ReturnType<typeof serve>>;
let slow: Awaited<ReturnType<typeof serve>>;
let token: string;
const WIND_CSV = 'lat;lon;capacity_kw;commissioned\n55,1;8,2;3600;2021-04-01\n56,0;9,1;2000;2022-08-15\n';
const packages = [
  { name: 'offshore-wind', title: 'Offshore wind turbines', notes: 'Turbines at sea' },
  { name: 'onshore-wind', title: 'Onshore wind turbines', notes: 'Turbines on land' },
  { name: 'bus-stops', title: 'Bus stops', notes: 'Public transport' },
];
const edsList = [
  { datasetName: 'CO2Emis', displayName: 'CO2 emission', description: 'CO2 emission per kWh, 5-minute' },
  { datasetName: 'Elspotprices', displayName: 'Elspot prices', description: 'Day-ahead prices' },
];

beforeAll(async () => {
  token = await tokenFor('energy_supplier', '5790000432752', { subject: 'alice' });
  ckan = await serve((url) => {
    if (url.pathname === '/api/3/action/package_search') {
      const words = (url.searchParams.get('q') ?? '').toLowerCase().split(' ');
      const found = packages.filter((p) => words.every((w) => `${p.title} ${p.notes}`.toLowerCase().includes(w)));
      return Promise.resolve({
        status: 200,
        body: JSON.stringify({
          success: true,
          result: {
            count: found.length,
            results: found.map((p) => ({
              ...p,
              resources: [{ url: `${ckan.url}/files/${p.name}.csv`, format: 'CSV' }],
            })),
          },
        }),
      });
    }
    if (url.pathname.startsWith('/files/')) return Promise.resolve({ status: 200, body: WIND_CSV });
    return Promise.resolve(null);
  });
  eds = await serve((url) => {
    if (url.pathname === '/meta/dataset') return Promise.resolve({ status: 200, body: JSON.stringify(edsList) });
    if (url.pathname === '/dataset/CO2Emis')
      return Promise.resolve({
        status: 200,
        body: JSON.stringify({
          total: 2,
          records: [
            { Minutes5UTC: '2025-01-01T00:00:00', PriceArea: 'DK1', CO2Emission: 120 },
            { Minutes5UTC: '2025-01-01T00:05:00', PriceArea: 'DK2', CO2Emission: 98 },
          ],
        }),
      });
    return Promise.resolve(null);
  });
  // answers after 5 s: longer than any search may wait
  slow = await serve(() => new Promise((ok) => setTimeout(() => ok({ status: 500, body: '{}' }), 5_000).unref()));
});
afterAll(() => {
  for (const s of [ckan, eds, slow]) s.server.closeAllConnections();
  for (const s of [ckan, eds, slow]) s.server.close();
});

function setup(discoverers: Discoverer[], deadlineMs = 2_000) {
  const files = new MemoryBlobStore('dataset-catalog');
  const queue: Uint8Array[] = [];
  const deps: CatalogHttpDeps = {
    authenticator: devAuthenticator(),
    maxQueryBytes: 65536,
    catalog: {
      index: new EmbeddedCatalogIndex(files),
      files,
      materialize: materializer({ containers: [files], maxBytes: 1 << 20 }),
      clock: () => new Date('2026-01-01T00:00:00Z'),
      newId: () => 'x',
      maxBytes: 1 << 20,
    },
    queryDiscovery: {
      discoverers,
      // as app.ts does: the profile request message the CatalogProfiler trigger decodes
      enqueue: (meta) => {
        queue.push(profileRequestMessage(meta).body);
        return Promise.resolve();
      },
      deadlineMs,
    },
  };
  const search = async (query: unknown) => {
    const r: HttpResponseInit = await searchCatalogHandler(deps)(
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/catalog/search',
        body: { string: JSON.stringify(query) },
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      }),
      ctx(),
    );
    expect(r.status).toBe(200);
    return r.jsonBody as {
      total: number;
      results: Array<{ id: string }>;
      discovery?: { queued: string[]; timed_out: boolean };
    };
  };
  // the CatalogProfiler trigger's work, message by message
  const drain = async () => {
    while (queue.length > 0) {
      const m = decodeProfileRequest(queue.shift()!) as DatasetMetadata;
      await profileAndIndex(deps.catalog, m);
    }
  };
  return { search, drain, queue };
}

test('first search answers from the index and queues what CKAN and EDS found; a later search finds them', async () => {
  const s = setup([
    lakeDiscoverer({ basisData: new MemoryBlobStore('b'), results: new MemoryBlobStore('r') }), // no onQuery
    ckanDiscoverer({ baseUrl: ckan.url }),
    energiDataServiceDiscoverer({ baseUrl: eds.url }),
  ]);
  const first = await s.search({ keywords: 'wind turbines' });
  expect(first.total).toBe(0);
  expect(first.discovery).toEqual({ queued: ['ckan.offshore-wind', 'ckan.onshore-wind'], timed_out: false });
  expect(ckan.hits).toContain('/api/3/action/package_search?rows=100&start=0&q=wind%20turbines');
  await s.drain();
  const later = await s.search({ keywords: 'wind turbines' });
  expect(later.results.map((h) => h.id)).toEqual(['ckan.offshore-wind', 'ckan.onshore-wind']);
  // what the index holds already is not queued again
  expect(later.discovery).toEqual({ queued: [], timed_out: false });

  // EDS: its dataset list filtered by the keywords
  const co2 = await s.search({ keywords: 'co2 emission' });
  expect(co2.discovery?.queued).toEqual(['energidataservice.CO2Emis']);
  await s.drain();
  const found = await s.search({ keywords: 'co2', spatial: { price_area: 'DK2' } });
  expect(found.results.map((h) => h.id)).toEqual(['energidataservice.CO2Emis']);

  // no keywords: nothing to ask the sources
  expect((await s.search({ spatial: { price_area: 'DK1' } })).discovery).toBeUndefined();
});

test('a slow source is cut off at the deadline without holding the search; a failing one loses only its part', async () => {
  const s = setup(
    [
      ckanDiscoverer({ identifier: 'slowportal', baseUrl: slow.url }),
      ckanDiscoverer({ identifier: 'broken', baseUrl: `${eds.url}/nothing-here` }),
      ckanDiscoverer({ baseUrl: ckan.url }),
    ],
    300,
  );
  const t0 = performance.now();
  const r = await s.search({ keywords: 'bus' });
  const ms = performance.now() - t0;
  expect(ms).toBeLessThan(2_000);
  expect(r.discovery).toEqual({ queued: ['ckan.bus-stops'], timed_out: true });
  expect(s.queue).toHaveLength(1);
});
