/**
 * The BlobStore and UrlSigner contracts (shared/storage/blob-store.ts): every implementation runs
 * these suites (test/contracts/blob-store.test.ts: AzureBlobStore on Azurite, MemoryBlobStore), so
 * code written against the ports behaves the same on either. Each BlobStore test gets a fresh,
 * empty store from `create`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore, UrlSigner } from '../../shared/storage/blob-store';
import { BlobNotFoundError } from '../../shared/storage/errors';

export function blobStoreContract(name: string, create: () => Promise<BlobStore>): void {
  describe(name, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await create();
    });

    it('puts, gets, overwrites and deletes', async () => {
      expect(await store.get('a/b.txt')).toBeNull();
      await store.put('a/b.txt', 'hello');
      expect((await store.get('a/b.txt'))?.toString()).toBe('hello');
      expect(await store.exists('a/b.txt')).toBe(true);
      await store.put('a/b.txt', new Uint8Array([1, 2, 3]));
      expect([...((await store.get('a/b.txt')) as Buffer)]).toEqual([1, 2, 3]);
      await store.delete('a/b.txt');
      expect(await store.exists('a/b.txt')).toBe(false);
      await store.delete('a/b.txt'); // deleting twice is fine (retries)
    });

    it('lists by prefix, sorted, and downloads a prefix', async () => {
      await store.put('jobs/2/x', '2');
      await store.put('jobs/1/b', 'b');
      await store.put('jobs/1/a/c', 'c');
      await store.put('other', 'o');
      expect(await store.list('jobs/1/')).toEqual(['jobs/1/a/c', 'jobs/1/b']);
      const dir = mkdtempSync(join(tmpdir(), 'blob-'));
      try {
        const files = await store.downloadPrefix('jobs/1/', dir);
        expect(files.map((f) => f.slice(dir.length))).toEqual(['/a/c', '/b']);
        expect(readFileSync(join(dir, 'a', 'c'), 'utf8')).toBe('c');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fails a download when a listed blob is deleted before it is read', async () => {
      await store.put('gone/a', 'a');
      await store.put('gone/b', 'b');
      // a concurrent delete between listing and reading (the stores list through `list`)
      const list = store.list.bind(store);
      jest.spyOn(store, 'list').mockImplementationOnce(async (prefix) => {
        const names = await list(prefix);
        await store.delete('gone/b');
        return names;
      });
      const dir = mkdtempSync(join(tmpdir(), 'blob-'));
      try {
        const err: unknown = await store.downloadPrefix('gone/', dir).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(BlobNotFoundError);
        expect(err).toMatchObject({ container: store.container, path: 'gone/b' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('lists sizes and etags; an etag changes with every write of its blob only', async () => {
      await store.put('d/a', 'abc');
      await store.put('d/b', new Uint8Array(5));
      await store.put('e', 'x');
      const before = await store.listDetailed('d/');
      expect(before.map(({ path, size }) => ({ path, size }))).toEqual([
        { path: 'd/a', size: 3 },
        { path: 'd/b', size: 5 },
      ]);
      for (const b of before) expect(b.etag).not.toBe('');
      expect(before[0].etag).not.toBe(before[1].etag);
      await store.put('d/a', 'abc'); // same bytes, still a new write
      const after = await store.listDetailed('d/');
      expect(after[0].etag).not.toBe(before[0].etag);
      expect(after[1].etag).toBe(before[1].etag);
      expect(await store.listDetailed('none/')).toEqual([]);
    });

    it('keeps what was written: later changes to the buffers put or got do not reach the blob', async () => {
      const data = new Uint8Array([1, 2, 3]);
      await store.put('copy.bin', data);
      data[0] = 9;
      const got = (await store.get('copy.bin')) as Buffer;
      got[1] = 9;
      expect([...((await store.get('copy.bin')) as Buffer)]).toEqual([1, 2, 3]);
    });

    it('stores large blobs intact', async () => {
      const big = new Uint8Array(20 << 20);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      await store.put('big.bin', big);
      expect(Buffer.compare((await store.get('big.bin')) as Buffer, Buffer.from(big))).toBe(0);
    });
  });
}

/** A store that signs links, and how to follow one (plain HTTP for Azure, the fake's own resolver). */
export interface UrlSignerUnderTest {
  store: BlobStore & UrlSigner;
  /** Requests `url` without any other credentials: the status and, for a 200, the body and content type. */
  open(
    url: string,
    method?: 'GET' | 'PUT',
  ): Promise<{ status: number; body: Buffer | null; contentType: string | null }>;
}

/** The UrlSigner contract: links read exactly one blob, only until they expire, and never write. */
export function urlSignerContract(name: string, create: () => Promise<UrlSignerUnderTest>): void {
  describe(name, () => {
    let sut: UrlSignerUnderTest;
    const content = 'METERINGPOINTID;ENERGYQUANTITY1\n571313180000000001;1.234\nÆØÅ\n';
    const path = 'exports/job-1/ga=800/a.csv';
    beforeAll(async () => {
      sut = await create();
      await sut.store.put(path, content, 'text/csv; charset=utf-8');
      await sut.store.put('exports/job-1/ga=800/b.csv', 'other');
    });
    const inAnHour = () => new Date(Date.now() + 3_600_000);

    it('a link downloads the blob, no credentials needed', async () => {
      const res = await sut.open(await sut.store.signedReadUrl(path, inAnHour()));
      expect(res.status).toBe(200);
      expect(res.body?.toString('utf8')).toBe(content);
      expect(res.contentType).toBe('text/csv; charset=utf-8');
    });

    it('refuses an expired link, an absent blob, a link moved to another blob, and writing', async () => {
      expect((await sut.open(await sut.store.signedReadUrl(path, new Date(Date.now() - 60_000)))).status).toBe(403);
      expect(
        (await sut.open(await sut.store.signedReadUrl('exports/job-1/ga=800/absent.csv', inAnHour()))).status,
      ).toBe(404);
      const moved = (await sut.store.signedReadUrl(path, inAnHour())).replace('/a.csv?', '/b.csv?');
      expect((await sut.open(moved)).status).toBe(403);
      expect((await sut.open(await sut.store.signedReadUrl(path, inAnHour()), 'PUT')).status).toBe(403);
      expect((await sut.store.get(path))?.toString('utf8')).toBe(content);
    });

    it('refuses to sign with an invalid expiry', async () => {
      await expect(sut.store.signedReadUrl(path, new Date(Number.NaN))).rejects.toThrow(RangeError);
    });
  });
}
