import { promised } from '../domain/promised';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlobStore, UrlSigner } from './blob-store';
import { downloadPrefixVia } from './download-prefix';

interface StoredBlob {
  bytes: Buffer;
  contentType: string;
  etag: string;
}

/** What opening a signed link answers, as the storage service would over HTTP. */
export interface SignedUrlResponse {
  /** 200, 403 (bad, expired or foreign link, or not a read) or 404 (no such blob). */
  status: 200 | 403 | 404;
  body: Buffer | null;
  contentType: string | null;
}

export interface MemoryBlobStoreOptions {
  /** Where signed links point (no trailing slash); default `memory://{container}`. */
  baseUrl?: string;
  /** The time signed links are checked against; default the system clock. */
  clock?: () => Date;
}

/**
 * BlobStore (and UrlSigner) in memory, passing the same contract suites as the Azure adapter
 * (test/contracts/blob-store.contract.ts), for use-case tests and the local host without a
 * storage emulator. Every write gets a new etag, as in Blob storage. Bytes are copied in and out:
 * changing a buffer after `put` or after `get` does not change the stored blob.
 *
 * Signed links are `{baseUrl}/{path}?se=…&sp=r&sig=…`, an HMAC with a key only this instance
 * knows; nothing serves them over HTTP, `openSignedUrl` answers them the way the storage service
 * answers a SAS link (so tests can follow a link that a use case handed out).
 */
export class MemoryBlobStore implements BlobStore, UrlSigner {
  private readonly blobs = new Map<string, StoredBlob>();
  /**
   * Paths by parent folder: a listing visits the folders (a few hundred even when a lake holds a
   * million small blobs, e.g. a day of raw stream events) instead of every path, as Blob storage
   * lists by prefix without reading the rest of the container.
   */
  private readonly folders = new Map<string, Set<string>>();
  private readonly key = randomBytes(32);
  private readonly baseUrl: string;
  private readonly clock: () => Date;
  private writes = 0;

  constructor(
    readonly container = 'memory',
    options: MemoryBlobStoreOptions = {},
  ) {
    this.baseUrl = options.baseUrl ?? `memory://${container}`;
    this.clock = options.clock ?? (() => new Date());
  }

  async put(path: string, data: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    await roundTrip();
    if (!this.blobs.has(path)) {
      const folder = folderOf(path);
      let paths = this.folders.get(folder);
      if (!paths) this.folders.set(folder, (paths = new Set()));
      paths.add(path);
    }
    this.blobs.set(path, {
      bytes,
      contentType,
      etag: `"0x${(++this.writes).toString(16).toUpperCase().padStart(15, '0')}"`,
    });
  }

  async get(path: string): Promise<Buffer | null> {
    await roundTrip();
    const blob = this.blobs.get(path);
    return blob ? Buffer.from(blob.bytes) : null;
  }

  async exists(path: string): Promise<boolean> {
    await roundTrip();
    return this.blobs.has(path);
  }

  async list(prefix: string): Promise<string[]> {
    await roundTrip();
    return this.matching(prefix).sort();
  }

  /** Paths starting with `prefix` (unsorted): whole folders below it, filtered names in the one it ends in. */
  private matching(prefix: string): string[] {
    const out: string[] = [];
    for (const [folder, paths] of this.folders) {
      const dir = folder === '' ? '' : `${folder}/`;
      if (dir.startsWith(prefix)) for (const p of paths) out.push(p);
      else if (prefix.startsWith(dir)) for (const p of paths) if (p.startsWith(prefix)) out.push(p);
    }
    return out;
  }

  async listDetailed(prefix: string): Promise<Array<{ path: string; etag: string; size: number }>> {
    await roundTrip();
    const out: Array<{ path: string; etag: string; size: number }> = [];
    for (const path of this.matching(prefix)) {
      const blob = this.blobs.get(path) as StoredBlob;
      out.push({ path, etag: blob.etag, size: blob.bytes.length });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async delete(path: string): Promise<void> {
    await roundTrip();
    if (this.blobs.delete(path)) {
      const folder = folderOf(path);
      const paths = this.folders.get(folder);
      paths?.delete(path);
      if (paths?.size === 0) this.folders.delete(folder);
    }
  }

  downloadPrefix(prefix: string, localDir: string): Promise<string[]> {
    return downloadPrefixVia(this, prefix, localDir);
  }

  signedReadUrl(path: string, expiresOn: Date): Promise<string> {
    return promised(() => this.signedReadUrlNow(path, expiresOn));
  }

  private signedReadUrlNow(path: string, expiresOn: Date): string {
    if (!Number.isFinite(expiresOn.getTime())) throw new RangeError('expiresOn is not a valid date');
    const se = expiresOn.toISOString();
    const query = new URLSearchParams({ se, sp: 'r', sig: this.signature(path, se, 'r') });
    return `${this.baseUrl}/${path.split('/').map(encodeURIComponent).join('/')}?${query.toString()}`;
  }

  /**
   * Follows a link from `signedReadUrl` like the storage service would: 403 for a link this store
   * did not sign for that blob, an expired link or any method but GET/HEAD; 404 when the blob is
   * absent; else the blob.
   */
  async openSignedUrl(url: string, method = 'GET'): Promise<SignedUrlResponse> {
    await roundTrip();
    const refused: SignedUrlResponse = { status: 403, body: null, contentType: null };
    const q = url.indexOf('?');
    if (q < 0 || !url.startsWith(`${this.baseUrl}/`)) return refused;
    let path: string;
    try {
      path = url
        .slice(this.baseUrl.length + 1, q)
        .split('/')
        .map(decodeURIComponent)
        .join('/');
    } catch {
      return refused; // malformed escape
    }
    const params = new URLSearchParams(url.slice(q + 1));
    const se = params.get('se') ?? '';
    const sp = params.get('sp') ?? '';
    const sig = Buffer.from(params.get('sig') ?? '', 'base64');
    const expected = Buffer.from(this.signature(path, se, sp), 'base64');
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return refused;
    if (!sp.includes('r') || (method !== 'GET' && method !== 'HEAD')) return refused;
    if (!(Date.parse(se) > this.clock().getTime())) return refused;
    const blob = this.blobs.get(path);
    if (!blob) return { status: 404, body: null, contentType: null };
    return { status: 200, body: method === 'HEAD' ? null : Buffer.from(blob.bytes), contentType: blob.contentType };
  }

  private signature(path: string, se: string, sp: string): string {
    return createHmac('sha256', this.key).update([this.container, path, se, sp].join('\n'), 'utf8').digest('base64');
  }
}

/** Lets other calls run, as a request to the storage service would. */
function roundTrip(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `a/b/c.json` → `a/b`; a path without a folder → ''. */
function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
