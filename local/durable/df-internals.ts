/**
 * The only module that touches durable-functions' untyped internals (lib/src/**). It drives the
 * library's own replay engine with a history and reports, in typed form, what the orchestrator
 * did: its outcome, custom status and every task it gave a sequence number.
 *
 * How one orchestrator "episode" runs (this mirrors lib/src/orchestrations/Orchestrator.js
 * `handle`, which is what `df.app.orchestration` registers as the Functions handler):
 * 1. The persisted history (events.ts JSON) becomes durable-functions HistoryEvent objects
 *    (lib/src/history/*), past events with IsPlayed = true, this episode's new events
 *    (OrchestratorStarted + the new messages) with IsPlayed = false.
 * 2. A TaskOrchestrationExecutor and a DurableOrchestrationContext are built exactly as
 *    Orchestrator.handle builds them (replay schema = the library's latest, timer settings of the
 *    Azure Storage backend), and `executor.execute(context, history, schema, handler)` replays the
 *    user's generator. The executor is the library's: it assigns task sequence numbers, matches
 *    TaskCompleted/TaskFailed/TimerFired to tasks by id, sets isReplaying and currentUtcDateTime.
 * 3. We reimplement `handle` instead of calling it because we need the executor instance before
 *    `execute` runs: its `trackOpenTask` is wrapped on that instance (not the prototype) to record
 *    each atomic task when it receives its sequence number. Those ids are what the history must
 *    use (TaskScheduled.EventId / TimerCreated.EventId) and what the determinism check compares.
 *    The Durable extension does the equivalent from the returned action list through DTFx's own
 *    sequence numbers; we cannot, because retries (RetryableTask) consume ids for their timers and
 *    re-attempts that never appear as actions.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext, type LogHandler } from '@azure/functions';
import type { DurableOrchestrationContext, OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { EventType, type StoredEvent } from './events';

// ---------------------------------------------------------------------------------------------
// Typed views of the library internals used here.

type AnyClass = abstract new (...args: never[]) => object;

interface LibTask {
  id: number | string | false;
  readonly actionObj: unknown;
  parent?: LibTask;
}
interface LibCompoundTask extends LibTask {
  children: LibTask[];
}
interface LibRetryableTask extends LibCompoundTask {
  retryOptions: RetryOptionsLike;
}
interface RetryOptionsLike {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}
interface LibAction {
  actionType: number;
  functionName?: string;
  /** Sub-orchestrations: the child's instance id when the orchestrator chose one. */
  instanceId?: string;
  input?: unknown;
  fireAt?: Date;
  isCanceled?: boolean;
  compoundActions?: LibAction[];
}
interface LibOrchestratorState {
  isDone: boolean;
  output: unknown;
}
interface LibExecutor {
  trackOpenTask: (task: LibTask) => void;
  execute(
    context: OrchestrationContext,
    history: unknown[],
    schemaVersion: number,
    fn: OrchestrationHandler,
  ): Promise<LibOrchestratorState>;
  /** Every action the orchestrator produced since ExecutionStarted (not only new ones). */
  actions: LibAction[];
  /** What the orchestrator threw (set when execute rejects because of user code). */
  exception: unknown;
}
type LibContextCtor = new (
  state: unknown[],
  instanceId: string,
  currentUtcDateTime: Date,
  isReplaying: boolean,
  parentInstanceId: string | undefined,
  longRunningTimerIntervalDuration: string,
  maximumShortTimerDuration: string,
  defaultHttpAsyncRequestSleepTimeMillseconds: number,
  schemaVersion: number,
  input: unknown,
  executor: LibExecutor,
) => DurableOrchestrationContext;

interface HistoryEventOptions {
  eventId: number;
  timestamp: Date;
  isPlayed: boolean;
  [field: string]: unknown;
}
type LibEventCtor = new (options: HistoryEventOptions) => object;

