/**
 * POST /api/market-data/ingest?source=&from=&to=&areas= — backfill market data for Danish local
 * dates [from, to): 202 + status URL (a durable orchestration over chunks), or 200 with the
 * stored coverage when every chunk of the range is already stored.
 * GET /api/market-data/ingest/{id} — 202 while running (with what is stored so far), 200 with
 * the result once finished; 404 for an unknown id.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { NAMES } from '../../shared/config/names';
import { backfillPath } from '../../shared/market-data/lake-paths';
import { marketDataIngestQuery } from '../../shared/http-api/market-data';
import { issuesOf } from '../../shared/http-api/problem';
import { DEFAULT_AREAS } from '../../shared/market-data/sources/catalog';
import {
  backfillId,
  coverage,
  localDateStart,
  planChunks,
  readBackfillRequest,
  readBackfillResult,
  type BackfillRequest,
} from '../../shared/market-data/use-cases/backfill';
import type { MarketDataBackfillInput } from '../../shared/settlement/activity-contracts';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { authorized } from './auth';
import { baseUrl, json, problem } from './responses';

const ROLES = ['datahub_administrator'] as const;

const statusUrl = (request: HttpRequest, id: string) =>
  `${baseUrl(request)}/api/market-data/ingest/${encodeURIComponent(id)}`;
const ID_RE = /^market-(energidataservice|smard)-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-[A-Z0-9.-]+$/;

function chunksOf(r: BackfillRequest) {
  return planChunks(r.source, localDateStart(r.from) as number, localDateStart(r.to) as number, r.areas);
}

export function startMarketDataIngestHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ROLES, async (request: HttpRequest, context: InvocationContext) => {
    const parsed = marketDataIngestQuery.safeParse(Object.fromEntries(request.query.entries()));
    if (!parsed.success) return problem(400, 'invalid query', issuesOf(parsed.error));
    const q = parsed.data;
    const areas = [...new Set(q.areas ? q.areas.split(',') : DEFAULT_AREAS[q.source])].sort();
    const id = backfillId(q.source, q.from, q.to, areas);
    const req: BackfillRequest = { id, source: q.source, from: q.from, to: q.to, areas };
    const chunks = chunksOf(req);
    const store = deps.marketDataIngest.store;
    const url = statusUrl(request, id);
    const stored = await coverage(store, chunks);
    if (stored.stored === chunks.length)
      return json(200, { ...req, state: 'Stored', statusUrl: url, coverage: stored });
    const finished = await readBackfillResult(store, id);
    if (finished || !(await readBackfillRequest(store, id))) {
      await store.put(
        backfillPath(id, 'request.json'),
        JSON.stringify({ ...req, requestedAt: deps.clock().toISOString() }),
        'application/json',
      );
      // a previous run of the same request ended with chunks missing: this run replaces its result
      if (finished) await store.delete(backfillPath(id, 'result.json'));
    }
    // Started even when a request record exists: a running instance refuses the start (below), and
    // an instance that ended without its result (a failed orchestration) is replaced, so a
    // request is never stuck behind a dead run.
    try {
      await deps.orchestrationClient(context).start(NAMES.durable.marketDataBackfillOrchestrator, id, {
        id,
        chunks,
        maxParallel: deps.settings.marketData.maxParallelChunks,
      } satisfies MarketDataBackfillInput);
    } catch (e) {
      context.log(`market data backfill ${id}: not started (${(e as Error).message}); it is running`);
    }
    return json(202, { ...req, state: 'Running', statusUrl: url, coverage: stored }, { location: url });
  });
}

export function marketDataIngestStatusHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ROLES, async (request: HttpRequest): Promise<HttpResponseInit> => {
    const id = request.params.id;
    const store = deps.marketDataIngest.store;
    const req = ID_RE.test(id) ? await readBackfillRequest(store, id) : null;
    if (!req) return problem(404, `no market data backfill ${id}`);
    const stored = await coverage(store, chunksOf(req));
    const result = await readBackfillResult(store, id);
    const url = statusUrl(request, id);
    if (!result) return json(202, { ...req, state: 'Running', statusUrl: url, coverage: stored });
    return json(200, {
      ...req,
      state: result.failed.length > 0 ? 'CompletedWithErrors' : 'Completed',
      statusUrl: url,
      result,
      coverage: stored,
    });
  });
}
