/**
 * LocalDurableRuntime: runs orchestrators and activities written for durable-functions
 * (`df.app.orchestration(name, handler)` / `df.app.activity(name, { handler })`) without the
 * Functions host and the Durable extension, with durable-functions' own replay engine.
 *
 * It plays the part of the Durable extension + Durable Task Framework (DTFx):
 * - An instance advances in *episodes*. An episode takes the messages that arrived (the start,
 *   activity completions/failures, fired timers), appends OrchestratorStarted + those messages to
 *   the history, replays the orchestrator over the whole history (df-internals.ts) and appends
 *   what it newly scheduled (TaskScheduled / TimerCreated under the sequence numbers the library
 *   assigned) and OrchestratorCompleted, plus ExecutionCompleted when it finished. The episode's
 *   events are persisted in one atomic, version-checked append before any new work is dispatched.
 * - Retries (callActivityWithRetry) are modelled as DTFx's RetryInterceptor does and as the
 *   library's RetryableTask expects: TaskScheduled → TaskFailed → TimerCreated (delay from the
 *   RetryOptions) → TimerFired → TaskScheduled → …; the library decides when attempts run out.
 * - Activities run on a shared FIFO queue, at most `maxConcurrentActivities` at a time, each
 *   invoked as the Functions host would: handler(input, new InvocationContext(...)).
 * - Sub-orchestrations (callSubOrchestrator[WithRetry]): the parent's episode records
 *   SubOrchestrationInstanceCreated (EventId = sequence number, InstanceId = the one the
 *   orchestrator gave, else `{parentId}:{sequence number}` as DTFx derives it); once that is
 *   persisted the child is created as an ordinary instance whose record holds the parent link
 *   (parent id, execution id, task id). When the child ends, its output reaches the parent as
 *   SubOrchestrationInstanceCompleted / SubOrchestrationInstanceFailed (the parent sees an Error
 *   it may catch, as for a failed activity).
 * - Recovery: a scheduled activity / timer / sub-orchestration without its completion in the
 *   persisted history is outstanding; resumeAll() re-dispatches those (at-least-once, like Azure).
 *   A sub-orchestration is re-dispatched idempotently: a child already linked to that task is
 *   left running (resumeAll resumes it like any instance) or, if it already ended, its result is
 *   delivered again. A completion for a task that already has one is dropped. Completions that
 *   were persisted are replayed from history, never re-executed.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext, type LogHandler } from '@azure/functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import { findNonDeterminism } from './determinism';
import { runEpisode, type EpisodeOutcome, type SequencedTask } from './df-internals';
import {
  EventType,
  completedTaskId,
  isScheduling,
  openSchedulingEvents,
  type StoredEvent,
  type SubOrchestrationInstanceCreatedEvent,
  type TimerCreatedEvent,
} from './events';
import {
  ConcurrencyError,
  isActiveStatus,
  type HistoryStore,
  type ParentLink,
  type RuntimeStatus,
  type StoredInstance,
} from './store';

export {
  ConcurrencyError,
  MemoryHistoryStore,
  type HistoryStore,
  type ParentLink,
  type RuntimeStatus,
  type StoredInstance,
  type VersionedInstance,
} from './store';
export { TableHistoryStore, DEFAULT_HISTORY_TABLE } from './table-store';
export type { StoredEvent } from './events';

export interface OrchestrationStatus {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface LocalDurableRuntimeOptions {
  store: HistoryStore;
  /** Activities running at once across all instances (default 10). */
  maxConcurrentActivities?: number;
  /** Runtime messages and the context.log output of orchestrators and activities. */
  log?: (msg: string) => void;
}

export class InstanceAlreadyExistsError extends Error {
  constructor(instanceId: string, status: RuntimeStatus) {
    super(`An orchestration instance with id '${instanceId}' already exists and is ${status}`);
    this.name = 'InstanceAlreadyExistsError';
  }
}

export class InstanceIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstanceIdError';
  }
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Delay before a step whose append failed (store unreachable) is tried again. */
const STORE_RETRY_MS = 1_000;
const WAIT_POLL_MS = 500;

