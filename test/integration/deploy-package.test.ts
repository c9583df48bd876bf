/**
 * The deploy package (`npm run package`, tools/package.ts) holds what the Functions host loads:
 * package.json whose `main` exists, host.json, the compiled functions/ and shared/ with every
 * asset, every production dependency at its locked version and no development dependency. Its
 * entry point is loaded as the Node worker would load it (tools/host-probe.cjs), with the app
 * settings main.bicep sets: it must register exactly the functions the host-neutral registry
 * lists, with every module resolved inside the package.
 *
 * The package is built inside the checkout (.deploy/, ignored by git), below the checkout's own
 * node_modules: a dependency missing from the package would there be found in the checkout by
 * Node's lookup, which is exactly what the probe refuses (the last test shows it does).
 */
import { CONSOLE_FILES } from '../../tools/build-console';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import type { FunctionRegistry, OrchestrationClient } from '../../functions/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { NAMES } from '../../shared/config/names';
import { loadSettings } from '../../shared/config/settings';
import { InvariantError } from '../../shared/domain/errors';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import {
  azureLikeSettings,
  buildPackage,
  missingDependencies,
  probePackage,
  readLock,
  readManifest,
  type PackageResult,
  type ProbeResult,
} from '../../tools/package';

const ROOT = resolve(__dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Installed package folders below a node_modules folder, as lock keys (`node_modules/a/node_modules/b`). */
function installedPackages(nodeModules: string, prefix = 'node_modules/'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(nodeModules)) {
    if (name === '.bin') continue;
    if (name.startsWith('@')) {
      for (const scoped of readdirSync(join(nodeModules, name))) out.push(...visit(`${name}/${scoped}`));
    } else out.push(...visit(name));
  }
  function visit(name: string): string[] {
    const key = `${prefix}${name}`;
    const nested = join(nodeModules, name, 'node_modules');
    return [key, ...(existsSync(nested) ? installedPackages(nested, `${key}/node_modules/`) : [])];
  }
  return out.sort();
}

interface Registered {
  name: string;
  trigger: string;
  detail: Record<string, unknown>;
}

