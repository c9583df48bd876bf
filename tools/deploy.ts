/**
 * `npm run deploy`: from a clone to a running Function App with the Azure CLI (README "Deploy to
 * Azure"). Steps, each printed before it runs:
 *
 *   1. the generated infra files are current (tools/infra-names.ts --check);
 *   2. `az group create`, then `az deployment group create` of infra/bicep/main.bicep (skipped with
 *      --skip-infra: the outputs of the last deployment named `main` are read instead);
 *   3. the deploy package (tools/package.ts: compiled app, assets, production node_modules, zip),
 *      loaded once as the Functions worker would load it before anything is uploaded;
 *   4. `az functionapp deployment source config-zip` of .deploy/app.zip (Flex Consumption stores it
 *      in the host account's app-package container), retried while the app identity's fresh role
 *      assignments propagate.
 *
 * `--dry-run` prints the commands without running any (az's answers are shown as <placeholders>).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { staleFiles } from './infra-names';
import { azureLikeSettings, buildPackage, missingDependencies, probePackage } from './package';

const ROOT = resolve(__dirname, '..');
const TEMPLATE = join(ROOT, 'infra', 'bicep', 'main.bicep');
const DEPLOY_DIR = join(ROOT, '.deploy');
/** The deployment name main.bicep's outputs are read back by (also in infra/bicep/README.md). */
export const DEPLOYMENT_NAME = 'main';

export class DeployUsageError extends Error {
  override name = 'DeployUsageError';
}

const optionsSchema = z.object({
  resourceGroup: z.string().min(1),
  environment: z.string().regex(/^[a-z0-9]{2,8}$/, 'environment: 2-8 lowercase letters or digits (main.bicep)'),
  authAudience: z.string().min(1),
  location: z.string().min(1).default('westeurope'),
  sqlAdminObjectId: z.string().min(1).optional(),
  sqlAdminLogin: z.string().min(1).optional(),
  sqlAdminType: z.enum(['User', 'Group', 'Application']).default('User'),
  parameters: z.array(z.string().regex(/^\w+=/, 'parameter: NAME=VALUE')).default([]),
  skipInfra: z.boolean().default(false),
  skipPackage: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});
export type DeployOptions = z.infer<typeof optionsSchema>;

export const USAGE = `usage: npm run deploy -- --resource-group RG --environment ENV --auth-audience URI [options]

  --resource-group RG        resource group (created if absent)
  --environment ENV          environment name, 2-8 lowercase letters/digits (main.bicep environmentName)
  --auth-audience URI        Application ID URI of the API app registration (main.bicep authAudience)
  --location LOC             region of a new resource group (default westeurope)
  --sql-admin-object-id ID   Entra admin of Azure SQL (default: the signed-in user)
  --sql-admin-login NAME     its login/display name (default: the signed-in user's UPN)
  --sql-admin-type T         User | Group | Application (default User)
  --parameter NAME=VALUE     another main.bicep parameter, repeatable (e.g. maxParallelBatches=200)
  --skip-infra               deploy code only, to the app of the last deployment '${DEPLOYMENT_NAME}'
  --skip-package             upload the existing .deploy/app.zip
  --dry-run                  print the commands, run none
`;

export function parseDeployArgs(argv: readonly string[]): DeployOptions | 'help' {
  const raw: Record<string, unknown> = { parameters: [] as string[] };
  const flags: Record<string, string> = {
    '--skip-infra': 'skipInfra',
    '--skip-package': 'skipPackage',
    '--dry-run': 'dryRun',
  };
  const values: Record<string, string> = {
    '--resource-group': 'resourceGroup',
    '--environment': 'environment',
    '--auth-audience': 'authAudience',
    '--location': 'location',
    '--sql-admin-object-id': 'sqlAdminObjectId',
    '--sql-admin-login': 'sqlAdminLogin',
    '--sql-admin-type': 'sqlAdminType',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (flags[a]) raw[flags[a]] = true;
    else if (values[a] || a === '--parameter') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new DeployUsageError(`${a} needs a value\n\n${USAGE}`);
      i++;
      if (a === '--parameter') (raw.parameters as string[]).push(v);
      else raw[values[a]] = v;
    } else throw new DeployUsageError(`unknown option ${a}\n\n${USAGE}`);
  }
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('\n');
    throw new DeployUsageError(`${issues}\n\n${USAGE}`);
  }
  return parsed.data;
}

/** Runs (or, dry, prints) one command; returns its stdout, or `placeholder` when dry. */
type Runner = (cmd: string, args: string[], placeholder: string) => string;

const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

