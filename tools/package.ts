/**
 * `npm run package`: the Function App's deploy package, what `npm run deploy` (tools/deploy.ts)
 * uploads. It builds, offline and from this checkout:
 *
 *   .deploy/app/                 the folder the Functions host sees as its wwwroot
 *     package.json               name, version, main, engines, dependencies (no scripts, no devDependencies)
 *     host.json
 *     dist/functions, dist/shared   tsc output (tsconfig.build.json) + the non-TypeScript assets
 *     dist/console               the settlement console (tools/build-console.ts), served by the Console route
 *     node_modules/              the production dependency tree, copied from ./node_modules
 *   .deploy/app.zip              that folder zipped (the zip deploy payload)
 *
 * node_modules is not installed again (`npm ci --omit=dev` would need the registry and a second
 * install): the production tree is read from package-lock.json, walking the dependencies of the
 * root package the way Node resolves them, and each package folder is copied from the installed
 * node_modules, which `npm ci` made match the lock (versions are checked). devDependencies (jest,
 * typescript, azurite, @duckdb/node-api …) are therefore never reached. The packages are this
 * machine's builds: build the package on Linux x64 (as Flex Consumption runs), e.g. in CI.
 *
 * verifyPackage loads the packaged entry point in a separate Node process under
 * tools/host-probe.cjs, which records what the entry registers with the Functions runtime and
 * fails any module that resolves outside the package folder.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { writeZip } from './zip';
import { buildConsole } from './build-console';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script shared with `npm run build`
const { copyAssets } = require('./copy-assets.js') as { copyAssets: (root: string, outDir: string) => string[] };

const ROOT = resolve(__dirname, '..');

/** The folders of the app the Functions host runs (functions/ registers, shared/ holds the logic). */
export const APP_FOLDERS = ['functions', 'shared'] as const;

const lockEntrySchema = z.object({
  version: z.string().optional(),
  dev: z.boolean().optional(),
  optional: z.boolean().optional(),
  link: z.boolean().optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
  peerDependencies: z.record(z.string(), z.string()).optional(),
  peerDependenciesMeta: z.record(z.string(), z.object({ optional: z.boolean().optional() })).optional(),
});
const lockSchema = z.object({
  lockfileVersion: z.number().int().min(2),
  packages: z.record(z.string(), lockEntrySchema),
});
export type PackageLock = z.infer<typeof lockSchema>;
type LockEntry = z.infer<typeof lockEntrySchema>;

const manifestSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  license: z.string().optional(),
  main: z.string(),
  engines: z.record(z.string(), z.string()).optional(),
  dependencies: z.record(z.string(), z.string()),
  devDependencies: z.record(z.string(), z.string()).optional(),
});
export type PackageManifest = z.infer<typeof manifestSchema>;

export class PackageError extends Error {
  override name = 'PackageError';
}

export function readLock(root = ROOT): PackageLock {
  return lockSchema.parse(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')));
}

export function readManifest(root = ROOT): PackageManifest {
  return manifestSchema.parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
}

/**
 * The lock key (`node_modules/a`, `node_modules/a/node_modules/b`) that `name` resolves to from the
 * package at `from` ('' = the root), as Node looks it up: the package's own node_modules first,
 * then each enclosing one.
 */
function resolveInLock(packages: PackageLock['packages'], from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/**
 * Lock keys of every package the root's `dependencies` (and optional dependencies) need at run
 * time, transitively, with their peers; sorted. Optional packages the lock lists for other
 * platforms are included here and skipped when copying if they are not installed.
 */
export function productionPackages(lock: PackageLock): string[] {
  const { packages } = lock;
  const root = packages[''];
  if (!root) throw new PackageError('package-lock.json has no root package entry');
  const seen = new Set<string>();
  const queue: Array<{ from: string; entry: LockEntry }> = [{ from: '', entry: root }];
  while (queue.length > 0) {
    const { from, entry } = queue.shift() as { from: string; entry: LockEntry };
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const wanted: Array<[string, boolean]> = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [n, optionalPeers.has(n)]),
    ];
    for (const [name, optional] of wanted) {
      const key = resolveInLock(packages, from, name);
      if (key === null) {
        if (optional) continue;
        throw new PackageError(
          `package-lock.json: ${from || 'the root package'} needs ${name}, which it does not list`,
        );
      }
      if (seen.has(key)) continue;
      const dep = packages[key];
      if (dep.link) throw new PackageError(`${key} is a link (workspace); the packager copies installed folders only`);
      if (dep.dev)
        throw new PackageError(
          `package-lock.json marks ${key} dev-only, yet ${from || 'the root'} needs it at run time`,
        );
      seen.add(key);
      queue.push({ from: key, entry: dep });
    }
  }
  return [...seen].sort();
}

