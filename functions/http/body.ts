import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { problem } from './responses';

/** The body is larger than the route's limit (answered 413). */
export interface BodyTooLarge {
  tooLarge: HttpResponseInit;
}

export const payloadTooLarge = (limit: number): HttpResponseInit =>
  problem(413, `request body too large: at most ${limit} bytes`, [
    { path: '(body)', message: `larger than ${limit} bytes; split the request` },
  ]);

/**
 * The request body, read with a cap: refused from Content-Length before reading anything, and
 * while streaming as soon as the cap is passed (a missing or lying Content-Length), so a request
 * never makes the host hold more than `limit` bytes of it.
 */
export async function readBodyCapped(request: HttpRequest, limit: number): Promise<Uint8Array | BodyTooLarge> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit)
    return { tooLarge: payloadTooLarge(limit) };
  const stream = request.body as ReadableStream<Uint8Array> | null;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return { tooLarge: payloadTooLarge(limit) };
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export const isTooLarge = (b: Uint8Array | BodyTooLarge): b is BodyTooLarge => !(b instanceof Uint8Array);
