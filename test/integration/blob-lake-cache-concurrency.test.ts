/**
 * The blob lake's local cache under concurrent batches (issue 13): the local host runs several
 * batches in one process, and each downloads the blobs it needs into one shared cache. The cache
 * once wrote every download to `${file}.${process.pid}.tmp`, so two batches of one process fetching
 * the same blob wrote the same temp file and one rename failed with ENOENT (or renamed the other's
 * half-written bytes). Here 20 views run at once on one cache (and two caches on one folder, as two
 * hosts on one machine would), with downloads slow enough that every view fetches the shared blobs
 * at the same moment: all succeed, every file holds the blob's exact bytes, and no temp file stays.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BlobLake, type LakeView } from '../../shared/basis-data/parquet/blob-lake';
import type { BlobStore } from '../../shared/storage/blob-store';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const DAY = 86_400_000;
const FIRST_DAY = Date.parse('2024-03-01T00:00:00Z');
const DAYS = 5;
const DOWNLOAD_MS = 40;

/** A blob store whose downloads take a while, counting how many downloads of one blob overlap. */
class SlowStore implements BlobStore {
  readonly inFlight = new Map<string, number>();
  /** Highest number of simultaneous downloads of one blob seen. */
  maxSameBlobOverlap = 0;
  downloads = 0;

  constructor(private readonly inner: MemoryBlobStore) {}

  get container(): string {
    return this.inner.container;
  }

  async get(path: string): Promise<Buffer | null> {
    const n = (this.inFlight.get(path) ?? 0) + 1;
    this.inFlight.set(path, n);
    this.maxSameBlobOverlap = Math.max(this.maxSameBlobOverlap, n);
    this.downloads++;
    try {
      await new Promise((r) => setTimeout(r, DOWNLOAD_MS));
      return await this.inner.get(path);
    } finally {
      this.inFlight.set(path, (this.inFlight.get(path) ?? 1) - 1);
    }
  }

  put(path: string, data: Uint8Array | string, contentType?: string): Promise<void> {
    return this.inner.put(path, data, contentType);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  listDetailed(prefix: string): Promise<Array<{ path: string; etag: string; size: number }>> {
    return this.inner.listDetailed(prefix);
  }
  delete(path: string): Promise<void> {
    return this.inner.delete(path);
  }
  downloadPrefix(prefix: string, localDir: string): Promise<string[]> {
    return this.inner.downloadPrefix(prefix, localDir);
  }
}

const dateOf = (day: number): string => new Date(FIRST_DAY + day * DAY).toISOString().slice(0, 10);

/** Master data and small tables (every view reads them) plus one time series partition per day. */
async function lake(): Promise<{ store: MemoryBlobStore; bytes: Map<string, Buffer> }> {
  const store = new MemoryBlobStore('basis-data');
  const bytes = new Map<string, Buffer>();
  // a few MB per blob: a write takes several chunks, so overlapping writers of one file interleave
  const put = async (path: string, size: number): Promise<void> => {
    const b = randomBytes(size);
    bytes.set(path, b);
    await store.put(path, b);
  };
  await put('metering_point_periods/grid_area=800/part-0.parquet', 3 << 20);
  await put('metering_point_periods/grid_area=801/part-0.parquet', 2 << 20);
  await put('grid_loss_metering_points/part-0.parquet', 64 << 10);
  await put('charge_price_points/part-0.parquet', 1 << 20);
  for (let d = 0; d < DAYS; d++)
    await put(`time_series_points/grid_area=800/observation_date=${dateOf(d)}/part-0.parquet`, (1 << 20) + d);
  return { store, bytes };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Every blob a view lists is in its folder with exactly the stored bytes. */
function expectViewHoldsBlobs(view: LakeView, bytes: Map<string, Buffer>): void {
  expect(view.blobs.length).toBeGreaterThan(0);
  for (const b of view.blobs) {
    const local = readFileSync(join(view.source.dir, b.path));
    expect({ path: b.path, equal: local.equals(bytes.get(b.path) ?? Buffer.alloc(0)) }).toEqual({
      path: b.path,
      equal: true,
    });
  }
}

describe('blob lake cache: concurrent batches on one cache', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const cacheDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'lake-cache-race-'));
    dirs.push(d);
    return d;
  };

  it('20 parallel views (10 of the same days, 10 of one day each) all succeed with identical bytes, no temp files left', async () => {
    const { store, bytes } = await lake();
    const slow = new SlowStore(store);
    const dir = cacheDir();
    const cache = new BlobLake(slow, dir);
    const all = { from: FIRST_DAY, to: FIRST_DAY + DAYS * DAY };
    const oneDay = (i: number) => ({ from: FIRST_DAY + (i % DAYS) * DAY, to: FIRST_DAY + ((i % DAYS) + 1) * DAY });

    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => cache.view(i < 10 ? all : oneDay(i))),
    );

    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const views = settled.map((s) => (s as PromiseFulfilledResult<LakeView>).value);
    for (const v of views) expectViewHoldsBlobs(v, bytes);
    expect(views[0].blobs).toHaveLength(bytes.size); // the whole-range view holds every blob
    expect(views[10].blobs.filter((b) => b.path.startsWith('time_series_points/'))).toHaveLength(1);
    // the race was really run: one blob was downloaded by several views at the same time
    expect(slow.maxSameBlobOverlap).toBeGreaterThanOrEqual(10);
    const files = filesUnder(dir).map((f) => relative(dir, f));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // one cached copy per blob version, whatever the number of concurrent downloads
    expect(files.filter((f) => f.startsWith(`basis-data/blobs/`))).toHaveLength(bytes.size);
  });

  it('two caches on one folder (two hosts on one machine) fetching the same blobs at once', async () => {
    const { store, bytes } = await lake();
    const slow = new SlowStore(store);
    const dir = cacheDir();
    const caches = [new BlobLake(slow, dir), new BlobLake(slow, dir)];
    const range = { from: FIRST_DAY, to: FIRST_DAY + 2 * DAY };

    const views = await Promise.all(Array.from({ length: 10 }, (_, i) => caches[i % 2].view(range)));

    for (const v of views) expectViewHoldsBlobs(v, bytes);
    expect(new Set(views.map((v) => v.source.dir)).size).toBe(1); // same blob versions → same view folder
    expect(slow.maxSameBlobOverlap).toBeGreaterThanOrEqual(2);
    expect(filesUnder(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a later view of the same blobs downloads nothing (the cache is keyed by etag) and a changed blob is fetched anew', async () => {
    const { store, bytes } = await lake();
    const slow = new SlowStore(store);
    const cache = new BlobLake(slow, cacheDir());
    const range = { from: FIRST_DAY, to: FIRST_DAY + DAY };
    const first = await cache.view(range);
    const downloaded = slow.downloads;
    expect(downloaded).toBe(first.blobs.length);

    expect((await cache.view(range)).source.dir).toBe(first.source.dir);
    expect(slow.downloads).toBe(downloaded);

    const changed = 'grid_loss_metering_points/part-0.parquet';
    const next = randomBytes(1000);
    await store.put(changed, next);
    bytes.set(changed, next);
    const after = await cache.view(range);
    expect(after.source.dir).not.toBe(first.source.dir);
    expect(slow.downloads).toBe(downloaded + 1);
    expectViewHoldsBlobs(after, bytes);
  });
});
