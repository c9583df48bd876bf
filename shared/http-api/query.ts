/**
 * Query and path parameters through a zod schema, shared by the handler that validates them and
 * the OpenAPI spec that describes them (shared/http-api/openapi.ts).
 */
import type { z } from 'zod';
import { issuesOf, type Issue } from './problem';

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/**
 * An empty value (`?status=`) counts as absent, as the handlers always treated it; a repeated
 * parameter takes its first value (URLSearchParams.get).
 */
export function queryObject(query: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of query) if (v !== '' && !(k in out)) out[k] = v;
  return out;
}

export function parseParams<S extends z.ZodType>(schema: S, raw: Record<string, string>): Parsed<z.output<S>> {
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: issuesOf(r.error) };
}
