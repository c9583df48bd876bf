/**
 * Persistence of the local durable runtime: one record per orchestration instance plus its
 * append-only history (events.ts). Every write is conditional on the version the writer last
 * saw (optimistic concurrency), so two runtimes over one store cannot interleave a history.
 */
import { promised } from '../../shared/domain/promised';
import { parseStoredEvent, type StoredEvent } from './events';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export function isActiveStatus(s: RuntimeStatus): boolean {
  return s === 'Pending' || s === 'Running';
}

/** Where a sub-orchestration reports its end: the parent's execution and the task waiting for it. */
export interface ParentLink {
  instanceId: string;
  executionId: string;
  /** Sequence number of the parent's SubOrchestrationInstanceCreated event. */
  taskScheduledId: number;
}

export interface StoredInstance {
  instanceId: string;
  /** New for every startNew of the id; history rows belong to one execution. */
  executionId: string;
  /** Orchestrator function name. */
  name: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text; undefined = no input. */
  input?: string;
  /** JSON text of the output (Completed) or of the error message (Failed) / reason (Terminated). */
  output?: string;
  /** JSON text. */
  customStatus?: string;
  createdTime: string;
  lastUpdatedTime: string;
  /** Number of committed history events; events at or beyond it are ignored (torn appends). */
  historyLength: number;
  /** Set for a sub-orchestration: persisted so its result reaches the parent after a restart too. */
  parent?: ParentLink;
}

export interface VersionedInstance {
  instance: StoredInstance;
  /** Opaque concurrency token (an etag for the Table store). */
  version: string;
}

export class ConcurrencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrencyError';
  }
}

export interface HistoryStore {
  getInstance(instanceId: string): Promise<VersionedInstance | null>;
  listInstances(): Promise<VersionedInstance[]>;
  /**
   * Creates an instance with an empty history. `replaceVersion` null: the id must not exist;
   * otherwise the existing record must still have that version, and it is replaced together with
   * its history. Throws ConcurrencyError when the condition fails. Returns the new version.
   */
  createInstance(instance: StoredInstance, replaceVersion: string | null): Promise<string>;
  /**
   * Appends `events` at positions [instance.historyLength - events.length, instance.historyLength)
   * of the instance's current execution and replaces its record with `instance`, atomically from
   * a reader's point of view. Throws ConcurrencyError if the stored version is not
   * `expectedVersion`. Returns the new version.
   */
  append(instance: StoredInstance, events: readonly StoredEvent[], expectedVersion: string): Promise<string>;
  /** The committed history (first `historyLength` events) of one execution. */
  loadHistory(instance: StoredInstance): Promise<StoredEvent[]>;
}

/** In-process store; keeps JSON text, so nothing is shared by reference with the runtime. */
export class MemoryHistoryStore implements HistoryStore {
  private readonly instances = new Map<string, { record: string; version: number; events: string[] }>();
  private counter = 0;

  getInstance(instanceId: string): Promise<VersionedInstance | null> {
    return promised(() => {
      const slot = this.instances.get(instanceId);
      return slot ? { instance: JSON.parse(slot.record) as StoredInstance, version: String(slot.version) } : null;
    });
  }

  listInstances(): Promise<VersionedInstance[]> {
    return promised(() =>
      [...this.instances.values()].map((slot) => ({
        instance: JSON.parse(slot.record) as StoredInstance,
        version: String(slot.version),
      })),
    );
  }

  createInstance(instance: StoredInstance, replaceVersion: string | null): Promise<string> {
    return promised(() => this.createInstanceNow(instance, replaceVersion));
  }

  private createInstanceNow(instance: StoredInstance, replaceVersion: string | null): string {
    const slot = this.instances.get(instance.instanceId);
    if (replaceVersion === null ? slot !== undefined : slot === undefined || String(slot.version) !== replaceVersion) {
      throw new ConcurrencyError(`instance '${instance.instanceId}' was created or changed concurrently`);
    }
    if (instance.historyLength !== 0) throw new Error('a new instance starts with an empty history');
    const version = ++this.counter;
    this.instances.set(instance.instanceId, { record: JSON.stringify(instance), version, events: [] });
    return String(version);
  }

  append(instance: StoredInstance, events: readonly StoredEvent[], expectedVersion: string): Promise<string> {
    return promised(() => this.appendNow(instance, events, expectedVersion));
  }

  private appendNow(instance: StoredInstance, events: readonly StoredEvent[], expectedVersion: string): string {
    const slot = this.instances.get(instance.instanceId);
    if (!slot || String(slot.version) !== expectedVersion)
      throw new ConcurrencyError(`instance '${instance.instanceId}' was changed concurrently`);
    const stored = JSON.parse(slot.record) as StoredInstance;
    if (
      stored.executionId !== instance.executionId ||
      stored.historyLength !== instance.historyLength - events.length
    ) {
      throw new ConcurrencyError(`instance '${instance.instanceId}': append does not continue the stored history`);
    }
    slot.events.length = stored.historyLength;
    for (const e of events) slot.events.push(JSON.stringify(e));
    slot.record = JSON.stringify(instance);
    slot.version = ++this.counter;
    return String(slot.version);
  }

  loadHistory(instance: StoredInstance): Promise<StoredEvent[]> {
    return promised(() => this.loadHistoryNow(instance));
  }

  private loadHistoryNow(instance: StoredInstance): StoredEvent[] {
    const slot = this.instances.get(instance.instanceId);
    if (!slot) return [];
    const stored = JSON.parse(slot.record) as StoredInstance;
    if (stored.executionId !== instance.executionId) return [];
    return slot.events.slice(0, stored.historyLength).map(parseStoredEvent);
  }
}
