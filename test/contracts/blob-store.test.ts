/**
 * Runs the BlobStore and UrlSigner contracts (blob-store.contract.ts) against every store:
 * AzureBlobStore on Azurite and MemoryBlobStore. Azure's user delegation keys (managed identity)
 * are Azure-only and tested here against Azurite's verification of the signatures.
 */
import { createHmac } from 'node:crypto';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { ContainerClient, type UserDelegationKey } from '@azure/storage-blob';
import { AzureBlobStore, type UserDelegationKeySource } from '../../shared/storage/azure-blob-store';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { blobStoreContract, urlSignerContract, type UrlSignerUnderTest } from './blob-store.contract';

/** Follows a SAS link with plain fetch, no credentials. */
const overHttp: UrlSignerUnderTest['open'] = async (url, method = 'GET') => {
  const res = await fetch(
    url,
    method === 'PUT' ? { method: 'PUT', body: 'overwritten', headers: { 'x-ms-blob-type': 'BlockBlob' } } : {},
  );
  const body = Buffer.from(await res.arrayBuffer());
  return res.ok
    ? { status: res.status, body, contentType: res.headers.get('content-type') }
    : { status: res.status, body: null, contentType: null };
};

describe('MemoryBlobStore', () => {
  let n = 0;
  blobStoreContract('BlobStore contract', () => Promise.resolve(new MemoryBlobStore(`contract-${++n}`)));
  urlSignerContract('UrlSigner contract', () => {
    const store = new MemoryBlobStore('sas');
    return Promise.resolve({ store, open: (url, method) => store.openSignedUrl(url, method) });
  });

  it('links of one store do not open in another', async () => {
    const a = new MemoryBlobStore('sas');
    const b = new MemoryBlobStore('sas');
    await a.put('x', 'a');
    await b.put('x', 'b');
    const url = await a.signedReadUrl('x', new Date(Date.now() + 60_000));
    expect(await a.openSignedUrl(url)).toMatchObject({ status: 200 });
    expect(await b.openSignedUrl(url)).toMatchObject({ status: 403, body: null });
  });

  it('checks expiry against its clock', async () => {
    let now = new Date('2024-01-01T10:00:00Z');
    const store = new MemoryBlobStore('sas', { baseUrl: 'http://127.0.0.1:7071/blobs', clock: () => now });
    await store.put('a/b c.csv', 'x', 'text/csv');
    const url = await store.signedReadUrl('a/b c.csv', new Date('2024-01-01T11:00:00Z'));
    expect(url.startsWith('http://127.0.0.1:7071/blobs/a/b%20c.csv?')).toBe(true);
    expect(await store.openSignedUrl(url)).toEqual({ status: 200, body: Buffer.from('x'), contentType: 'text/csv' });
    now = new Date('2024-01-01T11:00:00Z');
    expect((await store.openSignedUrl(url)).status).toBe(403);
  });
});

/**
 * Azurite's stand-in for Entra ID's user delegation keys: Azurite derives the key from the
 * key's fields with a published constant (azurite/dist/src/blob/utils/utils.js
 * getUserDelegationKeyValue, constants.js USERDELEGATIONKEY_BASIC_KEY) and checks SAS
 * signatures against it. Its own getUserDelegationKey needs OAuth over HTTPS, so the test issues
 * the same keys locally and Azurite still verifies every signature for real.
 */
const AZURITE_UDK_BASIC_KEY =
  'I17GKLvcJUossaebtsEDZZ2RJ8GNLwLH4m7hRMxbVbkx6wNIRAABj4Rtw0FBhFuEAgmbL4gFMzUw+AStz9Sqdg==';
