/**
 * The check the Durable extension / DTFx makes while replaying: the task the orchestrator gives a
 * sequence number must be the one the history recorded under that number, and every task the
 * history scheduled must be scheduled again by the replay.
 */
import type { SequencedTask } from './df-internals';
import { EventType, isScheduling, type SchedulingEvent, type StoredEvent } from './events';

const HINT = 'Orchestrator code must be deterministic; was it changed while this instance was running?';

/** Returns a description of the first mismatch, or undefined when the replay matches the history. */
export function findNonDeterminism(
  history: readonly StoredEvent[],
  tasks: readonly SequencedTask[],
): string | undefined {
  const recorded = new Map<number, SchedulingEvent>();
  for (const e of history) if (isScheduling(e)) recorded.set(e.EventId, e);

  const replayed = new Set<number>();
  for (const t of tasks) {
    const e = recorded.get(t.id);
    if (!e) continue;
    replayed.add(t.id);
    const matches =
      e.EventType === EventType.TaskScheduled
        ? t.kind === 'activity' && t.name === e.Name
        : e.EventType === EventType.SubOrchestrationInstanceCreated
          ? t.kind === 'subOrchestration' && t.name === e.Name
          : t.kind === 'timer' || t.kind === 'retryTimer';
    if (!matches) {
      return (
        `Non-deterministic orchestration detected: the history has ${describeEvent(e)} with sequence number ${t.id}, ` +
        `but the replayed orchestrator scheduled ${describeTask(t)} with that number. ${HINT}`
      );
    }
  }
  for (const [id, e] of recorded) {
    if (!replayed.has(id)) {
      return (
        `Non-deterministic orchestration detected: a previous execution scheduled ${describeEvent(e)} with sequence number ${id}, ` +
        `but the replayed orchestrator did not schedule it. ${HINT}`
      );
    }
  }
  return undefined;
}

function describeEvent(e: SchedulingEvent): string {
  switch (e.EventType) {
    case EventType.TaskScheduled:
      return `activity '${e.Name}'`;
    case EventType.SubOrchestrationInstanceCreated:
      return `sub-orchestration '${e.Name}' ('${e.InstanceId}')`;
    case EventType.TimerCreated:
      return `a timer (fire at ${e.FireAt})`;
  }
}

function describeTask(t: SequencedTask): string {
  switch (t.kind) {
    case 'activity':
      return `activity '${t.name}'`;
    case 'timer':
      return `a timer (fire at ${t.fireAt.toISOString()})`;
    case 'retryTimer':
      return `a retry timer of '${t.name}'`;
    case 'subOrchestration':
      return `sub-orchestration '${t.name}'`;
    case 'unsupported':
      return t.description;
  }
}
