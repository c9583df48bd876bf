import type { HttpHandler } from '../registry';
import { json } from './responses';

/**
 * GET /api/openapi.json — anonymous: the document describes the API, it holds no data. Built on
 * the first request (every route is registered by then) and kept.
 */
export function openApiHandler(build: () => unknown): HttpHandler {
  let document: unknown = null;
  return () => {
    document ??= build();
    return Promise.resolve(json(200, document, { 'cache-control': 'public, max-age=300' }));
  };
}
