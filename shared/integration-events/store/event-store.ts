/**
 * Append-only store of the consumed integration events: the system-time ("as known at") axis of
 * the bi-temporal master data. Every valid event is kept as received (message type + protobuf
 * body) with the time it was stored; master data is read back as of a system time and
 * materialized by shared/basis-data/bitemporal/materialize.ts.
 *
 * - Idempotent: an event is identified by its eventId. Appending an event whose id is already
 *   stored (a redelivery, or a duplicate the publisher sent twice) returns `stored: false` and
 *   changes nothing — in particular not its storedAt. A redelivery always carries the same message
 *   type, and the Table implementation keys events by (message type, event id), so event ids are
 *   expected unique across message types (the publisher's guarantee); both implementations keep
 *   the same (message type, event id) identity so they behave identically.
 * - Append-only: nothing is ever updated or deleted.
 * - Append takes the event already decoded (the subscriber decodes a message once) together with
 *   the bytes it was decoded from: the store keeps the bytes as received and takes what it indexes
 *   (message type, a time series' period) from the decoded event, so nothing is decoded on append.
 *   Reads decode the stored bytes.
 * - Rejects an unusable event id / unknown message type (ContractError naming `EventId` /
 *   `MessageType`), a body over MAX_EVENT_BODY_BYTES (EventTooLargeError) and a storedAt that is
 *   not a non-negative integer (RangeError).
 *
 * This file is the port only. Implementations (import them from their files):
 * TableIntegrationEventStore (./table-event-store.ts, Azure Table storage) and
 * MemoryIntegrationEventStore (./memory-event-store.ts, tests, local tools); what both share (limits,
 * append validation, EventTooLargeError) is ./stored-event.ts. test/contracts/integration-event-store.test.ts
 * runs one contract against both.
 */
import type { IntegrationEvent, IntegrationEventOf, IntegrationEventType, MasterDataEvent } from '../events';

/** What the store adds when it persists an event. */
export interface StoredEventMetadata {
  /** Identity of the event; a redelivery carries the same id. */
  eventId: string;
  /** System time (epoch ms) when the event was stored: the as-of axis. */
  storedAt: number;
}

/** An event as persisted by the store (distributes over a union, so narrowing works). */
export type Stored<E extends IntegrationEvent> = E & StoredEventMetadata;

/** A decoded event of one message type with its identity and stored time. */
export type StoredIntegrationEvent<T extends IntegrationEventType = IntegrationEventType> = Stored<
  IntegrationEventOf<T>
>;

/** A stored master-data event (what readMasterData returns). */
export type StoredMasterDataEvent = Stored<MasterDataEvent>;

/** Observation-time window: time-series events whose period overlaps [from, to). */
export interface ObservedRange {
  from: number;
  to: number;
}

export interface AppendedEvent {
  /** Identity of the event; a redelivery carries the same id (and message type). */
  eventId: string;
  /** The event decoded from `body`: its message type and (time series) period are what is indexed. */
  event: IntegrationEvent;
  /** The protobuf body exactly as received: what is stored, and decoded again on reads. */
  body: Uint8Array;
  /** System time (epoch ms) of storage: the as-of axis. */
  storedAt: number;
  /** The publisher's OperationTimestamp (epoch ms), when the message carried one; kept for audit. */
  operationTime?: number;
}

export interface IntegrationEventStore {
  append(e: AppendedEvent): Promise<{ stored: boolean }>;
  /**
   * The master-data events (MeteringPointCreated, MeteringPointConnected, EnergySupplierChanged,
   * BalanceResponsiblePartyChanged) stored at or before `asOf` (epoch ms), decoded, ordered by
   * storedAt then eventId. Other stored event types are not master data and are not returned.
   */
  readMasterData(asOf: number): Promise<StoredMasterDataEvent[]>;
  /**
   * The events of one message type stored at or before `asOf`, decoded, ordered by storedAt then
   * eventId. For TimeSeriesPointsReceived, `observed` keeps only events whose period overlaps it
   * (the Table store filters server-side on the period it records at append).
   */
  readEvents<T extends IntegrationEventType>(
    messageType: T,
    asOf: number,
    observed?: ObservedRange,
  ): Promise<StoredIntegrationEvent<T>[]>;
}