/** One instance this runtime drives. Steps run one at a time through `run`. */
class ActiveInstance {
  readonly inbox: StoredEvent[] = [];
  /** Sequence numbers whose activity was queued / timer armed by this process. */
  readonly dispatched = new Set<number>();
  readonly timers = new Map<number, NodeJS.Timeout>();
  drainQueued = false;
  /** Terminal, or taken over by another writer: nothing more happens here. */
  gone = false;
  lastEpisodeMs: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    public record: StoredInstance,
    public version: string,
    public readonly history: StoredEvent[],
    public readonly handler: OrchestrationHandler,
  ) {
    let last = 0;
    for (const e of history)
      if (e.EventType === EventType.OrchestratorStarted) last = Math.max(last, Date.parse(e.Timestamp));
    this.lastEpisodeMs = last;
  }

  get id(): string {
    return this.record.instanceId;
  }

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

interface WorkItem {
  inst: ActiveInstance;
  taskId: number;
  name: string;
  input: string | undefined;
}

interface Waiter {
  instanceId: string;
  resolve(status: OrchestrationStatus): void;
  reject(err: Error): void;
  timeout?: NodeJS.Timeout;
  poll?: NodeJS.Timeout;
}

export class LocalDurableRuntime {
  private readonly store: HistoryStore;
  private readonly maxConcurrent: number;
  private readonly log: (msg: string) => void;
  private readonly logHandler: LogHandler | undefined;
  private readonly orchestrators = new Map<string, OrchestrationHandler>();
  private readonly activities = new Map<string, ActivityHandler>();
  private readonly active = new Map<string, ActiveInstance>();
  private readonly queue: WorkItem[] = [];
  private runningActivities = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopRequested = false;
  private stopping: Promise<void> | undefined;