function runner(dryRun: boolean, log: (line: string) => void): Runner {
  return (cmd, args, placeholder) => {
    log(`$ ${[cmd, ...args].map(quote).join(' ')}`);
    if (dryRun) return placeholder;
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  };
}

const outputsSchema = z.looseObject({
  functionAppName: z.object({ value: z.string() }),
  functionAppHostName: z.object({ value: z.string() }),
  storageAccountName: z.object({ value: z.string() }),
});

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function deploy(o: DeployOptions, log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const run = runner(o.dryRun, log);
  const stale = staleFiles();
  if (stale.length > 0)
    throw new DeployUsageError(
      `${stale.map((p) => relative(ROOT, p)).join(', ')} stale: run npx tsx tools/infra-names.ts and commit`,
    );

  let outputsJson: string;
  if (o.skipInfra) {
    outputsJson = run(
      'az',
      [
        'deployment',
        'group',
        'show',
        '-g',
        o.resourceGroup,
        '-n',
        DEPLOYMENT_NAME,
        '--query',
        'properties.outputs',
        '-o',
        'json',
      ],
      '<outputs>',
    );
  } else {
    let adminId = o.sqlAdminObjectId;
    let adminLogin = o.sqlAdminLogin;
    if (!adminId || !adminLogin) {
      const me = run(
        'az',
        ['ad', 'signed-in-user', 'show', '--query', '[id, userPrincipalName]', '-o', 'tsv'],
        '<id>\n<upn>',
      );
      const [id, upn] = me.trim().split(/\s+/);
      adminId ??= id;
      adminLogin ??= upn;
    }
    run('az', ['group', 'create', '--name', o.resourceGroup, '--location', o.location, '-o', 'none'], '');
    outputsJson = run(
      'az',
      [
        'deployment',
        'group',
        'create',
        '--resource-group',
        o.resourceGroup,
        '--name',
        DEPLOYMENT_NAME,
        '--template-file',
        relative(process.cwd(), TEMPLATE) || TEMPLATE,
        '--parameters',
        `environmentName=${o.environment}`,
        `authAudience=${o.authAudience}`,
        `sqlAdminObjectId=${adminId}`,
        `sqlAdminLogin=${adminLogin}`,
        `sqlAdminPrincipalType=${o.sqlAdminType}`,
        ...o.parameters,
        '--query',
        'properties.outputs',
        '-o',
        'json',
      ],
      '<outputs>',
    );
  }
  const outputs = o.dryRun ? null : outputsSchema.parse(JSON.parse(outputsJson));
  const app = outputs?.functionAppName.value ?? '<functionAppName>';

  const zip = join(DEPLOY_DIR, 'app.zip');
  if (o.skipPackage) {
    if (!o.dryRun && !existsSync(zip)) throw new DeployUsageError(`${zip} does not exist: run npm run package`);
  } else {
    log(`$ npm run package   # ${relative(process.cwd(), DEPLOY_DIR) || DEPLOY_DIR}/app, app.zip`);
    if (!o.dryRun) {
      const pkg = buildPackage({ outDir: DEPLOY_DIR });
      const probe = probePackage(realpathSync(pkg.dir), azureLikeSettings());
      if (probe.error) throw new Error(`the packaged entry point does not load:\n${probe.error}`);
      const missing = missingDependencies(pkg.dir, probe);
      if (missing.length > 0) throw new Error(`missing from the package: ${missing.map((m) => m.request).join(', ')}`);
      log(`  ${pkg.packages.length} production packages, ${probe.functions.length} functions register`);
    }
  }

  // a new app's identity may not yet read the package container (role assignments take minutes)
  const attempts = o.dryRun ? 1 : 5;
  for (let attempt = 1; ; attempt++) {
    try {
      run(
        'az',
        [
          'functionapp',
          'deployment',
          'source',
          'config-zip',
          '--resource-group',
          o.resourceGroup,
          '--name',
          app,
          '--src',
          relative(process.cwd(), zip) || zip,
          '--build-remote',
          'false',
        ],
        '',
      );
      break;
    } catch (e) {
      if (attempt >= attempts) throw e;
      log(
        `  zip deploy failed (attempt ${attempt}/${attempts}); role assignments may still propagate, retrying in 60 s`,
      );
      await sleep(60_000);
    }
  }
  const host = outputs?.functionAppHostName.value ?? '<functionAppHostName>';
  log(`deployed: https://${host}/api/jobs (needs a function key and an Entra token; README "Deploy to Azure")`);
  if (outputs)
    log(
      `data storage account: ${outputs.storageAccountName.value} (load the lake: infra/bicep/README.md "Loading a lake")`,
    );
}

if (require.main === module) {
  (async () => {
    const o = parseDeployArgs(process.argv.slice(2));
    if (o === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    await deploy(o);
  })().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
