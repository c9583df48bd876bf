/**
 * Builds the settlement console (issue 17) from web/console/ with esbuild: `app.js` (the
 * TypeScript of web/console/src bundled with uPlot, minified), `app.css` (our styles and
 * uPlot's) and `index.html`, into one folder the Console route serves (shared/console/assets.ts).
 *
 *   tsx tools/build-console.ts OUT_DIR     `npm run build` (dist/console); tools/package.ts calls buildConsole
 *   ensureConsoleBuild()                    the local host and the browser tests: built on first use into
 *                                           .cache/console/<hash of the sources>/, reused while they are unchanged
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSync, version as esbuildVersion } from 'esbuild';

const ROOT = resolve(__dirname, '..');
export const CONSOLE_SOURCE_DIR = join(ROOT, 'web', 'console');
/** The files a built console holds (what the package test and the route expect). */
export const CONSOLE_FILES = ['app.css', 'app.js', 'index.html'] as const;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []))
    .sort();
}

/** Builds the console into `outDir` (replacing what was there); returns the files written. */
export function buildConsole(outDir: string): string[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: { app: join(CONSOLE_SOURCE_DIR, 'src', 'main.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    // the browsers an operator uses; Chromium of the tests is far newer
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    outdir: outDir,
    // the browser code has its own tsconfig (DOM lib); esbuild only strips the types
    tsconfig: join(CONSOLE_SOURCE_DIR, 'tsconfig.json'),
    legalComments: 'eof',
    logLevel: 'silent',
  });
  cpSync(join(CONSOLE_SOURCE_DIR, 'index.html'), join(outDir, 'index.html'));
  return filesUnder(outDir);
}

/** What a build depends on: every source file (web/console and the shared modules it imports), uPlot's and esbuild's versions. */
function sourceHash(): string {
  const h = createHash('sha256');
  const inputs = [...filesUnder(CONSOLE_SOURCE_DIR), join(ROOT, 'node_modules', 'uplot', 'package.json')];
  for (const f of inputs) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  // the browser code imports constants from shared/ (code lists, job statuses): those files count too
  for (const f of [join(ROOT, 'shared', 'domain', 'codes.ts'), join(ROOT, 'shared', 'jobs', 'job.ts')])
    h.update(relative(ROOT, f)).update('\0').update(readFileSync(f));
  h.update(esbuildVersion);
  return h.digest('hex').slice(0, 16);
}

/**
 * The console built from the current sources, in .cache/console/<hash>/ (built when missing).
 * Built into a private folder and renamed into place, so test workers building at the same time
 * never serve a half-written folder.
 */
export function ensureConsoleBuild(cacheDir = join(ROOT, '.cache', 'console')): string {
  const dir = join(cacheDir, sourceHash());
  if (existsSync(join(dir, '.complete'))) return dir;
  const work = `${dir}.${process.pid}.${Date.now()}`;
  buildConsole(work);
  writeFileSync(join(work, '.complete'), new Date().toISOString());
  try {
    renameSync(work, dir);
  } catch (e) {
    // another process put the same build in place first: keep theirs
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(dir, '.complete'))) throw e;
  }
  return dir;
}

if (require.main === module) {
  const out = resolve(process.argv[2] ?? join(ROOT, 'dist', 'console'));
  const files = buildConsole(out);
  console.log(`built the console: ${files.map((f) => relative(ROOT, f)).join(', ')}`);
}
