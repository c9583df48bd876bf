/**
 * Downloads one delivery of a source, whole or not at all: HTTP with fetch, FTP with basic-ftp.
 * A transfer that ends early (HTTP body shorter than Content-Length, FTP fewer bytes than SIZE)
 * is a retryable SourceFetchError, so a truncated file never reaches the raw zone.
 */
import { Writable } from 'node:stream';
import { Client as FtpClient, FTPError } from 'basic-ftp';
import { SourceFetchError } from './errors';

export interface Delivery {
  url: string;
  bytes: Buffer;
  contentType: string;
}

/** Fetches a URL (http(s) or ftp) completely. */
export type SourceFetcher = (url: string, timeoutMs: number) => Promise<Delivery>;

/** Credentials in a URL are not logged or stored: errors and run states show it without them. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    return u.toString();
  } catch {
    return url;
  }
}

export const fetchSource: SourceFetcher = (url, timeoutMs) =>
  /^ftp:/i.test(url) ? fetchFtp(url, timeoutMs) : fetchHttp(url, timeoutMs);

async function fetchHttp(url: string, timeoutMs: number): Promise<Delivery> {
  const shown = redactUrl(url);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (e) {
    throw new SourceFetchError(shown, `not reachable: ${causeOf(e)}`, true);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    // 5xx and 429 are the server's trouble and may pass; other 4xx will not change on retry
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new SourceFetchError(shown, `HTTP ${res.status} ${res.statusText}`, retryable);
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    // undici rejects when the connection closes before Content-Length bytes arrived
    throw new SourceFetchError(shown, `transfer ended early: ${causeOf(e)}`, true);
  }
  const declared = res.headers.get('content-length');
  const encoded = res.headers.get('content-encoding');
  if (declared !== null && !encoded && Number(declared) !== bytes.length)
    throw new SourceFetchError(shown, `transfer ended early: ${bytes.length} of ${declared} bytes`, true);
  return { url: shown, bytes, contentType: res.headers.get('content-type') ?? 'application/octet-stream' };
}

async function fetchFtp(url: string, timeoutMs: number): Promise<Delivery> {
  const shown = redactUrl(url);
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname);
  const client = new FtpClient(timeoutMs);
  try {
    try {
      await client.access({
        host: u.hostname,
        port: u.port ? Number(u.port) : 21,
        user: u.username ? decodeURIComponent(u.username) : 'anonymous',
        password: u.password ? decodeURIComponent(u.password) : 'anonymous@',
        secure: false,
      });
    } catch (e) {
      throw new SourceFetchError(shown, `not reachable: ${causeOf(e)}`, true);
    }
    let size: number;
    try {
      size = await client.size(path);
    } catch (e) {
      // 550: no such file (not published yet): the next scheduled run tries again
      const permanent = e instanceof FTPError && e.code === 550;
      throw new SourceFetchError(shown, `no file: ${causeOf(e)}`, !permanent);
    }
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    try {
      await client.downloadTo(sink, path);
    } catch (e) {
      throw new SourceFetchError(shown, `transfer failed: ${causeOf(e)}`, true);
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== size)
      throw new SourceFetchError(shown, `transfer ended early: ${bytes.length} of ${size} bytes`, true);
    return { url: shown, bytes, contentType: 'application/octet-stream' };
  } finally {
    client.close();
  }
}

function causeOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
}
