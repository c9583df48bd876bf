/**
 * The Azure AI Search adapter. Always: the CatalogIndex contract over an in-memory backend that
 * evaluates the adapter's filters as the service would (so the candidate filters and the ranking
 * in the app are what is tested), the OData the filters render to, the index definition from
 * code, and read-your-writes polling. Against a real service only when AZURE_SEARCH_ENDPOINT is
 * set (with AZURE_SEARCH_API_KEY, or a signed-in identity), like the Service Bus and SQL
 * contract runs: a throwaway index `catalog-contract-<random>` is created and deleted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultAzureCredential } from '@azure/identity';
import { SearchIndexClient } from '@azure/search-documents';
import {
  AzureSearchCatalogIndex,
  azureSearchBackend,
  azureSearchKeyCredential,
  candidateFilter,
  catalogIndexDefinition,
  keyOf,
  odataFilter,
  type CatalogSearchDocument,
  type SearchBackend,
  type SearchFilter,
} from '../../shared/catalog/index/azure-search-index';
import { catalogQuerySchema } from '../../shared/catalog/search';
import { NAMES } from '../../shared/config/names';
import { catalogIndexContract } from './catalog-index.contract';
import { entryOf, hourlyGridAreaCsv } from './fixtures';

function matches(d: CatalogSearchDocument, f: SearchFilter): boolean {
  if ('all' in f) return f.all.every((x) => matches(d, x));
  if ('any' in f) return f.any.some((x) => matches(d, x));
  if ('has' in f) return d[f.has].includes(f.value);
  return d[f.eq] === f.value;
}

/** In memory, as the service behaves for this adapter; `lagWrites` delays visibility of writes like the service. */
class MemorySearchBackend implements SearchBackend {
  readonly docs = new Map<string, CatalogSearchDocument>();
  readonly calls: string[] = [];
  private pending: Array<() => void> = [];
  constructor(private readonly lagQueries = 0) {}
  ensureIndex() {
    this.calls.push('ensureIndex');
    return Promise.resolve();
  }
  private later(f: () => void) {
    if (this.lagQueries === 0) f();
    else this.pending.push(f);
  }
  private tick() {
    // a write becomes visible after `lagQueries` queries
    if (this.pending.length > 0 && this.calls.filter((c) => c === 'query').length % this.lagQueries === 0) {
      for (const f of this.pending) f();
      this.pending = [];
    }
  }
  upsert(list: CatalogSearchDocument[]) {
    this.calls.push('upsert');
    for (const d of list) expect(d.key).toMatch(/^[A-Za-z0-9_=-]+$/);
    this.later(() => list.forEach((d) => this.docs.set(d.key, structuredClone(d))));
    return Promise.resolve();
  }
  remove(keys: string[]) {
    this.calls.push('remove');
    this.later(() => keys.forEach((k) => this.docs.delete(k)));
    return Promise.resolve();
  }
  get(key: string) {
    return Promise.resolve(this.docs.get(key) ?? null);
  }
  query(filter: SearchFilter, top: number, skip: number) {
    this.calls.push('query');
    this.tick();
    const all = [...this.docs.values()].filter((d) => matches(d, filter)).sort((a, b) => (a.key < b.key ? -1 : 1));
    return Promise.resolve(all.slice(skip, skip + top));
  }
}

catalogIndexContract('AzureSearchCatalogIndex (in-memory backend)', () =>
  Promise.resolve(new AzureSearchCatalogIndex(new MemorySearchBackend())),
);

test('candidate filters as OData: visibility, sources, each keyword over terms / areas / years, semantic types, areas', () => {
  const q = catalogQuerySchema.parse({
    keywords: "804 2023 o'hare dk1",
    source: ['lake', 'ckan'],
    semantic_types: ['grid_area'],
    spatial: { price_area: 'dk2' },
  });
  expect(odataFilter(candidateFilter(q, { subject: 'alice' }))).toBe(
    [
      "((owner eq null) or (published eq true) or (owner eq 'alice'))",
      "((source eq 'lake') or (source eq 'ckan'))",
      "((terms/any(t: t eq '804')) or (terms/any(t: t eq 'area:804')))",
      "((terms/any(t: t eq '2023')) or (terms/any(t: t eq 'area:2023')) or (terms/any(t: t eq 'year:2023')))",
      "((terms/any(t: t eq 'o''hare')) or (terms/any(t: t eq 'area:o''hare')))",
      "((terms/any(t: t eq 'dk1')) or (terms/any(t: t eq 'area:DK1')))",
      "(semantic_types/any(t: t eq 'grid_area'))",
      "((terms/any(t: t eq 'area:DK2')))",
    ].join(' and '),
  );
});

test('the index definition from code: a key, filterable terms, the entry retrievable only', () => {
  const def = catalogIndexDefinition('dataset-catalog');
  expect(def.name).toBe('dataset-catalog');
  expect(def.fields.find((f) => 'key' in f && f.key)?.name).toBe('key');
  expect(def.fields.find((f) => f.name === 'terms')).toMatchObject({
    type: 'Collection(Edm.String)',
    filterable: true,
  });
  expect(def.fields.find((f) => f.name === 'entry')).toMatchObject({ filterable: false, searchable: false });
  expect(keyOf('lake.basis-data:a/b=1.parquet')).toMatch(/^[A-Za-z0-9_-]+$/);
});

