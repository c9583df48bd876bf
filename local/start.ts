/**
 * `npm start [-- --port N] [--data-dir DIR]`: the app on http://127.0.0.1:7071/api with Azurite
 * data under .local/ until SIGINT (Ctrl-C) or SIGTERM. Prints where its storage is and how to
 * open it, and writes .local/host.json for `npm run lake` / `npm run events`.
 */
import { parseArgs } from 'node:util';
import { startLocalHost } from './host';
import { DEFAULT_DATA_DIR, removeHostState, writeHostState } from './host-state';
import { watchLauncher } from './launcher-watch';

const HELP = `Usage: npm start [-- --port N] [--data-dir DIR] [--no-timers]

Runs the local host (HTTP functions, timers, in-process Service Bus, local Durable runtime) with
Azurite storage persisted under DIR (default ${DEFAULT_DATA_DIR}) until Ctrl-C / SIGTERM.

  --port N       HTTP port (default 7071; 0 = any free port)
  --data-dir DIR where Azurite keeps its data and host.json is written (default ${DEFAULT_DATA_DIR})
  --no-timers    do not start the scheduled settlements
  --help         this text`;

function usage(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

function options(): { port: number; dataDir: string; timers: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'no-timers': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const port = Number(values.port ?? 7071);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port: '${values.port}' is not a port number`);
  return { port, dataDir: values['data-dir'] ?? DEFAULT_DATA_DIR, timers: !values['no-timers'] };
}

async function main(): Promise<void> {
  const o = options();
  let host;
  try {
    host = await startLocalHost({ port: o.port, dataDir: o.dataDir, timers: o.timers });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      console.error(`port ${o.port} is in use (another npm start?); try npm start -- --port ${o.port + 1}`);
    else console.error(message);
    process.exit(1);
  }
  const stateFile = writeHostState(o.dataDir, {
    url: host.url,
    storageConnectionString: host.storageConnectionString,
    pid: process.pid,
  });
  const a = host.azurite;
  const port = (endpoint: string) => new URL(endpoint).port;
  console.log(
    [
      '',
      `app:      ${host.url}/api   (token: npm run -s token | tail -1)`,
      `console:  ${host.url}/   (the settlement console; sign in with that token)`,
      ...(a
        ? [
            `storage:  Azurite, data in ${o.dataDir}/azurite`,
            `  blob    ${a.blobEndpoint}`,
            `  queue   ${a.queueEndpoint}`,
            `  table   ${a.tableEndpoint}`,
          ]
        : []),
      `  connection string: ${host.storageConnectionString}`,
      ...(a
        ? [
            `  Azure Storage Explorer: Connect → "Local storage emulator", ports blob ${port(a.blobEndpoint)}, queue ${port(a.queueEndpoint)}, table ${port(a.tableEndpoint)}`,
            `  (or Connect → "Storage account or service" → "Connection string" with the string above)`,
          ]
        : []),
      `  written to ${stateFile} for npm run lake / npm run events`,
      'Ctrl-C stops the app and Azurite.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping ...`);
    removeHostState(o.dataDir, process.pid);
    // a stop that hangs (an activity that never ends) must not keep the port: give up after 10 s
    setTimeout(() => process.exit(1), 10_000).unref();
    host.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
      },
    );
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => stop(s));
  // `kill <npm pid>` never reaches this process (see launcher-watch.ts)
  watchLauncher((pid) => stop(`launcher ${pid} exited`));
}

void main();
