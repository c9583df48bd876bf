/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the registrations: each HTTP function
 * is registered with its RouteDoc (functions/app.ts, next to the route), whose parameter, body and
 * answer schemas are the zod schemas the handlers validate with. zod 4's toJSONSchema gives JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1, so the schemas go in as they are.
 */
import { z } from 'zod';
import type { MarketRole } from '../auth/caller';
import { problemSchema } from './problem';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ResponseDoc {
  description: string;
  /** The JSON body (application/json). */
  json?: z.ZodType;
  /** Other media types: their schema, or null for opaque bytes (Parquet). */
  content?: Record<string, z.ZodType | null>;
  /** Response headers: name → description. */
  headers?: Record<string, string>;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** Roles that may call it (any other role: 403); 'anonymous': no bearer token. */
  roles: readonly MarketRole[] | 'anonymous';
  /** Path parameters, one property per `{name}` of the route. */
  path?: z.ZodObject;
  query?: z.ZodObject;
  body?: { description: string; required: boolean; content: Record<string, z.ZodType | null> };
  /** 401 and 403 are added for every operation that needs a token. */
  responses: Record<number, ResponseDoc>;
}

/** What a route answers, per method it is registered with. */
export type RouteDoc = Partial<Record<HttpMethod, OperationDoc>>;

export interface DocumentedRoute {
  /** The function name (the operationId). */
  name: string;
  /** As registered, without `/api/`: e.g. 'jobs/{id}/cancel'. */
  route: string;
  methods: readonly HttpMethod[];
  api?: RouteDoc;
}

/** A route registered without a RouteDoc for one of its methods (the spec would silently lack it). */
export class UndocumentedRouteError extends Error {
  constructor(
    readonly functionName: string,
    readonly method: string,
  ) {
    super(`HTTP function ${functionName} (${method}) has no OpenAPI description: add \`api\` to its registration`);
    this.name = 'UndocumentedRouteError';
  }
}

type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI path of a registered route. A catch-all parameter (`{*path}`, Azure's route
 * template for "the rest of the path, slashes included") is written `{path}`: OpenAPI has no
 * catch-all, its description says what it takes.
 */
export function openApiPath(route: string): string {
  return `/api/${route.replace(/\{\*(\w+)\}/g, '{$1}')}`;
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** JSON Schema 2020-12 of a zod schema; `$schema` dropped (OpenAPI 3.1 sets the dialect once). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', ref = true): JsonSchema {
  if (ref && schema === problemSchema) return PROBLEM_REF;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined, names?: string[]): JsonSchema[] {
  const s = schema ? jsonSchema(schema, 'input') : { properties: {}, required: [] };
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const keys = names ?? Object.keys(properties);
  return keys.map((name) => {
    const { description, ...p } = properties[name] ?? { type: 'string' };
    return {
      name,
      in: where,
      // path parameters are always required (OpenAPI); a query parameter when the schema says so
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: p,
    };
  });
}

function content(media: Record<string, z.ZodType | null>, io: 'input' | 'output') {
  return Object.fromEntries(
    Object.entries(media).map(([type, schema]) => [type, schema === null ? {} : { schema: jsonSchema(schema, io) }]),
  );
}

function response(r: ResponseDoc) {
  const media = { ...(r.json ? { 'application/json': r.json } : {}), ...(r.content ?? {}) };
  return {
    description: r.description,
    ...(r.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(r.headers).map(([h, description]) => [h, { description, schema: { type: 'string' } }]),
          ),
        }
      : {}),
    ...(Object.keys(media).length ? { content: content(media, 'output') } : {}),
  };
}

const AUTH_RESPONSES: Record<number, ResponseDoc> = {
  401: {
    description: 'No bearer token, or an invalid one (signature, issuer, audience, expiry)',
    json: problemSchema,
    headers: { 'WWW-Authenticate': 'Bearer error="…", error_description="…"' },
  },
  403: { description: "None of the token's roles may call this operation", json: problemSchema },
};

function operation(r: DocumentedRoute, method: HttpMethod, op: OperationDoc) {
  const pathNames = [...r.route.matchAll(/\{\*?(\w+)\}/g)].map((m) => m[1]);
  const declared = Object.keys(op.path?.shape ?? {});
  const extra = declared.filter((n) => !pathNames.includes(n));
  if (extra.length) throw new Error(`${r.name}: path parameters ${extra.join(', ')} are not in route ${r.route}`);
  const anonymous = op.roles === 'anonymous';
  const roles = anonymous ? [] : [...op.roles];
  const responses = { ...op.responses, ...(anonymous ? {} : AUTH_RESPONSES) };
  return {
    operationId: r.methods.length > 1 ? `${r.name}_${method}` : r.name,
    summary: op.summary,
    ...(op.description || roles.length
      ? {
          description: [op.description, roles.length ? `Roles: ${roles.join(', ')}.` : undefined]
            .filter(Boolean)
            .join('\n\n'),
        }
      : {}),
    tags: op.tags,
    ...(anonymous ? { security: [] } : { 'x-roles': roles }),
    parameters: [...parameters('path', op.path, pathNames), ...parameters('query', op.query)],
    ...(op.body
      ? {
          requestBody: {
            description: op.body.description,
            required: op.body.required,
            content: content(op.body.content, 'input'),
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([status, r]) => [status, response(r)]),
    ),
  };
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/** The document; throws UndocumentedRouteError when a registered method has no description. */
export function buildOpenApi(routes: readonly DocumentedRoute[], info: OpenApiInfo) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const item = (paths[openApiPath(r.route)] ??= {});
    for (const method of r.methods) {
      const op = r.api?.[method];
      if (!op) throw new UndocumentedRouteError(r.name, method);
      item[method.toLowerCase()] = operation(r, method, op);
    }
  }
  return {
    openapi: '3.1.1',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // every operation needs the token unless it says otherwise (security: [])
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output', false) },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Entra ID access token of the app registration; app roles datahub_administrator, grid_access_provider, energy_supplier, balance_responsible_party (the actor number from the token scopes the rows). Locally: `npm run token -- --role ROLE`.',
        },
      },
    },
  };
}
