/** SAS download links (exports, MessageHub bundles) are https-only on an Azure account (issue 12). */
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';

const KEY = Buffer.from('not-a-real-key-but-base64-decodable').toString('base64');

describe('signedReadUrl', () => {
  it('signs spr=https for an https account and keeps the link read-only', async () => {
    const store = AzureBlobStore.fromConnectionString(
      `DefaultEndpointsProtocol=https;AccountName=stexample;AccountKey=${KEY};EndpointSuffix=core.windows.net`,
      'basis-data-exports',
    );
    const url = new URL(await store.signedReadUrl('exports/j/ga=800/a.csv', new Date(Date.now() + 3600_000)));
    expect(url.protocol).toBe('https:');
    expect(url.searchParams.get('spr')).toBe('https');
    expect(url.searchParams.get('sp')).toBe('r');
  });

  it('allows http only for an http endpoint (Azurite on the local host)', async () => {
    const store = AzureBlobStore.fromConnectionString(
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`,
      'basis-data-exports',
    );
    const url = new URL(await store.signedReadUrl('a.csv', new Date(Date.now() + 3600_000)));
    expect(url.searchParams.get('spr')).toBe('https,http');
  });
});