/** The package.json the host reads: what runs, nothing of development. */
export function deployManifest(m: PackageManifest): PackageManifest {
  return {
    name: m.name,
    version: m.version,
    ...(m.description ? { description: m.description } : {}),
    ...(m.license ? { license: m.license } : {}),
    main: m.main,
    ...(m.engines ? { engines: m.engines } : {}),
    dependencies: m.dependencies,
  };
}

/** Compiles functions/ and shared/ (and what they import) with tsconfig.build.json's options into `outDir`. */
function compile(root: string, work: string, outDir: string): void {
  const config = join(work, 'tsconfig.package.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: {
        rootDir: root,
        outDir,
        // the sources are not shipped, so maps would point nowhere
        sourceMap: false,
        // resolved from the checkout: this config lives outside it
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      include: APP_FOLDERS.map((f) => join(root, f)),
    }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], {
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    throw new PackageError(`tsc failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
}

/** Copies one installed package folder (without its nested node_modules: those are packages of their own). */
function copyInstalledPackage(root: string, out: string, key: string, entry: LockEntry): boolean {
  const from = join(root, key);
  if (!existsSync(from)) {
    if (entry.optional) return false; // another platform's optional binary, not installed here
    throw new PackageError(`${key} is not installed: run npm ci`);
  }
  const installed = z
    .object({ version: z.string() })
    .parse(JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')));
  if (entry.version !== undefined && installed.version !== entry.version)
    throw new PackageError(`${key} is ${installed.version}, package-lock.json says ${entry.version}: run npm ci`);
  linkTree(from, join(out, key), (name) => name !== 'node_modules');
  return true;
}

/**
 * Mirrors a folder's files by hard links (18,000 files of node_modules: copying them is most of a
 * package build), copying where linking fails (another file system). The package is only read
 * (zipped, uploaded), so sharing the installed files is safe. Symlinks are followed: one inside a
 * package would point into this checkout.
 */
function linkTree(from: string, to: string, keepTopLevel: (name: string) => boolean = () => true): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (!keepTopLevel(name)) continue;
    const src = join(from, name);
    const dst = join(to, name);
    if (statSync(src).isDirectory()) linkTree(src, dst);
    else {
      try {
        linkSync(realpathSync(src), dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}

export interface PackageResult {
  /** The package folder (the host's wwwroot). */
  dir: string;
  /** The zip of `dir`, or null when not asked for. */
  zip: string | null;
  /** Lock keys of the copied production packages. */
  packages: string[];
  /** Asset files copied next to the compiled code (relative to `dir`). */
  assets: string[];
  /** The built console's files (relative to `dir`): dist/console, where shared/console/assets.ts looks. */
  console: string[];
}

/**
 * Builds the deploy package into `outDir/app` (replacing it) and, unless `zip` is false,
 * `outDir/app.zip`.
 */
export function buildPackage(opts: { outDir: string; root?: string; zip?: boolean }): PackageResult {
  const root = opts.root ?? ROOT;
  const outDir = resolve(opts.outDir);
  const dir = join(outDir, 'app');
  const work = join(outDir, 'work');
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const manifest = readManifest(root);
  compile(root, work, join(dir, 'dist'));
  const assets = copyAssets(root, join(dir, 'dist')).map((f) => relative(dir, f));
  const consoleFiles = buildConsole(join(dir, 'dist', 'console')).map((f) => relative(dir, f));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(deployManifest(manifest), null, 2) + '\n');
  cpSync(join(root, 'host.json'), join(dir, 'host.json'));

  const lock = readLock(root);
  const packages = productionPackages(lock).filter((key) => copyInstalledPackage(root, dir, key, lock.packages[key]));
  rmSync(work, { recursive: true, force: true });

  let zip: string | null = null;
  if (opts.zip !== false) {
    zip = join(outDir, 'app.zip');
    writeZip(dir, zip);
  }
  return { dir, zip, packages, assets, console: consoleFiles };
}

/** What the Functions host was told by the packaged entry point (tools/host-probe.cjs). */
export interface ProbeResult {
  functions: Array<{
    name: string;
    bindings: Record<string, { type: string; direction: string } & Record<string, unknown>>;
  }>;
  /** Modules that resolved outside the package folder (the load failed at the first). */
  outside: Array<{ request: string; from: string; resolved: string }>;
  /** The load error, if any (stack). */
  error: string | null;
}

const probeSchema = z.object({
  functions: z.array(
    z.object({
      name: z.string(),
      bindings: z.record(z.string(), z.looseObject({ type: z.string(), direction: z.string() })),
    }),
  ),
  outside: z.array(z.object({ request: z.string(), from: z.string(), resolved: z.string() })),
  error: z.string().nullable(),
});

/**
 * Loads the package's `main` as the Node worker would, with `env` as the app settings (only
 * those, plus PATH: nothing of this shell leaks in), and reports the registered functions.
 */
export function probePackage(dir: string, env: Record<string, string>): ProbeResult {
  const out = execFileSync(process.execPath, ['--require', join(ROOT, 'tools', 'host-probe.cjs'), '-e', ''], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env, PROBE_PACKAGE_DIR: dir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const line = out.split('\n').find((l) => l.startsWith('PROBE_RESULT '));
  if (!line) throw new PackageError(`the host probe printed no result:\n${out}`);
  return probeSchema.parse(JSON.parse(line.slice('PROBE_RESULT '.length)));
}

/**
 * The modules that resolved outside the package although the code requiring them declares them as
 * a dependency it needs (the app: package.json dependencies; a package: its dependencies and
 * non-optional peers). Others are optional probes (e.g. debug's optional peer supports-color)
 * that fail in Azure as they failed here, and the requiring code carries on.
 */
export function missingDependencies(dir: string, probe: ProbeResult): ProbeResult['outside'] {
  const declaredSchema = z.object({
    dependencies: z.record(z.string(), z.string()).optional(),
    peerDependencies: z.record(z.string(), z.string()).optional(),
    peerDependenciesMeta: z.record(z.string(), z.object({ optional: z.boolean().optional() })).optional(),
  });
  return probe.outside.filter((o) => {
    // the requiring package: the last node_modules/<name> (or @scope/name) on the path, else the app
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(o.from);
    const manifest = declaredSchema.parse(JSON.parse(readFileSync(join(dir, m ? m[1] : '', 'package.json'), 'utf8')));
    const name = o.request.startsWith('@') ? o.request.split('/').slice(0, 2).join('/') : o.request.split('/')[0];
    const optionalPeer = manifest.peerDependenciesMeta?.[name]?.optional === true;
    return (
      manifest.dependencies?.[name] !== undefined || (manifest.peerDependencies?.[name] !== undefined && !optionalPeer)
    );
  });
}

/**
 * App settings as infra/bicep/main.bicep sets them (managed identity, SQL job store), with
 * placeholder resource names: enough for the composition root to build every adapter (none
 * connects before its first use).
 */
export function azureLikeSettings(): Record<string, string> {
  return {
    STORAGE_ACCOUNT_NAME: 'stdataprobe',
    SERVICEBUS_FULLY_QUALIFIED_NAMESPACE: 'sb-settle-probe.servicebus.windows.net',
    ServiceBusConnection__fullyQualifiedNamespace: 'sb-settle-probe.servicebus.windows.net',
    JOB_STORE: 'sql',
    SQL_CONNECTION_STRING:
      'Server=tcp:sql-settle-probe.database.windows.net,1433;Database=settlement;Authentication=Active Directory Integrated;Encrypt=True;',
    AUTH_ISSUER: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0',
    AUTH_JWKS_URL: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys',
    AUTH_AUDIENCE: 'api://settlement-probe',
    // as main.bicep sets them: the entry point then starts Azure Monitor, so the probe loads its whole tree
    APPLICATIONINSIGHTS_CONNECTION_STRING:
      'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://probe.in.applicationinsights.azure.com/',
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
  };
}

function main(argv: string[]): void {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help') {
      process.stdout.write(
        'usage: npm run package [-- --out DIR] [--no-zip]\n  default DIR: .deploy (DIR/app, DIR/app.zip)\n',
      );
      return;
    }
    if (a === '--no-zip') args.set('no-zip', 'true');
    else if (a === '--out' && argv[i + 1]) args.set('out', argv[++i]);
    else throw new PackageError(`unknown option ${a} (--help)`);
  }
  const started = Date.now();
  const r = buildPackage({ outDir: args.get('out') ?? join(ROOT, '.deploy'), zip: !args.has('no-zip') });
  const probe = probePackage(realpathSync(r.dir), azureLikeSettings());
  if (probe.error) throw new PackageError(`the packaged entry point does not load:\n${probe.error}`);
  const missing = missingDependencies(r.dir, probe);
  if (missing.length > 0)
    throw new PackageError(`missing from the package: ${missing.map((o) => `${o.request} (${o.from})`).join(', ')}`);
  process.stdout.write(
    `package ${relative(process.cwd(), r.dir)}: ${r.packages.length} production packages, ${r.assets.length} assets, ` +
      `${probe.functions.length} functions register\n` +
      (r.zip ? `zip ${relative(process.cwd(), r.zip)}\n` : '') +
      `${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
