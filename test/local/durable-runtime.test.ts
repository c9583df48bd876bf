/**
 * LocalDurableRuntime: durable-functions orchestrators and activities replayed by the library's
 * own executor, over MemoryHistoryStore and over TableHistoryStore on Azurite.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { InvocationContext } from '@azure/functions';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { EventType, type StoredEvent } from '../../local/durable/events';
import {
  ConcurrencyError,
  LocalDurableRuntime,
  MemoryHistoryStore,
  TableHistoryStore,
  type HistoryStore,
} from '../../local/durable/runtime';

jest.setTimeout(30_000);

let azurite: AzuriteInstance | undefined;
let tableCounter = 0;

beforeAll(async () => {
  azurite = await startAzurite();
}, 30_000);

afterAll(async () => {
  await azurite?.stop();
});

interface StoreKind {
  name: string;
  /** A fresh store, and a way to open the same persisted data again (a "restarted host"). */
  open(): Promise<{ store: HistoryStore; reopen: () => Promise<HistoryStore> }>;
}

const STORES: StoreKind[] = [
  {
    name: 'MemoryHistoryStore',
    open: () => {
      const store = new MemoryHistoryStore();
      return Promise.resolve({ store, reopen: () => Promise.resolve(store) });
    },
  },
  {
    name: 'TableHistoryStore (Azurite)',
    open: async () => {
      const cs = (azurite as AzuriteInstance).connectionString;
      const table = `DurableLocalTest${++tableCounter}`;
      return {
        store: await TableHistoryStore.fromConnectionString(cs, table),
        reopen: () => TableHistoryStore.fromConnectionString(cs, table),
      };
    },
  },
];

const runtimes: LocalDurableRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

function runtime(store: HistoryStore, maxConcurrentActivities = 4): LocalDurableRuntime {
  const r = new LocalDurableRuntime({ store, maxConcurrentActivities });
  runtimes.push(r);
  return r;
}

