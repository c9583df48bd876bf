/**
 * The dependency direction, kept by a test: shared/ never reaches the Functions runtime or the
 * hosts, domain/ depends on nothing above it, and no import cycle exists between modules.
 * Imports are read with TypeScript's own pre-processor (type-only imports count too: a cycle of
 * types is still two modules that cannot be understood apart).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['shared', 'functions', 'local', 'cli', 'bench', 'tools'];

function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

interface Module {
  file: string;
  /** Package imports (`@azure/functions`, `node:fs`, …). */
  packages: string[];
  /** Resolved project files (relative to the root, with .ts). */
  local: string[];
}

function resolveLocal(from: string, spec: string): string {
  const base = path.join(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile()) return candidate;
  }
  return `${base} (unresolved)`;
}

const modules: Module[] = SOURCE_DIRS.flatMap(tsFiles).map((file) => {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  const specs = info.importedFiles.map((f) => f.fileName);
  return {
    file,
    packages: specs.filter((s) => !s.startsWith('.')),
    local: specs.filter((s) => s.startsWith('.')).map((s) => resolveLocal(file, s)),
  };
});
const byFile = new Map(modules.map((m) => [m.file, m]));
const under = (dir: string) => modules.filter((m) => m.file.startsWith(`${dir}/`));

const FUNCTIONS_RUNTIME = ['@azure/functions', 'durable-functions'];

describe('dependency direction', () => {
  test('the scan sees the code (guards against a vacuous pass)', () => {
    expect(under('shared').length).toBeGreaterThan(50);
    expect(under('functions').length).toBeGreaterThan(5);
    expect(modules.flatMap((m) => m.local).filter((f) => f.endsWith('(unresolved)'))).toEqual([]);
  });

  test('shared/ never imports the Functions runtime', () => {
    const offenders = under('shared').flatMap((m) =>
      m.packages
        .filter((p) => FUNCTIONS_RUNTIME.some((r) => p === r || p.startsWith(`${r}/`)))
        .map((p) => `${m.file} → ${p}`),
    );
    expect(offenders).toEqual([]);
  });

  test('shared/ never imports the hosts or the tools around it (functions/, local/, cli/, bench/, tools/)', () => {
    const offenders = under('shared').flatMap((m) =>
      m.local.filter((f) => !f.startsWith('shared/')).map((f) => `${m.file} → ${f}`),
    );
    expect(offenders).toEqual([]);
  });

  test('shared/domain/ and shared/decimal/ import nothing above them', () => {
    const foundation = (f: string) => f.startsWith('shared/domain/') || f.startsWith('shared/decimal/');
    const offenders = modules
      .filter((m) => foundation(m.file))
      .flatMap((m) => m.local.filter((f) => !foundation(f)).map((f) => `${m.file} → ${f}`));
    expect(offenders).toEqual([]);
  });

  test('integration events never depend on what is built from them (basis-data/bitemporal)', () => {
    const offenders = under('shared/integration-events').flatMap((m) =>
      m.local.filter((f) => f.startsWith('shared/basis-data/bitemporal/')).map((f) => `${m.file} → ${f}`),
    );
    expect(offenders).toEqual([]);
  });

  test('functions/ (the app) never imports local/ (a host)', () => {
    // functions/ is the app (host-neutral registrations + the Azure root); local/ is a host: it
    // may load the app, the app must never load a host
    const offenders = under('functions').flatMap((m) =>
      m.local.filter((f) => f.startsWith('local/')).map((f) => `${m.file} → ${f}`),
    );
    expect(offenders).toEqual([]);
  });

  test('no import cycles', () => {
    // Tarjan's strongly connected components over the project's module graph
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      for (const w of byFile.get(v)?.local ?? []) {
        if (!byFile.has(w)) continue;
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
        }
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) cycles.push(scc.sort());
      }
    };
    for (const m of modules) if (!idx.has(m.file)) visit(m.file);
    expect(cycles).toEqual([]);
  });
});
