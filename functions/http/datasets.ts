/**
 * The lake's serving routes (issue 15), every role:
 * `GET /api/datasets/{name}?from=&to=&region=&format=&limit=&cursor=` — a curated or operational
 * dataset by date range (JSON pages with a cursor; CSV and Parquet streamed), the name looked up
 * in the served-dataset registry (unknown → 404; a request's name never becomes a path);
 * `GET /api/regions/{id}/summary` — a region's metadata, latest average weather and market
 * interest from the operational zone (cached per partition version).
 */
import type { HttpRequest } from '@azure/functions';
import { DATASET_MEDIA_TYPES, datasetQuery, regionPath } from '../../shared/http-api/lake-serving';
import { parseParams, queryObject } from '../../shared/http-api/query';
import {
  datasetCsv,
  datasetParquet,
  decodeDatasetCursor,
  encodeDatasetCursor,
  readDatasetPage,
  type DatasetPosition,
  type DatasetQuery,
} from '../../shared/lake/serving/dataset-read';
import { findServedDataset } from '../../shared/lake/serving/served-datasets';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, authorized } from './auth';
import { json, problem } from './responses';

type Format = keyof typeof DATASET_MEDIA_TYPES;

function formatOfAccept(accept: string | null): Format {
  for (const [f, media] of Object.entries(DATASET_MEDIA_TYPES) as Array<[Format, string]>)
    if (f !== 'json' && accept?.includes(media)) return f;
  return 'json';
}

export function datasetHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest) => {
    const name = request.params.name ?? '';
    const dataset = findServedDataset(deps.lake.served, name);
    if (!dataset)
      return problem(404, 'no such dataset', [
        { path: 'name', message: `one of: ${deps.lake.served.map((d) => d.name).join(', ')}` },
      ]);
    const parsed = parseParams(datasetQuery, queryObject(request.query.entries()));
    if (!parsed.ok) return problem(400, 'invalid query', parsed.issues);
    const q = parsed.value;
    const errors: Array<{ path: string; message: string }> = [];
    const maxRows = deps.settings.lake.pageMaxRows;
    const format = q.format ?? formatOfAccept(request.headers.get('accept'));
    if (q.limit !== undefined && (q.limit < 1 || q.limit > maxRows))
      errors.push({ path: 'limit', message: `must be an integer from 1 to ${maxRows}` });
    if (format !== 'json')
      for (const [path, v] of [
        ['limit', q.limit],
        ['cursor', q.cursor],
      ] as const)
        if (v !== undefined)
          errors.push({ path, message: `pages are JSON only; format ${format} streams the whole range` });
    if (q.region !== undefined && !dataset.regionColumn)
      errors.push({ path: 'region', message: `dataset ${dataset.name} has no region column` });
    if (errors.length) return problem(400, 'invalid query', errors);
    const query: DatasetQuery = { dataset, from: q.from, to: q.to ?? q.from, region: q.region };
    const store = deps.lake.partitions;

    if (format === 'json') {
      let from: DatasetPosition | null = null;
      if (q.cursor !== undefined) {
        const decoded = decodeDatasetCursor(q.cursor, query);
        if (!decoded.ok) return problem(400, 'invalid query', [{ path: 'cursor', message: decoded.message }]);
        from = decoded.at;
      }
      const page = await readDatasetPage(store, query, from, q.limit ?? maxRows);
      if (!page.ok) return problem(400, 'invalid query', [{ path: 'cursor', message: page.message }]);
      const nextCursor = page.next ? encodeDatasetCursor(query, page.next) : null;
      const headers: Record<string, string> = {};
      if (nextCursor) {
        const next = new URL(request.url);
        next.searchParams.set('cursor', nextCursor);
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return json(200, { dataset: dataset.name, count: page.rows.length, rows: page.rows, nextCursor }, headers);
    }
    const body = format === 'csv' ? datasetCsv(store, query) : await datasetParquet(store, query);
    const headers: Record<string, string> = { 'content-type': DATASET_MEDIA_TYPES[format] };
    if (format === 'parquet')
      headers['content-disposition'] = `attachment; filename="${dataset.name}-${query.from}-${query.to}.parquet"`;
    return { status: 200, headers, body };
  });
}

export function regionSummaryHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest) => {
    const id = parseParams(regionPath, { id: request.params.id ?? '' });
    if (!id.ok) return problem(400, 'invalid region id', id.issues);
    const summary = await deps.lake.summaries.summary(id.value.id);
    return summary ? json(200, summary) : problem(404, `no region ${id.value.id}`);
  });
}
