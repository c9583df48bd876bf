/**
 * Where a running `npm start` can be reached: `npm start` writes `.local/host.json` (its URL and
 * storage connection string) while it runs and removes it when it stops, so `npm run lake` and
 * `npm run events` find the host without copying ports (Azurite's are picked free at every start).
 * Local development only: the connection string holds Azurite's public development key.
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const DEFAULT_DATA_DIR = '.local';
export const HOST_STATE_FILE = 'host.json';

const HostStateSchema = z.object({
  url: z.string(),
  storageConnectionString: z.string(),
  pid: z.number(),
});
export type HostState = z.infer<typeof HostStateSchema>;

export function writeHostState(dataDir: string, state: HostState): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, HOST_STATE_FILE);
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
  return file;
}

export function removeHostState(dataDir: string, pid: number): void {
  // only our own file: a second host that failed to start must not remove the running one's
  if (readHostState(dataDir)?.pid === pid) rmSync(join(dataDir, HOST_STATE_FILE), { force: true });
}

/** The running host's state, or null when there is no (readable) state file or its process is gone. */
export function readHostState(dataDir: string = DEFAULT_DATA_DIR): HostState | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, HOST_STATE_FILE), 'utf8');
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = HostStateSchema.safeParse(raw);
  if (!parsed.success) return null;
  try {
    process.kill(parsed.data.pid, 0); // signal 0 only checks that the process exists
  } catch {
    return null; // a host that was killed left its file behind
  }
  return parsed.data;
}
