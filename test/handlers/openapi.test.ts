/**
 * Issue 13 "OpenAPI 3.1": GET /api/openapi.json describes every registered HTTP route from the
 * zod schemas the handlers validate with, and validates as OpenAPI 3.1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import { documenting } from '../../functions/registry';
import { LocalRegistry } from '../../local/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { buildOpenApi, openApiPath, UndocumentedRouteError, type DocumentedRoute } from '../../shared/http-api/openapi';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { JOB_STATUSES } from '../../shared/jobs/job';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { adminToken } from '../support/tokens';

const ROOT = join(__dirname, '..', '..');
const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

function memoryDeps(): AppDeps {
  const blobs = new MemoryBlobStore();
  return buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
    }),
    basisData: blobs,
    results: blobs,
    messages: blobs,
    exports: blobs,
    marketData: blobs,
    jobs: new MemoryJobStore(),
    integrationEvents: new MemoryIntegrationEventStore(),
    bus: () => {
      throw new Error('no Service Bus in this test');
    },
    publishCompleted: async () => {},
    orchestrationClient: () => {
      throw new Error('no orchestrations in this test');
    },
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    catalog: new MemoryBlobStore('dataset-catalog'),
  });
}

interface Operation {
  operationId: string;
  security?: unknown[];
  parameters: Array<{
    name: string;
    in: string;
    required: boolean;
    description?: string;
    schema: Record<string, unknown>;
  }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** Validates with the devDependency @seriousme/openapi-schema-validator (ESM: run in plain Node). */
