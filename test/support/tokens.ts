/**
 * Bearer tokens for tests, minted by the checkout's dev issuer (local/dev-issuer.ts) — the same
 * tokens `npm run token` prints, accepted by every local host and by testDeps' handlers.
 */
import { mintDevToken, type DevTokenOptions } from '../../local/dev-issuer';
import type { MarketRole } from '../../shared/auth/caller';

/** Administrator token (cached: minting signs with ECDSA). */
let admin: Promise<string> | null = null;
export const adminToken = (): Promise<string> => (admin ??= mintDevToken({ roles: ['datahub_administrator'] }));

export const tokenFor = (role: MarketRole, actor?: string, extra: Partial<DevTokenOptions> = {}): Promise<string> =>
  mintDevToken({ roles: [role], actor, ...extra });

/** `{ authorization: 'Bearer …' }` for fetch/HttpRequest headers. */
export async function bearer(token?: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${token ?? (await adminToken())}` };
}

/** fetch with an administrator token unless the init carries its own Authorization header. */
export async function adminFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${await adminToken()}`);
  return fetch(url, { ...init, headers });
}
