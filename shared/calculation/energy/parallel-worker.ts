/** Worker side of `parallel.ts`: scatter partitions into shared cells; sum period ranges. */
import { parentPort, workerData } from 'node:worker_threads';
import { readTimeSeriesFile } from '../../basis-data/parquet/lake';
import { aggregateDays, allocateAccumulators, scatterBatch } from './kernels';
import type { WorkerInit, WorkerReply, WorkerRequest } from './parallel';
import { toWireError } from './worker-errors';

const init = workerData as WorkerInit;
const dictionary = new Map(init.meteringPointIds.map((id, i) => [id, i]));
const port = parentPort;

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const t0 = performance.now();
  if (req.op === 'scatter') {
    let points = 0;
    for (const file of req.files) {
      await readTimeSeriesFile(file, init.lakeDir, dictionary, (b) => {
        scatterBatch(init.plan, init.cells, b);
        points += b.length;
      });
    }
    if (process.env.ENGINE_TRACE)
      console.error(
        `worker scatter ${req.files.length} files ${points} points ${(performance.now() - t0).toFixed(0)} ms`,
      );
    return { ok: true, op: 'scatter', points };
  }
  const acc = allocateAccumulators(init.plan.nGroups, init.plan.nSlots);
  aggregateDays(init.plan, init.cells, acc, req.d0, req.d1);
  if (process.env.ENGINE_TRACE)
    console.error(`worker aggregate ${req.d1 - req.d0} days ${(performance.now() - t0).toFixed(0)} ms`);
  return { ok: true, op: 'aggregate', acc };
}

port?.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => {
      if (reply.ok && reply.op === 'aggregate')
        port.postMessage(reply, [
          reply.acc.sum.buffer as ArrayBuffer,
          reply.acc.mask.buffer as ArrayBuffer,
          reply.acc.absSum.buffer as ArrayBuffer,
        ]);
      else port.postMessage(reply);
    },
    (e: unknown) => {
      port.postMessage({ ok: false, error: toWireError(e) } satisfies WorkerReply);
    },
  );
});
