/**
 * The CatalogIndex contract against every adapter: the embedded index over a memory blob store
 * (and reopened from the same store: it persists). The Azure AI Search adapter runs the same
 * suite in azure-search-index.test.ts.
 */
import { EmbeddedCatalogIndex } from '../../shared/catalog/index/embedded-index';
import { catalogQuerySchema } from '../../shared/catalog/search';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { catalogIndexContract } from './catalog-index.contract';
import { entryOf, hourlyGridAreaCsv } from './fixtures';

catalogIndexContract('EmbeddedCatalogIndex', () =>
  Promise.resolve(new EmbeddedCatalogIndex(new MemoryBlobStore('catalog'))),
);

test('the embedded index persists: a new instance over the same store sees the same documents', async () => {
  const store = new MemoryBlobStore('catalog');
  const a = new EmbeddedCatalogIndex(store);
  await a.put(await entryOf(hourlyGridAreaCsv('804', '2023-01-01', 2), { id: 'lake.x', name: 'X' }));
  await a.put(await entryOf(hourlyGridAreaCsv('805', '2023-01-01', 2), { id: 'lake.y', name: 'Y' }));
  await a.delete('lake.y');
  const b = new EmbeddedCatalogIndex(store);
  const r = await b.search(catalogQuerySchema.parse({ keywords: '804' }), { subject: 's' });
  expect(r.results.map((h) => h.id)).toEqual(['lake.x']);
  expect(await b.get('lake.y')).toBeNull();
});
