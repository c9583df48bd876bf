import type { MessageBus, ReceivedMessage, Source } from './bus';

/**
 * Message pump on top of the bus port (not part of the port itself: an Azure Function gets its
 * pump from the Service Bus trigger). The handler's outcome settles the message:
 * - resolves            → complete (unless the handler settled it itself);
 * - throws              → abandon, so the message is redelivered until maxDeliveryCount and
 *                         then dead-lettered ('MaxDeliveryCountExceeded');
 * - `m.deadLetter(...)` → the handler recognised a poison message; the pump leaves it alone.
 */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export interface SubscribeOptions {
  /** Handlers running at once (default 1). */
  concurrency?: number;
  /**
   * Called with a handler's error (before the abandon) and with settlement failures such as a
   * lock lost because the handler outlived the lock. Default: `console.error`.
   */
  onError?: (error: unknown, message: ReceivedMessage | undefined) => void;
}

export interface Subscription {
  /** Stops receiving, waits for running handlers to finish and settle. Idempotent. */
  close(): Promise<void>;
}

export interface SubscribableBus extends MessageBus {
  subscribe(source: Source, handler: MessageHandler, options?: SubscribeOptions): Subscription;
}

export function defaultOnError(error: unknown, message: ReceivedMessage | undefined): void {
  console.error(`message handler error${message ? ` (messageId ${message.messageId})` : ''}:`, error);
}

export function validateConcurrency(options: SubscribeOptions | undefined): number {
  const n = options?.concurrency ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${n}`);
  return n;
}

/**
 * Runs one handler invocation and settles the message by its outcome. `isSettled` tells whether
 * the handler settled the message itself. Never throws: failures go to `onError`.
 */
export async function handleAndSettle(
  message: ReceivedMessage,
  handler: MessageHandler,
  isSettled: () => boolean,
  onError: (error: unknown, message: ReceivedMessage | undefined) => void,
): Promise<void> {
  let failed = false;
  try {
    await handler(message);
  } catch (error) {
    failed = true;
    onError(error, message);
  }
  if (isSettled()) return;
  try {
    if (failed) await message.abandon();
    else await message.complete();
  } catch (error) {
    onError(error, message);
  }
}

export function describeSource(source: Source): string {
  return 'queue' in source ? source.queue : `${source.topic}/Subscriptions/${source.subscription}`;
}
