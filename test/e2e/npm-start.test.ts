/**
 * `npm start` as a newcomer runs it (issue 13): `npm start -- --port N` prints where its storage
 * is; SIGTERM, SIGINT (or SIGKILL) to the npm process stops the app, tsx and Azurite (the port is free, no
 * process of its tree is left, no Azurite of its data folder runs); a start on a taken port exits
 * non-zero and leaves no Azurite behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => done(port));
    });
  });
}

/** Whether something can listen on the port again (the host released it). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

function processes(): Array<{ pid: number; ppid: number; args: string }> {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
}

/** The pid and all its descendants now. */
function tree(root: number): number[] {
  const all = processes();
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const p of all) if (p.ppid === out[i]) out.push(p.pid);
  return out;
}

/** Azurite processes persisting into this data folder (found even when orphaned to pid 1). */
const azuritesOf = (dataDir: string) =>
  processes().filter((p) => p.args.includes('azurite') && p.args.includes(join(dataDir, 'azurite')));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function npmStart(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // npm itself, as a newcomer types it (npm_execpath when jest runs under npm, else npm on PATH)
  const child = spawn('npm', ['start', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => out, exited };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start', () => {
  const dirs: string[] = [];
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const c of started) if (c.pid && alive(c.pid)) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  // SIGKILL: npm forwards nothing, the app notices its launcher is gone (local/launcher-watch.ts)
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
    '-- --port N prints its storage; %s to the npm process stops app, tsx and Azurite',
    async (signal) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
      dirs.push(dataDir);
      const port = await freePort();
      const run = npmStart(['--port', String(port), '--data-dir', dataDir, '--no-timers']);
      started.push(run.child);
      await until(() => run.output().includes('Ctrl-C stops'), 'the host to start', 45_000);
      const out = run.output();
      expect(out).toContain(`app:      http://127.0.0.1:${port}/api`);
      expect(out).toMatch(/blob {4}http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
      expect(out).toMatch(/table {3}http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
      expect(out).toContain('connection string: DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;');
      expect(out).toContain('Local storage emulator');
      expect(existsSync(join(dataDir, 'host.json'))).toBe(true);
      const pids = tree(run.child.pid as number);
      expect(pids.length).toBeGreaterThanOrEqual(3); // npm, tsx, the app (+ Azurite, esbuild)
      expect(azuritesOf(dataDir)).toHaveLength(1);
      expect(await portIsFree(port)).toBe(false);

      run.child.kill(signal);
      await run.exited;
      await until(() => pids.every((p) => !alive(p)), 'every process of the tree to exit', 15_000);
      expect(azuritesOf(dataDir)).toEqual([]);
      expect(await portIsFree(port)).toBe(true);
      expect(existsSync(join(dataDir, 'host.json'))).toBe(false);
    },
    60_000,
  );

  it('a start on a taken port exits non-zero and leaves no Azurite', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-taken-'));
    dirs.push(dataDir);
    const blocker: Server = createServer();
    const port = await new Promise<number>((done) =>
      blocker.listen(0, '127.0.0.1', () => {
        const addr = blocker.address();
        done(typeof addr === 'object' && addr ? addr.port : 0);
      }),
    );
    try {
      const run = npmStart(['--port', String(port), '--data-dir', dataDir, '--no-timers']);
      started.push(run.child);
      const code = await run.exited;
      expect(code).not.toBe(0);
      expect(run.output()).toContain(`port ${port} is in use`);
      expect(azuritesOf(dataDir)).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 60_000);
});
