import type { HttpRequest, HttpResponseInit } from '@azure/functions';

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  jsonBody: body,
  headers: { 'content-type': 'application/json', ...headers },
});

export const problem = (
  status: number,
  title: string,
  errors?: Array<{ path: string; message: string }>,
): HttpResponseInit => json(status, { title, status, ...(errors ? { errors } : {}) });

/** Base URL of this app as the caller sees it (status URLs are absolute). */
export function baseUrl(request: HttpRequest): string {
  const u = new URL(request.url);
  return `${u.protocol}//${u.host}`;
}
