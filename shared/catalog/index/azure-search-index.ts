/**
 * The catalog index on Azure AI Search (the service in Azure; infra/bicep/modules/search.bicep).
 *
 * Azure AI Search narrows, this code ranks: each dataset is one search document holding the
 * entry (JSON, retrievable only) and the exact terms a query can match on — id, name,
 * description and column-name tokens, every year of its temporal coverage, its area keys, its
 * semantic types, source, owner, published. A search sends a filter that every hit must pass
 * (visibility, sources, each keyword ANDed over the terms, semantic types, grid / price area),
 * fetches the candidates and ranks them with the same scoring as the embedded index
 * (shared/catalog/search.ts scoreDoc: temporal share, bounding boxes, column filters,
 * highlights). So both adapters answer alike (test/catalog/catalog-index.contract.ts), at the
 * cost of ranking at most MAX_CANDIDATES candidates per search in the app.
 *
 * Azure AI Search makes a write searchable about a second later; put and delete return only
 * once the write is visible (polled), so a deleted or replaced dataset no longer matches when
 * the call returns, as with the embedded index.
 *
 * The backend is a port (SearchBackend): `azureSearchBackend` speaks to the service through
 * `@azure/search-documents`; tests use an in-memory one that evaluates the same filters.
 */
import type { KeyCredential, TokenCredential } from '@azure/core-auth';
import { AzureKeyCredential, SearchClient, SearchIndexClient, type SearchIndex } from '@azure/search-documents';
import { visibleTo, type CatalogEntry, type Viewer } from '../dataset';
import { compileQuery, keywordList, scoreDoc, searchDoc, type CatalogQuery, type SearchDoc } from '../search';
import type { CatalogIndex, SearchResults } from './catalog-index';
import { priceAreaOf, regionOf } from '../profile/energy-ids';

/** One dataset as Azure AI Search stores it. */
export interface CatalogSearchDocument {
  /** base64url of the dataset id (keys allow letters, digits, `_`, `-`, `=` only). */
  key: string;
  dataset_id: string;
  source: string;
  owner: string | null;
  published: boolean;
  /** Every term a keyword can match: tokens, `year:YYYY`, `area:VALUE`. */
  terms: string[];
  semantic_types: string[];
  /** Changes at every write: a put is visible once a search finds this version. */
  version: string;
  /** The CatalogEntry as JSON. */
  entry: string;
}

