/**
 * Consumer of the integration-events subscription: validates each message, decoding its body once,
 * and appends the decoded event with the received bytes to the IntegrationEventStore (which keeps
 * the bytes and indexes what the decoded event says, without decoding them again).
 *
 * - Message type: application property `MessageType`, else the subject. Event id: application
 *   property `EventId`, else the messageId (Service Bus keeps it on redelivery). Operation time:
 *   application property `OperationTimestamp` (ISO 8601), optional, stored for audit.
 * - Poison message (no or unknown message type, unusable event id, body over 48 KiB, body that
 *   does not decode or violates the contract): dead-lettered at once with reason
 *   'InvalidIntegrationEvent' and the ContractError text (naming the field) as description.
 *   Nothing is stored: a retry could never make it valid.
 * - A TimeSeriesPointsReceived whose registration_time is later than now + CLOCK_SKEW_MS
 *   (shared/domain/time.ts) is poison too: stored, it would wait unseen until its time and then
 *   change results already pinned to an earlier asOf.
 * - Valid: appended with storedAt = now(), then completed; 'duplicate' when the event id was
 *   already stored (a redelivery after a lost completion, or a duplicate publish).
 * - A storage failure propagates without settling, so the pump abandons the message and the bus
 *   redelivers it (then 'MaxDeliveryCountExceeded'). Storing before completing means a crash in
 *   between yields a redelivery, which the idempotent append turns into 'duplicate'.
 */
import type { ReceivedMessage } from '../messaging/bus';
import { ContractError } from '../messaging/contract-error';
import { decodeIntegrationEvent } from './decode';
import type { IntegrationEvent } from './events';
import { INTEGRATION_EVENT_CONTRACT } from './wire';
import type { IntegrationEventStore } from './store/event-store';
import { MAX_EVENT_BODY_BYTES, eventIdProblem } from './store/stored-event';
import { CLOCK_SKEW_MS, INSTANT_HINT, parseInstant } from '../domain/time';

export const INVALID_INTEGRATION_EVENT_REASON = 'InvalidIntegrationEvent';

export type IntegrationEventOutcome = 'stored' | 'duplicate' | 'dead-lettered';

interface ValidMessage {
  /** The body, decoded (and validated) once. */
  event: IntegrationEvent;
  eventId: string;
  operationTime?: number;
}

/** The decoded event and event id of a valid message; throws ContractError otherwise. */
function validate(message: ReceivedMessage, nowMs: number): ValidMessage {
  const props = message.applicationProperties ?? {};
  const messageType = props.MessageType ?? message.subject;
  if (messageType === undefined || messageType === '') {
    throw new ContractError(
      INTEGRATION_EVENT_CONTRACT,
      'MessageType',
      'missing (neither the application property MessageType nor a subject)',
    );
  }
  if (typeof messageType !== 'string') {
    throw new ContractError(INTEGRATION_EVENT_CONTRACT, 'MessageType', `not a string: ${JSON.stringify(messageType)}`);
  }
  const eventId = props.EventId ?? message.messageId;
  const idProblem = eventIdProblem(eventId);
  if (idProblem !== null || typeof eventId !== 'string') {
    throw new ContractError(INTEGRATION_EVENT_CONTRACT, 'EventId', idProblem ?? 'not a string');
  }
  if (message.body.byteLength > MAX_EVENT_BODY_BYTES) {
    throw new ContractError(
      messageType,
      null,
      `body of ${message.body.byteLength} bytes exceeds the limit of ${MAX_EVENT_BODY_BYTES} bytes (48 KiB)`,
    );
  }
  const event = decodeIntegrationEvent(messageType, message.body);
  if (event.messageType === 'TimeSeriesPointsReceived' && event.registrationTime > nowMs + CLOCK_SKEW_MS) {
    throw new ContractError(
      messageType,
      'registration_time',
      `${new Date(event.registrationTime).toISOString()} is in the future (now is ${new Date(nowMs).toISOString()})`,
    );
  }
  const op = props.OperationTimestamp;
  if (op === undefined) return { event, eventId };
  const operationTime =
    typeof op === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(op)
      ? parseInstant(op)
      : null;
  if (operationTime === null) {
    throw new ContractError(
      INTEGRATION_EVENT_CONTRACT,
      'OperationTimestamp',
      `not ${INSTANT_HINT}: ${JSON.stringify(typeof op === 'string' ? op.slice(0, 40) : op)}`,
    );
  }
  return { event, eventId, operationTime };
}

export async function handleIntegrationEventMessage(
  store: IntegrationEventStore,
  message: ReceivedMessage,
  now: () => number,
): Promise<IntegrationEventOutcome> {
  let valid: ValidMessage;
  try {
    valid = validate(message, now());
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    await message.deadLetter(INVALID_INTEGRATION_EVENT_REASON, error.message);
    return 'dead-lettered';
  }
  const { stored } = await store.append({
    eventId: valid.eventId,
    event: valid.event,
    body: message.body,
    storedAt: now(),
    ...(valid.operationTime !== undefined ? { operationTime: valid.operationTime } : {}),
  });
  await message.complete();
  return stored ? 'stored' : 'duplicate';
}