function azuriteDelegationKeys(
  calls: Array<{ startsOn: Date; expiresOn: Date }>,
  keyValue?: string,
): UserDelegationKeySource {
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (startsOn, expiresOn): Promise<UserDelegationKey> => {
    calls.push({ startsOn, expiresOn });
    const oid = '11111111-2222-3333-4444-555555555555';
    const tid = '66666666-7777-8888-9999-000000000000';
    const version = '2025-11-05';
    const value =
      keyValue ??
      createHmac('sha256', AZURITE_UDK_BASIC_KEY)
        .update([oid, tid, iso(startsOn), iso(expiresOn), 'b', version].join('\n'), 'utf8')
        .digest('base64');
    return Promise.resolve({
      signedObjectId: oid,
      signedTenantId: tid,
      signedStartsOn: startsOn,
      signedExpiresOn: expiresOn,
      signedService: 'b',
      signedVersion: version,
      value,
    });
  };
}

/** A token credential that is never asked for a token: signing with a delegation key is local. */
const unusedToken = {
  getToken: () => Promise.resolve({ token: 'unused', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

describe('AzureBlobStore on Azurite', () => {
  let az: AzuriteInstance;
  let n = 0;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az.stop();
  });

  blobStoreContract('BlobStore contract', async () => {
    const store = AzureBlobStore.fromConnectionString(az.connectionString, `contract-${++n}`);
    await store.ensureContainer();
    return store;
  });

  urlSignerContract('UrlSigner contract (shared key, connection string)', async () => {
    const store = AzureBlobStore.fromConnectionString(az.connectionString, 'sas');
    await store.ensureContainer();
    return { store, open: overHttp };
  });

  describe('UrlSigner: SAS links', () => {
    let store: AzureBlobStore;
    const content = 'METERINGPOINTID;ENERGYQUANTITY1\n571313180000000001;1.234\nÆØÅ\n';
    const path = 'exports/job-1/ga=800/a.csv';
    beforeAll(async () => {
      store = AzureBlobStore.fromConnectionString(az.connectionString, 'sas-udk');
      await store.ensureContainer();
      await store.put(path, content, 'text/csv; charset=utf-8');
      await store.put('exports/job-1/ga=800/b.csv', 'other');
    });
    const inAnHour = () => new Date(Date.now() + 3_600_000);

    it('a shared-key link is a URL of the blob on the account endpoint', async () => {
      const url = await store.signedReadUrl(path, inAnHour());
      expect(url.startsWith(`${az.blobEndpoint}/sas-udk/exports/job-1/`)).toBe(true);
    });

    describe('user delegation key (token credential, as with managed identity)', () => {
      const tokenStore = (keys: UserDelegationKeySource) =>
        new AzureBlobStore(new ContainerClient(`${az.blobEndpoint}/sas-udk`, unusedToken), keys);

      it('a link downloads the blob; concurrent links share one key that covers them', async () => {
        const calls: Array<{ startsOn: Date; expiresOn: Date }> = [];
        const signer = tokenStore(azuriteDelegationKeys(calls));
        const expiresOn = inAnHour();
        const [a, b] = await Promise.all([
          signer.signedReadUrl(path, expiresOn),
          signer.signedReadUrl('exports/job-1/ga=800/b.csv', expiresOn),
        ]);
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
        expect((await fetch(await signer.signedReadUrl('exports/job-1/ga=800/absent.csv', inAnHour()))).status).toBe(
          404,
        );
      });

      it('refuses links beyond the 7-day limit of user delegation keys', async () => {
        await expect(
          tokenStore(azuriteDelegationKeys([])).signedReadUrl(path, new Date(Date.now() + 8 * 86_400_000)),
        ).rejects.toThrow(RangeError);
      });
    });

    it('a store with neither a shared key nor a delegation key source cannot sign', async () => {
      const anonymous = new AzureBlobStore(new ContainerClient(`${az.blobEndpoint}/sas-udk`, unusedToken));
      await expect(anonymous.signedReadUrl(path, inAnHour())).rejects.toThrow(
        /neither a shared key nor a token credential/,
      );
      await expect(anonymous.signedReadUrl(path, inAnHour())).rejects.toMatchObject({
        name: 'UrlSigningUnavailableError',
        container: 'sas-udk',
      });
    });
  });
});
