/**
 * The real settlement orchestrator and its batch-group sub-orchestrations on the local Durable
 * runtime, with recording activities: the job-wide window of batch activities in flight holds
 * across groups, the next batch starts as soon as one finishes, progress advances during the
 * run, and no history holds one task per batch.
 */
import { batchGroupOrchestrator } from '../../functions/durable/batch-group-orchestrator';
import { settlementOrchestrator } from '../../functions/durable/settlement-orchestrator';
import { EventType } from '../../local/durable/events';
import { LocalDurableRuntime, MemoryHistoryStore } from '../../local/durable/runtime';
import { NAMES } from '../../shared/config/names';
import type { JobUpdateInput } from '../../shared/settlement/activity-contracts';
import type { Batch, BatchOutput } from '../../shared/settlement/batch';

jest.setTimeout(60_000);
const D = NAMES.durable;

interface Recorder {
  inFlight: number;
  maxInFlight: number;
  starts: Array<{ batch: string; inFlightBefore: number; t: number }>;
  progress: Array<{ doneBatches: number; totalBatches: number }>;
  committed: BatchOutput[] | undefined;
  publishAttempts: number;
  published: boolean;
  statuses: string[];
}

function plan(sizes: Record<string, number>): Batch[] {
  return Object.entries(sizes).flatMap(([ga, n]) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${ga}-${i}`,
      gridArea: ga,
      periodStart: '2024-01-31T23:00:00.000Z',
      periodEnd: '2024-02-01T23:00:00.000Z',
    })),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup(
  batches: Batch[],
  opts: { delayMs: (b: Batch) => number; failBatch?: string; publishFailures?: number; log?: (m: string) => void },
): { rt: LocalDurableRuntime; rec: Recorder; store: MemoryHistoryStore } {
  const store = new MemoryHistoryStore();
  // the runtime's pool is wider than the job's window: only the orchestrators limit it
  const rt = new LocalDurableRuntime({ store, maxConcurrentActivities: 64, log: opts.log });
  const rec: Recorder = {
    inFlight: 0,
    maxInFlight: 0,
    starts: [],
    progress: [],
    committed: undefined,
    statuses: [],
    publishAttempts: 0,
    published: false,
  };
  rt.registerOrchestrator(D.settlementOrchestrator, settlementOrchestrator);
  rt.registerOrchestrator(D.batchGroupOrchestrator, batchGroupOrchestrator);
  rt.registerActivity(D.planActivity, () => batches);
  rt.registerActivity(D.updateJobActivity, (u: JobUpdateInput) => {
    if (u.progress) rec.progress.push(u.progress);
    if (u.status) rec.statuses.push(u.status);
    return null;
  });
  rt.registerActivity(D.calculateBatchActivity, async ({ batch }: { jobId: string; batch: Batch }) => {
    rec.starts.push({ batch: batch.id, inFlightBefore: rec.inFlight, t: Date.now() });
    rec.inFlight++;
    rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
    try {
      await sleep(opts.delayMs(batch));
      if (batch.id === opts.failBatch) throw new RangeError(`grid area ${batch.gridArea}: missing positive grid loss`);
      return { batchId: batch.id, path: `jobs/job-1/energy/${batch.id}.parquet`, rows: 1, counts: { grid_loss: 1 } };
    } finally {
      rec.inFlight--;
    }
  });
  rt.registerActivity(D.commitActivity, ({ outputs }: { outputs: BatchOutput[] }) => {
    rec.committed = outputs;
    return { rows: outputs.length, files: outputs.map((o) => o.path) };
  });
  let publishFailures = opts.publishFailures ?? 0;
  rt.registerActivity(D.publishActivity, () => {
    rec.publishAttempts++;
    if (publishFailures-- > 0) throw new Error('ServiceBusError: the messaging entity is unavailable');
    rec.published = true;
    return null;
  });
  return { rt, rec, store };
}

const runtimes: LocalDurableRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

test('window 6 over 5 grid areas (one with 130 batches): never more than 6 batches in flight job-wide, and the window is used', async () => {
  const batches = plan({ '800': 130, '801': 9, '802': 3, '803': 1, '804': 17 });
  // uneven durations so batches and groups finish out of order
  const { rt, rec, store } = setup(batches, { delayMs: (b) => 2 + ((Number(b.id.split('-')[1]) * 7) % 11) });
  runtimes.push(rt);
  await rt.startNew(D.settlementOrchestrator, {
    instanceId: 'job-1',
    input: { jobId: 'job-1', maxParallelBatches: 6 },
  });
  const status = await rt.waitForCompletion('job-1', 50_000);
  expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { jobId: 'job-1', rows: 160, files: 160 } });

  expect(rec.maxInFlight).toBe(6);
  // sliding, not chunked: most batches start while others are still running
  expect(rec.starts.filter((s) => s.inFlightBefore > 0).length).toBeGreaterThan(batches.length * 0.8);
  // every batch once, outputs in plan order
  expect(rec.committed?.map((o) => o.batchId)).toEqual(batches.map((b) => b.id));
  expect(new Set(rec.starts.map((s) => s.batch)).size).toBe(batches.length);
  // progress advanced in steps during the run, monotonic, to the total
  const done = rec.progress.map((p) => p.doneBatches);
  expect(done.length).toBeGreaterThanOrEqual(10);
  expect([...done].sort((a, b) => a - b)).toEqual(done);
  expect(done[done.length - 1]).toBe(160);

  // no history holds one task per batch: the parent holds groups, each group ≤ 100 batches
  const histories = await Promise.all(
    (await store.listInstances()).map(async (v) => ({
      id: v.instance.instanceId,
      h: await store.loadHistory(v.instance),
    })),
  );
  const parent = histories.find((x) => x.id === 'job-1');
  const groups = parent?.h.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated) ?? [];
  expect(groups.length).toBeGreaterThan(5);
  expect(
    parent?.h.filter((e) => e.EventType === EventType.TaskScheduled && e.Name === D.calculateBatchActivity),
  ).toEqual([]);
  for (const x of histories.filter((y) => y.id !== 'job-1')) {
    const scheduled = x.h.filter((e) => e.EventType === EventType.TaskScheduled);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled.length).toBeLessThanOrEqual(100);
  }
});

test('window 1: strictly one batch at a time', async () => {
  const batches = plan({ '800': 4, '801': 3 });
  const { rt, rec } = setup(batches, { delayMs: () => 3 });
  runtimes.push(rt);
  await rt.startNew(D.settlementOrchestrator, {
    instanceId: 'job-1',
    input: { jobId: 'job-1', maxParallelBatches: 1 },
  });
  expect(await rt.waitForCompletion('job-1', 30_000)).toMatchObject({ runtimeStatus: 'Completed' });
  expect(rec.maxInFlight).toBe(1);
  expect(rec.committed).toHaveLength(7);
});

test('a batch that keeps failing fails its group; the job is marked Failed and nothing is committed', async () => {
  const batches = plan({ '800': 2, '801': 2 });
  const { rt, rec } = setup(batches, { delayMs: () => 1, failBatch: '801-1' });
  runtimes.push(rt);
  await rt.startNew(D.settlementOrchestrator, {
    instanceId: 'job-1',
    input: { jobId: 'job-1', maxParallelBatches: 4 },
  });
  const status = await rt.waitForCompletion('job-1', 30_000);
  expect(status.runtimeStatus).toBe('Failed');
  expect(String(status.output)).toContain('grid area 801: missing positive grid loss');
  expect(rec.statuses).toEqual(['Started', 'Executing', 'Failed']);
  expect(rec.committed).toBeUndefined();
  // the batch was tried three times (BATCH_RETRY) before its group failed
  expect(rec.starts.filter((s) => s.batch === '801-1')).toHaveLength(3);
});

test('publishing fails twice after the commit, then recovers: the orchestration completes with the event sent', async () => {
  const batches = plan({ '800': 2 });
  const { rt, rec } = setup(batches, { delayMs: () => 1, publishFailures: 2 });
  runtimes.push(rt);
  await rt.startNew(D.settlementOrchestrator, {
    instanceId: 'job-1',
    input: { jobId: 'job-1', maxParallelBatches: 2 },
  });
  // durable timers back off 2 s, then 4 s between the attempts
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      void rt.getStatus('job-1').then((st) => {
        const publish = (st?.customStatus as { publish?: { attempts: number } } | null)?.publish;
        if (publish?.attempts === 1) {
          clearInterval(poll);
          resolve();
        }
      }, reject);
    }, 20);
  });
  expect(rec.committed).toHaveLength(2);
  expect(rec.published).toBe(false);
  const status = await rt.waitForCompletion('job-1', 20_000);
  expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { jobId: 'job-1', files: 2 } });
  expect(rec.publishAttempts).toBe(3);
  expect(rec.published).toBe(true);
  // the job was never marked Failed (Completed is the commit's own transition)
  expect(rec.statuses).toEqual(['Started', 'Executing']);
});
