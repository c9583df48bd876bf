/**
 * The Azure AI Search adapter. Always: the CatalogIndex contract over an in-memory backend that
 * evaluates the adapter's filters as the service would (so the candidate filters and the ranking
 * in the app are what is tested), the OData the filters render to, the index definition from
 * code, and read-your-writes polling. Against a real service only when AZURE_SEARCH_ENDPOINT is
 * set (with AZURE_SEARCH_API_KEY, or a signed-in identity), like the Service Bus and SQL
 * contract runs: a throwaway index `catalog-contract-<random>` is created and deleted.
 */
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
