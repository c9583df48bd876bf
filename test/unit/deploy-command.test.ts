/**
 * `npm run deploy` (tools/deploy.ts) as a dry run: the az commands it would run, in order, with
 * main.bicep's required parameters and the package it uploads; bad arguments are refused with
 * the usage before anything runs.
 */
import { deploy, DeployUsageError, parseDeployArgs, type DeployOptions } from '../../tools/deploy';

const REQUIRED = ['--resource-group', 'rg-settle-dev', '--environment', 'dev', '--auth-audience', 'api://settle-dev'];

function options(extra: string[] = []): DeployOptions {
  const o = parseDeployArgs([...REQUIRED, '--dry-run', '--skip-package', ...extra]);
  if (o === 'help') throw new Error('unexpected help');
  return o;
}

async function commands(o: DeployOptions): Promise<string[]> {
  const lines: string[] = [];
  await deploy(o, (l) => lines.push(l));
  return lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
}

describe('npm run deploy --dry-run', () => {
  test('signed-in admin, group, main.bicep with the required parameters, then the zip deploy', async () => {
    const cmds = await commands(options(['--parameter', 'maxParallelBatches=200']));
    expect(cmds.map((c) => c.split(' ').slice(0, 4).join(' '))).toEqual([
      'az ad signed-in-user show',
      'az group create --name',
      'az deployment group create',
      'az functionapp deployment source',
    ]);
    const create = cmds[2];
    expect(create).toContain('--template-file infra/bicep/main.bicep');
    expect(create).toContain('--name main');
    for (const p of [
      'environmentName=dev',
      'authAudience=api://settle-dev',
      'sqlAdminPrincipalType=User',
      'maxParallelBatches=200',
    ])
      expect(create).toContain(` ${p}`);
    expect(create).toMatch(/'sqlAdminObjectId=<id>' 'sqlAdminLogin=<upn>'/);
    expect(cmds[3]).toBe(
      "az functionapp deployment source config-zip --resource-group rg-settle-dev --name '<functionAppName>' --src .deploy/app.zip --build-remote false",
    );
  });

  test('a given SQL admin is used as is; --skip-infra reads the last deployment instead of deploying', async () => {
    const given = await commands(
      options(['--sql-admin-object-id', '0000-1', '--sql-admin-login', 'sql-admins', '--sql-admin-type', 'Group']),
    );
    expect(given.some((c) => c.includes('signed-in-user'))).toBe(false);
    expect(given[1]).toContain('sqlAdminObjectId=0000-1 sqlAdminLogin=sql-admins sqlAdminPrincipalType=Group');
    const codeOnly = await commands(options(['--skip-infra']));
    expect(codeOnly.map((c) => c.split(' ').slice(0, 4).join(' '))).toEqual([
      'az deployment group show',
      'az functionapp deployment source',
    ]);
  });

  test('refuses missing or malformed arguments with the usage', () => {
    expect(() => parseDeployArgs(['--environment', 'dev'])).toThrow(DeployUsageError);
    expect(() => parseDeployArgs([...REQUIRED.slice(0, 2), '--environment', 'Dev-1', ...REQUIRED.slice(4)])).toThrow(
      /environment: 2-8 lowercase letters or digits/,
    );
    expect(() => parseDeployArgs([...REQUIRED, '--parameter', 'novalue'])).toThrow(/parameter: NAME=VALUE/);
    expect(() => parseDeployArgs([...REQUIRED, '--frobnicate'])).toThrow(/unknown option --frobnicate[\s\S]*usage:/);
    expect(parseDeployArgs(['--help'])).toBe('help');
  });
});
