/**
 * The settlement orchestrator driven by durable-functions' own replay over synthetic
 * histories (the way the Durable extension calls it in Azure): each test hands it a history
 * and asserts the actions it decides next.
 */
import {
  DurableOrchestrationInput,
  DummyOrchestrationContext,
  createOrchestrator,
} from 'durable-functions/lib/src/util/testingUtils';
import { ExecutionStartedEvent } from 'durable-functions/lib/src/history/ExecutionStartedEvent';
import { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
import { OrchestratorStartedEvent } from 'durable-functions/lib/src/history/OrchestratorStartedEvent';
import { TaskCompletedEvent } from 'durable-functions/lib/src/history/TaskCompletedEvent';
import { TaskFailedEvent } from 'durable-functions/lib/src/history/TaskFailedEvent';
import { TaskScheduledEvent } from 'durable-functions/lib/src/history/TaskScheduledEvent';
import { TimerCreatedEvent } from 'durable-functions/lib/src/history/TimerCreatedEvent';
import { TimerFiredEvent } from 'durable-functions/lib/src/history/TimerFiredEvent';
import { SubOrchestrationInstanceCreatedEvent } from 'durable-functions/lib/src/history/SubOrchestrationInstanceCreatedEvent';
import { SubOrchestrationInstanceCompletedEvent } from 'durable-functions/lib/src/history/SubOrchestrationInstanceCompletedEvent';
import { SubOrchestrationInstanceFailedEvent } from 'durable-functions/lib/src/history/SubOrchestrationInstanceFailedEvent';
import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
import type { OrchestrationHandler } from 'durable-functions';
import { batchGroupOrchestrator } from '../../functions/durable/batch-group-orchestrator';
import { publishBackoffMs, settlementOrchestrator } from '../../functions/durable/settlement-orchestrator';
import { NAMES } from '../../shared/config/names';
import { objectContaining, stringContaining } from '../support/matchers';

const D = NAMES.durable;
const T0 = new Date('2024-02-01T06:00:00Z');
const input = { jobId: 'job-1', maxParallelBatches: 2 };
const batches = ['800', '801', '802'].map((ga) => ({
  id: `${ga}-x`,
  gridArea: ga,
  periodStart: '2024-01-31T23:00:00.000Z',
  periodEnd: '2024-02-01T23:00:00.000Z',
}));
const output = (b: { id: string }) => ({
  batchId: b.id,
  path: `jobs/job-1/energy/${b.id}.parquet`,
  rows: 10,
  counts: { grid_loss: 10 },
});

interface Action {
  actionType: number;
  functionName?: string;
  instanceId?: string;
  input?: unknown;
  retryOptions?: { firstRetryIntervalInMilliseconds: number; maxNumberOfAttempts: number };
}
interface State {
  isDone: boolean;
  actions: Action[][];
  output: unknown;
  error?: string;
  customStatus?: unknown;
}

/** Builds a history: each step is a completed (or failed) task scheduled in order. */
class History {
  private events: HistoryEvent[] = [];
  private id = 0;
  private taskId = 0;
  constructor(
    readonly name: string = D.settlementOrchestrator,
    readonly orchestrationInput: unknown = input,
  ) {
    this.events.push(new OrchestratorStartedEvent(new HistoryEventOptions(this.id++, T0)));
    this.events.push(
      new ExecutionStartedEvent({
        ...new HistoryEventOptions(this.id++, T0),
        name,
        input: JSON.stringify(orchestrationInput),
      }),
    );
  }
  child(instanceId: string): number {
    const id = this.taskId++;
    this.events.push(
      new SubOrchestrationInstanceCreatedEvent({
        ...new HistoryEventOptions(id, T0),
        name: D.batchGroupOrchestrator,
        instanceId,
      }),
    );
    return id;
  }
  childCompleted(taskScheduledId: number, result: unknown): this {
    this.events.push(
      new SubOrchestrationInstanceCompletedEvent({
        ...new HistoryEventOptions(this.id++, T0),
        taskScheduledId,
        result: JSON.stringify(result),
      }),
    );
    return this;
  }
  childFailed(taskScheduledId: number, reason: string): this {
    this.events.push(
      new SubOrchestrationInstanceFailedEvent({
        ...new HistoryEventOptions(this.id++, T0),
        taskScheduledId,
        reason,
        details: reason,
      }),
    );
    return this;
  }
  /** A new orchestrator episode (what the Durable extension starts for each batch of new messages). */
  episode(): this {
    this.events.push(new OrchestratorStartedEvent(new HistoryEventOptions(this.id++, T0)));
    return this;
  }
  scheduled(name: string): number {
    const id = this.taskId++;
    this.events.push(new TaskScheduledEvent({ ...new HistoryEventOptions(id, T0), name }));
    return id;
  }
  completed(taskScheduledId: number, result: unknown): this {
    this.events.push(
      new TaskCompletedEvent({
        ...new HistoryEventOptions(this.id++, T0),
        taskScheduledId,
        result: JSON.stringify(result),
      }),
    );
    return this;
  }
  failed(taskScheduledId: number, reason: string): this {
    this.events.push(
      new TaskFailedEvent({ ...new HistoryEventOptions(this.id++, T0), taskScheduledId, reason, details: reason }),
    );
    return this;
  }
  timer(fireAt: Date): this {
    const id = this.taskId++;
    this.events.push(new TimerCreatedEvent({ ...new HistoryEventOptions(id, T0), fireAt }));
    this.events.push(new TimerFiredEvent({ ...new HistoryEventOptions(this.id++, T0), timerId: id, fireAt }));
    return this;
  }
  step(name: string, result: unknown): this {
    return this.completed(this.scheduled(name), result);
  }
  list(): HistoryEvent[] {
    return [...this.events];
  }
}

async function run(h: History): Promise<State> {
  const handler: OrchestrationHandler =
    h.name === D.settlementOrchestrator ? settlementOrchestrator : batchGroupOrchestrator;
  const orchestrator = createOrchestrator(handler);
  const context = new DummyOrchestrationContext(h.name, 'inv', () => {});
  const id = h.name === D.settlementOrchestrator ? 'job-1' : 'job-1:800-0';
  return (await orchestrator(new DurableOrchestrationInput(id, h.list(), h.orchestrationInput), context)) as State;
}

const CALL_SUB_ORCHESTRATOR = 2;
const groupOf = (b: (typeof batches)[number]) => ({ jobId: 'job-1', batches: [b], window: 1 });

const last = (s: State) => s.actions[s.actions.length - 1];

describe('settlement orchestrator on synthetic histories', () => {
  it('starts by marking the job Started', async () => {
    const s = await run(new History());
    expect(s.isDone).toBe(false);
    expect(last(s)).toEqual([
      expect.objectContaining({ functionName: D.updateJobActivity, input: { jobId: 'job-1', status: 'Started' } }),
    ]);
  });

  it('plans, then starts one batch-group sub-orchestration per grid area, within the window', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    const s = await run(h);
    const started = last(s);
    // window 2, three one-batch groups: two start, each with a share of 1
    expect(started).toEqual([
      objectContaining({
        actionType: CALL_SUB_ORCHESTRATOR,
        functionName: D.batchGroupOrchestrator,
        instanceId: 'job-1:800-0',
        input: groupOf(batches[0]),
      }),
      objectContaining({ instanceId: 'job-1:801-0', input: groupOf(batches[1]) }),
    ]);
    expect(s.customStatus).toEqual({ doneBatches: 0, totalBatches: 3 });
  });

  it('sliding window: the next group starts as soon as any group finishes, while the other still runs', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    h.child('job-1:800-0');
    const b = h.child('job-1:801-0');
    h.episode().childCompleted(b, [output(batches[1])]);
    const s = await run(h);
    expect(s.customStatus).toEqual({ doneBatches: 1, totalBatches: 3 });
    // waits on: the still running 800 group, the 802 group started in 801's place, the progress update
    expect(last(s)).toEqual([
      objectContaining({ actionType: CALL_SUB_ORCHESTRATOR, instanceId: 'job-1:800-0' }),
      objectContaining({ actionType: CALL_SUB_ORCHESTRATOR, instanceId: 'job-1:802-0', input: groupOf(batches[2]) }),
      objectContaining({
        functionName: D.updateJobActivity,
        input: { jobId: 'job-1', progress: { doneBatches: 1, totalBatches: 3 } },
      }),
    ]);
  });

  it('groups that finished in one episode are taken at once (no Task.any over finished tasks: it would hang)', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    const a = h.child('job-1:800-0');
    const b = h.child('job-1:801-0');
    h.episode().childCompleted(b, [output(batches[1])]);
    h.child('job-1:802-0');
    const progress = h.scheduled(D.updateJobActivity);
    // one episode: group 800 ends, and so does the progress update
    h.episode()
      .childCompleted(a, [output(batches[0])])
      .completed(progress, null);
    const s = await run(h);
    expect(s.isDone).toBe(false);
    expect(s.customStatus).toEqual({ doneBatches: 2, totalBatches: 3 });
    expect(last(s)).toEqual([
      objectContaining({ instanceId: 'job-1:802-0' }),
      objectContaining({
        functionName: D.updateJobActivity,
        input: { jobId: 'job-1', progress: { doneBatches: 2, totalBatches: 3 } },
      }),
    ]);
  });

  it('fans in, reports the final progress, commits every output in plan order, publishes, completes', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    const a = h.child('job-1:800-0');
    const b = h.child('job-1:801-0');
    h.episode().childCompleted(b, [output(batches[1])]);
    const c = h.child('job-1:802-0');
    const u1 = h.scheduled(D.updateJobActivity);
    h.episode()
      .childCompleted(c, [output(batches[2])])
      .completed(u1, null);
    const u2 = h.scheduled(D.updateJobActivity);
    h.episode()
      .childCompleted(a, [output(batches[0])])
      .completed(u2, null);
    expect(last(await run(h))).toEqual([
      objectContaining({
        functionName: D.updateJobActivity,
        input: { jobId: 'job-1', progress: { doneBatches: 3, totalBatches: 3 } },
      }),
    ]);
    h.step(D.updateJobActivity, null);
    expect(last(await run(h))).toEqual([
      expect.objectContaining({
        functionName: D.commitActivity,
        input: { jobId: 'job-1', outputs: batches.map(output) },
      }),
    ]);
    h.step(D.commitActivity, { rows: 30, files: batches.map((x) => output(x).path) }).step(D.publishActivity, null);
    const done = await run(h);
    expect(done.isDone).toBe(true);
    expect(done.output).toEqual({ jobId: 'job-1', rows: 30, files: 3 });
  });

  it('a failed group (its batch retries ran out) marks the job Failed; nothing is committed', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    h.child('job-1:800-0');
    const b = h.child('job-1:801-0');
    h.episode().childFailed(
      b,
      "Orchestrator function 'SettlementBatchGroup' failed: grid area 801: missing positive grid loss",
    );
    const s = await run(h);
    expect(last(s)).toEqual([
      objectContaining({
        functionName: D.updateJobActivity,
        input: objectContaining({
          status: 'Failed',
          error: stringContaining('grid area 801: missing positive grid loss'),
        }),
      }),
    ]);
    expect(s.actions.flat().some((x) => x.functionName === D.commitActivity)).toBe(false);
  });

  it('a failing commit marks the job Failed with the reason and fails the orchestration', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, [batches[0]])
      .step(D.updateJobActivity, null);
    h.childCompleted(h.child('job-1:800-0'), [output(batches[0])]).step(D.updateJobActivity, null);
    h.failed(
      h.scheduled(D.commitActivity),
      'batch output jobs/job-1/energy/800-x.parquet is missing; refusing to commit job job-1',
    );
    const s = await run(h);
    expect(last(s)).toEqual([
      expect.objectContaining({
        functionName: D.updateJobActivity,
        input: objectContaining({
          jobId: 'job-1',
          status: 'Failed',
          error: stringContaining('refusing to commit'),
        }),
      }),
    ]);
    h.step(D.updateJobActivity, null);
    // an unhandled orchestrator error fails the invocation; its state travels in the error (the
    // Durable extension then marks the instance Failed)
    const err = await run(h).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/refusing to commit/);
    const end = JSON.parse((err as Error).message.slice((err as Error).message.indexOf('{'))) as State;
    expect(end.error).toMatch(/refusing to commit/);
    expect(end.actions.flat().some((x) => x.functionName === D.publishActivity)).toBe(false);
  });
  it('a publish failure after the commit never fails the Completed job: the event is retried until sent', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, [batches[0]])
      .step(D.updateJobActivity, null);
    h.childCompleted(h.child('job-1:800-0'), [output(batches[0])]).step(D.updateJobActivity, null);
    h.step(D.commitActivity, { rows: 10, files: [output(batches[0]).path] });
    const isFailedUpdate = (x: Action) =>
      x.functionName === D.updateJobActivity && (x.input as { status?: string }).status === 'Failed';
    // two attempts fail (topic unavailable), each followed by a backoff timer, then it recovers
    for (let attempt = 1; attempt <= 2; attempt++) {
      h.failed(h.scheduled(D.publishActivity), 'ServiceBusError: the messaging entity is unavailable');
      const waiting = await run(h);
      expect(waiting.isDone).toBe(false);
      expect(waiting.actions.flat().some(isFailedUpdate)).toBe(false);
      expect(last(waiting)).toEqual([objectContaining({ actionType: 5 })]); // CreateTimer
      expect(waiting.customStatus).toEqual(
        objectContaining({ publish: objectContaining({ attempts: attempt, retryInMs: publishBackoffMs(attempt) }) }),
      );
      h.timer(new Date(T0.getTime() + publishBackoffMs(attempt)));
      expect(last(await run(h))).toEqual([
        objectContaining({ functionName: D.publishActivity, input: { jobId: 'job-1' } }),
      ]);
    }
    h.step(D.publishActivity, null);
    const done = await run(h);
    expect(done.isDone).toBe(true);
    expect(done.output).toEqual({ jobId: 'job-1', rows: 10, files: 1 });
    expect(done.actions.flat().some(isFailedUpdate)).toBe(false);
  });

  it('publish backoff doubles from 2 s and is capped at 15 minutes', () => {
    expect([1, 2, 3, 10, 11, 50].map(publishBackoffMs)).toEqual([2000, 4000, 8000, 900_000, 900_000, 900_000]);
  });
});

