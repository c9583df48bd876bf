/** Errors of the blob storage adapters (shared/storage/blob-store.ts). */

/** A blob that was expected to exist is absent (e.g. listed, then deleted before it was read). */
export class BlobNotFoundError extends Error {
  constructor(
    readonly container: string,
    readonly path: string,
  ) {
    super(`blob '${path}' not found in container '${container}'`);
    this.name = 'BlobNotFoundError';
  }
}

/** The store has no credential to sign links with (configuration: no shared key, no delegation key source). */
export class UrlSigningUnavailableError extends Error {
  constructor(readonly container: string) {
    super(`cannot sign a URL for container ${container}: the store has neither a shared key nor a token credential`);
    this.name = 'UrlSigningUnavailableError';
  }
}
