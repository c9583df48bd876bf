/**
 * Blob storage port over one container. Paths are `/`-separated, no leading slash. The Azure
 * adapter (Azurite locally) and the in-memory store (memory-blob-store.ts) pass the same contract
 * suite (test/contracts/blob-store.contract.ts).
 */
export interface BlobStore {
  readonly container: string;
  /** Writes (overwrites) a blob; resolves once it is durably stored. */
  put(path: string, data: Uint8Array | string, contentType?: string): Promise<void>;
  /** The blob's bytes, or null when absent. */
  get(path: string): Promise<Buffer | null>;
  exists(path: string): Promise<boolean>;
  /** Paths under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Paths under a prefix with their etags (change detection for caches), sorted by path. */
  listDetailed(prefix: string): Promise<Array<{ path: string; etag: string; size: number }>>;
  delete(path: string): Promise<void>;
  /**
   * Downloads every blob under `prefix` into `localDir` (same relative paths); returns the files.
   * A blob deleted between listing and reading fails the download (BlobNotFoundError).
   */
  downloadPrefix(prefix: string, localDir: string): Promise<string[]>;
}

/**
 * Signs time-limited read links to single blobs (SAS), so a browser or another system can
 * download a file without any other credentials. Kept apart from BlobStore on purpose: code that
 * only stores blobs does not need it, and a test double of BlobStore need not sign. The Azure
 * adapter and MemoryBlobStore (whose links only it can open) pass the UrlSigner contract
 * (test/contracts/blob-store.contract.ts).
 */
export interface UrlSigner {
  /**
   * A URL that allows reading (only reading) the blob at `path` until `expiresOn`. Signing is
   * local (or needs one key request), it does not check that the blob exists: a link to an
   * absent blob answers 404 when used.
   */
  signedReadUrl(path: string, expiresOn: Date): Promise<string>;
}
