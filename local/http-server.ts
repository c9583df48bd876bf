/** The local host's HTTP front door: Node's http server dispatching to registered handlers. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { MalformedPathError, type LocalRegistry } from './registry';
import { CONSOLE_ROUTE } from '../shared/console/assets';

/** The body exceeds the route's limit: the rest is not read. */
const TOO_LARGE = Symbol('tooLarge');

/**
 * Reads the body with a cap: refused from Content-Length before reading anything, and while
 * streaming once the cap is passed, so one request never makes the host buffer more than `limit`
 * bytes (a 292 MB ingestion body was once accepted into memory whole).
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return TOO_LARGE;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of req) {
    total += (c as Buffer).length;
    if (total > limit) return TOO_LARGE;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A body produced over time (a stream or an async iterable), as opposed to bytes already in hand. */
function isStreamBody(body: HttpResponseInit['body']): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body instanceof ReadableStream || body instanceof Readable || Symbol.asyncIterator in body)
  );
}

/**
 * The console's page (functions/app.ts, route console/{*path}). Only the local host answers `/`
 * and `/console` with a redirect to it: in Azure every function is under the `api` route prefix
 * (host.json), so there the console's address is /api/console/.
 */
const CONSOLE_PAGE = `/api/${CONSOLE_ROUTE}/`;
const LOCAL_CONSOLE_PATHS = new Set(['/', '/console', '/console/']);

function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) })
    .end(JSON.stringify(body));
}

export function startHttpServer(
  registry: LocalRegistry,
  port: number,
  log: (s: string) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const method = (req.method ?? 'GET').toUpperCase();
      if ((method === 'GET' || method === 'HEAD') && LOCAL_CONSOLE_PATHS.has(url.pathname)) {
        res.writeHead(302, { location: CONSOLE_PAGE }).end();
        return;
      }
      let hit: ReturnType<LocalRegistry['match']>;
      try {
        hit = registry.match(method, url.pathname);
      } catch (e) {
        if (!(e instanceof MalformedPathError)) throw e;
        sendJson(res, 400, { title: 'malformed percent-encoding in the path', status: 400 });
        return;
      }
      if (!hit) {
        sendJson(res, 404, { title: `no function for ${method} ${url.pathname.slice(0, 200)}`, status: 404 });
        return;
      }
      const limit = hit.route.maxBodyBytes;
      const body = await readBody(req, limit);
      if (body === TOO_LARGE) {
        // the unread rest is dropped with the connection
        sendJson(
          res,
          413,
          {
            title: `request body too large: at most ${limit} bytes`,
            status: 413,
            errors: [{ path: '(body)', message: `larger than ${limit} bytes; split the request` }],
          },
          true,
        );
        res.once('finish', () => req.destroy());
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        query: Object.fromEntries(url.searchParams.entries()),
        params: hit.params,
        ...(body.length > 0 ? { body: { bytes: body } } : {}),
      });
      const route = hit.route;
      const context = new InvocationContext({
        functionName: route.name,
        invocationId: randomUUID(),
        logHandler: (level, ...args) => log(`[${route.name}] ${level}: ${args.map(String).join(' ')}`),
      });
      try {
        const init = await route.handler(request, context);
        const response = new HttpResponse(init);
        const h: Record<string, string> = {};
        response.headers.forEach((v, k) => (h[k] = v));
        if (isStreamBody(init.body) && response.body) {
          // piped as produced (results CSV/NDJSON/Parquet): never buffered whole; a client that
          // goes away cancels the producer (pipeline destroys the source)
          res.writeHead(response.status, h);
          await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), res);
        } else {
          const out = Buffer.from(await response.arrayBuffer());
          res.writeHead(response.status, h).end(out);
        }
      } catch (e) {
        log(`[${route.name}] unhandled: ${(e as Error).stack ?? String(e)}`);
        // once a stream's headers are out, the only way to say "failed" is to cut the connection
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { title: 'internal error', status: 500 });
      }
    })().catch((e: unknown) => {
      // a failure outside the handler (e.g. the client went away mid-body) must not become an
      // unhandled rejection, which would stop the whole host
      log(`HTTP ${req.method ?? ''} ${(req.url ?? '').slice(0, 200)}: ${String(e)}`);
      if (!res.headersSent) sendJson(res, 500, { title: 'internal error', status: 500 });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ server, url: `http://127.0.0.1:${actual}` });
    });
  });
}
