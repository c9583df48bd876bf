/**
 * The embedded catalog index: every document is a JSON blob (`datasets/<id>.json`) in a
 * BlobStore — Azurite or memory locally — and searches scan an in-memory copy of the precomputed
 * search documents (shared/catalog/search.ts). Loaded once per instance; writes go to the blob
 * first, then to memory, so a restarted host sees what was indexed before.
 */
import type { BlobStore } from '../../storage/blob-store';
import { visibleTo, type CatalogEntry, type Viewer } from '../dataset';
import { compileQuery, scoreDoc, searchDoc, type CatalogQuery, type SearchDoc } from '../search';
import type { CatalogIndex, SearchResults } from './catalog-index';

const PREFIX = 'datasets/';
// ids are `<discoverer>.<source id>`: made safe for a blob name, reversibly
const blobPath = (id: string) => `${PREFIX}${encodeURIComponent(id)}.json`;

export class EmbeddedCatalogIndex implements CatalogIndex {
  private loaded: Promise<Map<string, { entry: CatalogEntry; doc: SearchDoc }>> | null = null;

  constructor(private readonly store: BlobStore) {}

  private docs(): Promise<Map<string, { entry: CatalogEntry; doc: SearchDoc }>> {
    this.loaded ??= (async () => {
      const map = new Map<string, { entry: CatalogEntry; doc: SearchDoc }>();
      for (const path of await this.store.list(PREFIX)) {
        const bytes = await this.store.get(path);
        if (bytes === null) continue; // deleted since the listing
        const entry = JSON.parse(bytes.toString('utf8')) as CatalogEntry;
        map.set(entry.id, { entry, doc: searchDoc(entry) });
      }
      return map;
    })();
    return this.loaded;
  }

  async put(entry: CatalogEntry): Promise<void> {
    const docs = await this.docs();
    await this.store.put(blobPath(entry.id), JSON.stringify(entry), 'application/json');
    docs.set(entry.id, { entry: structuredClone(entry), doc: searchDoc(entry) });
  }

  async get(id: string): Promise<CatalogEntry | null> {
    const hit = (await this.docs()).get(id);
    return hit ? structuredClone(hit.entry) : null;
  }

  async delete(id: string): Promise<void> {
    const docs = await this.docs();
    await this.store.delete(blobPath(id));
    docs.delete(id);
  }

  async idsOfSource(source: string): Promise<string[]> {
    return [...(await this.docs()).values()]
      .filter((d) => d.entry.source === source)
      .map((d) => d.entry.id)
      .sort();
  }

  async search(query: CatalogQuery, viewer: Viewer): Promise<SearchResults> {
    // rank every hit by score alone; work out highlights only for the page returned
    const hits: Array<{ score: number; id: string; entry: CatalogEntry; doc: SearchDoc }> = [];
    const compiled = compileQuery(query);
    for (const { entry, doc } of (await this.docs()).values()) {
      if (!visibleTo(entry, viewer)) continue;
      const hit = scoreDoc(doc, compiled, false);
      if (hit) hits.push({ score: hit.score, id: entry.id, entry, doc });
    }
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    const source: Record<string, number> = {};
    for (const h of hits) source[h.entry.source] = (source[h.entry.source] ?? 0) + 1;
    const from = (query.page - 1) * query.size;
    return {
      total: hits.length,
      results: hits
        .slice(from, from + query.size)
        .map((h) => ({ ...scoreDoc(h.doc, compiled)!, entry: structuredClone(h.entry) })),
      facets: { source },
    };
  }
}
