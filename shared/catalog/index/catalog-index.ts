/**
 * The catalog index port: stores one document per dataset and answers searches. Adapters: the
 * embedded index (embedded-index.ts; local host and tests) and Azure AI Search
 * (azure-search-index.ts; Azure, when AZURE_SEARCH_ENDPOINT is set); both pass
 * test/catalog/catalog-index.contract.ts.
 */
import type { CatalogEntry, Viewer } from '../dataset';
import type { CatalogQuery, SearchHit } from '../search';

export interface SearchResults {
  total: number;
  results: Array<SearchHit & { entry: CatalogEntry }>;
  /** Hits per source (over every hit, not only this page). */
  facets: { source: Record<string, number> };
}

export interface CatalogIndex {
  /** Adds or replaces the dataset's document (a replaced one no longer matches what it used to). */
  put(entry: CatalogEntry): Promise<void>;
  get(id: string): Promise<CatalogEntry | null>;
  /** Removes it from every search; absent ids are fine. */
  delete(id: string): Promise<void>;
  /** Ids of every dataset a discoverer recorded (for reconciliation: delete what it no longer sees). */
  idsOfSource(source: string): Promise<string[]>;
  /** Ranked hits the viewer may see, highest score first, ties by id. */
  search(query: CatalogQuery, viewer: Viewer): Promise<SearchResults>;
}
