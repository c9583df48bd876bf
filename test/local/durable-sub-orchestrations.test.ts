/**
 * LocalDurableRuntime: sub-orchestrations (callSubOrchestrator / callSubOrchestratorWithRetry)
 * with the Durable Task Framework's history (SubOrchestrationInstanceCreated / Completed /
 * Failed), over MemoryHistoryStore and TableHistoryStore on Azurite, including a host restart
 * in the middle of a run.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { EventType, type StoredEvent } from '../../local/durable/events';
import {
  LocalDurableRuntime,
  MemoryHistoryStore,
  TableHistoryStore,
  type HistoryStore,
  type StoredInstance,
  type VersionedInstance,
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
      const table = `DurableSubOrchTest${++tableCounter}`;
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

async function historyOf(store: HistoryStore, id: string): Promise<StoredEvent[]> {
  const v = await store.getInstance(id);
  return v ? store.loadHistory(v.instance) : [];
}

/** A store whose appends for one instance fail while `blocked` (the host loses storage mid-step). */
class FlakyStore implements HistoryStore {
  blocked = false;
  constructor(
    private readonly inner: HistoryStore,
    private readonly instanceId: string,
  ) {}
  getInstance(id: string): Promise<VersionedInstance | null> {
    return this.inner.getInstance(id);
  }
  listInstances(): Promise<VersionedInstance[]> {
    return this.inner.listInstances();
  }
  createInstance(i: StoredInstance, v: string | null): Promise<string> {
    return this.inner.createInstance(i, v);
  }
  append(i: StoredInstance, events: readonly StoredEvent[], v: string): Promise<string> {
    if (this.blocked && i.instanceId === this.instanceId) return Promise.reject(new Error('storage unreachable'));
    return this.inner.append(i, events, v);
  }
  loadHistory(i: StoredInstance): Promise<StoredEvent[]> {
    return this.inner.loadHistory(i);
  }
}