  constructor(opts: LocalDurableRuntimeOptions) {
    this.store = opts.store;
    const max = opts.maxConcurrentActivities ?? 10;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`maxConcurrentActivities must be a positive integer, got ${max}`);
    this.maxConcurrent = max;
    const log = opts.log;
    this.log = log ?? (() => undefined);
    this.logHandler = log
      ? (level, ...args) => log(`[${level}] ${args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ')}`)
      : undefined;
  }

  registerOrchestrator(name: string, handler: OrchestrationHandler): void {
    if (this.orchestrators.has(name)) throw new Error(`Orchestrator '${name}' is already registered`);
    this.orchestrators.set(name, handler);
  }

  registerActivity(name: string, handler: ActivityHandler): void {
    if (this.activities.has(name)) throw new Error(`Activity '${name}' is already registered`);
    this.activities.set(name, handler);
  }

  /** Schedules a new instance; rejects if one with that id is Pending or Running. */
  async startNew(name: string, opts: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    this.assertLive();
    const handler = this.orchestrators.get(name);
    if (!handler) throw new Error(`Orchestrator '${name}' is not registered`);
    const instanceId = opts.instanceId ?? randomUUID().replace(/-/g, '');
    validateInstanceId(instanceId);
    const input = opts.input === undefined ? undefined : JSON.stringify(opts.input);

    const live = this.active.get(instanceId);
    if (live && !live.gone) throw new InstanceAlreadyExistsError(instanceId, live.record.runtimeStatus);
    const existing = await this.store.getInstance(instanceId);
    if (existing && isActiveStatus(existing.instance.runtimeStatus))
      throw new InstanceAlreadyExistsError(instanceId, existing.instance.runtimeStatus);
    try {
      await this.createAndRun(name, handler, instanceId, input, undefined, existing ? existing.version : null);
    } catch (e) {
      if (e instanceof ConcurrencyError) throw new InstanceAlreadyExistsError(instanceId, 'Pending');
      throw e;
    }
    return instanceId;
  }

  /** Stores a new Pending instance (replacing an ended one when `replaceVersion` is given) and starts it here. */
  private async createAndRun(
    name: string,
    handler: OrchestrationHandler,
    instanceId: string,
    input: string | undefined,
    parent: ParentLink | undefined,
    replaceVersion: string | null,
  ): Promise<void> {
    const now = new Date().toISOString();
    const record: StoredInstance = {
      instanceId,
      executionId: randomUUID(),
      name,
      runtimeStatus: 'Pending',
      input,
      createdTime: now,
      lastUpdatedTime: now,
      historyLength: 0,
    };
    if (parent) record.parent = parent;
    const version = await this.store.createInstance(record, replaceVersion);
    if (this.stopRequested) {
      this.log(
        `[durable] ${name} '${instanceId}' stored as Pending while the runtime stopped; resumeAll will start it`,
      );
      return;
    }
    const inst = new ActiveInstance(record, version, [], handler);
    this.active.set(instanceId, inst);
    inst.inbox.push(executionStarted(record));
    this.log(
      `[durable] ${name} '${instanceId}' scheduled${parent ? ` (sub-orchestration of '${parent.instanceId}')` : ''}`,
    );
    this.kick(inst);
  }

  async getStatus(instanceId: string): Promise<OrchestrationStatus | null> {
    const v = await this.store.getInstance(instanceId);
    return v ? toStatus(v.instance) : null;
  }

  async listInstances(): Promise<OrchestrationStatus[]> {
    return (await this.store.listInstances()).map((v) => toStatus(v.instance));
  }

  /** Ends a Pending/Running instance as Terminated (output = reason); no-op if it already ended. */
  async terminate(instanceId: string, reason: string): Promise<void> {
    this.assertLive();
    const inst = this.active.get(instanceId);
    if (inst) {
      // Serialized with the instance's steps; falls through to the store when it ended meanwhile
      // or another writer took it over.
      const done = await inst.run(async () => {
        if (inst.gone) return false;
        const events = terminationEvents(reason);
        try {
          await this.commit(
            inst,
            this.nextRecord(inst.record, 'Terminated', JSON.stringify(reason), inst.record.customStatus, events.length),
            events,
          );
        } catch (e) {
          if (!(e instanceof ConcurrencyError)) throw e;
          this.retire(inst);
          return false;
        }
        this.log(`[durable] ${inst.record.name} '${instanceId}' terminated: ${reason}`);
        return true;
      });
      if (done) return;
    }
    const v = await this.store.getInstance(instanceId);
    if (!v) throw new Error(`No orchestration instance with id '${instanceId}'`);
    if (!isActiveStatus(v.instance.runtimeStatus)) return;
    const events = terminationEvents(reason);
    const record = this.nextRecord(
      v.instance,
      'Terminated',
      JSON.stringify(reason),
      v.instance.customStatus,
      events.length,
    );
    await this.store.append(record, events, v.version);
    this.notify(record);
  }

  /** Resolves with the status once the instance is Completed, Failed or Terminated; rejects after timeoutMs. */
  waitForCompletion(instanceId: string, timeoutMs: number): Promise<OrchestrationStatus> {
    return new Promise<OrchestrationStatus>((resolve, reject) => {
      if (this.stopRequested) {
        reject(new Error('LocalDurableRuntime is stopped'));
        return;
      }
      const w: Waiter = { instanceId, resolve, reject };
      this.waiters.add(w);
      w.timeout = setTimeout(
        () => {
          void this.getStatus(instanceId).then(
            (s) =>
              this.settle(
                w,
                new Error(
                  `Timed out after ${timeoutMs} ms waiting for orchestration '${instanceId}' (runtimeStatus ${s?.runtimeStatus ?? 'unknown'})`,
                ),
              ),
            (e: unknown) => this.settle(w, asError(e)),
          );
        },
        Math.min(timeoutMs, MAX_TIMEOUT_MS),
      );
      // Instances driven by this runtime notify directly; polling covers any other writer.
      w.poll = setInterval(() => void this.checkWaiter(w), WAIT_POLL_MS);
      void this.checkWaiter(w);
    });
  }

  /** Loads Pending/Running instances from the store and continues them (host restart). */
  async resumeAll(): Promise<void> {
    this.assertLive();
    for (const v of await this.store.listInstances()) {
      const r = v.instance;
      if (!isActiveStatus(r.runtimeStatus) || this.active.has(r.instanceId)) continue;
      const handler = this.orchestrators.get(r.name);
      if (!handler) {
        this.log(
          `[durable] resumeAll: orchestrator '${r.name}' of instance '${r.instanceId}' is not registered; left ${r.runtimeStatus}`,
        );
        continue;
      }
      const history = await this.store.loadHistory(r);
      if (this.stopRequested || this.active.has(r.instanceId)) continue;
      const inst = new ActiveInstance(r, v.version, history, handler);
      this.active.set(r.instanceId, inst);
      if (history.length === 0) {
        inst.inbox.push(executionStarted(r));
        this.kick(inst);
      } else {
        void inst.run(() => {
          this.dispatchOutstanding(inst);
          return Promise.resolve();
        });
      }
      const open = openSchedulingEvents(history).length;
      this.log(
        `[durable] resumed ${r.name} '${r.instanceId}' (${history.length} history events, ${open} outstanding tasks)`,
      );
    }
  }

  /**
   * Stops scheduling: queued activities are dropped, timers cleared, results that already arrived
   * are persisted (one last step per instance, without dispatching what it schedules). Activities
   * still running may finish, but their results are discarded; resumeAll on a new runtime runs
   * them again. Pending waitForCompletion calls reject.
   */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopRequested = true;
      this.stopping = this.shutdown();
    }
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.queue.length = 0;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const instances = [...this.active.values()];
    for (const inst of instances) clearTimers(inst);
    await Promise.all(
      instances.map((inst) =>
        inst
          .run(() => this.drain(inst))
          .catch((e: unknown) => this.log(`[durable] final step of '${inst.id}' failed: ${asError(e).message}`)),
      ),
    );
    for (const inst of instances) clearTimers(inst);
    this.active.clear();
    for (const w of [...this.waiters]) this.settle(w, new Error('LocalDurableRuntime stopped'));
  }

  // -------------------------------------------------------------------------------------------
  // Episodes

  private kick(inst: ActiveInstance): void {
    if (inst.drainQueued || inst.gone || this.stopRequested) return;
    inst.drainQueued = true;
    inst
      .run(async () => {
        inst.drainQueued = false;
        await this.drain(inst);
      })
      .catch((e: unknown) => this.log(`[durable] step of '${inst.id}' failed: ${asError(e).stack ?? String(e)}`));
  }

  private async drain(inst: ActiveInstance): Promise<void> {
    while (inst.inbox.length > 0 && !inst.gone) {
      if (!(await this.episode(inst))) return;
    }
  }

  /** One orchestrator step over the inbox. Returns false if it could not be persisted (retried later). */
  private async episode(inst: ActiveInstance): Promise<boolean> {
    const messages = dropStaleCompletions(inst.history, inst.inbox.splice(0));
    if (messages.length === 0) return true;
    const nowMs = Math.max(Date.now(), inst.lastEpisodeMs);
    const ts = new Date(nowMs).toISOString();
    const fresh: StoredEvent[] = [
      { EventType: EventType.OrchestratorStarted, EventId: -1, Timestamp: ts },
      ...messages,
    ];
    const name = inst.record.name;

    let outcome: EpisodeOutcome;
    let customStatus: unknown = parseJson(inst.record.customStatus);
    let tasks: SequencedTask[] = [];
    try {
      const result = await runEpisode({
        handler: inst.handler,
        functionName: name,
        instanceId: inst.id,
        input: parseJson(inst.record.input),
        ...(inst.record.parent ? { parentInstanceId: inst.record.parent.instanceId } : {}),
        past: inst.history,
        fresh,
        logHandler: this.logHandler,
      });
      outcome = result.outcome;
      customStatus = result.customStatus;
      tasks = result.tasks;
      const nonDeterminism = findNonDeterminism(inst.history, tasks);
      const unsupported = [
        ...result.unsupported,
        ...tasks.flatMap((t) => (t.kind === 'unsupported' ? [t.description] : [])),
      ];
      if (nonDeterminism) outcome = { kind: 'failed', message: nonDeterminism };
      else if (unsupported.length > 0) {
        outcome = {
          kind: 'failed',
          message: `LocalDurableRuntime does not support ${[...new Set(unsupported)].join(', ')} (only activities, sub-orchestrations, their retries, timers, Task.all/Task.any)`,
        };
      }
    } catch (e) {
      const err = asError(e);
      outcome = { kind: 'failed', message: err.message, stack: err.stack };
    }

    const added: StoredEvent[] = [...fresh];
    if (outcome.kind === 'running') {
      const known = new Set(inst.history.filter(isScheduling).map((e) => e.EventId));
      for (const t of tasks) if (!known.has(t.id)) added.push(schedulingEvent(inst.id, t, nowMs, ts));
    }
    added.push({ EventType: EventType.OrchestratorCompleted, EventId: -1, Timestamp: ts });

    let status: RuntimeStatus = 'Running';
    let output: string | undefined;
    if (outcome.kind === 'completed') {
      try {
        output = JSON.stringify(outcome.output);
        status = 'Completed';
        added.push({
          EventType: EventType.ExecutionCompleted,
          EventId: -1,
          Timestamp: ts,
          OrchestrationStatus: 'Completed',
          Result: output,
        });
      } catch (e) {
        outcome = {
          kind: 'failed',
          message: `the orchestrator output is not JSON-serializable: ${asError(e).message}`,
        };
      }
    }
    if (outcome.kind === 'failed') {
      // The wording of the Durable extension's status output for a failed orchestration.
      const message = `Orchestrator function '${name}' failed: ${outcome.message}`;
      status = 'Failed';
      output = JSON.stringify(message);
      added.push({
        EventType: EventType.ExecutionCompleted,
        EventId: -1,
        Timestamp: ts,
        OrchestrationStatus: 'Failed',
        Result: message,
      });
      this.log(`[durable] ${name} '${inst.id}' failed: ${outcome.stack ?? outcome.message}`);
    }
    let customStatusJson: string | undefined;
    try {
      customStatusJson = customStatus === undefined ? undefined : JSON.stringify(customStatus);
    } catch {
      customStatusJson = inst.record.customStatus;
    }

    try {
      await this.commit(inst, this.nextRecord(inst.record, status, output, customStatusJson, added.length), added);
    } catch (e) {
      if (e instanceof ConcurrencyError) {
        this.log(`[durable] '${inst.id}' was changed by another writer; this runtime stops driving it (${e.message})`);
        this.retire(inst);
        return false;
      }
      // Store unreachable: nothing was persisted; put the messages back and try again later.
      inst.inbox.unshift(...messages);
      this.log(`[durable] could not persist a step of '${inst.id}', retrying: ${asError(e).message}`);
      if (!this.stopRequested) {
        const t = setTimeout(() => {
          this.retryTimers.delete(t);
          this.kick(inst);
        }, STORE_RETRY_MS);
        this.retryTimers.add(t);
      }
      return false;
    }
    inst.lastEpisodeMs = nowMs;
    if (status === 'Completed') this.log(`[durable] ${name} '${inst.id}' completed`);
    this.dispatchOutstanding(inst);
    return true;
  }

  private nextRecord(
    prev: StoredInstance,
    status: RuntimeStatus,
    output: string | undefined,
    customStatus: string | undefined,
    added: number,
  ): StoredInstance {
    return {
      ...prev,
      runtimeStatus: status,
      output,
      customStatus,
      lastUpdatedTime: new Date().toISOString(),
      historyLength: prev.historyLength + added,
    };
  }

  /** Persists one step (atomic, version-checked), then applies it in memory. */
  private async commit(inst: ActiveInstance, record: StoredInstance, events: StoredEvent[]): Promise<void> {
    inst.version = await this.store.append(record, events, inst.version);
    inst.history.push(...events);
    inst.record = record;
    if (!isActiveStatus(record.runtimeStatus)) this.retire(inst);
    this.notify(record);
  }

  private retire(inst: ActiveInstance): void {
    inst.gone = true;
    inst.inbox.length = 0;
    clearTimers(inst);
    if (this.active.get(inst.id) === inst) this.active.delete(inst.id);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].inst === inst) this.queue.splice(i, 1);
  }

  // -------------------------------------------------------------------------------------------
  // Activities and timers

  /** Queues every scheduled activity / arms every timer of the history that has no completion yet. */
  private dispatchOutstanding(inst: ActiveInstance): void {
    if (this.stopRequested || inst.gone) return;
    for (const e of openSchedulingEvents(inst.history)) {
      if (inst.dispatched.has(e.EventId)) continue;
      inst.dispatched.add(e.EventId);
      if (e.EventType === EventType.TaskScheduled)
        this.queue.push({ inst, taskId: e.EventId, name: e.Name, input: e.Input });
      else if (e.EventType === EventType.SubOrchestrationInstanceCreated) void this.startChild(inst, e);
      else this.armTimer(inst, e);
    }
    this.pump();
  }

  private pump(): void {
    while (!this.stopRequested && this.runningActivities < this.maxConcurrent && this.queue.length > 0) {
      const item = this.queue.shift() as WorkItem;
      if (item.inst.gone) continue;
      this.runningActivities++;
      void this.runActivity(item).finally(() => {
        this.runningActivities--;
        this.pump();
      });
    }
  }

  private async runActivity(item: WorkItem): Promise<void> {
    const { inst, taskId, name } = item;
    let completion: StoredEvent;
    const handler = this.activities.get(name);
    if (!handler) {
      completion = taskFailed(name, taskId, new Error(`The activity function '${name}' is not registered`));
    } else {
      try {
        const input: unknown = item.input === undefined ? undefined : JSON.parse(item.input);
        const init: ConstructorParameters<typeof InvocationContext>[0] = {
          functionName: name,
          invocationId: randomUUID(),
        };
        if (this.logHandler) init.logHandler = this.logHandler;
        const result: unknown = await handler(input, new InvocationContext(init));
        // The extension hands undefined back as null.
        completion = {
          EventType: EventType.TaskCompleted,
          EventId: -1,
          Timestamp: new Date().toISOString(),
          TaskScheduledId: taskId,
          Result: JSON.stringify(result) ?? 'null',
        };
      } catch (e) {
        const err = asError(e);
        this.log(`[durable] activity ${name} (task ${taskId} of '${inst.id}') failed: ${err.stack ?? err.message}`);
        completion = taskFailed(name, taskId, e);
      }
    }
    this.deliver(inst, completion);
  }

  /**
   * Creates and starts the child of a SubOrchestrationInstanceCreated event, idempotently (it is
   * re-dispatched after a restart): a child already linked to this task is left to run, or, if it
   * already ended, its result is delivered again.
   */
  private async startChild(parent: ActiveInstance, e: SubOrchestrationInstanceCreatedEvent): Promise<void> {
    const link: ParentLink = {
      instanceId: parent.id,
      executionId: parent.record.executionId,
      taskScheduledId: e.EventId,
    };
    const fail = (reason: string): void =>
      this.deliver(parent, {
        EventType: EventType.SubOrchestrationInstanceFailed,
        EventId: -1,
        Timestamp: new Date().toISOString(),
        TaskScheduledId: e.EventId,
        Reason: reason,
        Details: JSON.stringify({ ErrorType: 'SubOrchestrationStartError', Message: reason }),
      });
    const handler = this.orchestrators.get(e.Name);
    if (!handler) return fail(`The orchestrator function '${e.Name}' is not registered`);
    if (e.InstanceId === parent.id || e.InstanceId === parent.record.parent?.instanceId)
      return fail(`The instance id of a sub-orchestration must differ from its parent's ('${e.InstanceId}')`);
    try {
      validateInstanceId(e.InstanceId);
      const existing = await this.store.getInstance(e.InstanceId);
      if (existing && sameLink(existing.instance.parent, link)) {
        if (!isActiveStatus(existing.instance.runtimeStatus)) this.reportToParent(existing.instance);
        return; // still running: driven here, or resumeAll resumes it like any instance
      }
      if (existing && isActiveStatus(existing.instance.runtimeStatus)) {
        return fail(new InstanceAlreadyExistsError(e.InstanceId, existing.instance.runtimeStatus).message);
      }
      await this.createAndRun(e.Name, handler, e.InstanceId, e.Input, link, existing ? existing.version : null);
    } catch (err) {
      if (err instanceof InstanceIdError) return fail(err.message);
      // Raced with another writer (ConcurrencyError) or the store is unreachable: look again later.
      this.log(`[durable] could not start sub-orchestration '${e.InstanceId}', retrying: ${asError(err).message}`);
      if (this.stopRequested) return;
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        parent.dispatched.delete(e.EventId);
        void parent.run(() => {
          this.dispatchOutstanding(parent);
          return Promise.resolve();
        });
      }, STORE_RETRY_MS);
      this.retryTimers.add(t);
    }
  }

  /** An ended sub-orchestration's result, to its parent if this runtime drives that execution (else the parent's re-dispatch finds it). */
  private reportToParent(child: StoredInstance): void {
    const link = child.parent;
    if (!link || isActiveStatus(child.runtimeStatus)) return;
    const parent = this.active.get(link.instanceId);
    if (!parent || parent.gone || parent.record.executionId !== link.executionId) return;
    this.deliver(parent, childCompletion(child, link.taskScheduledId));
  }

  private armTimer(inst: ActiveInstance, e: TimerCreatedEvent): void {
    const fireAtMs = Date.parse(e.FireAt);
    const arm = (): void => {
      const handle = setTimeout(
        () => {
          inst.timers.delete(e.EventId);
          if (Date.now() < fireAtMs) return arm(); // setTimeout may fire a millisecond early, or the delay was capped
          this.deliver(inst, {
            EventType: EventType.TimerFired,
            EventId: -1,
            Timestamp: new Date().toISOString(),
            TimerId: e.EventId,
            FireAt: e.FireAt,
          });
        },
        Math.min(Math.max(0, fireAtMs - Date.now()), MAX_TIMEOUT_MS),
      );
      inst.timers.set(e.EventId, handle);
    };
    arm();
  }

  private deliver(inst: ActiveInstance, message: StoredEvent): void {
    if (this.stopRequested || inst.gone) {
      const what =
        message.EventType === EventType.TimerFired
          ? `timer ${message.TimerId}`
          : completedTaskId(message) !== undefined
            ? `result of task ${completedTaskId(message)}`
            : 'a message';
      this.log(
        `[durable] discarded ${what} of '${inst.id}' (${this.stopRequested ? 'runtime stopped' : 'instance no longer driven here'})`,
      );
      return;
    }
    inst.inbox.push(message);
    this.kick(inst);
  }

  // -------------------------------------------------------------------------------------------
  // Waiters

  private notify(record: StoredInstance): void {
    if (isActiveStatus(record.runtimeStatus)) return;
    this.reportToParent(record);
    for (const w of [...this.waiters]) if (w.instanceId === record.instanceId) this.settle(w, toStatus(record));
  }

  private async checkWaiter(w: Waiter): Promise<void> {
    try {
      const s = await this.getStatus(w.instanceId);
      if (!s) this.settle(w, new Error(`No orchestration instance with id '${w.instanceId}'`));
      else if (!isActiveStatus(s.runtimeStatus)) this.settle(w, s);
    } catch (e) {
      this.settle(w, asError(e));
    }
  }

  private settle(w: Waiter, result: OrchestrationStatus | Error): void {
    if (!this.waiters.delete(w)) return;
    clearTimeout(w.timeout);
    clearInterval(w.poll);
    if (result instanceof Error) w.reject(result);
    else w.resolve(result);
  }

  private assertLive(): void {
    if (this.stopRequested) throw new Error('LocalDurableRuntime is stopped');
  }
}

