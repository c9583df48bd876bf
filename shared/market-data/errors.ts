/** Errors of market data ingestion. Every one names the URL it came from, so a log line is enough to reproduce it. */

/** A response that does not have the shape the source documents: the URL, the field at fault and why. */
export class MarketDataFormatError extends Error {
  constructor(
    readonly url: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`GET ${url}: ${field || '(body)'}: ${reason}`);
    this.name = 'MarketDataFormatError';
  }
}

/** A source that could not be reached or kept failing (after the retries), or answered with an unexpected status. */
export class MarketDataFetchError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | null,
    readonly attempts: number,
    reason: string,
  ) {
    super(`GET ${url}: ${reason} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
    this.name = 'MarketDataFetchError';
  }
}