describe.each(STORES)('sub-orchestrations over $name', (kind) => {
  let store: HistoryStore;
  let reopen: () => Promise<HistoryStore>;
  beforeEach(async () => {
    ({ store, reopen } = await kind.open());
  });

  test('a parent runs children (given and derived instance ids); history and parent link as in DTFx', async () => {
    const rt = runtime(store);
    rt.registerActivity('Square', (n: number) => n * n);
    rt.registerOrchestrator('Child', function* (context: OrchestrationContext) {
      const n = context.df.getInput<number>();
      const sq = (yield context.df.callActivity('Square', n)) as number;
      return { sq, parent: context.df.parentInstanceId ?? null, me: context.df.instanceId };
    });
    rt.registerOrchestrator('Parent', function* (context: OrchestrationContext) {
      const named: unknown = yield context.df.callSubOrchestrator('Child', 3, `${context.df.instanceId}-c3`);
      const both: unknown = yield context.df.Task.all([
        context.df.callSubOrchestrator('Child', 4),
        context.df.callSubOrchestrator('Child', 'x'.length + 4),
      ]);
      return { named, both };
    });
    const id = await rt.startNew('Parent', { instanceId: 'p1' });
    const status = await rt.waitForCompletion(id, 10_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({
      named: { sq: 9, parent: 'p1', me: 'p1-c3' },
      both: [
        { sq: 16, parent: 'p1', me: 'p1:1' },
        { sq: 25, parent: 'p1', me: 'p1:2' },
      ],
    });

    const history = await historyOf(store, id);
    const created = history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
    expect(
      created.map((e) => [e.EventId, e.EventType === EventType.SubOrchestrationInstanceCreated && e.InstanceId]),
    ).toEqual([
      [0, 'p1-c3'],
      [1, 'p1:1'],
      [2, 'p1:2'],
    ]);
    expect(created[0]).toMatchObject({ Name: 'Child', Input: '3' });
    const completed = history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCompleted);
    expect(
      completed.map((e) => e.EventType === EventType.SubOrchestrationInstanceCompleted && e.TaskScheduledId).sort(),
    ).toEqual([0, 1, 2]);
    // the child is an instance of its own, persisted with the link to its parent's task
    const child = await store.getInstance('p1:2');
    expect(child?.instance).toMatchObject({
      name: 'Child',
      runtimeStatus: 'Completed',
      parent: { instanceId: 'p1', taskScheduledId: 2 },
    });
    const parentRecord = await store.getInstance('p1');
    expect(child?.instance.parent?.executionId).toBe(parentRecord?.instance.executionId);
    // the parent history holds only the children, not their activities
    expect(history.some((e) => e.EventType === EventType.TaskScheduled)).toBe(false);
    expect((await historyOf(store, 'p1-c3')).filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(1);
  });

  test('a failing child: the parent catches a TaskFailed-like error, or fails with it', async () => {
    const rt = runtime(store);
    rt.registerOrchestrator('Bad', function* (context: OrchestrationContext) {
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 5));
      throw new RangeError(`no grid loss in ${context.df.getInput<string>()}`);
    });
    rt.registerOrchestrator('Catcher', function* (context: OrchestrationContext) {
      try {
        yield context.df.callSubOrchestrator('Bad', '804');
        return 'not reached';
      } catch (e) {
        return `caught: ${(e as Error).message}`;
      }
    });
    rt.registerOrchestrator('Letter', function* (context: OrchestrationContext) {
      const out: unknown = yield context.df.callSubOrchestrator('Bad', '805', 'letter-child');
      return out;
    });
    const caught = await rt.waitForCompletion(await rt.startNew('Catcher', { instanceId: 'c1' }), 10_000);
    expect(caught.runtimeStatus).toBe('Completed');
    expect(caught.output).toMatch(/^caught: Orchestrator function 'Bad' failed: no grid loss in 804/);
    const failed = await rt.waitForCompletion(await rt.startNew('Letter', { instanceId: 'l1' }), 10_000);
    expect(failed.runtimeStatus).toBe('Failed');
    expect(failed.output).toMatch(
      /^Orchestrator function 'Letter' failed: Orchestrator function 'Bad' failed: no grid loss in 805/,
    );
    expect((await historyOf(store, 'c1')).map((e) => e.EventType)).toContain(EventType.SubOrchestrationInstanceFailed);
    expect(await rt.getStatus('letter-child')).toMatchObject({ runtimeStatus: 'Failed' });
  });

  test('callSubOrchestratorWithRetry: the child fails once, a retry timer runs, the second attempt succeeds', async () => {
    const rt = runtime(store);
    let attempts = 0;
    rt.registerActivity('Flaky', () => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
      return 'ok';
    });
    rt.registerOrchestrator('FlakyChild', function* (context: OrchestrationContext) {
      const r: unknown = yield context.df.callActivity('Flaky');
      return r;
    });
    rt.registerOrchestrator('RetryParent', function* (context: OrchestrationContext) {
      const r: unknown = yield context.df.callSubOrchestratorWithRetry(
        'FlakyChild',
        new df.RetryOptions(30, 3),
        null,
        'retry-child',
      );
      return r;
    });
    const status = await rt.waitForCompletion(await rt.startNew('RetryParent', { instanceId: 'r1' }), 10_000);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'ok' });
    expect(attempts).toBe(2);
    const types = (await historyOf(store, 'r1'))
      .map((e) => e.EventType)
      .filter((t) => t !== EventType.OrchestratorStarted && t !== EventType.OrchestratorCompleted);
    expect(types).toEqual([
      EventType.ExecutionStarted,
      EventType.SubOrchestrationInstanceCreated,
      EventType.SubOrchestrationInstanceFailed,
      EventType.TimerCreated,
      EventType.TimerFired,
      EventType.SubOrchestrationInstanceCreated,
      EventType.SubOrchestrationInstanceCompleted,
      EventType.ExecutionCompleted,
    ]);
    // the same child id, started again as a new execution
    expect(await rt.getStatus('retry-child')).toMatchObject({ runtimeStatus: 'Completed', output: 'ok' });
  });

  test('restart mid-run: children resume from their histories; finished work is not redone', async () => {
    const runs = new Map<number, number>();
    const gate = deferred();
    const work = async (n: number): Promise<number> => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      if (n % 10 === 2) await gate.promise; // the second activity of each child waits
      return n;
    };
    const register = (rt: LocalDurableRuntime): void => {
      rt.registerActivity('Work', work);
      rt.registerOrchestrator('Worker', function* (context: OrchestrationContext) {
        const base = context.df.getInput<number>();
        const a = (yield context.df.callActivity('Work', base + 1)) as number;
        const b = (yield context.df.callActivity('Work', base + 2)) as number;
        return a + b;
      });
      rt.registerOrchestrator('Boss', function* (context: OrchestrationContext) {
        const sums = (yield context.df.Task.all(
          [10, 20, 30].map((base) => context.df.callSubOrchestrator('Worker', base, `boss:${base}`)),
        )) as number[];
        return sums.reduce((s, x) => s + x, 0);
      });
    };
    const first = runtime(store);
    register(first);
    await first.startNew('Boss', { instanceId: 'boss' });
    await until('every child waits on its second activity', () => [12, 22, 32].every((n) => runs.get(n) === 1));
    await first.stop();

    const second = runtime(await reopen());
    register(second);
    await second.resumeAll();
    gate.open();
    const status = await second.waitForCompletion('boss', 10_000);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 11 + 12 + 21 + 22 + 31 + 32 });
    // first activities completed before the stop: replayed, not re-executed; the interrupted ones ran again
    expect([11, 21, 31].map((n) => runs.get(n))).toEqual([1, 1, 1]);
    expect([12, 22, 32].map((n) => runs.get(n))).toEqual([2, 2, 2]);
    for (const base of [10, 20, 30])
      expect(await second.getStatus(`boss:${base}`)).toMatchObject({ runtimeStatus: 'Completed' });
  });

  test('restart after a child ended but before its parent recorded it: the result is delivered once', async () => {
    const flaky = new FlakyStore(store, 'outer');
    const gate = deferred();
    const register = (rt: LocalDurableRuntime): void => {
      rt.registerActivity('Wait', async () => {
        await gate.promise;
        return 'inner done';
      });
      rt.registerOrchestrator('Inner', function* (context: OrchestrationContext) {
        const r: unknown = yield context.df.callActivity('Wait');
        return r;
      });
      rt.registerOrchestrator('Outer', function* (context: OrchestrationContext) {
        const r: unknown = yield context.df.callSubOrchestrator('Inner', null, 'outer-inner');
        return `outer got ${String(r)}`;
      });
    };
    const first = runtime(flaky);
    register(first);
    await first.startNew('Outer', { instanceId: 'outer' });
    await until(
      'child running',
      async () => (await flaky.getInstance('outer-inner'))?.instance.runtimeStatus === 'Running',
    );
    flaky.blocked = true; // the parent can no longer persist a step
    gate.open();
    await until(
      'child completed',
      async () => (await flaky.getInstance('outer-inner'))?.instance.runtimeStatus === 'Completed',
    );
    await first.stop();
    const parentHistory = await historyOf(store, 'outer');
    expect(parentHistory.some((e) => e.EventType === EventType.SubOrchestrationInstanceCompleted)).toBe(false);

    const second = runtime(await reopen());
    register(second);
    await second.resumeAll();
    const status = await second.waitForCompletion('outer', 10_000);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'outer got inner done' });
    const done = (await historyOf(store, 'outer')).filter(
      (e) => e.EventType === EventType.SubOrchestrationInstanceCompleted,
    );
    expect(done).toHaveLength(1);
  });
});

test('a sub-orchestration of an unregistered orchestrator fails the call, not the runtime', async () => {
  const rt = runtime(new MemoryHistoryStore());
  rt.registerOrchestrator('Orphan', function* (context: OrchestrationContext) {
    try {
      yield context.df.callSubOrchestrator('Missing', null);
      return 'no';
    } catch (e) {
      return (e as Error).message;
    }
  });
  const status = await rt.waitForCompletion(await rt.startNew('Orphan', {}), 5_000);
  expect(status.runtimeStatus).toBe('Completed');
  expect(String(status.output)).toContain("The orchestrator function 'Missing' is not registered");
});