// ---------------------------------------------------------------------------------------------

function clearTimers(inst: ActiveInstance): void {
  for (const t of inst.timers.values()) clearTimeout(t);
  inst.timers.clear();
}

function executionStarted(r: StoredInstance): StoredEvent {
  const e: StoredEvent = { EventType: EventType.ExecutionStarted, EventId: -1, Timestamp: r.createdTime, Name: r.name };
  if (r.input !== undefined) e.Input = r.input;
  return e;
}

function schedulingEvent(instanceId: string, t: SequencedTask, nowMs: number, ts: string): StoredEvent {
  switch (t.kind) {
    case 'subOrchestration': {
      // Without an id from the orchestrator, DTFx names the child `{parent id}:{sequence number}`: deterministic on replay.
      const e: StoredEvent = {
        EventType: EventType.SubOrchestrationInstanceCreated,
        EventId: t.id,
        Timestamp: ts,
        Name: t.name,
        InstanceId: t.instanceId ?? `${instanceId}:${t.id}`,
      };
      if (t.input !== undefined) e.Input = t.input;
      return e;
    }
    case 'activity': {
      const e: StoredEvent = { EventType: EventType.TaskScheduled, EventId: t.id, Timestamp: ts, Name: t.name };
      if (t.input !== undefined) e.Input = t.input;
      return e;
    }
    case 'timer':
      return { EventType: EventType.TimerCreated, EventId: t.id, Timestamp: ts, FireAt: t.fireAt.toISOString() };
    case 'retryTimer':
      return {
        EventType: EventType.TimerCreated,
        EventId: t.id,
        Timestamp: ts,
        FireAt: new Date(nowMs + t.delayMs).toISOString(),
      };
    case 'unsupported':
      throw new Error(`cannot schedule ${t.description}`);
  }
}