/** What the host-neutral registry registers, for the settings main.bicep sets (in memory, nothing connects). */
function expectedFunctions(): Registered[] {
  const client: OrchestrationClient = { start: () => Promise.resolve(), terminate: () => Promise.resolve() };
  const deps = buildDeps({
    settings: loadSettings(azureLikeSettings()),
    basisData: new MemoryBlobStore('basis'),
    lake: new MemoryBlobStore('lake'),
    results: new MemoryBlobStore('results'),
    jobs: new MemoryJobStore(),
    messages: new MemoryBlobStore('messages'),
    exports: new MemoryBlobStore('exports'),
    marketData: new MemoryBlobStore('market-data'),
    bus: () => {
      throw new InvariantError('not used: registration only');
    },
    integrationEvents: new MemoryIntegrationEventStore(),
    publishCompleted: () => Promise.resolve(),
    orchestrationClient: () => client,
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    catalog: new MemoryBlobStore('dataset-catalog'),
  });
  const out: Registered[] = [];
  const registry: FunctionRegistry = {
    http: (name, o) =>
      out.push({
        name,
        trigger: 'httpTrigger',
        detail: {
          route: o.route,
          methods: o.methods,
          authLevel: o.anonymous ? 'anonymous' : 'function',
          durableClient: o.durableClient === true,
        },
      }),
    timer: (name, o) => out.push({ name, trigger: 'timerTrigger', detail: { schedule: o.schedule } }),
    serviceBus: (name, o) =>
      out.push({
        name,
        trigger: 'serviceBusTrigger',
        detail: {
          ...('queue' in o.source
            ? { queueName: o.source.queue }
            : { topicName: o.source.topic, subscriptionName: o.source.subscription }),
          connection: NAMES.serviceBus.triggerConnection,
        },
      }),
    orchestration: (name) => out.push({ name, trigger: 'orchestrationTrigger', detail: {} }),
    activity: (name) => out.push({ name, trigger: 'activityTrigger', detail: {} }),
  };
  registerFunctions(registry, deps);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The same view of what the packaged entry told the (probe) host. */
function registeredByPackage(probe: ProbeResult): Registered[] {
  return probe.functions
    .map((f) => {
      const bindings = Object.values(f.bindings);
      const trigger = bindings.find((b) => b.direction === 'in' && b.type.endsWith('Trigger'));
      const t = trigger ?? { type: 'none', direction: 'in' };
      const pick = (...keys: string[]): Record<string, unknown> =>
        Object.fromEntries(keys.filter((k) => t[k] !== undefined).map((k) => [k, t[k]]));
      const detail =
        t.type === 'httpTrigger'
          ? {
              ...pick('route', 'methods', 'authLevel'),
              durableClient: bindings.some((b) => b.type === 'durableClient'),
            }
          : t.type === 'timerTrigger'
            ? pick('schedule')
            : t.type === 'serviceBusTrigger'
              ? pick('queueName', 'topicName', 'subscriptionName', 'connection')
              : {};
      return { name: f.name, trigger: t.type, detail };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe('deploy package (npm run package)', () => {
  let out: string;
  let pkg: PackageResult;

  beforeAll(() => {
    mkdirSync(join(ROOT, '.deploy'), { recursive: true });
    out = mkdtempSync(join(ROOT, '.deploy', 'test-'));
    // the zip step is checked on its own (test/unit/zip.test.ts); here the folder it zips
    pkg = buildPackage({ outDir: out, zip: false });
  }, 600_000);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('package.json: main exists in the package; dependencies as the root; no scripts, no devDependencies', () => {
    const root = readManifest(ROOT);
    const deployed = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(deployed.main).toBe(root.main);
    expect(existsSync(join(pkg.dir, root.main))).toBe(true);
    expect(deployed.dependencies).toEqual(root.dependencies);
    expect(Object.keys(deployed).sort()).toEqual([
      'dependencies',
      'description',
      'engines',
      'license',
      'main',
      'name',
      'version',
    ]);
    expect(readFileSync(join(pkg.dir, 'host.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'host.json'), 'utf8'));
  });

  it('holds a compiled .js for every source of functions/ and shared/ and every non-TypeScript asset, byte for byte', () => {
    const sources = ['functions', 'shared'].flatMap((f) => filesUnder(join(ROOT, f))).map((f) => relative(ROOT, f));
    const ts = sources.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(ts.filter((f) => !existsSync(join(pkg.dir, 'dist', f.replace(/\.ts$/, '.js'))))).toEqual([]);
    // e.g. the worker thread file is started by path (new Worker), not require()d
    expect(existsSync(join(pkg.dir, 'dist/shared/calculation/energy/parallel-worker.js'))).toBe(true);
    const assets = sources.filter((f) => !f.endsWith('.ts'));
    expect(assets.length).toBeGreaterThanOrEqual(4); // SQL migration, eSett XSD, two .proto contracts
    expect(pkg.assets.sort()).toEqual(assets.map((a) => join('dist', a)).sort());
    for (const a of assets)
      expect({ a, same: readFileSync(join(pkg.dir, 'dist', a)).equals(readFileSync(join(ROOT, a))) }).toEqual({
        a,
        same: true,
      });
    // nothing of the development folders
    expect(readdirSync(join(pkg.dir, 'dist')).sort()).toEqual(['console', 'functions', 'shared']);
    expect(readdirSync(pkg.dir).sort()).toEqual(['dist', 'host.json', 'node_modules', 'package.json']);
  });

  it('holds the built console where the compiled Console route looks for it (dist/console)', () => {
    expect(pkg.console.sort()).toEqual(CONSOLE_FILES.map((f) => join('dist', 'console', f)));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the packaged, compiled module itself
    const compiled = require(join(pkg.dir, 'dist', 'shared', 'console', 'assets.js')) as {
      DEFAULT_CONSOLE_ASSETS_DIR: string;
    };
    expect(compiled.DEFAULT_CONSOLE_ASSETS_DIR).toBe(join(pkg.dir, 'dist', 'console'));
    expect(readFileSync(join(pkg.dir, 'dist', 'console', 'index.html'), 'utf8')).toContain('src="app.js"');
  });

  it('every relative require() of the compiled code resolves to a file in the package', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of filesUnder(join(pkg.dir, 'dist')).filter((f) => f.endsWith('.js'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const target = resolve(dirname(file), m[1]);
        checked++;
        if (![target, `${target}.js`, join(target, 'index.js')].some((t) => existsSync(t)))
          missing.push(`${relative(pkg.dir, file)} → ${m[1]}`);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('node_modules: exactly the production tree of package-lock.json (npm’s own dev flags agree), at the locked versions', () => {
    const lock = readLock(ROOT);
    const installed = installedPackages(join(pkg.dir, 'node_modules'));
    expect(installed).toEqual(pkg.packages);
    // npm marks what `npm ci --omit=dev` leaves out; what it keeps (and is installed here) is what we copied
    const npmProduction = Object.entries(lock.packages)
      .filter(([k, v]) => k !== '' && !v.dev && !(v as { devOptional?: boolean }).devOptional)
      .filter(([k]) => existsSync(join(ROOT, k)))
      .map(([k]) => k)
      .sort();
    expect(installed).toEqual(npmProduction);
    for (const key of installed) {
      const version = (JSON.parse(readFileSync(join(pkg.dir, key, 'package.json'), 'utf8')) as { version: string })
        .version;
      expect({ key, version }).toEqual({ key, version: lock.packages[key].version });
    }
    const root = readManifest(ROOT);
    for (const dep of Object.keys(root.dependencies)) expect(installed).toContain(`node_modules/${dep}`);
    // no development tool; a devDependency that a production package also needs (apache-arrow →
    // @types/node) is production for npm too and stays
    const dev = Object.keys(root.devDependencies ?? {});
    for (const tool of ['jest', 'typescript', 'azurite', '@duckdb/node-api', 'eslint', 'prettier', '@swc/core']) {
      expect(dev).toContain(tool);
      expect(installed).not.toContain(`node_modules/${tool}`);
    }
    const devOnly = dev.filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
    expect(
      installed.filter((k) => devOnly.some((d) => k === `node_modules/${d}` || k.endsWith(`/node_modules/${d}`))),
    ).toEqual([]);
    expect(installed.filter((k) => lock.packages[k].dev)).toEqual([]);
  });

  it('the entry point, loaded as the Node worker loads it with the Azure app settings, registers every function', () => {
    // no FUNCTIONS_WORKER_RUNTIME: Flex Consumption refuses that setting, the entry must not need it
    const probe = probePackage(pkg.dir, azureLikeSettings());
    expect(probe.error).toBeNull();
    // only optional probes may look past the package (they fail in Azure the same way)
    expect(missingDependencies(pkg.dir, probe)).toEqual([]);
    expect([...new Set(probe.outside.map((o) => o.request))]).toEqual(['supports-color']);
    const expected = expectedFunctions();
    expect(expected.length).toBeGreaterThan(20);
    expect(registeredByPackage(probe)).toEqual(expected);
  });

  it('the probe refuses a dependency found outside the package (here: the checkout’s node_modules)', () => {
    const jose = join(pkg.dir, 'node_modules', 'jose');
    const away = join(pkg.dir, 'node_modules', '.jose-away');
    renameSync(jose, away);
    try {
      const probe = probePackage(pkg.dir, azureLikeSettings());
      const missing = missingDependencies(pkg.dir, probe);
      expect(missing.map((o) => [o.request, o.from])).toEqual([['jose', 'dist/shared/auth/token-validator.js']]);
      expect(missing[0].resolved.startsWith(realpathSync(join(ROOT, 'node_modules')))).toBe(true);
      expect(probe.error).toMatch(/'jose' .* resolves outside the package/);
      expect(probe.functions).toEqual([]);
    } finally {
      renameSync(away, jose);
    }
  });
});