describe('batch group sub-orchestration on synthetic histories (sliding window)', () => {
  const many = Array.from({ length: 7 }, (_, i) => ({ ...batches[0], id: `800-${i}` }));
  const groupInput = { jobId: 'job-1', batches: many, window: 3 };
  const scheduledBatches = (s: State) =>
    last(s)
      .filter((a) => a.functionName === D.calculateBatchActivity)
      .map((a) => (a.input as { batch: { id: string } }).batch.id);

  it('starts `window` batch activities with the batch retry options', async () => {
    const s = await run(new History(D.batchGroupOrchestrator, groupInput));
    expect(last(s)).toHaveLength(3);
    for (const [i, a] of last(s).entries()) {
      expect(a).toMatchObject({
        functionName: D.calculateBatchActivity,
        input: { jobId: 'job-1', batch: many[i] },
        retryOptions: { firstRetryIntervalInMilliseconds: 2000, maxNumberOfAttempts: 3 },
      });
    }
    expect(s.customStatus).toEqual({ doneBatches: 0, totalBatches: 7 });
  });

  it.each([1, 2, 3])(
    'never more than `window` in flight; each finish starts exactly one next batch (completion order seed %i)',
    async (seed) => {
      const h = new History(D.batchGroupOrchestrator, groupInput);
      const inFlight: Array<{ task: number; batch: string }> = [];
      let rnd = seed;
      const pick = (n: number) => {
        rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
        return rnd % n;
      };
      let s = await run(h);
      let maxInFlight = 0;
      for (let step = 0; !s.isDone; step++) {
        // the Task.any the orchestrator waits on = its batches in flight; the ones not yet known are new
        const waiting = scheduledBatches(s);
        for (const id of waiting)
          if (!inFlight.some((f) => f.batch === id))
            inFlight.push({ task: h.scheduled(D.calculateBatchActivity), batch: id });
        expect(inFlight.map((f) => f.batch).sort()).toEqual([...waiting].sort());
        maxInFlight = Math.max(maxInFlight, inFlight.length);
        // never beyond the window, and while work remains the window stays full
        expect(inFlight.length).toBe(Math.min(3, many.length - step));
        const [finished] = inFlight.splice(pick(inFlight.length), 1);
        h.episode().completed(finished.task, output({ id: finished.batch }));
        s = await run(h);
        expect(s.customStatus).toEqual({ doneBatches: step + 1, totalBatches: 7 });
      }
      expect(maxInFlight).toBe(3);
      // outputs in the group's batch order, whatever order they finished in
      expect(s.output).toEqual(many.map(output));
    },
  );
});
