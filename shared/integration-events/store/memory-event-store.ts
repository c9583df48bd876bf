import { promised } from '../../domain/promised';
import type { IntegrationEventType } from '../events';
import type {
  AppendedEvent,
  IntegrationEventStore,
  ObservedRange,
  StoredIntegrationEvent,
  StoredMasterDataEvent,
} from './event-store';
import {
  compareStored,
  observedPeriod,
  readMasterDataEvents,
  storedIntegrationEvent,
  validateAppend,
} from './stored-event';

/** What the memory store keeps per event: what a Table row holds (the bytes, not the decoded event). */
interface StoredRow {
  eventId: string;
  messageType: IntegrationEventType;
  body: Uint8Array;
  storedAt: number;
  /** TimeSeriesPointsReceived only: its period, recorded at append for range reads. */
  period: ObservedRange | null;
  operationTime?: number;
}

/** In-memory IntegrationEventStore (tests, local tools). Same semantics as the Table store. */
export class MemoryIntegrationEventStore implements IntegrationEventStore {
  /** (messageType, eventId) → detached copy of the appended event. */
  private readonly events = new Map<string, StoredRow>();

  append(e: AppendedEvent): Promise<{ stored: boolean }> {
    return promised(() => this.appendNow(e));
  }

  private appendNow(e: AppendedEvent): { stored: boolean } {
    validateAppend(e);
    const messageType = e.event.messageType;
    const key = `${messageType}\u0000${e.eventId}`;
    if (this.events.has(key)) return { stored: false };
    this.events.set(key, {
      eventId: e.eventId,
      messageType,
      body: new Uint8Array(e.body),
      storedAt: e.storedAt,
      period: observedPeriod(e.event),
      ...(e.operationTime !== undefined ? { operationTime: e.operationTime } : {}),
    });
    return { stored: true };
  }

  readMasterData(asOf: number): Promise<StoredMasterDataEvent[]> {
    return readMasterDataEvents((type, at) => this.readEvents(type, at), asOf);
  }

  readEvents<T extends IntegrationEventType>(
    messageType: T,
    asOf: number,
    observed?: ObservedRange,
  ): Promise<StoredIntegrationEvent<T>[]> {
    return promised(() => this.readEventsNow(messageType, asOf, observed));
  }

  private readEventsNow<T extends IntegrationEventType>(
    messageType: T,
    asOf: number,
    observed?: ObservedRange,
  ): StoredIntegrationEvent<T>[] {
    return [...this.events.values()]
      .filter((e) => e.storedAt <= asOf && e.messageType === messageType)
      .filter((e) => {
        if (!observed || messageType !== 'TimeSeriesPointsReceived') return true;
        const p = e.period;
        return p !== null && p.from < observed.to && p.to > observed.from;
      })
      .sort(compareStored)
      .map((e) => storedIntegrationEvent(e.eventId, messageType, e.body, e.storedAt));
  }

  /** Number of stored events of every type (tests, diagnostics). */
  countEvents(): Promise<number> {
    return Promise.resolve(this.events.size);
  }
}
