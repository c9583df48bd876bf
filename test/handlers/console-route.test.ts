/**
 * Issue 17: GET /api/console/{*path} serves the built console — the page, its script and styles
 * with their media types and a strict CSP, without a token — and nothing outside its folder; the
 * local host's catch-all matching and its `/` and `/console` redirects.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { consoleHandler } from '../../functions/http/console';
import { LocalRegistry } from '../../local/registry';
import { startHttpServer } from '../../local/http-server';
import { CONSOLE_FILES, ensureConsoleBuild } from '../../tools/build-console';

const ctx = () => new InvocationContext({ functionName: 'Console', logHandler: () => {} });

describe('console route', () => {
  const root = mkdtempSync(join(tmpdir(), 'console-route-'));
  const dir = join(root, 'console');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'sub', 'x.css'), 'a{}');
  writeFileSync(join(root, 'secret.js'), 'secret');
  const handler = consoleHandler(() => Promise.resolve(dir));
  const get = (path: string, url = `http://localhost:7071/api/console/${path}`) =>
    handler(new HttpRequest({ method: 'GET', url, params: { path } }), ctx());
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves the page at /api/console/ and its files with their media types and security headers', async () => {
    const page = await get('');
    expect(page.status).toBe(200);
    expect((page.body as Buffer).toString()).toContain('<title>t</title>');
    const headers = page.headers as Record<string, string>;
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("connect-src 'self'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(((await get('app.js')).headers as Record<string, string>)['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await get('sub/x.css')).status).toBe(200);
  });

  it('redirects /api/console to /api/console/ (relative asset URLs need the slash)', async () => {
    const r = await get('', 'http://localhost:7071/api/console');
    expect(r).toMatchObject({ status: 301, headers: { location: '/api/console/' } });
  });

  it('answers 404 for unknown files, other media types and any path leaving the folder', async () => {
    for (const path of [
      'nope.js',
      '../secret.js',
      'sub/../../secret.js',
      '..\\secret.js',
      '/etc/passwd',
      'sub',
      'x.exe',
    ])
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 404 });
  });

  it('the local host matches the catch-all with and without a rest, and redirects / and /console to the page', async () => {
    const registry = new LocalRegistry();
    registry.http('Console', { methods: ['GET'], route: 'console/{*path}', handler });
    expect(registry.match('GET', '/api/console')?.params).toEqual({ path: '' });
    expect(registry.match('GET', '/api/console/')?.params).toEqual({ path: '' });
    expect(registry.match('GET', '/api/console/a/b.js')?.params).toEqual({ path: 'a/b.js' });
    expect(registry.match('GET', '/api/consoles/a')).toBeNull();
    const { server, url } = await startHttpServer(registry, 0, () => {});
    try {
      for (const path of ['/', '/console'])
        expect((await fetch(`${url}${path}`, { redirect: 'manual' })).headers.get('location')).toBe('/api/console/');
      const page = await fetch(`${url}/console`);
      expect(page.url).toBe(`${url}/api/console/`);
      expect(await page.text()).toContain('<title>t</title>');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('builds the real console from web/console (cached by source hash): the page, app.js and app.css', () => {
    const built = ensureConsoleBuild(join(root, 'cache'));
    expect(ensureConsoleBuild(join(root, 'cache'))).toBe(built); // the second call reuses the build
    for (const f of CONSOLE_FILES) expect({ f, ok: existsSync(join(built, f)) }).toEqual({ f, ok: true });
  });
});
