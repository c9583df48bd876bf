/**
 * The local dev token issuer (DEV ONLY). Its signing key is committed
 * (local/dev-issuer/signing-key.json), so every local host started from this checkout — `npm
 * start` or `startLocalHost(...)` in a test — trusts the tokens `npm run token` prints in any
 * other process. Nothing here is reachable from the Azure composition (functions/index.ts):
 * there the settings refuse AUTH_DEV_ISSUER and the host builds an Entra ID validator only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { DEFAULT_ACTOR_CLAIM, type MarketRole } from '../shared/auth/caller';
import { tokenValidator, type Authenticator } from '../shared/auth/token-validator';

export const DEV_ISSUER = 'https://dev-issuer.settlement.localhost';
export const DEV_AUDIENCE = 'api://settlement-platform-local';
export const DEV_KEY_PATH = join(__dirname, 'dev-issuer', 'signing-key.json');
const ALG = 'ES256';

function privateKeyJwk(): JWK {
  const doc = JSON.parse(readFileSync(DEV_KEY_PATH, 'utf8')) as JWK & { '//'?: string };
  const { '//': _note, ...jwk } = doc;
  return jwk;
}

/** The dev key's public half, as a JWKS. */
export function devJwks(): { keys: JWK[] } {
  const { kty, crv, x, y, kid, alg, use } = privateKeyJwk();
  return { keys: [{ kty, crv, x, y, kid, alg, use }] };
}

/** What the local host validates tokens with. */
export function devAuthenticator(actorClaim: string = DEFAULT_ACTOR_CLAIM, clock?: () => Date): Authenticator {
  return tokenValidator({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    actorClaim,
    keys: { kind: 'local', jwks: devJwks() },
    clock,
  });
}

export interface DevTokenOptions {
  roles: MarketRole[];
  /** GLN/EIC; required for every role but datahub_administrator. */
  actor?: string;
  /** Token subject (becomes createdByUserId); default `dev-<role>-<actor>`. */
  subject?: string;
  /** Lifetime in seconds (default 8 h); negative yields an already expired token (tests). */
  expiresInSeconds?: number;
  actorClaim?: string;
  /** Overrides for tests (wrong issuer, audience, ...). */
  issuer?: string;
  audience?: string;
  now?: Date;
}

/** A token the local host accepts, signed with the committed dev key. */
export async function mintDevToken(o: DevTokenOptions): Promise<string> {
  const jwk = privateKeyJwk();
  const key = await importJWK(jwk, ALG);
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = { roles: o.roles };
  if (o.actor !== undefined) claims[o.actorClaim ?? DEFAULT_ACTOR_CLAIM] = o.actor;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(o.issuer ?? DEV_ISSUER)
    .setAudience(o.audience ?? DEV_AUDIENCE)
    .setSubject(o.subject ?? `dev-${o.roles.join('+')}-${o.actor ?? 'datahub'}`)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (o.expiresInSeconds ?? 8 * 3600))
    .sign(key);
}
