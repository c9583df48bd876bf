/** Typed errors of the data lake (issue 15). Each names what was wrong so an operator can fix it. */

/** A name or day that cannot be part of a lake path (it would escape or corrupt the layout). */
export class LakePathError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'LakePathError';
  }
}

/** The source registry file is invalid: every issue names its field (e.g. `sources[1].schedule.cron`). */
export class SourceRegistryError extends Error {
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`invalid lake source registry ${file}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'SourceRegistryError';
  }
}

/**
 * A source could not be read: down, refused, not found, or the transfer ended early. `retryable`
 * says whether trying again may help (a 404 of a file that is not published yet also retries).
 */
export class SourceFetchError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly retryable: boolean,
  ) {
    super(`${url}: ${reason}`);
    this.name = 'SourceFetchError';
  }
}

/** A delivered file does not have the promised shape; names the URL/file, the row or field and why. */
export class SourceFormatError extends Error {
  constructor(
    readonly url: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${url}: ${field}: ${reason}`);
    this.name = 'SourceFormatError';
  }
}