/* eslint-disable @typescript-eslint/no-require-imports -- untyped JS internals, narrowed right here */
const lib = {
  TaskOrchestrationExecutor: (
    require('durable-functions/lib/src/orchestrations/TaskOrchestrationExecutor') as {
      TaskOrchestrationExecutor: new () => LibExecutor;
    }
  ).TaskOrchestrationExecutor,
  DurableOrchestrationContext: (
    require('durable-functions/lib/src/orchestrations/DurableOrchestrationContext') as {
      DurableOrchestrationContext: LibContextCtor;
    }
  ).DurableOrchestrationContext,
  LatestReplaySchema: (
    require('durable-functions/lib/src/orchestrations/ReplaySchema') as { LatestReplaySchema: number }
  ).LatestReplaySchema,
  task: require('durable-functions/lib/src/task') as {
    CompoundTask: AnyClass;
    RetryableTask: AnyClass;
    NoOpTask: AnyClass;
  },
  ActionType: (
    require('durable-functions/lib/src/actions/ActionType') as { ActionType: Record<string, number | string> }
  ).ActionType,
  actions: {
    CallActivityAction: (
      require('durable-functions/lib/src/actions/CallActivityAction') as { CallActivityAction: AnyClass }
    ).CallActivityAction,
    CallActivityWithRetryAction: (
      require('durable-functions/lib/src/actions/CallActivityWithRetryAction') as {
        CallActivityWithRetryAction: AnyClass;
      }
    ).CallActivityWithRetryAction,
    CreateTimerAction: (
      require('durable-functions/lib/src/actions/CreateTimerAction') as { CreateTimerAction: AnyClass }
    ).CreateTimerAction,
    CallSubOrchestratorAction: (
      require('durable-functions/lib/src/actions/CallSubOrchestratorAction') as {
        CallSubOrchestratorAction: AnyClass;
      }
    ).CallSubOrchestratorAction,
    CallSubOrchestratorWithRetryAction: (
      require('durable-functions/lib/src/actions/CallSubOrchestratorWithRetryAction') as {
        CallSubOrchestratorWithRetryAction: AnyClass;
      }
    ).CallSubOrchestratorWithRetryAction,
  },
  HistoryEventType: (
    require('durable-functions/lib/src/history/HistoryEventType') as {
      HistoryEventType: Record<string, number | string>;
    }
  ).HistoryEventType,
  HistoryEvent: (
    require('durable-functions/lib/src/history/HistoryEvent') as {
      HistoryEvent: new (eventType: number, eventId: number, isPlayed: boolean, timestamp: Date) => object;
    }
  ).HistoryEvent,
  events: {
    OrchestratorStarted: (
      require('durable-functions/lib/src/history/OrchestratorStartedEvent') as {
        OrchestratorStartedEvent: LibEventCtor;
      }
    ).OrchestratorStartedEvent,
    OrchestratorCompleted: (
      require('durable-functions/lib/src/history/OrchestratorCompletedEvent') as {
        OrchestratorCompletedEvent: LibEventCtor;
      }
    ).OrchestratorCompletedEvent,
    ExecutionStarted: (
      require('durable-functions/lib/src/history/ExecutionStartedEvent') as { ExecutionStartedEvent: LibEventCtor }
    ).ExecutionStartedEvent,
    TaskScheduled: (
      require('durable-functions/lib/src/history/TaskScheduledEvent') as { TaskScheduledEvent: LibEventCtor }
    ).TaskScheduledEvent,
    TaskCompleted: (
      require('durable-functions/lib/src/history/TaskCompletedEvent') as { TaskCompletedEvent: LibEventCtor }
    ).TaskCompletedEvent,
    TaskFailed: (require('durable-functions/lib/src/history/TaskFailedEvent') as { TaskFailedEvent: LibEventCtor })
      .TaskFailedEvent,
    TimerCreated: (
      require('durable-functions/lib/src/history/TimerCreatedEvent') as { TimerCreatedEvent: LibEventCtor }
    ).TimerCreatedEvent,
    TimerFired: (require('durable-functions/lib/src/history/TimerFiredEvent') as { TimerFiredEvent: LibEventCtor })
      .TimerFiredEvent,
    SubOrchestrationInstanceCreated: (
      require('durable-functions/lib/src/history/SubOrchestrationInstanceCreatedEvent') as {
        SubOrchestrationInstanceCreatedEvent: LibEventCtor;
      }
    ).SubOrchestrationInstanceCreatedEvent,
    SubOrchestrationInstanceCompleted: (
      require('durable-functions/lib/src/history/SubOrchestrationInstanceCompletedEvent') as {
        SubOrchestrationInstanceCompletedEvent: LibEventCtor;
      }
    ).SubOrchestrationInstanceCompletedEvent,
    SubOrchestrationInstanceFailed: (
      require('durable-functions/lib/src/history/SubOrchestrationInstanceFailedEvent') as {
        SubOrchestrationInstanceFailedEvent: LibEventCtor;
      }
    ).SubOrchestrationInstanceFailedEvent,
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

// Our event type numbers must be the library's.
for (const [name, value] of Object.entries(EventType)) {
  if (lib.HistoryEventType[name] !== value)
    throw new Error(
      `durable-functions HistoryEventType.${name} is ${String(lib.HistoryEventType[name])}, expected ${value}`,
    );
}
const ActionType = {
  CallActivity: actionTypeValue('CallActivity'),
  CallActivityWithRetry: actionTypeValue('CallActivityWithRetry'),
  CreateTimer: actionTypeValue('CreateTimer'),
  CallSubOrchestrator: actionTypeValue('CallSubOrchestrator'),
  CallSubOrchestratorWithRetry: actionTypeValue('CallSubOrchestratorWithRetry'),
  WhenAny: actionTypeValue('WhenAny'),
  WhenAll: actionTypeValue('WhenAll'),
};
function actionTypeValue(name: string): number {
  const v = lib.ActionType[name];
  if (typeof v !== 'number') throw new Error(`durable-functions ActionType.${name} missing`);
  return v;
}

/** Durable extension settings for the Azure Storage backend (host.json defaults). */
const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
const MAXIMUM_SHORT_TIMER_DURATION = '6.00:00:00';
const DEFAULT_HTTP_ASYNC_SLEEP_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Public, typed surface.

/** A task the orchestrator gave a sequence number to, in the terms the runtime needs. */
export type SequencedTask =
  | { id: number; kind: 'activity'; name: string; /** JSON text */ input: string | undefined }
  | { id: number; kind: 'timer'; fireAt: Date; canceled: boolean }
  /** A sub-orchestration; `instanceId` undefined = the orchestrator let the runtime choose one. */
  | { id: number; kind: 'subOrchestration'; name: string; instanceId: string | undefined; input: string | undefined }
  /** Delay before the next attempt of a callActivityWithRetry, after attempt `failedAttempt` failed. */
  | { id: number; kind: 'retryTimer'; delayMs: number; failedAttempt: number; name: string }
  | { id: number; kind: 'unsupported'; description: string };

export type EpisodeOutcome =
  { kind: 'running' } | { kind: 'completed'; output: unknown } | { kind: 'failed'; message: string; stack?: string };

export interface EpisodeResult {
  outcome: EpisodeOutcome;
  customStatus: unknown;
  /** Every task that holds a sequence number after this replay, sorted by id. */
  tasks: SequencedTask[];
  /** Actions this runtime cannot execute (entities, HTTP, events, continueAsNew). */
  unsupported: string[];
}

export interface EpisodeParams {
  handler: OrchestrationHandler;
  functionName: string;
  instanceId: string;
  /** Deserialized orchestration input (context.df.getInput()). */
  input: unknown;
  /** Set when the instance is a sub-orchestration (context.df.parentInstanceId). */
  parentInstanceId?: string;
  /** Events of earlier episodes (replayed). */
  past: readonly StoredEvent[];
  /** This episode: OrchestratorStarted first, then the new messages. */
  fresh: readonly StoredEvent[];
  logHandler?: LogHandler;
}

/** Replays the orchestrator over past + fresh events with durable-functions' executor. */
export async function runEpisode(p: EpisodeParams): Promise<EpisodeResult> {
  const history = [...p.past.map((e) => toLibraryEvent(e, true)), ...p.fresh.map((e) => toLibraryEvent(e, false))];
  const firstStarted = [...p.past, ...p.fresh].find((e) => e.EventType === EventType.OrchestratorStarted);
  if (!firstStarted) throw new Error('The orchestrator can not execute without an OrchestratorStarted event.');

  const executor = new lib.TaskOrchestrationExecutor();
  const sequenced: LibTask[] = [];
  const originalTrack = executor.trackOpenTask;
  executor.trackOpenTask = function (this: LibExecutor, task: LibTask): void {
    const unassigned = task.id === false;
    originalTrack.call(this, task);
    if (unassigned && typeof task.id === 'number' && !(task instanceof lib.task.CompoundTask)) sequenced.push(task);
  };

  const init: ConstructorParameters<typeof InvocationContext>[0] = {
    functionName: p.functionName,
    invocationId: randomUUID(),
  };
  if (p.logHandler) init.logHandler = p.logHandler;
  const df = new lib.DurableOrchestrationContext(
    history,
    p.instanceId,
    new Date(firstStarted.Timestamp),
    p.past.length > 0,
    p.parentInstanceId,
    LONG_RUNNING_TIMER_INTERVAL,
    MAXIMUM_SHORT_TIMER_DURATION,
    DEFAULT_HTTP_ASYNC_SLEEP_MS,
    lib.LatestReplaySchema,
    p.input,
    executor,
  );
  const context: OrchestrationContext = Object.assign(new InvocationContext(init), { df });

  let outcome: EpisodeOutcome;
  try {
    const state = await executor.execute(context, history, lib.LatestReplaySchema, p.handler);
    outcome = state.isDone ? { kind: 'completed', output: state.output } : { kind: 'running' };
  } catch (err) {
    // OrchestrationFailureError wraps the state; the orchestrator's own error is executor.exception.
    const thrown = executor.exception !== undefined ? executor.exception : err;
    outcome =
      thrown instanceof Error
        ? { kind: 'failed', message: thrown.message, stack: thrown.stack }
        : { kind: 'failed', message: String(thrown) };
  }

  return {
    outcome,
    customStatus: df.customStatus,
    tasks: sequenced.map(describeTask).sort((a, b) => a.id - b.id),
    unsupported: unsupportedActions(executor.actions),
  };
}

function describeTask(task: LibTask): SequencedTask {
  const id = task.id as number;
  const parent = task.parent;
  if (task instanceof lib.task.NoOpTask && parent instanceof lib.task.RetryableTask) {
    // RetryableTask children: [attempt 1, timer, attempt 2, timer, attempt 3, ...] – a NoOpTask at
    // an odd index waits for the retry timer, at an even index it is the next attempt.
    const retryable = parent as LibRetryableTask;
    const index = retryable.children.indexOf(task);
    const action = retryable.actionObj;
    const isActivity = action instanceof lib.actions.CallActivityWithRetryAction;
    if (!isActivity && !(action instanceof lib.actions.CallSubOrchestratorWithRetryAction))
      return { id, kind: 'unsupported', description: describeAction(action) };
    const a = action as LibAction;
    const name = a.functionName ?? '';
    if (index % 2 === 1) {
      const failedAttempt = (index + 1) / 2;
      return {
        id,
        kind: 'retryTimer',
        delayMs: retryDelayMs(retryable.retryOptions, failedAttempt),
        failedAttempt,
        name,
      };
    }
    return isActivity ? { id, kind: 'activity', name, input: serializeActionInput(a.input) } : subOrchestration(id, a);
  }
  const action = task.actionObj;
  if (action instanceof lib.actions.CallActivityAction || action instanceof lib.actions.CallActivityWithRetryAction) {
    const a = action as LibAction;
    return { id, kind: 'activity', name: a.functionName ?? '', input: serializeActionInput(a.input) };
  }
  if (action instanceof lib.actions.CreateTimerAction) {
    const a = action as LibAction;
    return { id, kind: 'timer', fireAt: a.fireAt as Date, canceled: a.isCanceled === true };
  }
  if (
    action instanceof lib.actions.CallSubOrchestratorAction ||
    action instanceof lib.actions.CallSubOrchestratorWithRetryAction
  ) {
    return subOrchestration(id, action as LibAction);
  }
  return { id, kind: 'unsupported', description: describeAction(action) };
}

/** Sub-orchestration actions keep their input raw (no Utils.processInput), so it is JSON-encoded here. */
function subOrchestration(id: number, a: LibAction): SequencedTask {
  return {
    id,
    kind: 'subOrchestration',
    name: a.functionName ?? '',
    instanceId: a.instanceId ? a.instanceId : undefined,
    input: a.input === undefined ? undefined : JSON.stringify(a.input),
  };
}

/**
 * The delay DTFx's RetryInterceptor waits after attempt `failedAttempt` (1-based) failed:
 * first × coefficient^(failedAttempt-1), capped at maxRetryInterval when one is set.
 */
export function retryDelayMs(o: RetryOptionsLike, failedAttempt: number): number {
  const coefficient = typeof o.backoffCoefficient === 'number' && o.backoffCoefficient > 0 ? o.backoffCoefficient : 1;
  const delay = o.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  const max = o.maxRetryIntervalInMilliseconds;
  return typeof max === 'number' && max > 0 && delay > max ? max : delay;
}

/** Action inputs went through Utils.processInput: strings are already JSON text, the rest is raw. */
function serializeActionInput(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') return input;
  return JSON.stringify(input);
}

function unsupportedActions(actions: readonly LibAction[]): string[] {
  const out: string[] = [];
  const visit = (a: LibAction): void => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      for (const c of a.compoundActions ?? []) visit(c);
    } else if (
      a.actionType !== ActionType.CallActivity &&
      a.actionType !== ActionType.CallActivityWithRetry &&
      a.actionType !== ActionType.CreateTimer &&
      a.actionType !== ActionType.CallSubOrchestrator &&
      a.actionType !== ActionType.CallSubOrchestratorWithRetry
    ) {
      out.push(describeAction(a));
    }
  };
  for (const a of actions) visit(a);
  return [...new Set(out)];
}

