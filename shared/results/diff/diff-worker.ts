/** Worker side of diff-pool.ts: one grid area of both jobs (their files' bytes) through the kernel. */
import { parentPort } from 'node:worker_threads';
import { appendParquetFile } from './arrow-diff-columns';
import { seriesFilter } from './diff-filter';
import { GridAreaDiff } from './diff-kernel';
import { diffSpecOf } from './diff-spec';
import type { DiffTask, DiffTaskReply } from './diff-pool';

async function handle(task: DiffTask): Promise<DiffTaskReply> {
  try {
    const diff = new GridAreaDiff(diffSpecOf(task.query.kind), [
      seriesFilter(task.query, task.scopes[0]),
      seriesFilter(task.query, task.scopes[1]),
    ]);
    for (const bytes of task.filesA) await appendParquetFile(diff, 0, bytes);
    for (const bytes of task.filesB) await appendParquetFile(diff, 1, bytes);
    return { ok: true, result: diff.finish() };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}

parentPort?.on('message', (task: DiffTask) => {
  void handle(task).then((reply) => parentPort?.postMessage(reply));
});
