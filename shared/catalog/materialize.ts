/**
 * Fetches a dataset's bytes again from where its discoverer said they are: a blob in one of the
 * platform's containers, or an http(s) URL (with a timeout and the size cap enforced while
 * reading, so a huge remote file is refused without being held).
 */
import type { BlobStore } from '../storage/blob-store';
import { DatasetTooLargeError } from './catalog-service';
import type { Materialize } from './dataset';

const FETCH_TIMEOUT_MS = 60_000;

export function materializer(opts: {
  containers: readonly BlobStore[];
  maxBytes: number;
  fetch?: typeof fetch;
}): (m: Materialize) => Promise<Uint8Array> {
  const byName = new Map(opts.containers.map((c) => [c.container, c]));
  const doFetch = opts.fetch ?? fetch;
  return async (m) => {
    if (m.kind === 'blob') {
      const store = byName.get(m.container);
      if (!store) throw new Error(`no access to container ${m.container}`);
      const bytes = await store.get(m.path);
      if (bytes === null) throw new Error(`${m.container}/${m.path} does not exist`);
      if (bytes.byteLength > opts.maxBytes) throw new DatasetTooLargeError(opts.maxBytes);
      return bytes;
    }
    if (!/^https?:\/\//.test(m.url)) throw new Error(`not an http(s) URL: ${m.url}`);
    const res = await doFetch(m.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok || !res.body) throw new Error(`GET ${m.url}: ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > opts.maxBytes) {
      await res.body.cancel();
      throw new DatasetTooLargeError(opts.maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > opts.maxBytes) {
        await reader.cancel();
        throw new DatasetTooLargeError(opts.maxBytes);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks);
  };
}
