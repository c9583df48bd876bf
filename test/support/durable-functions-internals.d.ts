/**
 * Types for the durable-functions internals the orchestrator tests drive (the package ships
 * JavaScript only for these paths). Only what the tests use.
 */
declare module 'durable-functions/lib/src/history/HistoryEventOptions' {
  export class HistoryEventOptions {
    constructor(eventId: number, timestamp: Date, isPlayed?: boolean);
    eventId: number;
    timestamp: Date;
    isPlayed: boolean;
  }
}
declare module 'durable-functions/lib/src/history/HistoryEvent' {
  export class HistoryEvent {
    EventType: number;
    EventId: number;
  }
}
declare module 'durable-functions/lib/src/history/OrchestratorStartedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class OrchestratorStartedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/ExecutionStartedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class ExecutionStartedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { name: string; input?: string });
  }
}
declare module 'durable-functions/lib/src/history/TaskScheduledEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class TaskScheduledEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { name: string; input?: string });
  }
}
declare module 'durable-functions/lib/src/history/TaskCompletedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class TaskCompletedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { taskScheduledId: number; result: string });
  }
}
declare module 'durable-functions/lib/src/history/TaskFailedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class TaskFailedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { taskScheduledId: number; reason?: string; details?: string });
  }
}
declare module 'durable-functions/lib/src/history/TimerCreatedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class TimerCreatedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { fireAt: Date });
  }
}
declare module 'durable-functions/lib/src/history/TimerFiredEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class TimerFiredEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { timerId: number; fireAt: Date });
  }
}
declare module 'durable-functions/lib/src/util/testingUtils' {
  import type { InvocationContext, LogHandler } from '@azure/functions';
  import type { OrchestrationHandler } from 'durable-functions';
  import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class DurableOrchestrationInput {
    constructor(instanceId?: string, history?: HistoryEvent[], input?: unknown);
  }
  export class DummyOrchestrationContext extends InvocationContext {
    constructor(functionName?: string, invocationId?: string, logHandler?: LogHandler);
  }
  export function createOrchestrator(
    fn: OrchestrationHandler,
  ): (trigger: DurableOrchestrationInput, context: DummyOrchestrationContext) => Promise<unknown>;
}
declare module 'durable-functions/lib/src/history/SubOrchestrationInstanceCreatedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class SubOrchestrationInstanceCreatedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { name: string; instanceId: string; input?: string });
  }
}
declare module 'durable-functions/lib/src/history/SubOrchestrationInstanceCompletedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class SubOrchestrationInstanceCompletedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { taskScheduledId: number; result: string });
  }
}
declare module 'durable-functions/lib/src/history/SubOrchestrationInstanceFailedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  export class SubOrchestrationInstanceFailedEvent extends HistoryEvent {
    constructor(o: HistoryEventOptions & { taskScheduledId: number; reason?: string; details?: string });
  }
}