function validate(doc: unknown): { valid: boolean; version: string; errors: unknown } {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify(doc));
    let out: string;
    try {
      out = execFileSync(process.execPath, [join(ROOT, 'tools', 'validate-openapi.mjs'), file], { encoding: 'utf8' });
    } catch (e) {
      out = (e as { stdout: string }).stdout; // exit code 1: invalid, the verdict is on stdout
    }
    return JSON.parse(out) as { valid: boolean; version: string; errors: unknown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('GET /api/openapi.json', () => {
  const deps = memoryDeps();
  const registry = new LocalRegistry();
  registerFunctions(registry, deps);
  let response: HttpResponseInit;
  let spec: Spec;

  beforeAll(async () => {
    const route = registry.routes.find((r) => r.route === 'openapi.json');
    if (!route) throw new Error('openapi.json is not registered');
    // anonymous: no Authorization header
    response = await route.handler(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/openapi.json' }),
      ctx(),
    );
    spec = response.jsonBody as Spec;
  });

  it('is served without a token and validates as OpenAPI 3.1', () => {
    expect(response.status).toBe(200);
    expect(spec.openapi).toMatch(/^3\.1\./);
    expect(validate(spec)).toEqual({ valid: true, version: '3.1', errors: null });
  });

  it('the validator does reject a broken document (so the check above can fail)', () => {
    const broken = structuredClone(spec);
    broken.paths['/api/jobs'].get.parameters[0].in = 'body';
    expect(validate(broken).valid).toBe(false);
  });

  it('has every registered HTTP route and method, and nothing else', () => {
    const registered = registry.routes.flatMap((r) => r.methods.map((m) => `${m} ${openApiPath(r.route)}`)).sort();
    const documented = Object.entries(spec.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(registered);
    expect(registered).toEqual(
      expect.arrayContaining([
        'GET /api/KickStartJob',
        'POST /api/KickStartJob',
        'GET /api/jobs',
        'GET /api/jobs/{id}/results',
        'POST /api/time-series',
        'GET /api/openapi.json',
      ]),
    );
  });

  it('declares each path parameter of the route', () => {
    for (const r of registry.routes)
      for (const m of r.methods) {
        const op = spec.paths[openApiPath(r.route)][m.toLowerCase()];
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(r.params);
      }
  });

  it('a route registered without a description fails the spec, naming it', () => {
    const routes: DocumentedRoute[] = [];
    const host = new LocalRegistry();
    const recording = documenting(host, routes);
    registerFunctions(recording, deps);
    recording.http('MarketData', {
      methods: ['GET'],
      route: 'market-data',
      handler: () => Promise.resolve({ status: 200 }),
    });
    expect(() => buildOpenApi(routes, { title: 't', version: '1', description: 'd' })).toThrow(UndocumentedRouteError);
    expect(() => buildOpenApi(routes, { title: 't', version: '1', description: 'd' })).toThrow(/MarketData \(GET\)/);
  });

  it('every operation but the document itself and the console (static files) needs the bearer token and documents 401/403 with the problem shape', () => {
    const problem = { $ref: '#/components/schemas/Problem' };
    for (const [path, item] of Object.entries(spec.paths))
      for (const op of Object.values(item)) {
        // the anonymous routes: the document, the health check (load balancers send no token) and the console's static files
        if (path === '/api/openapi.json' || path === '/api/health' || path === '/api/console/{path}') {
          expect(op.security).toEqual([]);
          continue;
        }
        expect(op.security).toBeUndefined(); // the document's global bearerAuth applies
        for (const status of ['401', '403'])
          expect(op.responses[status].content?.['application/json'].schema).toEqual(problem);
      }
    const doc = spec as unknown as { security: unknown; components: { schemas: { Problem: { properties: object } } } };
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.components.schemas.Problem.properties)).toEqual(['title', 'status', 'errors']);
  });

  it('the 413, 404 and 409 answers are where the handlers give them', () => {
    const codes = (path: string, method: string) => Object.keys(spec.paths[path][method].responses);
    expect(codes('/api/KickStartJob', 'post')).toEqual(expect.arrayContaining(['202', '400', '409', '413']));
    expect(codes('/api/KickStartJob', 'get')).not.toContain('413');
    expect(codes('/api/time-series', 'post')).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
    for (const path of ['/api/jobs/{id}', '/api/jobs/{id}/results', '/api/jobs/{id}/basis-data'])
      expect(codes(path, 'get')).toContain('404');
    expect(codes('/api/jobs/{id}/cancel', 'post')).toEqual(expect.arrayContaining(['200', '404', '409']));
  });

  it("parameters are the handlers' zod schemas: what the spec lists, the handler enforces", async () => {
    const list = spec.paths['/api/jobs'].get;
    const status = list.parameters.find((p) => p.name === 'status');
    expect(status?.schema.enum).toEqual([...JOB_STATUSES]);
    const registered = registry.routes.find((r) => r.name === 'ListJobs');
    const token = await adminToken();
    const request = (query: Record<string, string>) =>
      new HttpRequest({
        method: 'GET',
        url: 'http://localhost:7071/api/jobs',
        query,
        headers: { authorization: `Bearer ${token}` },
      });
    const bad = await registered?.handler(request({ status: 'Bogus', limit: 'x' }), ctx());
    expect(bad?.status).toBe(400);
    expect((bad?.jsonBody as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual([
      'limit',
      'status',
    ]);
    const ok = await registered?.handler(request({ status: 'Completed', limit: '5' }), ctx());
    expect(ok?.status).toBe(200);
  });

  it('KickStartJob: GET query and POST body from the request schema; date-only periods are described', () => {
    const get = spec.paths['/api/KickStartJob'].get;
    expect(get.parameters.map((p) => [p.name, p.required])).toEqual([
      ['beginTime', true],
      ['endTime', true],
      ['processType', true],
      ['settlementVersion', false],
      ['gridAreas', false],
      ['asOf', false],
    ]);
    expect(get.parameters[0].description).toMatch(
      /a date YYYY-MM-DD meaning its start \(midnight\) in Europe\/Copenhagen/,
    );
    expect(get.parameters[5].description).toMatch(/a date alone is refused/);
    const body = spec.paths['/api/KickStartJob'].post.requestBody?.content['application/json'] as {
      schema: { properties: object; additionalProperties: boolean };
    };
    // createdByUserId is refused (400), so the body schema does not offer it
    expect(Object.keys(body.schema.properties)).not.toContain('createdByUserId');
    expect(body.schema.additionalProperties).toBe(false);
  });

  it('the results route carries paging and the four formats (for the results rewrite)', () => {
    const op = spec.paths['/api/jobs/{id}/results'].get;
    expect(op.parameters.map((p) => p.name)).toEqual(['id', 'kind', 'type', 'gridArea', 'format', 'limit', 'cursor']);
    expect(op.parameters.find((p) => p.name === 'format')?.schema.enum).toEqual(['json', 'csv', 'ndjson', 'parquet']);
    expect(Object.keys(op.responses['200'].content ?? {})).toEqual([
      'application/json',
      'text/csv',
      'application/x-ndjson',
      'application/vnd.apache.parquet',
    ]);
  });
});
