import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { ContainerClient, type UserDelegationKey } from '@azure/storage-blob';
import { AzureBlobStore, type UserDelegationKeySource } from '../../shared/storage/azure-blob-store';
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

/**
 * Azurite's stand-in for Entra ID's user delegation keys: Azurite derives the key from the
 * key's fields with a published constant (azurite/dist/src/blob/utils/utils.js
 * getUserDelegationKeyValue, constants.js USERDELEGATIONKEY_BASIC_KEY) and checks SAS
 * signatures against it. Its own getUserDelegationKey needs OAuth over HTTPS, so the test issues
 * the same keys locally and Azurite still verifies every signature for real.
 */
const AZURITE_UDK_BASIC_KEY = 'I17GKLvcJUossaebtsEDZZ2RJ8GNLwLH4m7hRMxbVbkx6wNIRAABj4Rtw0FBhFuEAgmbL4gFMzUw+AStz9Sqdg==';
function azuriteDelegationKeys(calls: Array<{ startsOn: Date; expiresOn: Date }>, keyValue?: string): UserDelegationKeySource {
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return async (startsOn, expiresOn): Promise<UserDelegationKey> => {
    calls.push({ startsOn, expiresOn });
    const oid = '11111111-2222-3333-4444-555555555555';
    const tid = '66666666-7777-8888-9999-000000000000';
    const version = '2025-11-05';
    const value = keyValue ?? createHmac('sha256', AZURITE_UDK_BASIC_KEY).update([oid, tid, iso(startsOn), iso(expiresOn), 'b', version].join('\n'), 'utf8').digest('base64');
    return { signedObjectId: oid, signedTenantId: tid, signedStartsOn: startsOn, signedExpiresOn: expiresOn, signedService: 'b', signedVersion: version, value };
  };
}

/** A token credential that is never asked for a token: signing with a delegation key is local. */
const unusedToken = { getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 3_600_000 }) };

describe('UrlSigner: AzureBlobStore SAS links on Azurite', () => {
  let az: AzuriteInstance;
  let store: AzureBlobStore;
  const content = 'METERINGPOINTID;ENERGYQUANTITY1\n571313180000000001;1.234\nÆØÅ\n';
  const path = 'exports/job-1/ga=800/a.csv';
  beforeAll(async () => {
    az = await startAzurite();
    store = AzureBlobStore.fromConnectionString(az.connectionString, 'sas');
    await store.ensureContainer();
    await store.put(path, content, 'text/csv; charset=utf-8');
    await store.put('exports/job-1/ga=800/b.csv', 'other');
  });
  afterAll(async () => {
    await az.stop();
  });
  const inAnHour = () => new Date(Date.now() + 3_600_000);

  describe('shared key (connection string)', () => {
    it('a link downloads the blob with plain fetch, no credentials', async () => {
      const url = await store.signedReadUrl(path, inAnHour());
      expect(url.startsWith(`${az.blobEndpoint}/sas/exports/job-1/`)).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe(content);
    });

    it('refuses an expired link, an absent blob, a link moved to another blob, and writing', async () => {
      expect((await fetch(await store.signedReadUrl(path, new Date(Date.now() - 60_000)))).status).toBe(403);
      expect((await fetch(await store.signedReadUrl('exports/job-1/ga=800/absent.csv', inAnHour()))).status).toBe(404);
      const moved = (await store.signedReadUrl(path, inAnHour())).replace('/a.csv?', '/b.csv?');
      expect((await fetch(moved)).status).toBe(403);
      const put = await fetch(await store.signedReadUrl(path, inAnHour()), { method: 'PUT', body: 'overwritten', headers: { 'x-ms-blob-type': 'BlockBlob' } });
      expect(put.status).toBe(403);
      expect((await store.get(path))?.toString('utf8')).toBe(content);
    });
  });

  describe('user delegation key (token credential, as with managed identity)', () => {
    const tokenStore = (keys: UserDelegationKeySource) => new AzureBlobStore(new ContainerClient(`${az.blobEndpoint}/sas`, unusedToken), keys);

    it('a link downloads the blob; concurrent links share one key that covers them', async () => {
      const calls: Array<{ startsOn: Date; expiresOn: Date }> = [];
      const signer = tokenStore(azuriteDelegationKeys(calls));
      const expiresOn = inAnHour();
      const [a, b] = await Promise.all([signer.signedReadUrl(path, expiresOn), signer.signedReadUrl('exports/job-1/ga=800/b.csv', expiresOn)]);
      expect(new URL(a).searchParams.get('skoid')).toBe('11111111-2222-3333-4444-555555555555');
      expect(new URL(a).searchParams.get('sp')).toBe('r');
      const res = await fetch(a);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe(content);
      expect(await (await fetch(b)).text()).toBe('other');
      expect(calls).toHaveLength(1);
      expect(calls[0].startsOn.getTime()).toBeLessThanOrEqual(Date.now());
      expect(calls[0].expiresOn.getTime()).toBeGreaterThanOrEqual(expiresOn.getTime());
      // a later link within the key's life reuses it; one beyond it fetches a new key
      await signer.signedReadUrl(path, new Date(Date.now() + 600_000));
      expect(calls).toHaveLength(1);
      const longer = new Date(calls[0].expiresOn.getTime() + 3_600_000);
      expect((await fetch(await signer.signedReadUrl(path, longer))).status).toBe(200);
      expect(calls).toHaveLength(2);
      expect(calls[1].expiresOn.getTime()).toBeGreaterThanOrEqual(longer.getTime());
    });

    it('the signature is verified: a wrong key, an expired link and an absent blob are refused', async () => {
      const wrong = tokenStore(azuriteDelegationKeys([], Buffer.alloc(32, 7).toString('base64')));
      expect((await fetch(await wrong.signedReadUrl(path, inAnHour()))).status).toBe(403);
      const signer = tokenStore(azuriteDelegationKeys([]));
      expect((await fetch(await signer.signedReadUrl(path, new Date(Date.now() - 60_000)))).status).toBe(403);
      expect((await fetch(await signer.signedReadUrl('exports/job-1/ga=800/absent.csv', inAnHour()))).status).toBe(404);
    });

    it('refuses links beyond the 7-day limit of user delegation keys', async () => {
      await expect(tokenStore(azuriteDelegationKeys([])).signedReadUrl(path, new Date(Date.now() + 8 * 86_400_000))).rejects.toThrow(RangeError);
    });
  });

  it('a store with neither a shared key nor a delegation key source cannot sign', async () => {
    const anonymous = new AzureBlobStore(new ContainerClient(`${az.blobEndpoint}/sas`, unusedToken));
    await expect(anonymous.signedReadUrl(path, inAnHour())).rejects.toThrow(/neither a shared key nor a token credential/);
  });
});
