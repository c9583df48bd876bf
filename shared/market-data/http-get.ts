/**
 * GET with a timeout and retries, for the public market data APIs. Retried: network errors,
 * timeouts, 5xx and 429 (honouring Retry-After up to the cap), with exponential backoff. Not
 * retried: 404 (the caller reads it as "no data") and other 4xx (our request is wrong; retrying
 * cannot help). The body is returned as received, bytes untouched, for the raw archive.
 */
import { MarketDataFetchError } from './errors';

export interface FetchedResponse {
  url: string;
  status: number;
  /** When the (final) response arrived, epoch ms. */
  fetchedAtMs: number;
  contentType: string | null;
  body: Buffer;
}

export interface HttpGetOptions {
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** First backoff delay; doubled per attempt. */
  retryBaseMs: number;
  /** Longest single wait (also caps Retry-After). */
  maxBackoffMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const USER_AGENT = 'settlement-platform-market-data/1 (+https://github.com/; issue 14)';
const DEFAULT_MAX_BACKOFF_MS = 60_000;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** The final response (2xx or 404; other statuses throw), after retries. */
export async function httpGet(url: string, opts: HttpGetOptions): Promise<FetchedResponse> {
  const clock = opts.clock ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const cap = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  let lastReason = '';
  let lastStatus: number | null = null;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) {
      const backoff = Math.min(cap, opts.retryBaseMs * 2 ** (attempt - 1));
      await sleep(Math.max(backoff, 0));
    }
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', 'user-agent': USER_AGENT },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      lastStatus = null;
      lastReason =
        err.name === 'TimeoutError' ? `no response within ${opts.timeoutMs} ms` : `network error: ${err.message}`;
      continue;
    }
    let body: Buffer;
    try {
      body = Buffer.from(await res.arrayBuffer());
    } catch (e) {
      lastStatus = res.status;
      lastReason = `body not received: ${(e as Error).message}`;
      continue;
    }
    if (res.ok || res.status === 404)
      return { url, status: res.status, fetchedAtMs: clock(), contentType: res.headers.get('content-type'), body };
    lastStatus = res.status;
    lastReason = `HTTP ${res.status}`;
    if (res.status === 429 || res.status >= 500) {
      const ra = retryAfterMs(res.headers.get('retry-after'), clock());
      // the server said when to come back: wait that long (capped) on top of the backoff
      if (ra !== null && attempt < opts.retries) await sleep(Math.min(cap, ra));
      continue;
    }
    throw new MarketDataFetchError(
      url,
      res.status,
      attempt + 1,
      `HTTP ${res.status}: ${body.toString('utf8', 0, 200)}`,
    );
  }
  throw new MarketDataFetchError(url, lastStatus, opts.retries + 1, lastReason);
}
