/**
 * Bearer token validation (shared/auth/token-validator.ts) with tokens from the dev issuer and
 * from a second, untrusted key: valid, expired, wrong issuer/audience, bad signature, unknown
 * kid, missing role or actor, and the dev issuer refused in an Azure-like environment.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, devAuthenticator, devJwks, mintDevToken } from '../../local/dev-issuer';
import { AuthenticationError } from '../../shared/auth/errors';
import { tokenValidator } from '../../shared/auth/token-validator';
import { loadSettings, SettingsError } from '../../shared/config/settings';

const auth = devAuthenticator();
const GLN = '5790000000001';

async function reason(header: string | null): Promise<string> {
  try {
    await auth.authenticate(header);
  } catch (e) {
    if (e instanceof AuthenticationError) return e.reason;
    throw e;
  }
  return 'accepted';
}

describe('token validation', () => {
  it('accepts a dev-issuer token and maps subject, roles and actor', async () => {
    const token = await mintDevToken({ roles: ['energy_supplier'], actor: GLN, subject: 'user-42' });
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toEqual({
      subject: 'user-42',
      roles: ['energy_supplier'],
      actorNumber: GLN,
    });
  });

  it('prefers oid over sub (Entra object id)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const v = tokenValidator({
      issuer: 'https://login.microsoftonline.com/t/v2.0',
      audience: 'api://x',
      actorClaim: 'datahub_actor_number',
      keys: { kind: 'local', jwks: { keys: [jwk] } },
    });
    const token = await new SignJWT({ roles: ['datahub_administrator'], oid: 'object-id-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://login.microsoftonline.com/t/v2.0')
      .setAudience('api://x')
      .setSubject('pairwise-sub')
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(v.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ subject: 'object-id-1' });
  });

  it('rejects what must not pass, naming why', async () => {
    expect(await reason(null)).toBe('no Authorization header');
    expect(await reason('Basic dXNlcjpwYXNz')).toBe('the Authorization header is not a Bearer token');
    expect(await reason('Bearer not.a.jwt')).toMatch(/^the token is invalid/);
    const expired = await mintDevToken({ roles: ['datahub_administrator'], expiresInSeconds: -3600 });
    expect(await reason(`Bearer ${expired}`)).toBe('the token has expired');
    const wrongIssuer = await mintDevToken({ roles: ['datahub_administrator'], issuer: 'https://evil.example' });
    expect(await reason(`Bearer ${wrongIssuer}`)).toMatch(/^claim iss is invalid/);
    const wrongAudience = await mintDevToken({ roles: ['datahub_administrator'], audience: 'api://other' });
    expect(await reason(`Bearer ${wrongAudience}`)).toMatch(/^claim aud is invalid/);
    const notYet = await mintDevToken({ roles: ['datahub_administrator'], now: new Date(Date.now() + 3600_000) });
    expect(await reason(`Bearer ${notYet}`)).toMatch(/^claim (nbf|iat) is invalid/);
    const noRole = await mintDevToken({ roles: [] });
    expect(await reason(`Bearer ${noRole}`)).toMatch(/^the token has none of the roles/);
    const noActor = await mintDevToken({ roles: ['energy_supplier'] });
    expect(await reason(`Bearer ${noActor}`)).toBe(
      'claim datahub_actor_number is required for the roles energy_supplier',
    );
    const badActor = await mintDevToken({ roles: ['energy_supplier'], actor: 'x' });
    expect(await reason(`Bearer ${badActor}`)).toMatch(/must be a 13-digit GLN/);
  });

  it('tolerates a small clock skew, not a large one', async () => {
    const skewed = await mintDevToken({ roles: ['datahub_administrator'], expiresInSeconds: -30 });
    expect(await reason(`Bearer ${skewed}`)).toBe('accepted');
    const tooOld = await mintDevToken({ roles: ['datahub_administrator'], expiresInSeconds: -120 });
    expect(await reason(`Bearer ${tooOld}`)).toBe('the token has expired');
  });

  it('rejects a bad signature and an unknown kid', async () => {
    const good = await mintDevToken({ roles: ['datahub_administrator'] });
    const [h, p, sig] = good.split('.');
    const flipped = `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(await reason(`Bearer ${flipped}`)).toBe('the signature does not verify');
    // same claims signed by a key the issuer never published, under the dev key's kid and another
    const { privateKey } = await generateKeyPair('ES256');
    const forge = (kid: string) =>
      new SignJWT({ roles: ['datahub_administrator'] })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject('mallory')
        .setExpirationTime('1h')
        .sign(privateKey);
    expect(await reason(`Bearer ${await forge(devJwks().keys[0].kid as string)}`)).toBe(
      'the signature does not verify',
    );
    expect(await reason(`Bearer ${await forge('unknown-kid')}`)).toBe('no signing key matches the token (unknown kid)');
  });

  it('refuses an unsigned (alg none) token', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64({ iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub: 'x', roles: ['datahub_administrator'], exp: 9999999999 })}.`;
    expect(await reason(`Bearer ${none}`)).not.toBe('accepted');
  });
});

describe('auth settings', () => {
  const base = { STORAGE_ACCOUNT_NAME: 'acct1' };
  const entra = {
    AUTH_ISSUER: 'https://login.microsoftonline.com/tenant-1/v2.0',
    AUTH_AUDIENCE: 'api://settlement',
    AUTH_JWKS_URL: 'https://login.microsoftonline.com/tenant-1/discovery/v2.0/keys',
  };

  it('require issuer, audience and JWKS unless the dev issuer is set', () => {
    expect(() => loadSettings(base)).toThrow(/AUTH_ISSUER: required/);
    expect(loadSettings({ ...base, ...entra }).auth).toEqual({
      kind: 'entra',
      issuer: entra.AUTH_ISSUER,
      audience: entra.AUTH_AUDIENCE,
      jwksUrl: entra.AUTH_JWKS_URL,
      actorClaim: 'datahub_actor_number',
    });
    expect(() => loadSettings({ ...base, ...entra, AUTH_JWKS_URL: 'http://keys.example/jwks' })).toThrow(
      /AUTH_JWKS_URL: must be an https URL/,
    );
    expect(loadSettings({ ...base, AUTH_DEV_ISSUER: 'true' }).auth.kind).toBe('devIssuer');
  });

  it.each(['WEBSITE_SITE_NAME', 'WEBSITE_INSTANCE_ID', 'IDENTITY_ENDPOINT'])(
    'refuse the dev issuer in an Azure-like environment (%s set)',
    (marker) => {
      const env = { ...base, ...entra, AUTH_DEV_ISSUER: 'true', [marker]: 'x' };
      expect(() => loadSettings(env)).toThrow(SettingsError);
      expect(() => loadSettings(env)).toThrow(/local dev token issuer is refused in Azure/);
    },
  );

  it('the Azure composition never builds a dev-issuer host', async () => {
    const { composeAzure } = await import('../../functions/index');
    const settings = loadSettings({ ...base, AUTH_DEV_ISSUER: 'true' });
    expect(() => composeAzure(settings)).toThrow(/local dev token issuer is refused/);
  });
});
