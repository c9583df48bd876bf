/**
 * Message bus port: topics with subscriptions, and queues, with peek-lock semantics. The
 * in-process stand-in (local host, tests) and the Azure Service Bus adapter pass one contract
 * suite (test/contracts/bus.contract.ts).
 */
export interface BusMessage {
  /** Unique id; a sender may reuse it to make redelivery detectable. */
  messageId: string;
  body: Uint8Array;
  contentType?: string;
  subject?: string;
  applicationProperties?: Record<string, string | number | boolean>;
}

export interface ReceivedMessage extends BusMessage {
  deliveryCount: number;
  /** Settle after processing. */
  complete(): Promise<void>;
  /** Give up the lock: redelivered until maxDeliveryCount, then dead-lettered. */
  abandon(): Promise<void>;
  /** Dead-letter now with a reason (poison message). */
  deadLetter(reason: string, description?: string): Promise<void>;
}

export interface DeadLetteredMessage extends BusMessage {
  deadLetterReason: string;
  deadLetterDescription?: string;
}

/** Address: a queue name, or a topic + subscription when receiving. */
export type Destination = { queue: string } | { topic: string };
export type Source = { queue: string } | { topic: string; subscription: string };

export interface MessageBus {
  send(to: Destination, message: BusMessage): Promise<void>;
  /** Receives up to `max` messages under peek-lock, waiting at most `waitMs`. */
  receive(from: Source, max: number, waitMs: number): Promise<ReceivedMessage[]>;
  /** Reads the dead-letter sub-queue (for tests and operators); removes what it returns. */
  receiveDeadLettered(from: Source, max: number, waitMs: number): Promise<DeadLetteredMessage[]>;
  close(): Promise<void>;
  /** One cheap request to the namespace (GET /api/health): resolves when it answered. */
  probe?(): Promise<void>;
}
