import type { HttpHandler } from '../registry';
import { consoleAsset } from '../../shared/console/assets';
import { problem } from './responses';

/**
 * GET /api/console/{*path} — the settlement console's page and assets (shared/console/assets.ts).
 * Anonymous: static files holding no data; every call the page makes goes to the API with the
 * user's bearer token. `assetsDir` resolves the built folder (the local host builds it on first
 * use).
 */
export function consoleHandler(assetsDir: () => Promise<string>): HttpHandler {
  return async (request) => {
    const asset = await consoleAsset(await assetsDir(), request.params.path ?? '', new URL(request.url).pathname);
    if (asset.kind === 'redirect') return { status: 301, headers: { location: asset.location } };
    if (asset.kind === 'missing') return problem(404, 'no such console file');
    return { status: 200, body: asset.body, headers: asset.headers };
  };
}