test('put and delete return once the service shows the write (it lags, as Azure AI Search does)', async () => {
  const backend = new MemorySearchBackend(3);
  const index = new AzureSearchCatalogIndex(backend, { pollMs: 1 });
  await index.put(await entryOf(hourlyGridAreaCsv('804', '2023-01-01', 2), { id: 'lake.x', name: 'X' }));
  const found = await index.search(catalogQuerySchema.parse({ keywords: '804' }), { subject: 's' });
  expect(found.results.map((h) => h.id)).toEqual(['lake.x']);
  await index.delete('lake.x');
  expect((await index.search(catalogQuerySchema.parse({ keywords: '804' }), { subject: 's' })).total).toBe(0);
  expect(backend.calls.filter((c) => c === 'ensureIndex')).toHaveLength(1);
  expect(backend.calls.filter((c) => c === 'query').length).toBeGreaterThan(4);
});

const endpoint = process.env[NAMES.settings.azureSearchEndpoint];
if (endpoint) {
  const key = process.env[NAMES.settings.azureSearchApiKey];
  const credential = key ? azureSearchKeyCredential(key) : new DefaultAzureCredential();
  const created: string[] = [];
  afterAll(async () => {
    const admin = new SearchIndexClient(endpoint, credential);
    for (const name of created) await admin.deleteIndex(name);
  });
  catalogIndexContract('AzureSearchCatalogIndex (Azure AI Search)', () => {
    const indexName = `catalog-contract-${Math.random().toString(36).slice(2, 10)}`;
    created.push(indexName);
    return Promise.resolve(new AzureSearchCatalogIndex(azureSearchBackend({ endpoint, indexName, credential })));
  });
} else {
  describe.skip(`AzureSearchCatalogIndex: CatalogIndex contract (skipped: set ${NAMES.settings.azureSearchEndpoint} to run against a service)`, () => {
    it('runs the contract suite against Azure AI Search', () => {});
  });
}

describe('azureSearchBackend: the requests @azure/search-documents sends, against a loopback fake of the REST API', () => {
  let server: Server;
  let url: string;
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  const stored = new Map<string, Record<string, unknown>>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
        const text = Buffer.concat(chunks).toString('utf8');
        const body: unknown = text ? JSON.parse(text) : null;
        requests.push({ method: req.method ?? '', path, body });
        const send = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(json === null ? '' : JSON.stringify(json));
        };
        if (req.method === 'PUT' && path === "/indexes('cat')") return send(201, body);
        if (path === "/indexes('cat')/docs/search.index") {
          const actions = (body as { value: Array<Record<string, unknown>> }).value;
          for (const a of actions)
            if (a['@search.action'] === 'delete') stored.delete(a.key as string);
            else stored.set(a.key as string, a);
          return send(200, { value: actions.map((a) => ({ key: a.key, status: true, statusCode: 200 })) });
        }
        if (path === "/indexes('cat')/docs/search.post.search")
          return send(200, { value: [...stored.values()].map((d) => ({ '@search.score': 1, ...d })) });
        const m = /^\/indexes\('cat'\)\/docs\('(.+)'\)$/.exec(path);
        if (m) return stored.has(m[1]) ? send(200, stored.get(m[1])) : send(404, { error: { message: 'not found' } });
        send(404, { error: { message: path } });
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  test('index definition, mergeOrUpload, filtered search ordered by key, get (404 → null), delete by key', async () => {
    const backend = azureSearchBackend({
      endpoint: url,
      indexName: 'cat',
      credential: azureSearchKeyCredential('k'),
      allowInsecureConnection: true,
    });
    await backend.ensureIndex();
    expect(requests[0]).toMatchObject({
      method: 'PUT',
      path: "/indexes('cat')",
      body: {
        name: 'cat',
        fields: expect.arrayContaining([expect.objectContaining({ name: 'key', key: true })]) as unknown,
      },
    });
    const doc: CatalogSearchDocument = {
      key: keyOf('lake.x'),
      dataset_id: 'lake.x',
      source: 'lake',
      owner: null,
      published: true,
      terms: ['804', 'year:2023'],
      semantic_types: ['grid_area'],
      version: 'v1',
      entry: '{}',
    };
    await backend.upsert([doc]);
    expect(requests[1].body).toEqual({ value: [{ '@search.action': 'mergeOrUpload', ...doc }] });
    const filter: SearchFilter = {
      all: [
        { eq: 'source', value: 'lake' },
        { has: 'terms', value: '804' },
      ],
    };
    expect(await backend.query(filter, 10, 20, ['entry'])).toEqual([expect.objectContaining({ key: doc.key })]);
    expect(requests[2]).toMatchObject({
      method: 'POST',
      path: "/indexes('cat')/docs/search.post.search",
      body: { search: '*', filter: odataFilter(filter), top: 10, skip: 20, orderby: 'key asc', select: 'entry' },
    });
    expect(await backend.get(doc.key)).toMatchObject({ dataset_id: 'lake.x' });
    expect(await backend.get('bm8')).toBeNull();
    await backend.remove([doc.key]);
    expect(requests.at(-1)?.body).toEqual({ value: [{ '@search.action': 'delete', key: doc.key }] });
    expect(stored.size).toBe(0);
  });
});
