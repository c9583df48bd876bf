import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { BlobStore } from './blob-store';

/** BlobStore over one Azure Blob container (Azurite locally, managed identity in Azure). */
export class AzureBlobStore implements BlobStore {
  constructor(private readonly client: ContainerClient) {}

  get container(): string {
    return this.client.containerName;
  }

  static fromConnectionString(connectionString: string, container: string): AzureBlobStore {
    return new AzureBlobStore(BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container));
  }

  static fromAccount(accountName: string, credential: TokenCredential, container: string): AzureBlobStore {
    return new AzureBlobStore(new BlobServiceClient(`https://${accountName}.blob.core.windows.net`, credential).getContainerClient(container));
  }

  async ensureContainer(): Promise<void> {
    await this.client.createIfNotExists();
  }

  async put(path: string, data: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await this.client.getBlockBlobClient(path).uploadData(body, {
      blockSize: 8 << 20,
      concurrency: 4,
      blobHTTPHeaders: { blobContentType: contentType },
    });
  }

  async get(path: string): Promise<Buffer | null> {
    try {
      return await this.client.getBlockBlobClient(path).downloadToBuffer(0, undefined, { blockSize: 8 << 20, concurrency: 4 });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return null;
      throw e;
    }
  }

  async exists(path: string): Promise<boolean> {
    return this.client.getBlockBlobClient(path).exists();
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const b of this.client.listBlobsFlat({ prefix })) out.push(b.name);
    return out.sort();
  }

  async listDetailed(prefix: string): Promise<Array<{ path: string; etag: string; size: number }>> {
    const out: Array<{ path: string; etag: string; size: number }> = [];
    for await (const b of this.client.listBlobsFlat({ prefix })) out.push({ path: b.name, etag: b.properties.etag ?? '', size: b.properties.contentLength ?? 0 });
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async delete(path: string): Promise<void> {
    await this.client.getBlockBlobClient(path).deleteIfExists();
  }

  async downloadPrefix(prefix: string, localDir: string): Promise<string[]> {
    const files: string[] = [];
    for (const name of await this.list(prefix)) {
      const target = join(localDir, name.slice(prefix.length).replace(/^\//, ''));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, (await this.get(name)) as Buffer);
      files.push(target);
    }
    return files;
  }
}