type Field = 'dataset_id' | 'source' | 'owner' | 'published' | 'version';
/** The filters this adapter sends, as data: rendered to OData for the service, evaluated by a test backend. */
export type SearchFilter =
  | { all: SearchFilter[] }
  | { any: SearchFilter[] }
  | { eq: Field; value: string | boolean | null }
  | { has: 'terms' | 'semantic_types'; value: string };

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** OData `$filter` text of a filter (the service's syntax: `eq`, `and`, `or`, `any` over collections). */
export function odataFilter(f: SearchFilter): string {
  if ('all' in f) return f.all.length === 0 ? 'true' : f.all.map((x) => `(${odataFilter(x)})`).join(' and ');
  if ('any' in f) return f.any.length === 0 ? 'false' : f.any.map((x) => `(${odataFilter(x)})`).join(' or ');
  if ('has' in f) return `${f.has}/any(t: t eq ${quote(f.value)})`;
  const v = f.value === null ? 'null' : typeof f.value === 'boolean' ? String(f.value) : quote(f.value);
  return `${f.eq} eq ${v}`;
}

/** What the adapter needs of the service. */
export interface SearchBackend {
  /** Creates or updates the index definition (idempotent). */
  ensureIndex(): Promise<void>;
  upsert(docs: CatalogSearchDocument[]): Promise<void>;
  remove(keys: string[]): Promise<void>;
  get(key: string): Promise<CatalogSearchDocument | null>;
  /** Documents passing the filter, ordered by key, `skip` then at most `top`. */
  query(
    filter: SearchFilter,
    top: number,
    skip: number,
    select?: Array<keyof CatalogSearchDocument>,
  ): Promise<CatalogSearchDocument[]>;
}

/** Candidates ranked per search; a search matching more (before ranking) answers from the first ones by key. */
export const MAX_CANDIDATES = 5000;
const PAGE = 1000;
/** Longest span of years one temporal range contributes terms for (beyond: the first and last years). */
const MAX_YEARS = 300;

export const keyOf = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');

/** The index definition, from code: the app creates or updates it before its first write or search. */
export function catalogIndexDefinition(name: string): SearchIndex {
  const key = (n: string) => ({ name: n, type: 'Edm.String' as const, key: true, filterable: true });
  const filterable = (n: string, type: 'Edm.String' | 'Edm.Boolean') => ({
    name: n,
    type,
    filterable: true,
    facetable: true,
  });
  return {
    name,
    fields: [
      key('key'),
      filterable('dataset_id', 'Edm.String'),
      filterable('source', 'Edm.String'),
      filterable('owner', 'Edm.String'),
      filterable('published', 'Edm.Boolean'),
      { name: 'terms', type: 'Collection(Edm.String)', filterable: true },
      { name: 'semantic_types', type: 'Collection(Edm.String)', filterable: true },
      filterable('version', 'Edm.String'),
      // retrievable only: neither searched nor filtered (it may exceed the 32 KB of a filterable string)
      { name: 'entry', type: 'Edm.String', searchable: false, filterable: false, sortable: false, facetable: false },
    ],
  };
}

/** The terms a keyword matches in this dataset (scoreDoc's keyword rules, flattened). */
export function termsOf(doc: SearchDoc): string[] {
  const terms = new Set<string>([...doc.idTokens, ...doc.nameTokens, ...doc.descriptionTokens]);
  for (const c of doc.columns) for (const t of c.tokens) terms.add(t);
  for (const t of doc.temporal)
    for (const [a, b] of t.ranges) {
      const [y0, y1] = [new Date(a).getUTCFullYear(), new Date(b).getUTCFullYear()];
      if (y1 - y0 > MAX_YEARS) for (const y of [y0, y1]) terms.add(`year:${y}`);
      else for (let y = y0; y <= y1; y++) terms.add(`year:${y}`);
    }
  for (const a of doc.areas) for (const v of a.values) terms.add(`area:${v}`);
  return [...terms].sort();
}

/** The filter every hit of this query must pass (necessary, not sufficient: scoreDoc decides). */
export function candidateFilter(query: CatalogQuery, viewer: Viewer): SearchFilter {
  const all: SearchFilter[] = [
    {
      any: [
        { eq: 'owner', value: null },
        { eq: 'published', value: true },
        { eq: 'owner', value: viewer.subject },
      ],
    },
  ];
  if (query.source) all.push({ any: query.source.map((s) => ({ eq: 'source' as const, value: s })) });
  for (const kw of keywordList(query.keywords)) {
    const area = priceAreaOf(kw) ?? regionOf(kw, false) ?? kw;
    const any: SearchFilter[] = [
      { has: 'terms', value: kw },
      { has: 'terms', value: `area:${area}` },
    ];
    if (/^\d{4}$/.test(kw)) any.push({ has: 'terms', value: `year:${kw}` });
    all.push({ any });
  }
  for (const st of query.semantic_types ?? []) all.push({ has: 'semantic_types', value: st });
  const sp = query.spatial;
  if (sp && !sp.bbox) {
    const any: SearchFilter[] = [];
    if (sp.grid_area) any.push({ has: 'terms', value: `area:${sp.grid_area}` });
    const pa = sp.price_area ? priceAreaOf(sp.price_area) : null;
    if (pa) any.push({ has: 'terms', value: `area:${pa}` });
    all.push({ any });
  }
  return { all };
}

export class AzureSearchCatalogIndex implements CatalogIndex {
  private ready: Promise<void> | null = null;

  constructor(
    private readonly backend: SearchBackend,
    private readonly opts: { newVersion?: () => string; visibilityTimeoutMs?: number; pollMs?: number } = {},
  ) {}

  private ensure(): Promise<void> {
    this.ready ??= this.backend.ensureIndex().catch((e: unknown) => {
      this.ready = null; // retried at the next call
      throw e;
    });
    return this.ready;
  }

  /** Polls until `visible()` holds: Azure AI Search shows a write about a second after it. */
  private async until(visible: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + (this.opts.visibilityTimeoutMs ?? 30_000);
    for (;;) {
      if (await visible()) return;
      if (Date.now() > deadline)
        throw new Error(`Azure AI Search: ${what} not visible after ${this.opts.visibilityTimeoutMs ?? 30_000} ms`);
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 250));
    }
  }

  async put(entry: CatalogEntry): Promise<void> {
    await this.ensure();
    const version = this.opts.newVersion?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const doc = searchDoc(entry);
    const key = keyOf(entry.id);
    await this.backend.upsert([
      {
        key,
        dataset_id: entry.id,
        source: entry.source,
        owner: entry.owner,
        published: entry.published,
        terms: termsOf(doc),
        semantic_types: [...new Set(doc.columns.flatMap((c) => [...c.semantic]))].sort(),
        version,
        entry: JSON.stringify(entry),
      },
    ]);
    await this.until(
      async () => (await this.backend.query({ eq: 'version', value: version }, 1, 0, ['key'])).length === 1,
      `put of ${entry.id}`,
    );
  }

  async get(id: string): Promise<CatalogEntry | null> {
    await this.ensure();
    const d = await this.backend.get(keyOf(id));
    return d ? (JSON.parse(d.entry) as CatalogEntry) : null;
  }

  async delete(id: string): Promise<void> {
    await this.ensure();
    await this.backend.remove([keyOf(id)]);
    await this.until(
      async () => (await this.backend.query({ eq: 'dataset_id', value: id }, 1, 0, ['key'])).length === 0,
      `delete of ${id}`,
    );
  }

  async idsOfSource(source: string): Promise<string[]> {
    await this.ensure();
    const ids: string[] = [];
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.backend.query({ eq: 'source', value: source }, PAGE, skip, ['dataset_id']);
      ids.push(...page.map((d) => d.dataset_id));
      if (page.length < PAGE) return ids.sort();
    }
  }

  async search(query: CatalogQuery, viewer: Viewer): Promise<SearchResults> {
    await this.ensure();
    const filter = candidateFilter(query, viewer);
    const compiled = compileQuery(query);
    const hits: Array<{ score: number; entry: CatalogEntry; doc: SearchDoc }> = [];
    for (let skip = 0; skip < MAX_CANDIDATES; skip += PAGE) {
      const page = await this.backend.query(filter, Math.min(PAGE, MAX_CANDIDATES - skip), skip, ['entry']);
      for (const d of page) {
        const entry = JSON.parse(d.entry) as CatalogEntry;
        if (!visibleTo(entry, viewer)) continue;
        const doc = searchDoc(entry);
        const hit = scoreDoc(doc, compiled, false);
        if (hit) hits.push({ score: hit.score, entry, doc });
      }
      if (page.length < PAGE) break;
    }
    hits.sort((a, b) => b.score - a.score || (a.entry.id < b.entry.id ? -1 : 1));
    const source: Record<string, number> = {};
    for (const h of hits) source[h.entry.source] = (source[h.entry.source] ?? 0) + 1;
    const from = (query.page - 1) * query.size;
    return {
      total: hits.length,
      results: hits.slice(from, from + query.size).map((h) => ({ ...scoreDoc(h.doc, compiled)!, entry: h.entry })),
      facets: { source },
    };
  }
}