function deferred(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe.each(STORES)('LocalDurableRuntime over $name', (kind) => {
  let store: HistoryStore;
  let reopen: () => Promise<HistoryStore>;
  beforeEach(async () => {
    ({ store, reopen } = await kind.open());
  });

  test('sequential activities: outputs flow, input types survive, invocation context is the Functions one', async () => {
    const rt = runtime(store);
    const contexts: InvocationContext[] = [];
    rt.registerActivity('Add', (input: { x: number; y: number }, ctx: InvocationContext) => {
      contexts.push(ctx);
      return input.x + input.y;
    });
    rt.registerActivity('Shout', (s: string) => Promise.resolve(`${s.toUpperCase()}!`));
    rt.registerActivity('Nothing', () => undefined);
    rt.registerOrchestrator('Sequence', function* (context: OrchestrationContext) {
      const { start } = context.df.getInput<{ start: number }>();
      const a = (yield context.df.callActivity('Add', { x: start, y: 2 })) as number;
      const b = (yield context.df.callActivity('Add', { x: a, y: 10 })) as number;
      const s = (yield context.df.callActivity('Shout', 'done')) as string;
      const n: unknown = yield context.df.callActivity('Nothing');
      return { a, b, s, n };
    });

    const id = await rt.startNew('Sequence', { input: { start: 1 } });
    const status = await rt.waitForCompletion(id, 10_000);
    expect(status).toMatchObject({
      instanceId: id,
      name: 'Sequence',
      runtimeStatus: 'Completed',
      input: { start: 1 },
      output: { a: 3, b: 13, s: 'DONE!', n: null },
    });
    expect(contexts.map((c) => c.functionName)).toEqual(['Add', 'Add']);
    expect(contexts[0]).toBeInstanceOf(InvocationContext);
    expect(contexts[0].invocationId).not.toEqual(contexts[1].invocationId);
    expect((await rt.listInstances()).map((s) => s.instanceId)).toContain(id);

    // The persisted history is the DTFx event sequence, one episode per completion.
    const v = await store.getInstance(id);
    const history = await store.loadHistory(v!.instance);
    expect(history.map(typeName)).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'OrchestratorCompleted',
      'ExecutionCompleted',
    ]);
    expect(history.filter((e) => e.EventType === EventType.TaskScheduled).map((e) => e.EventId)).toEqual([0, 1, 2, 3]);
  });

  test('replay semantics: isReplaying, currentUtcDateTime from history, createTimer with a real delay', async () => {
    const rt = runtime(store);
    const sideEffects: string[] = [];
    rt.registerActivity('Noop', () => 'ok');
    rt.registerOrchestrator('Clock', function* (context: OrchestrationContext) {
      const t0 = context.df.currentUtcDateTime.getTime();
      if (!context.df.isReplaying) sideEffects.push('start');
      yield context.df.callActivity('Noop');
      if (!context.df.isReplaying) sideEffects.push('after-activity');
      const t1 = context.df.currentUtcDateTime.getTime();
      const fireAt = new Date(t1 + 60);
      yield context.df.createTimer(fireAt);
      if (!context.df.isReplaying) sideEffects.push('after-timer');
      const t2 = context.df.currentUtcDateTime.getTime();
      return { t0, t1, t2, fireAt: fireAt.getTime(), guid: context.df.newGuid(context.df.instanceId) };
    });
    const id = await rt.startNew('Clock', { instanceId: 'clock-1' });
    const status = await rt.waitForCompletion(id, 10_000);
    expect(status.runtimeStatus).toBe('Completed');
    const out = status.output as { t0: number; t1: number; t2: number; fireAt: number };
    expect(out.t0).toBeLessThanOrEqual(out.t1);
    expect(out.t2).toBeGreaterThanOrEqual(out.fireAt);
    // Each line ran once although the orchestrator was replayed three more times.
    expect(sideEffects).toEqual(['start', 'after-activity', 'after-timer']);
  });

  test('fan-out of 20 activities with Task.all stays within maxConcurrentActivities = 4', async () => {
    const rt = runtime(store, 4);
    let running = 0;
    let maxRunning = 0;
    rt.registerActivity('Square', async (n: number) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(15);
      running--;
      return n * n;
    });
    rt.registerOrchestrator('FanOut', function* (context: OrchestrationContext) {
      const tasks = Array.from({ length: 20 }, (_, i) => context.df.callActivity('Square', i));
      const squares = (yield context.df.Task.all(tasks)) as number[];
      return squares.reduce((a, b) => a + b, 0);
    });
    const id = await rt.startNew('FanOut', {});
    const status = await rt.waitForCompletion(id, 15_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(Array.from({ length: 20 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect(maxRunning).toBeGreaterThan(1);
  });

  test('Task.any returns the first task to finish', async () => {
    const rt = runtime(store);
    rt.registerActivity('Fast', () => 'fast');
    rt.registerOrchestrator('Race', function* (context: OrchestrationContext) {
      const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60 * 60_000));
      const fast = context.df.callActivity('Fast');
      const winner = (yield context.df.Task.any([timer, fast])) as unknown;
      if (winner === fast) {
        timer.cancel();
        return fast.result;
      }
      return 'timer';
    });
    const status = await rt.waitForCompletion(await rt.startNew('Race', {}), 10_000);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'fast' });
  });

  test('callActivityWithRetry: fails twice, succeeds on attempt 3 after real 50 ms retry timers', async () => {
    const rt = runtime(store);
    const attempts: number[] = [];
    rt.registerActivity('Flaky', (input: string) => {
      attempts.push(Date.now());
      if (attempts.length < 3) throw new Error(`transient failure ${attempts.length}`);
      return `ok:${input}`;
    });
    rt.registerOrchestrator('Retrying', function* (context: OrchestrationContext) {
      const result: unknown = yield context.df.callActivityWithRetry('Flaky', new df.RetryOptions(50, 3), 'x');
      return result;
    });
    const id = await rt.startNew('Retrying', {});
    const status = await rt.waitForCompletion(id, 10_000);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'ok:x' });
    expect(attempts).toHaveLength(3);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(45);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(45);

    const v = await store.getInstance(id);
    const flow = (await store.loadHistory(v!.instance)).filter(
      (e) => ![EventType.OrchestratorStarted, EventType.OrchestratorCompleted].includes(e.EventType as 12 | 13),
    );
    expect(
      flow.map(
        (e) =>
          `${typeName(e)}:${e.EventType === EventType.TaskFailed || e.EventType === EventType.TaskCompleted ? e.TaskScheduledId : e.EventType === EventType.TimerFired ? e.TimerId : e.EventId}`,
      ),
    ).toEqual([
      'ExecutionStarted:-1',
      'TaskScheduled:0',
      'TaskFailed:0',
      'TimerCreated:1',
      'TimerFired:1',
      'TaskScheduled:2',
      'TaskFailed:2',
      'TimerCreated:3',
      'TimerFired:3',
      'TaskScheduled:4',
      'TaskCompleted:4',
      'ExecutionCompleted:-1',
    ]);
  });

  test('retries run out: backoff applies and the last error fails the orchestration', async () => {
    const rt = runtime(store);
    const attempts: number[] = [];
    rt.registerActivity('AlwaysFails', () => {
      attempts.push(Date.now());
      throw new Error('still broken');
    });
    rt.registerOrchestrator('GivesUp', function* (context: OrchestrationContext) {
      const retry = new df.RetryOptions(20, 3);
      retry.backoffCoefficient = 3;
      yield context.df.callActivityWithRetry('AlwaysFails', retry);
      return 'unreachable';
    });
    const status = await rt.waitForCompletion(await rt.startNew('GivesUp', {}), 10_000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('still broken');
    expect(attempts).toHaveLength(3);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(55); // 20 ms × 3
  });

  test('a failing activity: the orchestrator can catch it, or it fails with the message', async () => {
    const rt = runtime(store);
    rt.registerActivity('Boom', () => {
      throw new Error('meter data missing for 570000000000000001');
    });
    rt.registerOrchestrator('Catches', function* (context: OrchestrationContext) {
      try {
        yield context.df.callActivity('Boom');
        return 'no error';
      } catch (e) {
        return `caught: ${(e as Error).message}`;
      }
    });
    rt.registerOrchestrator('Propagates', function* (context: OrchestrationContext) {
      yield context.df.callActivity('Boom');
      return 'no error';
    });
    rt.registerOrchestrator('Throws', function* (context: OrchestrationContext) {
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1));
      throw new Error('orchestrator gave up');
    });
    const [caught, propagated, thrown] = await Promise.all(
      ['Catches', 'Propagates', 'Throws'].map(async (name) =>
        rt.waitForCompletion(await rt.startNew(name, {}), 10_000),
      ),
    );
    expect(caught.runtimeStatus).toBe('Completed');
    expect(String(caught.output)).toMatch(
      /^caught: Activity function 'Boom' failed: meter data missing for 570000000000000001/,
    );
    expect(propagated.runtimeStatus).toBe('Failed');
    expect(String(propagated.output)).toContain("Orchestrator function 'Propagates' failed");
    expect(String(propagated.output)).toContain('meter data missing for 570000000000000001');
    expect(thrown).toMatchObject({
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'Throws' failed: orchestrator gave up",
    });
  });

  test('custom status is visible while running', async () => {
    const rt = runtime(store);
    const gate = deferred();
    rt.registerActivity('Wait', async () => {
      await gate.promise;
      return 'released';
    });
    rt.registerOrchestrator('Reports', function* (context: OrchestrationContext) {
      context.df.setCustomStatus({ stage: 'waiting', done: 0 });
      const r = (yield context.df.callActivity('Wait')) as string;
      context.df.setCustomStatus({ stage: 'finished', done: 1 });
      return r;
    });
    const id = await rt.startNew('Reports', { instanceId: 'reports-1' });
    await until('custom status', async () => {
      const s = await rt.getStatus(id);
      return (
        s?.runtimeStatus === 'Running' &&
        JSON.stringify(s.customStatus) === JSON.stringify({ stage: 'waiting', done: 0 })
      );
    });
    gate.open();
    const status = await rt.waitForCompletion(id, 10_000);
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      output: 'released',
      customStatus: { stage: 'finished', done: 1 },
    });
  });

  test('startNew rejects while an instance with that id is running, and replaces a finished one', async () => {
    const rt = runtime(store);
    const gate = deferred();
    let runs = 0;
    rt.registerActivity('Hold', async (n: number) => {
      runs++;
      await gate.promise;
      return n;
    });
    rt.registerOrchestrator('Holder', function* (context: OrchestrationContext) {
      const result: unknown = yield context.df.callActivity('Hold', context.df.getInput());
      return result;
    });
    await rt.startNew('Holder', { instanceId: 'job-42', input: 1 });
    await expect(rt.startNew('Holder', { instanceId: 'job-42', input: 2 })).rejects.toThrow(
      /already exists and is (Pending|Running)/,
    );
    await until('activity started', () => runs === 1);
    await expect(rt.startNew('Holder', { instanceId: 'job-42', input: 3 })).rejects.toThrow(
      /already exists and is Running/,
    );
    gate.open();
    expect(await rt.waitForCompletion('job-42', 10_000)).toMatchObject({ runtimeStatus: 'Completed', output: 1 });
    // A finished instance may be started again under the same id (a new execution, fresh history).
    await rt.startNew('Holder', { instanceId: 'job-42', input: 4 });
    expect(await rt.waitForCompletion('job-42', 10_000)).toMatchObject({
      runtimeStatus: 'Completed',
      input: 4,
      output: 4,
    });
    const v = await store.getInstance('job-42');
    expect(
      (await store.loadHistory(v!.instance)).filter((e) => e.EventType === EventType.ExecutionStarted),
    ).toHaveLength(1);
  });

  test('terminate ends a running instance and leaves no timers', async () => {
    const rt = runtime(store);
    rt.registerOrchestrator('Sleeper', function* (context: OrchestrationContext) {
      // 10 days: longer than the 6-day maximum short timer, so the library splits it (LongTimerTask).
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 10 * 24 * 3600_000));
      return 'woke up';
    });
    const id = await rt.startNew('Sleeper', {});
    await until('running', async () => (await rt.getStatus(id))?.runtimeStatus === 'Running');
    await rt.terminate(id, 'operator cancelled');
    expect(await rt.waitForCompletion(id, 5_000)).toMatchObject({
      runtimeStatus: 'Terminated',
      output: 'operator cancelled',
    });
    await rt.terminate(id, 'again'); // already ended: no-op
    await expect(rt.terminate('no-such-instance', 'x')).rejects.toThrow(/No orchestration instance/);
  });

  test('values beyond the 64 KB table property limit (input, activity result, output)', async () => {
    const rt = runtime(store);
    const big = 'é'.repeat(70_000) + 'x'.repeat(50_000);
    rt.registerActivity('Double', (s: string) => s + s);
    rt.registerOrchestrator('Big', function* (context: OrchestrationContext) {
      const input = context.df.getInput<{ text: string }>();
      const doubled = (yield context.df.callActivity('Double', input.text)) as string;
      return { length: doubled.length, head: doubled.slice(0, 3), tail: doubled.slice(-3), echo: input.text };
    });
    const id = await rt.startNew('Big', { input: { text: big } });
    const status = await rt.waitForCompletion(id, 15_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ length: 240_000, head: 'ééé', tail: 'xxx', echo: big });
    const v = await store.getInstance(id);
    const history = await store.loadHistory(v!.instance);
    const completed = history.find((e) => e.EventType === EventType.TaskCompleted);
    expect(
      completed && completed.EventType === EventType.TaskCompleted && (JSON.parse(completed.Result) as string).length,
    ).toBe(240_000);
  });

  test('restart: stop during a fan-out, resume with a new runtime; completed activities are not re-executed', async () => {
    const runs = new Map<number, number>();
    const finishedBeforeStop = new Set<number>();
    let stopped = false;
    const gate = deferred();
    const work = async (n: number): Promise<number> => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      if (n >= 10) await gate.promise;
      if (!stopped) finishedBeforeStop.add(n);
      return n * 2;
    };
    const orchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
      context.df.setCustomStatus('fanning out');
      const results = (yield context.df.Task.all(
        Array.from({ length: 20 }, (_, i) => context.df.callActivity('Work', i)),
      )) as number[];
      const total = results.reduce((a, b) => a + b, 0);
      const confirmed = (yield context.df.callActivity('Work', 100 + total)) as number;
      return { total, confirmed };
    };

    const first = runtime(store, 4);
    first.registerActivity('Work', work);
    first.registerOrchestrator('Batch', orchestrator);
    const id = await first.startNew('Batch', { instanceId: 'batch-restart' });
    // 0..9 finish at once; 10..13 then occupy all 4 slots, blocked on the gate; 14..19 queued.
    await until('half of the fan-out', () => finishedBeforeStop.size === 10 && runs.size === 14);
    stopped = true;
    await first.stop();
    expect([...finishedBeforeStop].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await first.getStatus(id))?.runtimeStatus).toBe('Running');
    await expect(first.startNew('Batch', {})).rejects.toThrow(/stopped/);

    const second = runtime(await reopen(), 4);
    second.registerActivity('Work', work);
    second.registerOrchestrator('Batch', orchestrator);
    await second.resumeAll();
    gate.open();
    const status = await second.waitForCompletion(id, 15_000);
    const total = Array.from({ length: 20 }, (_, i) => i * 2).reduce((a, b) => a + b, 0);
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      output: { total, confirmed: (100 + total) * 2 },
      customStatus: 'fanning out',
    });
    for (const n of finishedBeforeStop) expect({ n, runs: runs.get(n) }).toEqual({ n, runs: 1 });
    // In flight at the stop (10..13): their results were discarded, so they ran again (at-least-once);
    // queued ones (14..19) were dropped by the stopped runtime and ran once, on the new one.
    for (let n = 10; n < 14; n++) expect({ n, runs: runs.get(n) }).toEqual({ n, runs: 2 });
    for (let n = 14; n < 20; n++) expect({ n, runs: runs.get(n) }).toEqual({ n, runs: 1 });
    expect(runs.get(100 + total)).toBe(1);
  });

  test('two writers: a step based on a stale version is rejected, the stale runtime lets go', async () => {
    const logs: string[] = [];
    const gate = deferred();
    const owner = new LocalDurableRuntime({ store, log: (m) => logs.push(m) });
    runtimes.push(owner);
    owner.registerActivity('Hold', async () => {
      await gate.promise;
      return 'held';
    });
    owner.registerOrchestrator('Owned', function* (context: OrchestrationContext) {
      const result: unknown = yield context.df.callActivity('Hold');
      return result;
    });
    const id = await owner.startNew('Owned', { instanceId: 'owned-1' });
    await until('running', async () => (await store.getInstance(id))?.instance.runtimeStatus === 'Running');

    // A second runtime (another host over the same store) terminates it meanwhile.
    const other = runtime(await reopen());
    await other.terminate(id, 'terminated elsewhere');
    gate.open();
    await until('owner noticed', () => logs.some((m) => m.includes('was changed by another writer')));
    expect(await owner.getStatus(id)).toMatchObject({ runtimeStatus: 'Terminated', output: 'terminated elsewhere' });

    const v = await store.getInstance(id);
    const stale = { ...v!.instance, historyLength: v!.instance.historyLength + 1 };
    const event: StoredEvent = {
      EventType: EventType.OrchestratorStarted,
      EventId: -1,
      Timestamp: new Date().toISOString(),
    };
    const next = await store.append(stale, [event], v!.version);
    await expect(
      store.append({ ...stale, historyLength: stale.historyLength + 1 }, [event], v!.version),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(next).not.toEqual(v!.version);
  });

  test('non-determinism: a replay that schedules something else fails the instance with a clear error', async () => {
    const gate = deferred();
    const slow = async (): Promise<string> => {
      await gate.promise;
      return 'slow';
    };
    const first = runtime(store);
    first.registerActivity('Step', () => 'step');
    first.registerActivity('Slow', slow);
    first.registerOrchestrator('Evolving', function* (context: OrchestrationContext) {
      yield context.df.callActivity('Step');
      const result: unknown = yield context.df.callActivity('Slow');
      return result;
    });
    const id = await first.startNew('Evolving', { instanceId: 'evolving-1' });
    await until('Step done, Slow scheduled', async () => {
      const v = await store.getInstance(id);
      return (
        v !== null &&
        (await store.loadHistory(v.instance)).some((e) => e.EventType === EventType.TaskScheduled && e.Name === 'Slow')
      );
    });
    await first.stop();

    const second = runtime(await reopen());
    second.registerActivity('Step', () => 'step');
    second.registerActivity('Other', () => 'other');
    second.registerActivity('Slow', slow);
    second.registerOrchestrator('Evolving', function* (context: OrchestrationContext) {
      yield context.df.callActivity('Other'); // changed code: sequence number 0 was 'Step'
      const result: unknown = yield context.df.callActivity('Slow');
      return result;
    });
    await second.resumeAll();
    gate.open();
    const status = await second.waitForCompletion(id, 10_000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('Non-deterministic orchestration detected');
    expect(String(status.output)).toContain(
      "the history has activity 'Step' with sequence number 0, but the replayed orchestrator scheduled activity 'Other'",
    );
  });
});

