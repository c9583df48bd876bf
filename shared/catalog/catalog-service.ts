/**
 * The catalog's use cases: profile-and-index one announced dataset (the queue-triggered
 * profiler), upload, publish. A dataset whose bytes are unchanged (same content hash) is not
 * profiled again; one that fails to load or profile is recorded under `failures/<id>.json` (the
 * reference's `pending` index) and leaves nothing new indexed.
 */
import type { BlobStore } from '../storage/blob-store';
import { visibleTo, type CatalogEntry, type DatasetMetadata, type Materialize, type Viewer } from './dataset';
import type { CatalogIndex } from './index/catalog-index';
import { contentHash, profileDataset } from './profile/profiler';
import { UnreadableDatasetError, type DatasetFormat } from './profile/readers';

/** The bytes are larger than the catalog takes (upload limit, or a discovered file). */
export class DatasetTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the dataset is larger than ${limit} bytes`);
    this.name = 'DatasetTooLargeError';
  }
}

export interface CatalogDeps {
  index: CatalogIndex;
  /** The catalog container: uploads (`uploads/<id>/data.<ext>`) and failure records. */
  files: BlobStore;
  /** Fetches a dataset's bytes again (materialize.ts); throws DatasetTooLargeError beyond maxBytes. */
  materialize(m: Materialize): Promise<Uint8Array>;
  clock(): Date;
  newId(): string;
  /** Largest dataset profiled (MAX_CATALOG_UPLOAD_BYTES for uploads too). */
  maxBytes: number;
}

export interface FailureRecord {
  id: string;
  at: string;
  error: string;
  reason: string;
  materialize: DatasetMetadata['materialize'];
}

const failurePath = (id: string) => `failures/${encodeURIComponent(id)}.json`;

async function indexBytes(
  deps: CatalogDeps,
  meta: DatasetMetadata,
  bytes: Uint8Array,
): Promise<{ outcome: 'indexed' | 'unchanged'; entry: CatalogEntry }> {
  const existing = await deps.index.get(meta.id);
  if (existing && existing.profile.content_hash === contentHash(bytes)) {
    // same bytes: keep the profile, refresh only what the discoverer said about it
    const entry: CatalogEntry = { ...existing, ...meta, published: existing.published || meta.published };
    await deps.index.put(entry);
    return { outcome: 'unchanged', entry };
  }
  const profile = await profileDataset(bytes, meta.materialize.format);
  const entry: CatalogEntry = { ...meta, profile, indexed_at: deps.clock().toISOString() };
  await deps.index.put(entry);
  await deps.files.delete(failurePath(meta.id));
  return { outcome: 'indexed', entry };
}

async function recordFailure(deps: CatalogDeps, meta: DatasetMetadata, e: Error): Promise<void> {
  const record: FailureRecord = {
    id: meta.id,
    at: deps.clock().toISOString(),
    error: e.name,
    reason: e.message,
    materialize: meta.materialize,
  };
  await deps.files.put(failurePath(meta.id), JSON.stringify(record), 'application/json');
}

/** What the profiler queue carries: an announced dataset. Fetches, profiles, indexes. */
export async function profileAndIndex(
  deps: CatalogDeps,
  meta: DatasetMetadata,
): Promise<{ outcome: 'indexed' | 'unchanged'; entry: CatalogEntry }> {
  try {
    return await indexBytes(deps, meta, await deps.materialize(meta.materialize));
  } catch (e) {
    if (e instanceof UnreadableDatasetError || e instanceof DatasetTooLargeError) await recordFailure(deps, meta, e);
    throw e;
  }
}

export const failureOf = async (deps: Pick<CatalogDeps, 'files'>, id: string): Promise<FailureRecord | null> => {
  const b = await deps.files.get(failurePath(id));
  return b ? (JSON.parse(b.toString('utf8')) as FailureRecord) : null;
};

const EXTENSION: Record<DatasetFormat, string> = { csv: 'csv', parquet: 'parquet', jsonl: 'jsonl', json: 'json' };

/**
 * A user upload: stored, profiled at once (uploads never wait behind discovered datasets — the
 * uploader gets the profile or the reason in the same answer), visible to its owner until published.
 * A file that cannot be profiled is not kept.
 */
export async function uploadDataset(
  deps: CatalogDeps,
  upload: { bytes: Uint8Array; format: DatasetFormat; name: string; description?: string; owner: string },
): Promise<CatalogEntry> {
  if (upload.bytes.byteLength > deps.maxBytes) throw new DatasetTooLargeError(deps.maxBytes);
  const id = `upload.${deps.newId()}`;
  const path = `uploads/${id}/data.${EXTENSION[upload.format]}`;
  const meta: DatasetMetadata = {
    id,
    name: upload.name,
    ...(upload.description ? { description: upload.description } : {}),
    source: 'upload',
    materialize: {
      kind: 'blob',
      container: deps.files.container,
      path,
      format: upload.format,
      identifier: 'upload',
      date: deps.clock().toISOString(),
    },
    owner: upload.owner,
    published: false,
  };
  // profile before storing: a malformed file leaves nothing behind
  const profile = await profileDataset(upload.bytes, upload.format);
  await deps.files.put(path, upload.bytes);
  const entry: CatalogEntry = { ...meta, profile, indexed_at: deps.clock().toISOString() };
  await deps.index.put(entry);
  return entry;
}

/** The dataset if the viewer may see it (absent and foreign look alike). */
export async function datasetFor(
  deps: Pick<CatalogDeps, 'index'>,
  id: string,
  viewer: Viewer,
): Promise<CatalogEntry | null> {
  const e = await deps.index.get(id);
  return e && visibleTo(e, viewer) ? e : null;
}

/** Publishes the owner's upload to every caller; null when it is not the viewer's. */
export async function publishDataset(
  deps: Pick<CatalogDeps, 'index'>,
  id: string,
  viewer: Viewer,
): Promise<CatalogEntry | null> {
  const e = await deps.index.get(id);
  if (!e || e.owner !== viewer.subject) return null;
  const published = { ...e, published: true };
  await deps.index.put(published);
  return published;
}

/**
 * Removes a dataset from every search, with its stored bytes (uploads) and failure record. Only
 * the owner of an upload or an administrator may; for anyone else the dataset does not exist
 * (null, like an unknown id), so a caller cannot probe for other people's uploads. A discovered
 * dataset deleted by an administrator comes back at its source's next discovery run if the source
 * still lists it (the source, not the catalog, owns it).
 */
export async function deleteDataset(
  deps: Pick<CatalogDeps, 'index' | 'files'>,
  id: string,
  viewer: Viewer & { administrator: boolean },
): Promise<CatalogEntry | null> {
  const e = await deps.index.get(id);
  if (!e || !(viewer.administrator || (e.owner !== null && e.owner === viewer.subject))) return null;
  await deps.index.delete(id);
  if (e.materialize.kind === 'blob' && e.materialize.container === deps.files.container)
    await deps.files.delete(e.materialize.path);
  await deps.files.delete(failurePath(id));
  return e;
}
