/**
 * The dataset catalog's HTTP functions (issue 16): search, a dataset's full profile and sample,
 * uploads, publishing and deletion. Every role may call them; what a caller sees is the public datasets
 * plus its own uploads (shared/catalog/dataset.ts visibleTo).
 */
import type { HttpRequest } from '@azure/functions';
import {
  DatasetTooLargeError,
  datasetFor,
  deleteDataset,
  publishDataset,
  uploadDataset,
  type CatalogDeps,
} from '../../shared/catalog/catalog-service';
import type { DatasetMetadata } from '../../shared/catalog/dataset';
import type { Discoverer } from '../../shared/catalog/discovery/discoverer';
import { discoverOnQuery } from '../../shared/catalog/discovery/run-discovery';
import { UnreadableDatasetError, type DatasetFormat } from '../../shared/catalog/profile/readers';
import { catalogQuerySchema, keywordList } from '../../shared/catalog/search';
import { datasetIdPath, uploadQuery } from '../../shared/http-api/catalog-schemas';
import { issuesOf } from '../../shared/http-api/problem';
import { parseParams, queryObject } from '../../shared/http-api/query';
import { hasRole } from '../../shared/auth/access';
import type { Authenticator } from '../../shared/auth/token-validator';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, authorized } from './auth';
import { isTooLarge, payloadTooLarge, readBodyCapped } from './body';
import { json, problem } from './responses';

export interface CatalogHttpDeps {
  catalog: CatalogDeps;
  /**
   * On-query discovery during a search with keywords: the discoverers that implement `onQuery`,
   * the profiler queue, and how long a search lets them look (0 or absent: not at all).
   */
  queryDiscovery?: {
    discoverers: readonly Discoverer[];
    enqueue(meta: DatasetMetadata): Promise<void>;
    deadlineMs: number;
  };
  authenticator: Authenticator;
  /** Largest search request body. */
  maxQueryBytes: number;
}

const notFound = () => problem(404, 'no such dataset');

export function searchCatalogHandler(deps: CatalogHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, context, caller) => {
    const body = await readBodyCapped(request, deps.maxQueryBytes);
    if (isTooLarge(body)) return body.tooLarge;
    let raw: unknown = {};
    if (body.byteLength > 0) {
      try {
        raw = JSON.parse(Buffer.from(body).toString('utf8'));
      } catch {
        return problem(400, 'the body is not JSON', [{ path: '(body)', message: 'expected a JSON query object' }]);
      }
    }
    const q = catalogQuerySchema.safeParse(raw);
    if (!q.success) return problem(400, 'invalid catalog query', issuesOf(q.error));
    // the index answers with what it holds now while the on-query discoverers look (bounded) for
    // more; what they find is profiled from the queue and found by a later search
    const qd = deps.queryDiscovery;
    const keywords = keywordList(q.data.keywords);
    const [r, discovery] = await Promise.all([
      deps.catalog.index.search(q.data, { subject: caller.subject }),
      qd && qd.deadlineMs > 0 && keywords.length > 0
        ? discoverOnQuery(
            {
              enqueue: (meta) => qd.enqueue(meta),
              clock: () => deps.catalog.clock(),
              known: async (id) => (await deps.catalog.index.get(id)) !== null,
            },
            qd.discoverers,
            keywords,
            { deadlineMs: qd.deadlineMs },
          )
        : null,
    ]);
    if (discovery && (discovery.announced.length > 0 || discovery.failed.length > 0 || discovery.timedOut))
      context.log(
        `catalog on-query discovery: ${discovery.announced.length} queued${discovery.timedOut ? ', cut off' : ''}${discovery.failed.length ? `, failed: ${discovery.failed.join(', ')}` : ''}`,
      );
    return json(200, {
      total: r.total,
      results: r.results.map(({ entry, ...hit }) => ({ ...hit, metadata: entry })),
      facets: r.facets,
      ...(discovery ? { discovery: { queued: discovery.announced, timed_out: discovery.timedOut } } : {}),
    });
  });
}

