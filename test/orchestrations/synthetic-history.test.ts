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
import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
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
  constructor() {
    this.events.push(new OrchestratorStartedEvent(new HistoryEventOptions(this.id++, T0)));
    this.events.push(
      new ExecutionStartedEvent({
        ...new HistoryEventOptions(this.id++, T0),
        name: D.settlementOrchestrator,
        input: JSON.stringify(input),
      }),
    );
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
  const orchestrator = createOrchestrator(settlementOrchestrator);
  const context = new DummyOrchestrationContext(D.settlementOrchestrator, 'inv', () => {});
  return (await orchestrator(new DurableOrchestrationInput('job-1', h.list(), input), context)) as State;
}

const last = (s: State) => s.actions[s.actions.length - 1];

describe('settlement orchestrator on synthetic histories', () => {
  it('starts by marking the job Started', async () => {
    const s = await run(new History());
    expect(s.isDone).toBe(false);
    expect(last(s)).toEqual([
      expect.objectContaining({ functionName: D.updateJobActivity, input: { jobId: 'job-1', status: 'Started' } }),
    ]);
  });

  it('plans, then fans out at most maxParallelBatches batch activities with retry options', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    const s = await run(h);
    const fanOut = last(s);
    expect(fanOut).toHaveLength(2);
    for (const [i, a] of fanOut.entries()) {
      expect(a).toMatchObject({
        functionName: D.calculateBatchActivity,
        input: { jobId: 'job-1', batch: batches[i] },
        retryOptions: { firstRetryIntervalInMilliseconds: 2000, maxNumberOfAttempts: 3 },
      });
    }
    expect(s.customStatus).toEqual({ doneBatches: 0, totalBatches: 3 });
  });

  it('a failed batch attempt is not final: no Failed decision while retries remain', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    const a = h.scheduled(D.calculateBatchActivity);
    const b = h.scheduled(D.calculateBatchActivity);
    h.completed(a, output(batches[0])).failed(b, 'storage timeout');
    const s = await run(h);
    expect(s.isDone).toBe(false);
    expect(
      s.actions
        .flat()
        .some((x) => x.functionName === D.updateJobActivity && (x.input as { status?: string }).status === 'Failed'),
    ).toBe(false);
  });

  it('fans in, updates progress, commits with every output, publishes, completes', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, batches)
      .step(D.updateJobActivity, null);
    const a = h.scheduled(D.calculateBatchActivity);
    const b = h.scheduled(D.calculateBatchActivity);
    h.completed(a, output(batches[0])).completed(b, output(batches[1]));
    expect(last(await run(h))).toEqual([
      expect.objectContaining({
        functionName: D.updateJobActivity,
        input: { jobId: 'job-1', progress: { doneBatches: 2, totalBatches: 3 } },
      }),
    ]);
    h.step(D.updateJobActivity, null)
      .step(D.calculateBatchActivity, output(batches[2]))
      .step(D.updateJobActivity, null);
    const commit = await run(h);
    expect(last(commit)).toEqual([
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

  it('a failing commit marks the job Failed with the reason and fails the orchestration', async () => {
    const h = new History()
      .step(D.updateJobActivity, null)
      .step(D.planActivity, [batches[0]])
      .step(D.updateJobActivity, null);
    h.step(D.calculateBatchActivity, output(batches[0])).step(D.updateJobActivity, null);
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
    h.step(D.calculateBatchActivity, output(batches[0])).step(D.updateJobActivity, null);
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
