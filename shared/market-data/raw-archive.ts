/**
 * Every source response is stored as received before anything parses it: the body bytes
 * untouched, and beside them what is needed to trust and replay it (URL, status, fetch time,
 * sha256). A parser bug or a later revision of the source can then be investigated from storage.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../storage/blob-store';
import type { FetchedResponse } from './http-get';
import { rawResponseStem } from './lake-paths';

export interface RawArchiveEntry {
  url: string;
  status: number;
  fetchedAt: string;
  sha256: string;
  bytes: number;
  contentType: string | null;
  body: string;
}

/** Stores one response; returns its metadata (with the body's path). */
export async function archiveResponse(
  store: BlobStore,
  source: string,
  response: FetchedResponse,
): Promise<RawArchiveEntry> {
  const sha256 = createHash('sha256').update(response.body).digest('hex');
  const stem = rawResponseStem(source, response.fetchedAtMs, sha256);
  const entry: RawArchiveEntry = {
    url: response.url,
    status: response.status,
    fetchedAt: new Date(response.fetchedAtMs).toISOString(),
    sha256,
    bytes: response.body.length,
    contentType: response.contentType,
    body: `${stem}.body`,
  };
  await store.put(entry.body, response.body, response.contentType ?? 'application/octet-stream');
  await store.put(`${stem}.meta.json`, JSON.stringify(entry), 'application/json');
  return entry;
}

/** What a client calls with each response before parsing it. */
export type ResponseSink = (response: FetchedResponse) => Promise<void>;
