/**
 * Stops the local host when the `npm start` that launched it goes away. npm forwards SIGTERM /
 * SIGINT only to its direct child. Through the `sh -c` npm runs scripts with, they were lost (sh
 * dies of SIGTERM without passing it on and holds SIGINT until its child exits), so tsx and the
 * app stayed up with port 7071 held (issue 13). The start script therefore `exec`s tsx (npm's
 * direct child; tsx relays signals to the app), and this watch covers a launcher that dies
 * without forwarding anything (SIGKILL, a shell without exec): the app looks up its launch chain
 * once (parent, grandparent, … up to the npm process, with the POSIX `ps`) and polls whether each
 * is still alive; when one is gone it stops like on SIGTERM. Without npm in the chain (`npx tsx
 * local/start.ts`: tsx relays signals itself), or where `ps` is missing, nothing is watched.
 */
import { execFileSync } from 'node:child_process';

/** How deep to look for npm: app ← tsx ← sh ← npm is three levels; a little room beyond. */
const MAX_DEPTH = 6;
const POLL_MS = 500;

function parentOf(pid: number): { ppid: number; args: string } | null {
  try {
    const out = execFileSync('ps', ['-o', 'ppid=', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const m = /^(\d+)\s+(.*)$/s.exec(out);
    return m ? { ppid: Number(m[1]), args: m[2] } : null;
  } catch {
    return null;
  }
}

/** The processes from this one's parent up to (including) the npm that ran the script; [] if none. */
export function npmLaunchChain(): number[] {
  if (!process.env.npm_lifecycle_event) return [];
  const chain: number[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    const info = parentOf(pid);
    if (!info) return [];
    chain.push(pid);
    // npm sets its process title to `npm <command> …`; run through node it shows npm-cli.js
    if (/^npm(\s|$)|npm-cli\.js/.test(info.args)) return chain;
    pid = info.ppid;
  }
  return [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Calls `onGone` once when a process of the launch chain has exited; returns a stop function. */
export function watchLauncher(onGone: (pid: number) => void): () => void {
  const chain = npmLaunchChain();
  if (chain.length === 0) return () => {};
  const timer = setInterval(() => {
    const gone = chain.find((pid) => !alive(pid));
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
