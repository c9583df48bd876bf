/**
 * The console's static files (issue 17): which file a request path names, its media type and
 * caching. The console is built by tools/build-console.ts (esbuild) into a folder `console`
 * beside the compiled `functions/` and `shared/` (dist/console, the deploy package's
 * dist/console); the local host builds it on demand into .cache/console instead.
 *
 * It holds no data and calls only the public HTTP API with the user's bearer token, so it is
 * served without a token (like the OpenAPI document).
 */
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/** The built console beside the compiled code: dist/shared/console → dist/console. */
export const DEFAULT_CONSOLE_ASSETS_DIR = resolve(__dirname, '..', '..', 'console');

/** The route the console is served under (functions/app.ts), without the /api prefix. */
export const CONSOLE_ROUTE = 'console';

const MEDIA_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

export type ConsoleAsset =
  | { kind: 'file'; body: Buffer; headers: Record<string, string> }
  /** `/api/console` without its slash: relative asset URLs in index.html need the slash. */
  | { kind: 'redirect'; location: string }
  | { kind: 'missing' };

/**
 * Security headers of every console file: the page runs only its own script (no inline code, no
 * third-party origins), talks only to this origin (the API) and, for the basis-data export
 * links, to the storage account's SAS URLs (plain navigations, which connect-src does not limit).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The file `path` (the route's `{*path}`: '' for the page itself) names inside `dir`. Only files
 * of the folder are served: a path leaving it (`..`, an absolute path, a backslash) is missing,
 * never read.
 */
export async function consoleAsset(dir: string, path: string, requestPath: string): Promise<ConsoleAsset> {
  if (path === '' && !requestPath.endsWith('/')) return { kind: 'redirect', location: `${requestPath}/` };
  const name = path === '' ? 'index.html' : path;
  if (name.includes('\\') || name.includes('\0') || name.split('/').some((s) => s === '..' || s === '.' || s === ''))
    return { kind: 'missing' };
  const root = resolve(dir);
  const file = resolve(root, name);
  if (!file.startsWith(root + sep)) return { kind: 'missing' };
  const ext = /\.[a-z0-9]+$/i.exec(name)?.[0].toLowerCase() ?? '';
  const type = MEDIA_TYPES[ext];
  if (!type) return { kind: 'missing' };
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR')
      return { kind: 'missing' };
    throw e;
  }
  return {
    kind: 'file',
    body,
    headers: {
      'content-type': type,
      // the page is small and names its assets without a content hash: always revalidate, so a
      // deployment is seen at the next load
      'cache-control': 'no-cache',
      ...SECURITY_HEADERS,
    },
  };
}
