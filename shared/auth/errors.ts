/** Why a request's caller was not accepted; the HTTP adapter maps these to 401 / 403. */

/** No bearer token, or a token that does not validate (signature, issuer, audience, expiry, claims). */
export class AuthenticationError extends Error {
  constructor(
    /** Short reason for logs and the WWW-Authenticate error_description (never echoes the token). */
    readonly reason: string,
    /** RFC 6750: 'invalid_request' when no usable Authorization header, else 'invalid_token'. */
    readonly code: 'invalid_request' | 'invalid_token' = 'invalid_token',
  ) {
    super(`authentication failed: ${reason}`);
    this.name = 'AuthenticationError';
  }
}

/** A valid caller whose role does not allow the operation. */
export class ForbiddenError extends Error {
  constructor(readonly reason: string) {
    super(`forbidden: ${reason}`);
    this.name = 'ForbiddenError';
  }
}

/** The dev issuer was asked for where it must never run (an Azure environment). */
export class DevIssuerRefusedError extends Error {
  constructor(readonly marker: string) {
    super(`the local dev token issuer is refused: ${marker} is set, so this looks like an Azure environment`);
    this.name = 'DevIssuerRefusedError';
  }
}