function describeAction(action: unknown): string {
  if (typeof action === 'object' && action !== null && 'actionType' in action) {
    const t = (action as LibAction).actionType;
    const name = lib.ActionType[String(t)];
    return typeof name === 'string' ? name : `action type ${t}`;
  }
  return String(action);
}

function toLibraryEvent(e: StoredEvent, isPlayed: boolean): object {
  const base = { eventId: e.EventId, timestamp: new Date(e.Timestamp), isPlayed };
  switch (e.EventType) {
    case EventType.OrchestratorStarted:
      return new lib.events.OrchestratorStarted(base);
    case EventType.OrchestratorCompleted:
      return new lib.events.OrchestratorCompleted(base);
    case EventType.ExecutionStarted:
      return new lib.events.ExecutionStarted({ ...base, name: e.Name, input: e.Input });
    case EventType.TaskScheduled:
      return new lib.events.TaskScheduled({ ...base, name: e.Name, input: e.Input });
    case EventType.TaskCompleted:
      return new lib.events.TaskCompleted({ ...base, taskScheduledId: e.TaskScheduledId, result: e.Result });
    case EventType.TaskFailed:
      return new lib.events.TaskFailed({
        ...base,
        taskScheduledId: e.TaskScheduledId,
        reason: e.Reason,
        details: e.Details,
      });
    case EventType.TimerCreated:
      return new lib.events.TimerCreated({ ...base, fireAt: new Date(e.FireAt) });
    case EventType.TimerFired:
      return new lib.events.TimerFired({ ...base, timerId: e.TimerId, fireAt: new Date(e.FireAt) });
    case EventType.SubOrchestrationInstanceCreated:
      return new lib.events.SubOrchestrationInstanceCreated({
        ...base,
        name: e.Name,
        instanceId: e.InstanceId,
        input: e.Input,
      });
    case EventType.SubOrchestrationInstanceCompleted:
      return new lib.events.SubOrchestrationInstanceCompleted({
        ...base,
        taskScheduledId: e.TaskScheduledId,
        result: e.Result,
      });
    case EventType.SubOrchestrationInstanceFailed:
      return new lib.events.SubOrchestrationInstanceFailed({
        ...base,
        taskScheduledId: e.TaskScheduledId,
        reason: e.Reason,
        details: e.Details,
      });
    case EventType.ExecutionCompleted:
      return Object.assign(new lib.HistoryEvent(e.EventType, e.EventId, isPlayed, base.timestamp), {
        OrchestrationStatus: e.OrchestrationStatus,
        Result: e.Result,
      });
    case EventType.ExecutionTerminated:
      return Object.assign(new lib.HistoryEvent(e.EventType, e.EventId, isPlayed, base.timestamp), { Input: e.Input });
  }
}
