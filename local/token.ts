/**
 * `npm run token -- --role energy_supplier --actor 5790000000001` prints a bearer token (as its
 * last line) that every local host from this checkout accepts. DEV ONLY: signed with the
 * committed dev key (local/dev-issuer/signing-key.json), which Azure never trusts.
 */
import { parseArgs } from 'node:util';
import { MARKET_ROLES, ACTOR_NUMBER_RE, type MarketRole } from '../shared/auth/caller';
import { mintDevToken } from './dev-issuer';

const HELP = `Usage: npm run token -- --role ROLE [--role ROLE2] [--actor GLN|EIC] [--subject ID] [--expires DURATION]

Prints a bearer token for the local host (last line of the output); use it as
  curl -H "Authorization: Bearer $(npm run -s token -- --role datahub_administrator | tail -1)" ...

  --role      one of ${MARKET_ROLES.join(', ')} (repeatable; default datahub_administrator)
  --actor     the market actor's GLN (13 digits) or EIC (16 characters); required for every role
              but datahub_administrator (e.g. 5790000000001)
  --subject   the token subject (becomes a job's createdByUserId); default dev-<role>-<actor>
  --expires   lifetime: seconds, or a number with s/m/h/d (default 8h)
  --help      this text`;

function fail(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

function seconds(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text);
  if (!m) fail(`--expires: '${text}' is not a duration (e.g. 3600, 30m, 8h, 1d)`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: 'string', multiple: true },
        actor: { type: 'string' },
        subject: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const roles = (values.role ?? ['datahub_administrator']).flatMap((r) => r.split(','));
  for (const r of roles) if (!(MARKET_ROLES as readonly string[]).includes(r)) fail(`--role: unknown role '${r}'`);
  if (values.actor !== undefined && !ACTOR_NUMBER_RE.test(values.actor))
    fail(`--actor: '${values.actor}' is not a 13-digit GLN or a 16-character EIC`);
  if (values.actor === undefined && roles.some((r) => r !== 'datahub_administrator'))
    fail(`--actor is required for the roles ${roles.join(', ')}`);
  if (values.subject !== undefined && (values.subject === '' || values.subject.length > 256))
    fail('--subject: 1 to 256 characters');
  const token = await mintDevToken({
    roles: roles as MarketRole[],
    actor: values.actor,
    subject: values.subject,
    expiresInSeconds: values.expires === undefined ? undefined : seconds(values.expires),
  });
  console.log(token);
}

void main();
