/**
 * The persisted form of an orchestration history: the JSON shape of Durable Task Framework
 * history events as the Durable extension hands them to durable-functions (PascalCase fields,
 * numeric `EventType` from durable-functions' HistoryEventType, ISO `Timestamp`). df-internals.ts
 * turns them into durable-functions' own HistoryEvent objects for replay.
 *
 * Only the events the local runtime produces are modelled. `EventId` is the orchestrator's task
 * sequence number for scheduling events (TaskScheduled, TimerCreated,
 * SubOrchestrationInstanceCreated) and -1 for everything else; completions point back with
 * `TaskScheduledId` / `TimerId`.
 */

/** Values of durable-functions' HistoryEventType (checked against the library in df-internals.ts). */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
} as const;

interface EventBase {
  EventId: number;
  /** ISO 8601 instant. */
  Timestamp: string;
}

export interface OrchestratorStartedEvent extends EventBase {
  EventType: typeof EventType.OrchestratorStarted;
}
export interface OrchestratorCompletedEvent extends EventBase {
  EventType: typeof EventType.OrchestratorCompleted;
}
export interface ExecutionStartedEvent extends EventBase {
  EventType: typeof EventType.ExecutionStarted;
  Name: string;
  /** JSON text of the orchestration input; absent = undefined. */
  Input?: string;
}
export interface TaskScheduledEvent extends EventBase {
  EventType: typeof EventType.TaskScheduled;
  /** Activity name. */
  Name: string;
  /** JSON text of the activity input; absent = undefined. */
  Input?: string;
}
export interface TaskCompletedEvent extends EventBase {
  EventType: typeof EventType.TaskCompleted;
  TaskScheduledId: number;
  /** JSON text of the activity result (`null` for undefined). */
  Result: string;
}
export interface TaskFailedEvent extends EventBase {
  EventType: typeof EventType.TaskFailed;
  TaskScheduledId: number;
  Reason: string;
  Details: string;
}
/** The parent scheduled a sub-orchestration (DTFx writes it when the child's start message is sent). */
export interface SubOrchestrationInstanceCreatedEvent extends EventBase {
  EventType: typeof EventType.SubOrchestrationInstanceCreated;
  /** Orchestrator name of the child. */
  Name: string;
  /** The child's instance id (given by the parent, else `{parentId}:{sequence number}`). */
  InstanceId: string;
  /** JSON text of the child's input; absent = undefined. */
  Input?: string;
}
export interface SubOrchestrationInstanceCompletedEvent extends EventBase {
  EventType: typeof EventType.SubOrchestrationInstanceCompleted;
  TaskScheduledId: number;
  /** JSON text of the child's output. */
  Result: string;
}
export interface SubOrchestrationInstanceFailedEvent extends EventBase {
  EventType: typeof EventType.SubOrchestrationInstanceFailed;
  TaskScheduledId: number;
  Reason: string;
  Details: string;
}
export interface TimerCreatedEvent extends EventBase {
  EventType: typeof EventType.TimerCreated;
  /** ISO instant. */
  FireAt: string;
}
export interface TimerFiredEvent extends EventBase {
  EventType: typeof EventType.TimerFired;
  TimerId: number;
  FireAt: string;
}
export interface ExecutionCompletedEvent extends EventBase {
  EventType: typeof EventType.ExecutionCompleted;
  OrchestrationStatus: 'Completed' | 'Failed' | 'Terminated';
  /** Completed: JSON text of the output; Failed: the error message; Terminated: the reason. */
  Result?: string;
}
export interface ExecutionTerminatedEvent extends EventBase {
  EventType: typeof EventType.ExecutionTerminated;
  /** The termination reason. */
  Input: string;
}

export type StoredEvent =
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | ExecutionStartedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationInstanceCreatedEvent
  | SubOrchestrationInstanceCompletedEvent
  | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | ExecutionCompletedEvent
  | ExecutionTerminatedEvent;

const KNOWN_TYPES = new Set<number>(Object.values(EventType));

/** Parses one persisted event (JSON text), checking the fields the runtime relies on. */
export function parseStoredEvent(text: string): StoredEvent {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null)
    throw new Error(`history event is not an object: ${text.slice(0, 200)}`);
  const rec = value as Record<string, unknown>;
  if (typeof rec.EventType !== 'number' || !KNOWN_TYPES.has(rec.EventType))
    throw new Error(`history event has unknown EventType: ${text.slice(0, 200)}`);
  if (typeof rec.EventId !== 'number' || typeof rec.Timestamp !== 'string')
    throw new Error(`history event lacks EventId/Timestamp: ${text.slice(0, 200)}`);
  return value as StoredEvent;
}

/** Scheduling events (the ones that carry a task sequence number as EventId). */
export type SchedulingEvent = TaskScheduledEvent | TimerCreatedEvent | SubOrchestrationInstanceCreatedEvent;

export function isScheduling(e: StoredEvent): e is SchedulingEvent {
  return (
    e.EventType === EventType.TaskScheduled ||
    e.EventType === EventType.TimerCreated ||
    e.EventType === EventType.SubOrchestrationInstanceCreated
  );
}

/** The task sequence number a completion message answers (undefined for other events). */
export function completedTaskId(e: StoredEvent): number | undefined {
  switch (e.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return e.TaskScheduledId;
    case EventType.TimerFired:
      return e.TimerId;
    default:
      return undefined;
  }
}

/** Scheduling events whose completion (TaskCompleted/TaskFailed/TimerFired/SubOrchestrationInstance*) is not in the history. */
export function openSchedulingEvents(history: readonly StoredEvent[]): SchedulingEvent[] {
  const open = new Map<number, SchedulingEvent>();
  for (const e of history) {
    if (isScheduling(e)) open.set(e.EventId, e);
    else {
      const done = completedTaskId(e);
      if (done !== undefined) open.delete(done);
    }
  }
  return [...open.values()];
}