function idOf(request: HttpRequest) {
  return parseParams(datasetIdPath, { id: request.params.id ?? '' });
}

export function getDatasetHandler(deps: CatalogHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const id = idOf(request);
    if (!id.ok) return problem(400, 'invalid dataset id', id.issues);
    const e = await datasetFor(deps.catalog, id.value.id, { subject: caller.subject });
    return e ? json(200, e) : notFound();
  });
}

export function datasetSampleHandler(deps: CatalogHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const id = idOf(request);
    if (!id.ok) return problem(400, 'invalid dataset id', id.issues);
    const e = await datasetFor(deps.catalog, id.value.id, { subject: caller.subject });
    if (!e) return notFound();
    return { status: 200, body: e.profile.sample, headers: { 'content-type': 'text/csv; charset=utf-8' } };
  });
}

const FORMAT_BY_CONTENT_TYPE: ReadonlyMap<string, DatasetFormat> = new Map([
  ['text/csv', 'csv'],
  ['application/vnd.apache.parquet', 'parquet'],
  ['application/x-ndjson', 'jsonl'],
  ['application/json', 'json'],
]);

/**
 * POST /api/catalog/uploads?name=…: stored, profiled at once and indexed for the caller only;
 * 201 with the entry. 400 (nothing kept) when the file cannot be read, 413 beyond
 * MAX_CATALOG_UPLOAD_BYTES, 415 for another format.
 */
export function uploadDatasetHandler(deps: CatalogHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, context, caller) => {
    const q = parseParams(uploadQuery, queryObject(request.query.entries()));
    if (!q.ok) return problem(400, 'invalid upload parameters', q.issues);
    const ct = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const format = q.value.format ?? FORMAT_BY_CONTENT_TYPE.get(ct);
    if (!format)
      return problem(
        415,
        'unsupported format: send text/csv, application/vnd.apache.parquet, application/x-ndjson or application/json (or ?format=)',
      );
    const limit = deps.catalog.maxBytes;
    const body = await readBodyCapped(request, limit);
    if (isTooLarge(body)) return body.tooLarge;
    if (body.byteLength === 0) return problem(400, 'the upload is empty');
    try {
      const entry = await uploadDataset(deps.catalog, {
        bytes: body,
        format,
        name: q.value.name,
        description: q.value.description,
        owner: caller.subject,
      });
      context.log(`catalog upload ${entry.id}: ${entry.profile.nb_rows} rows, ${entry.profile.nb_columns} columns`);
      return json(201, entry, { location: `/api/catalog/datasets/${encodeURIComponent(entry.id)}` });
    } catch (e) {
      if (e instanceof UnreadableDatasetError)
        return problem(400, 'the file cannot be read', [{ path: '(body)', message: e.reason }]);
      if (e instanceof DatasetTooLargeError) return payloadTooLarge(limit);
      throw e;
    }
  });
}

export function publishDatasetHandler(deps: CatalogHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const id = idOf(request);
    if (!id.ok) return problem(400, 'invalid dataset id', id.issues);
    const e = await publishDataset(deps.catalog, id.value.id, { subject: caller.subject });
    return e ? json(200, e) : notFound();
  });
}

/**
 * DELETE /api/catalog/datasets/{id}: the owner of an upload or an administrator; 204, and the
 * dataset is gone from search and GET at once. 404 for anyone else (as for an unknown id).
 */
export function deleteDatasetHandler(deps: CatalogHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, context, caller) => {
    const id = idOf(request);
    if (!id.ok) return problem(400, 'invalid dataset id', id.issues);
    const gone = await deleteDataset(deps.catalog, id.value.id, {
      subject: caller.subject,
      administrator: hasRole(caller, 'datahub_administrator'),
    });
    if (!gone) return notFound();
    context.log(`catalog delete ${gone.id} by ${caller.subject}`);
    return { status: 204 };
  });
}
