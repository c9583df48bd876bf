/** The local host's HTTP front door: Node's http server dispatching to registered handlers. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import type { LocalRegistry } from './registry';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
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
      const hit = registry.match(method, url.pathname);
      if (!hit) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ title: `no function for ${method} ${url.pathname}`, status: 404 }));
        return;
      }
      const body = await readBody(req);
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
      const context = new InvocationContext({
        functionName: hit.route.name,
        invocationId: randomUUID(),
        logHandler: (level, ...args) => log(`[${hit.route.name}] ${level}: ${args.map(String).join(' ')}`),
      });
      try {
        const response = new HttpResponse(await hit.route.handler(request, context));
        const out = Buffer.from(await response.arrayBuffer());
        const h: Record<string, string> = {};
        response.headers.forEach((v, k) => (h[k] = v));
        res.writeHead(response.status, h).end(out);
      } catch (e) {
        log(`[${hit.route.name}] unhandled: ${(e as Error).stack ?? String(e)}`);
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ title: 'internal error', status: 500 }));
      }
    })();
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
