/**
 * Adapts a Functions Service Bus trigger invocation to the bus port's ReceivedMessage, so the
 * same handlers run under the Azure host and on the local host's in-process bus.
 *
 * The Node.js v4 trigger cannot settle messages: the host completes the message when the function
 * succeeds and abandons it when it throws (dead-lettering after maxDeliveryCount with reason
 * MaxDeliveryCountExceeded). Settlement from Node code exists only in the preview SDK binding
 * (@azure/functions-extensions-servicebus 0.2.0-preview), which we do not ship. So:
 * - complete(): nothing to do (success completes);
 * - abandon(): marks the invocation failed; the adapter throws after the handler returns;
 * - deadLetter(reason, description): forwards the message with DeadLetterReason /
 *   DeadLetterErrorDescription application properties to the entity's poison queue (the same
 *   names Service Bus uses on its dead-letter sub-queue), then the invocation succeeds and the
 *   host completes the original. The forward happens before completion, so a crash in between
 *   yields a redelivery and at worst a second poison copy with the same messageId, which the
 *   queue's duplicate detection drops.
 */
import { promised } from '../shared/domain/promised';
import type { InvocationContext } from '@azure/functions';
import type { BusMessage, ReceivedMessage } from '../shared/messaging/bus';

export type DeadLetterForwarder = (
  message: BusMessage,
  reason: string,
  description: string | undefined,
) => Promise<void>;

/** Thrown after a handler abandoned the message (the host then abandons it). */
export class MessageAbandonedError extends Error {
  constructor(readonly messageId: string) {
    super(`message ${messageId} abandoned by its handler; the host will redeliver it`);
    this.name = 'MessageAbandonedError';
  }
}

/**
 * A handler dead-lettered a message of a function registered without a poison queue: the
 * invocation fails, so the host redelivers the message and, after maxDeliveryCount, dead-letters
 * it itself (reason MaxDeliveryCountExceeded instead of the handler's).
 */
export class NoPoisonQueueError extends Error {
  constructor(
    readonly functionName: string,
    readonly messageId: string,
    /** The dead-letter reason the handler gave. */
    readonly reason: string,
  ) {
    super(`${functionName}: cannot dead-letter message ${messageId} (${reason}): no poison queue configured`);
    this.name = 'NoPoisonQueueError';
  }
}

export type Settlement = 'complete' | 'abandon' | 'dead-letter';

/** A handler settled the message a second time (a handler bug: each message is settled once). */
export class MessageAlreadySettledError extends Error {
  constructor(
    readonly messageId: string,
    /** The second settlement, the one refused. */
    readonly attempted: Settlement,
  ) {
    super(`message already settled; cannot ${attempted}`);
    this.name = 'MessageAlreadySettledError';
  }
}

type Scalar = string | number | boolean;

function scalarProperties(value: unknown): Record<string, Scalar> {
  if (typeof value !== 'object' || value === null) return {};
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(value))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  return out;
}

/** The trigger's body as bytes: binary bodies arrive as Buffer/Uint8Array, text as string. */
function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // a JSON body is parsed by the worker; re-serialize it (the handler decides whether it is valid)
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

/** Builds the ReceivedMessage for one trigger invocation and reports what the handler did with it. */
export function triggeredMessage(
  body: unknown,
  metadata: Record<string, unknown> | undefined,
  forward: DeadLetterForwarder,
): { message: ReceivedMessage; abandoned: () => boolean } {
  const meta = metadata ?? {};
  let abandoned = false;
  let settled = false;
  const base: BusMessage = {
    messageId: typeof meta.messageId === 'string' ? meta.messageId : '',
    body: bodyBytes(body),
    ...(typeof meta.contentType === 'string' ? { contentType: meta.contentType } : {}),
    ...(typeof meta.subject === 'string'
      ? { subject: meta.subject }
      : typeof meta.label === 'string'
        ? { subject: meta.label }
        : {}),
    applicationProperties: scalarProperties(meta.applicationProperties ?? meta.userProperties),
  };
  const settleOnce = (what: Settlement) => {
    if (settled) throw new MessageAlreadySettledError(base.messageId, what);
    settled = true;
  };
  const message: ReceivedMessage = {
    ...base,
    deliveryCount: typeof meta.deliveryCount === 'number' ? meta.deliveryCount : 1,
    // settling is bookkeeping here (the host settles after the handler returns), so nothing to await;
    // a second settlement still rejects, as the port promises
    complete() {
      return promised(() => settleOnce('complete'));
    },
    abandon() {
      return promised(() => {
        settleOnce('abandon');
        abandoned = true;
      });
    },
    async deadLetter(reason, description) {
      settleOnce('dead-letter');
      await forward(base, reason, description);
    },
  };
  return { message, abandoned: () => abandoned };
}

/** Runs a handler for one trigger invocation with the settlement semantics above. */
export async function runTriggered(
  handler: (message: ReceivedMessage, context: InvocationContext) => Promise<void>,
  body: unknown,
  context: InvocationContext,
  forward: DeadLetterForwarder,
): Promise<void> {
  const { message, abandoned } = triggeredMessage(body, context.triggerMetadata, forward);
  await handler(message, context);
  if (abandoned()) throw new MessageAbandonedError(message.messageId);
}
