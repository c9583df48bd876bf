import type { TokenCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  SASProtocol,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { BlobStore, UrlSigner } from './blob-store';
import { downloadPrefixVia } from './download-prefix';
import { UrlSigningUnavailableError } from './errors';

/**
 * Issues user delegation keys (`BlobServiceClient.getUserDelegationKey`). A function rather than
 * the client so a test can stand in for Entra ID, which Azurite only emulates over HTTPS + OAuth.
 */
export type UserDelegationKeySource = (startsOn: Date, expiresOn: Date) => Promise<UserDelegationKey>;

const MINUTE_MS = 60_000;
/** The service refuses user delegation keys that end more than 7 days from now. */
const MAX_DELEGATION_MS = 7 * 24 * 60 * MINUTE_MS;
/** Keys start a little in the past: the storage service's clock may be behind ours. */
const CLOCK_SKEW_MS = 5 * MINUTE_MS;
/** A fetched key lasts at least this long, so links signed shortly after each other share it. */
const MIN_KEY_LIFETIME_MS = 60 * MINUTE_MS;

/**
 * SAS format version the links are signed with. Pinned rather than the SDK's newest (2026-04-06,
 * which adds signed request headers/query parameters we do not use): Azure verifies it, and so
 * does Azurite 3.35, so the exact production signing path is tested locally — and an SDK
 * upgrade cannot silently change the format of links already handed out.
 */
export const SAS_VERSION = '2025-07-05';

/** BlobStore over one Azure Blob container (Azurite locally, managed identity in Azure). */
export class AzureBlobStore implements BlobStore, UrlSigner {
  private delegationKey: Promise<UserDelegationKey> | null = null;

  /**
   * `delegationKeys` is how SAS links are signed when the client has no shared key (managed
   * identity); without it, and without a shared key, `signedReadUrl` fails.
   */
  constructor(
    private readonly client: ContainerClient,
    private readonly delegationKeys: UserDelegationKeySource | null = null,
  ) {}

  get container(): string {
    return this.client.containerName;
  }

  static fromConnectionString(connectionString: string, container: string): AzureBlobStore {
    return new AzureBlobStore(BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container));
  }

  static fromAccount(accountName: string, credential: TokenCredential, container: string): AzureBlobStore {
    const service = new BlobServiceClient(`https://${accountName}.blob.core.windows.net`, credential);
    // Needs .../blobServices/generateUserDelegationKey/action: part of Storage Blob Data
    // Contributor, which the Function App's identity already has on the data account.
    return new AzureBlobStore(service.getContainerClient(container), (startsOn, expiresOn) =>
      service.getUserDelegationKey(startsOn, expiresOn),
    );
  }

  /**
   * Read-only SAS URL for one blob: signed with the account key when the store was built from a
   * connection string (Azurite's well-known dev key locally), else with a user delegation key.
   */
  async signedReadUrl(path: string, expiresOn: Date): Promise<string> {
    if (!Number.isFinite(expiresOn.getTime())) throw new RangeError('expiresOn is not a valid date');
    const blob = this.client.getBlobClient(path);
    // spr=https: a link must not work over plain http. Only Azurite (local, http-only) gets
    // https,http — an Azure account URL is always https.
    const protocol = this.client.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
    const options = {
      permissions: BlobSASPermissions.from({ read: true }),
      expiresOn,
      version: SAS_VERSION,
      protocol,
    };
    if (this.client.credential instanceof StorageSharedKeyCredential) return blob.generateSasUrl(options);
    if (this.delegationKeys) return blob.generateUserDelegationSasUrl(options, await this.userDelegationKey(expiresOn));
    throw new UrlSigningUnavailableError(this.container);
  }

  /**
   * A user delegation key valid through `expiresOn` (a SAS stops working when its key expires).
   * One key is cached and shared by concurrent callers: every key costs a round trip to Entra-
   * backed storage, and a page of download links needs the same key several times.
   */
  private async userDelegationKey(expiresOn: Date): Promise<UserDelegationKey> {
    const now = Date.now();
    const until = expiresOn.getTime();
    if (until > now + MAX_DELEGATION_MS - MINUTE_MS)
      throw new RangeError(`a user delegation SAS cannot last beyond 7 days (expiresOn ${expiresOn.toISOString()})`);
    const pending = this.delegationKey;
    if (pending) {
      const key = await pending.catch(() => null);
      if (key && key.signedStartsOn.getTime() <= now && key.signedExpiresOn.getTime() >= until) return key;
    }
    // Whole seconds: the SAS carries the key's times truncated to seconds, and the service
    // recomputes the key from those strings.
    const startsOn = new Date(Math.floor((now - CLOCK_SKEW_MS) / 1000) * 1000);
    const keyEnd = new Date(
      Math.ceil(Math.min(Math.max(until, now + MIN_KEY_LIFETIME_MS), now + MAX_DELEGATION_MS - MINUTE_MS) / 1000) *
        1000,
    );
    const request = (this.delegationKeys as UserDelegationKeySource)(startsOn, keyEnd);
    this.delegationKey = request;
    try {
      return await request;
    } catch (e) {
      if (this.delegationKey === request) this.delegationKey = null; // let the next call retry
      throw e;
    }
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
      return await this.client
        .getBlockBlobClient(path)
        .downloadToBuffer(0, undefined, { blockSize: 8 << 20, concurrency: 4 });
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
    for await (const b of this.client.listBlobsFlat({ prefix }))
      out.push({ path: b.name, etag: b.properties.etag ?? '', size: b.properties.contentLength ?? 0 });
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async delete(path: string): Promise<void> {
    await this.client.getBlockBlobClient(path).deleteIfExists();
  }

  downloadPrefix(prefix: string, localDir: string): Promise<string[]> {
    return downloadPrefixVia(this, prefix, localDir);
  }
}
