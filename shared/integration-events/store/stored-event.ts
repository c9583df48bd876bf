/**
 * What both IntegrationEventStore implementations share: validation of what is appended (so
 * both accept and reject exactly the same input), the decoding of a stored body, and the
 * master-data read (the master-data message types through readEvents, in stored order).
 */
import { ContractError } from '../../messaging/contract-error';
import { decodeIntegrationEvent } from '../decode';
import {
  MASTER_DATA_EVENT_TYPES,
  isIntegrationEventType,
  type IntegrationEvent,
  type IntegrationEventOf,
  type IntegrationEventType,
} from '../events';
import { INTEGRATION_EVENT_CONTRACT } from '../wire';
import type {
  AppendedEvent,
  IntegrationEventStore,
  ObservedRange,
  StoredIntegrationEvent,
  StoredMasterDataEvent,
} from './event-store';

/**
 * Largest body the store accepts. Integration events are small (a day of quarter-hour points is
 * ~1 KB); 48 KiB stays below Table storage's 64 KiB limit for one binary property.
 */
export const MAX_EVENT_BODY_BYTES = 48 * 1024;
/** Longest event id (Table storage RowKey: at most 1 KiB). */
export const MAX_EVENT_ID_LENGTH = 256;

/** A body larger than MAX_EVENT_BODY_BYTES. */
export class EventTooLargeError extends Error {
  constructor(
    readonly eventId: string,
    readonly bytes: number,
  ) {
    super(
      `integration event ${eventId}: body of ${bytes} bytes exceeds the limit of ${MAX_EVENT_BODY_BYTES} bytes (48 KiB)`,
    );
    this.name = 'EventTooLargeError';
  }
}

/** What makes a stored event unreadable. */
export type StoredEventDamage =
  | { kind: 'no-row-key' }
  | { kind: 'no-body' }
  | { kind: 'stored-at-not-integer'; value: string }
  | { kind: 'undecodable'; detail: string };

/**
 * A stored event that cannot be read back (a row without key or body, a storedAt that is not an
 * integer, a body that no longer decodes): damaged data, not a transient storage failure.
 */
export class DamagedStoredEventError extends Error {
  constructor(
    /** Null exactly when the row has no RowKey (damage 'no-row-key'). */
    readonly eventId: string | null,
    /** The message type (Table partition) it was read as. */
    readonly messageType: string,
    readonly damage: StoredEventDamage,
    options?: ErrorOptions,
  ) {
    super(damagedMessage(eventId, messageType, damage), options);
    this.name = 'DamagedStoredEventError';
  }
}

function damagedMessage(eventId: string | null, messageType: string, damage: StoredEventDamage): string {
  switch (damage.kind) {
    case 'no-row-key':
      return `stored integration event without a RowKey in partition ${messageType}`;
    case 'no-body':
      return `stored integration event ${eventId} (${messageType}) has no binary body`;
    case 'stored-at-not-integer':
      return `stored integration event ${eventId}: storedAt is not an integer: ${damage.value}`;
    case 'undecodable':
      return `stored integration event ${eventId} (${messageType}) cannot be decoded: ${damage.detail}`;
  }
}

/** Characters Table storage forbids in a RowKey: / \ # ? and control characters. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

/** Null when `eventId` is usable as an event identity (and Table RowKey), else the reason. */
export function eventIdProblem(eventId: unknown): string | null {
  if (eventId === undefined || eventId === null || eventId === '') return 'missing';
  if (typeof eventId !== 'string') return `not a string: ${JSON.stringify(eventId)}`;
  if (eventId.length > MAX_EVENT_ID_LENGTH) return `longer than ${MAX_EVENT_ID_LENGTH} characters`;
  if (FORBIDDEN_KEY_CHARS.test(eventId))
    return `contains a character not allowed in an event id (/ \\ # ? or a control character): ${JSON.stringify(eventId)}`;
  return null;
}

/** Throws (ContractError naming the field, or EventTooLargeError) unless `e` can be appended. */
export function validateAppend(e: AppendedEvent): void {
  const idProblem = eventIdProblem(e.eventId);
  if (idProblem !== null) throw new ContractError(INTEGRATION_EVENT_CONTRACT, 'EventId', idProblem);
  const messageType: unknown = e.event.messageType;
  if (!isIntegrationEventType(messageType)) {
    throw new ContractError(
      INTEGRATION_EVENT_CONTRACT,
      'MessageType',
      `unknown message type ${JSON.stringify(messageType)}`,
    );
  }
  if (!(e.body instanceof Uint8Array)) throw new TypeError(`integration event ${e.eventId}: body must be a Uint8Array`);
  if (e.body.byteLength > MAX_EVENT_BODY_BYTES) throw new EventTooLargeError(e.eventId, e.body.byteLength);
  if (!Number.isSafeInteger(e.storedAt) || e.storedAt < 0) {
    throw new RangeError(
      `integration event ${e.eventId}: storedAt must be a non-negative integer epoch-ms instant, got ${String(e.storedAt)}`,
    );
  }
}

/** Decodes a stored event of any type (damaged data throws, naming the event). */
export function storedIntegrationEvent<T extends IntegrationEventType>(
  eventId: string,
  messageType: T,
  body: Uint8Array,
  storedAt: number,
): StoredIntegrationEvent<T> {
  let decoded: IntegrationEventOf<T>;
  try {
    decoded = decodeIntegrationEvent(messageType, body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DamagedStoredEventError(eventId, messageType, { kind: 'undecodable', detail }, { cause: error });
  }
  return { ...decoded, eventId, storedAt };
}

/**
 * The master-data events as of `asOf`, through a store's readEvents: what both stores' readMasterData
 * return (one read per master-data message type, ordered by storedAt then eventId).
 */
export async function readMasterDataEvents(
  readEvents: IntegrationEventStore['readEvents'],
  asOf: number,
): Promise<StoredMasterDataEvent[]> {
  const perType = await Promise.all(MASTER_DATA_EVENT_TYPES.map((type) => readEvents(type, asOf)));
  return perType.flat().sort(compareStored);
}

/** Period of a TimeSeriesPointsReceived event (recorded at append for range queries); null for other types. */
export function observedPeriod(e: IntegrationEvent): ObservedRange | null {
  return e.messageType === 'TimeSeriesPointsReceived' ? { from: e.periodStart, to: e.periodEnd } : null;
}

/** Deterministic read order: system time, then event id. */
export function compareStored(
  a: { storedAt: number; eventId: string },
  b: { storedAt: number; eventId: string },
): number {
  return a.storedAt - b.storedAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
