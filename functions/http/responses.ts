import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { EXCERPT_CHARS, excerpt } from '../../shared/domain/excerpt';
import { MAX_PROBLEM_ERRORS, type Problem } from '../../shared/http-api/problem';

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  jsonBody: body,
  headers: { 'content-type': 'application/json', ...headers },
});

/**
 * A problem response. Paths and messages may quote the input (a key, a value); each is cut to a
 * short excerpt so a huge invalid body is never echoed back (issue 12). Messages get a longer
 * allowance because they also carry the rule that was broken.
 */
export const problem = (
  status: number,
  title: string,
  errors?: Array<{ path: string; message: string }>,
): HttpResponseInit =>
  json(status, {
    title: excerpt(title, 2 * EXCERPT_CHARS),
    status,
    ...(errors
      ? {
          errors: errors
            .slice(0, MAX_PROBLEM_ERRORS)
            .map((e) => ({ path: excerpt(e.path), message: excerpt(e.message, 2 * EXCERPT_CHARS) })),
        }
      : {}),
  } satisfies Problem);

/** Base URL of this app as the caller sees it (status URLs are absolute). */
export function baseUrl(request: HttpRequest): string {
  const u = new URL(request.url);
  return `${u.protocol}//${u.host}`;
}