/** The backend on the service: `@azure/search-documents` with a key or a token credential (managed identity). */
export function azureSearchBackend(opts: {
  endpoint: string;
  indexName: string;
  credential: KeyCredential | TokenCredential;
  /** Tests only: a loopback fake of the REST API speaks plain http. */
  allowInsecureConnection?: boolean;
}): SearchBackend {
  const client = { allowInsecureConnection: opts.allowInsecureConnection ?? false };
  const indexes = new SearchIndexClient(opts.endpoint, opts.credential, client);
  const docs = new SearchClient<CatalogSearchDocument>(opts.endpoint, opts.indexName, opts.credential, client);
  return {
    async ensureIndex() {
      await indexes.createOrUpdateIndex(catalogIndexDefinition(opts.indexName));
    },
    async upsert(list) {
      const r = await docs.mergeOrUploadDocuments(list, { throwOnAnyFailure: true });
      const failed = r.results.filter((x) => !x.succeeded);
      if (failed.length > 0)
        throw new Error(`Azure AI Search: ${failed.map((x) => `${x.key}: ${x.errorMessage}`).join('; ')}`);
    },
    async remove(keys) {
      await docs.deleteDocuments('key', keys);
    },
    async get(key) {
      try {
        return await docs.getDocument(key);
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return null;
        throw e;
      }
    },
    async query(filter, top, skip, select) {
      const r = await docs.search('*', {
        filter: odataFilter(filter),
        top,
        skip,
        orderBy: ['key asc'],
        ...(select ? { select } : {}),
      });
      const out: CatalogSearchDocument[] = [];
      for await (const x of r.results) out.push(x.document);
      return out;
    },
  };
}

export const azureSearchKeyCredential = (key: string): KeyCredential => new AzureKeyCredential(key);
