/**
 * Loopback stand-ins for the lake's external sources (issue 15): an HTTP file server whose
 * answers a test scripts per path (status, body, a cut-off transfer, a dead port), and a real FTP
 * server (ftp-srv) serving a folder, optionally cutting a file off after half its bytes while
 * SIZE still reports the whole file — what a flaky FTP host looks like to a client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';

export type Answer =
  | { status: number; body: string | Buffer; contentType?: string }
  /** Declares the whole length, sends the first `sendBytes`, then drops the connection. */
  | { truncate: true; body: string | Buffer; sendBytes: number };

export interface FakeHttpSource {
  baseUrl: string;
  /** Answers for a path, used in order; the last one repeats. */
  script(path: string, ...answers: Answer[]): void;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeHttpSource(): Promise<FakeHttpSource> {
  const scripts = new Map<string, Answer[]>();
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(`${req.method} ${req.url}`);
    const answers = scripts.get(path);
    if (!answers || answers.length === 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const a = answers.length > 1 ? (answers.shift() as Answer) : answers[0];
    const body = 'truncate' in a ? Buffer.from(a.body) : Buffer.from(a.body);
    if ('truncate' in a) {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(body.length) });
      res.write(body.subarray(0, a.sendBytes), () => res.socket?.destroy());
      return;
    }
    res
      .writeHead(a.status, {
        'content-type': a.contentType ?? 'text/plain',
        'content-length': String(body.length),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    script: (path, ...answers) => scripts.set(path, answers),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** ftp-srv logs through bunyan to stdout by default; tests keep quiet. */
const quietLog = {
  child: () => quietLog,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
};

export interface FakeFtpSource {
  /** ftp://user:secret@127.0.0.1:port */
  baseUrl: string;
  /** Files (paths relative to the served folder) sent cut off after half their bytes. */
  truncated: Set<string>;
  logins: number;
  close(): Promise<void>;
}

/** A file system that sends only half of the files named in `truncated`. */
class CuttingFileSystem extends FileSystem {
  constructor(
    connection: FtpConnection,
    opts: { root: string; cwd: string },
    private readonly truncated: Set<string>,
  ) {
    super(connection, opts);
  }

  override async read(fileName: string, opts?: { start?: unknown }): Promise<unknown> {
    const rel = fileName.replace(/^\/+/, '');
    if (!this.truncated.has(rel)) return super.read(fileName, opts ?? {});
    const whole = await readFile(join(this.root, rel));
    return Readable.from([whole.subarray(0, Math.floor(whole.length / 2))]);
  }
}

export async function startFakeFtpSource(root: string, user = 'lake', password = 'secret'): Promise<FakeFtpSource> {
  const truncated = new Set<string>();
  const server = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    pasv_min: 40000,
    pasv_max: 49999,
    anonymous: false,
    log: quietLog,
  });
  const state = { logins: 0 };
  server.on('login', ({ connection, username, password: pw }, resolve, reject) => {
    state.logins++;
    if (username !== user || pw !== password) return reject(new Error('bad credentials'));
    resolve({ fs: new CuttingFileSystem(connection, { root, cwd: '/' }, truncated) });
  });
  await server.listen();
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    baseUrl: `ftp://${user}:${password}@127.0.0.1:${port}`,
    truncated,
    get logins() {
      return state.logins;
    },
    close: async () => {
      await (server.close() as Promise<unknown>);
    },
  };
}