/** What the Durable extension reports for a failed activity (Reason / Details of TaskFailed). */
function taskFailed(name: string, taskId: number, e: unknown): StoredEvent {
  const err = asError(e);
  return {
    EventType: EventType.TaskFailed,
    EventId: -1,
    Timestamp: new Date().toISOString(),
    TaskScheduledId: taskId,
    Reason: `Activity function '${name}' failed: ${err.message}`,
    Details: JSON.stringify({ ErrorType: err.name, Message: err.message }),
  };
}

/** What the parent receives when its sub-orchestration ended. */
function childCompletion(child: StoredInstance, taskScheduledId: number): StoredEvent {
  const ts = new Date().toISOString();
  if (child.runtimeStatus === 'Completed')
    return {
      EventType: EventType.SubOrchestrationInstanceCompleted,
      EventId: -1,
      Timestamp: ts,
      TaskScheduledId: taskScheduledId,
      Result: child.output ?? 'null',
    };
  const text = parseJson(child.output);
  const message = typeof text === 'string' ? text : `Orchestrator function '${child.name}' ${child.runtimeStatus}`;
  const reason =
    child.runtimeStatus === 'Terminated' ? `Orchestrator function '${child.name}' was terminated: ${message}` : message;
  return {
    EventType: EventType.SubOrchestrationInstanceFailed,
    EventId: -1,
    Timestamp: ts,
    TaskScheduledId: taskScheduledId,
    Reason: reason,
    Details: JSON.stringify({ ErrorType: 'OrchestrationFailure', Message: reason, InstanceId: child.instanceId }),
  };
}

