/**
 * Bearer token validation with jose: signature against the issuer's JWKS (Entra: the tenant's
 * keys endpoint; locally: the dev issuer's public key), issuer, audience, exp/nbf with a small
 * clock skew, and the claims authorisation needs. Every failure is one AuthenticationError.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { ACTOR_NUMBER_RE, MARKET_ROLES, type Caller, type MarketRole } from './caller';
import { AuthenticationError } from './errors';

/** Clock skew tolerated on exp/nbf: Entra's and our clocks differ by seconds, not minutes. */
export const CLOCK_SKEW_SECONDS = 60;

/** Longest accepted subject. */
export const MAX_SUBJECT_LENGTH = 256;

/** Entra signs access tokens with RS256; the dev issuer with ES256. Anything else is refused. */
const ALGORITHMS = ['RS256', 'ES256'];

export interface TokenValidatorOptions {
  issuer: string;
  audience: string;
  /** Claim holding the market actor number (GLN/EIC). */
  actorClaim: string;
  /** Where the signing keys come from. */
  keys: { kind: 'remote'; jwksUrl: string } | { kind: 'local'; jwks: { keys: JWK[] } };
  /** For tests: the validation instant. */
  clock?: () => Date;
}

export interface Authenticator {
  /** The caller of a request from its Authorization header; throws AuthenticationError. */
  authenticate(authorization: string | null): Promise<Caller>;
}

function callerFrom(payload: JWTPayload, actorClaim: string): Caller {
  const oid = payload.oid;
  const subject = typeof oid === 'string' && oid ? oid : payload.sub;
  if (!subject) throw new AuthenticationError('the token has neither oid nor sub');
  // the subject is stored (createdByUserId, audit keys); Entra's are 36-43 characters
  if (subject.length > MAX_SUBJECT_LENGTH) throw new AuthenticationError('the token subject is too long');
  const rawRoles = payload.roles;
  if (!Array.isArray(rawRoles)) throw new AuthenticationError('the token has no roles claim');
  const roles = rawRoles.filter((r): r is MarketRole => (MARKET_ROLES as readonly unknown[]).includes(r));
  if (roles.length === 0) throw new AuthenticationError(`the token has none of the roles ${MARKET_ROLES.join(', ')}`);
  const actor = payload[actorClaim];
  if (actor !== undefined && (typeof actor !== 'string' || !ACTOR_NUMBER_RE.test(actor)))
    throw new AuthenticationError(`claim ${actorClaim} must be a 13-digit GLN or a 16-character EIC`);
  const actorNumber = typeof actor === 'string' ? actor : null;
  // every role but the administrator acts for a market actor; without one nothing could be scoped
  if (actorNumber === null && roles.some((r) => r !== 'datahub_administrator'))
    throw new AuthenticationError(`claim ${actorClaim} is required for the roles ${roles.join(', ')}`);
  return { subject, roles, actorNumber };
}

function reasonOf(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `claim ${e.claim} is invalid (${e.reason})`;
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'no signing key matches the token (unknown kid)';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'the signing algorithm is not allowed';
  if (e instanceof joseErrors.JOSEError) return `the token is invalid (${e.code})`;
  return 'the token is invalid';
}

export function tokenValidator(opts: TokenValidatorOptions): Authenticator {
  const keys =
    opts.keys.kind === 'remote' ? createRemoteJWKSet(new URL(opts.keys.jwksUrl)) : createLocalJWKSet(opts.keys.jwks);
  return {
    async authenticate(authorization) {
      if (!authorization) throw new AuthenticationError('no Authorization header', 'invalid_request');
      const m = /^Bearer\s+([A-Za-z0-9\-_.]+)\s*$/i.exec(authorization);
      if (!m) throw new AuthenticationError('the Authorization header is not a Bearer token', 'invalid_request');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(m[1], keys, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_SKEW_SECONDS,
          requiredClaims: ['exp'],
          ...(opts.clock ? { currentDate: opts.clock() } : {}),
        }));
      } catch (e) {
        throw new AuthenticationError(reasonOf(e));
      }
      return callerFrom(payload, opts.actorClaim);
    },
  };
}
