/**
 * Azurite (the Azure Storage emulator, from npm) as a child process: Blob, Queue and Table on
 * loopback. Ports 0 = pick free ports (tests); `location` = persist under a folder (local host),
 * else in memory. Spawned with node directly (not npx) so SIGTERM really stops it, and with an
 * IPC channel it watches: when its parent dies in any way (SIGKILL, a crash, a killed jest
 * worker) the channel closes and Azurite stops itself, so no orphan keeps its ports and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const AZURITE_START_TIMEOUT_MS = 60_000;
import { join } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  /** Process id of the Azurite child (tests check it is gone after a stop). */
  pid: number;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Folder for persisted data; omitted = in memory. */
  location?: string;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
}

export function connectionStringFor(blob: string, queue: string, table: string): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${blob};QueueEndpoint=${queue};TableEndpoint=${table};`
  );
}

/**
 * Runs Azurite's entry script (argv[1]) and stops it when the parent's IPC channel closes. The
 * channel is unref'd so that it does not keep Azurite alive after its own SIGTERM shutdown.
 */
const PARENT_WATCHDOG =
  "process.channel.unref(); process.on('disconnect', () => process.kill(process.pid, 'SIGTERM')); require(process.argv[1]);";

export async function startAzurite(opts: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const script = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'azurite.js');
  const args = [
    script,
    '--blobHost',
    '127.0.0.1',
    '--queueHost',
    '127.0.0.1',
    '--tableHost',
    '127.0.0.1',
    '--blobPort',
    String(opts.blobPort ?? 0),
    '--queuePort',
    String(opts.queuePort ?? 0),
    '--tablePort',
    String(opts.tablePort ?? 0),
    // current SDKs send API versions newer than Azurite 3.35 knows (parquet-bench.md)
    '--skipApiVersionCheck',
    '--disableProductStyleUrl',
  ];
  if (opts.location) {
    mkdirSync(opts.location, { recursive: true });
    args.push('--location', opts.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  // argv as if `node azurite.js ARGS` (Azurite parses process.argv from index 2); on 'disconnect'
  // it gets SIGTERM, so its own handler closes the servers and flushes persisted data
  const child: ChildProcess = spawn(process.execPath, ['-e', PARENT_WATCHDOG, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const endpoints: Record<string, string> = {};
  let output = '';
  await new Promise<void>((resolve, reject) => {
    // generous: on an oversubscribed machine (2 cores, several test workers) a start took > 20 s
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // not left running half-started
      reject(new Error(`Azurite did not start within ${AZURITE_START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, AZURITE_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const m of output.matchAll(
        /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/[\d.]+:\d+)/g,
      )) {
        endpoints[m[1]] = m[2];
      }
      if (endpoints.Blob && endpoints.Queue && endpoints.Table) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  const blob = `${endpoints.Blob}/${AZURITE_ACCOUNT}`;
  const queue = `${endpoints.Queue}/${AZURITE_ACCOUNT}`;
  const table = `${endpoints.Table}/${AZURITE_ACCOUNT}`;
  return {
    pid: child.pid as number,
    blobEndpoint: blob,
    queueEndpoint: queue,
    tableEndpoint: table,
    connectionString: connectionStringFor(blob, queue, table),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
