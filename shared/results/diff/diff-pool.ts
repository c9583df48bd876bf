/**
 * Worker threads for the calculation diff (issue 17): grid areas are independent (a series never
 * spans two), so with N workers N grid areas are decoded and compared at once. Parquet decoding
 * (parquet-wasm) is most of a diff's time and runs on one thread per worker. The caller reads the
 * files (so any BlobStore works) and hands over their bytes (transferred, not copied); a worker
 * answers with the grid area's series diffs, which are small.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RowScope } from '../../auth/access';
import { InvariantError } from '../../domain/errors';
import type { DiffQuery } from './diff-filter';
import type { GridAreaDiffResult } from './diff-kernel';

export interface DiffTask {
  query: DiffQuery;
  scopes: [RowScope | undefined, RowScope | undefined];
  filesA: Uint8Array[];
  filesB: Uint8Array[];
}

export type DiffTaskReply = { ok: true; result: GridAreaDiffResult } | { ok: false; message: string };

/** Compiled, the worker is a plain file; from TypeScript sources (tsx, jest) it registers tsx first. */
function startWorker(): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'diff-worker.js'));
  const entry = JSON.stringify(join(__dirname, 'diff-worker.ts'));
  return new Worker(`require('tsx/cjs/api').register(); require(${entry});`, { eval: true });
}

export class DiffWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(w: Worker) => void> = [];
  private readonly all: Worker[] = [];

  constructor(readonly size: number) {
    for (let k = 0; k < size; k++) {
      const w = startWorker();
      this.all.push(w);
      this.idle.push(w);
    }
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async run(task: DiffTask): Promise<GridAreaDiffResult> {
    const worker = await this.acquire();
    try {
      const reply = await new Promise<DiffTaskReply>((resolve, reject) => {
        const onError = (e: Error) => {
          worker.off('message', resolve);
          reject(e);
        };
        worker.once('message', (m: DiffTaskReply) => {
          worker.off('error', onError);
          resolve(m);
        });
        worker.once('error', onError);
        const transfer = [...task.filesA, ...task.filesB].map((b) => b.buffer as ArrayBuffer);
        worker.postMessage(task, [...new Set(transfer)]);
      });
      if (!reply.ok) throw new InvariantError(`diff worker: ${reply.message}`);
      return reply.result;
    } finally {
      this.release(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