test('unsupported durable features fail the instance with a clear error', async () => {
  const rt = runtime(new MemoryHistoryStore());
  rt.registerOrchestrator('WantsEvent', function* (context: OrchestrationContext) {
    const result: unknown = yield context.df.waitForExternalEvent('Approval');
    return result;
  });
  const status = await rt.waitForCompletion(await rt.startNew('WantsEvent', {}), 5_000);
  expect(status.runtimeStatus).toBe('Failed');
  expect(String(status.output)).toContain('does not support WaitForExternalEvent');
});

test('waitForCompletion times out, stop rejects waiters and leaves nothing running', async () => {
  const rt = runtime(new MemoryHistoryStore());
  rt.registerOrchestrator('Forever', function* (context: OrchestrationContext) {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60 * 60_000));
  });
  const id = await rt.startNew('Forever', {});
  await expect(rt.waitForCompletion(id, 100)).rejects.toThrow(/Timed out after 100 ms/);
  const pending = rt.waitForCompletion(id, 60_000);
  await rt.stop();
  await expect(pending).rejects.toThrow(/stopped/);
});

function typeName(e: StoredEvent): keyof typeof EventType {
  const entry = Object.entries(EventType).find(([, v]) => v === e.EventType);
  return entry![0] as keyof typeof EventType;
}
