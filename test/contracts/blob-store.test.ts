import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import type { BlobStore } from '../../shared/storage/blob-store';

/** The BlobStore contract; the Azure adapter runs it against Azurite. */
function blobStoreContract(name: string, create: () => Promise<BlobStore>): void {
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

    it('stores large blobs intact', async () => {
      const big = new Uint8Array(20 << 20);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      await store.put('big.bin', big);
      expect(Buffer.compare((await store.get('big.bin')) as Buffer, Buffer.from(big))).toBe(0);
    });
  });
}

describe('BlobStore contract', () => {
  let az: AzuriteInstance;
  let n = 0;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az.stop();
  });
  blobStoreContract('AzureBlobStore on Azurite', async () => {
    const store = AzureBlobStore.fromConnectionString(az.connectionString, `contract-${++n}`);
    await store.ensureContainer();
    return store;
  });
});