/**
 * Drops completions that answer no open task: a sub-orchestration's result can be delivered twice
 * (its own end and the parent's re-dispatch after a restart); the first one counts.
 */
function dropStaleCompletions(history: readonly StoredEvent[], messages: StoredEvent[]): StoredEvent[] {
  const open = new Set(openSchedulingEvents(history).map((e) => e.EventId));
  return messages.filter((m) => {
    const id = completedTaskId(m);
    if (id === undefined) return true;
    return open.delete(id);
  });
}

function sameLink(a: ParentLink | undefined, b: ParentLink): boolean {
  return (
    a !== undefined &&
    a.instanceId === b.instanceId &&
    a.executionId === b.executionId &&
    a.taskScheduledId === b.taskScheduledId
  );
}

function terminationEvents(reason: string): StoredEvent[] {
  const ts = new Date().toISOString();
  return [
    { EventType: EventType.OrchestratorStarted, EventId: -1, Timestamp: ts },
    { EventType: EventType.ExecutionTerminated, EventId: -1, Timestamp: ts, Input: reason },
    { EventType: EventType.OrchestratorCompleted, EventId: -1, Timestamp: ts },
    {
      EventType: EventType.ExecutionCompleted,
      EventId: -1,
      Timestamp: ts,
      OrchestrationStatus: 'Terminated',
      Result: reason,
    },
  ];
}

function toStatus(r: StoredInstance): OrchestrationStatus {
  return {
    instanceId: r.instanceId,
    name: r.name,
    runtimeStatus: r.runtimeStatus,
    input: parseJson(r.input) ?? null,
    output: parseJson(r.output) ?? null,
    customStatus: parseJson(r.customStatus) ?? null,
    createdTime: r.createdTime,
    lastUpdatedTime: r.lastUpdatedTime,
  };
}

function parseJson(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}

function safeJson(v: unknown): string {
  try {
    return v instanceof Error ? (v.stack ?? v.message) : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** The Azure Storage backend's rules: 1–256 characters, no / \ # ? or control characters. */
function validateInstanceId(id: string): void {
  // eslint-disable-next-line no-control-regex
  if (id.length === 0 || id.length > 256 || /[/\\#?\u0000-\u001f\u007f-\u009f]/.test(id)) {
    throw new InstanceIdError(`Invalid instance id '${id}': 1–256 characters without / \\ # ? or control characters`);
  }
}
