/**
 * Errors of the message bus adapters. The codes follow Azure Service Bus (`ServiceBusError.code`)
 * so code that inspects `code` behaves the same against the in-process stand-in.
 */

/** Why a message's lock is gone. */
export type LockLostReason = 'already-settled' | 'expired' | 'bus-closed';

/** The lock of a received message is gone: settled already, expired, or the bus closed. */
export class MessageLockLostError extends Error {
  readonly code = 'MessageLockLost';
  constructor(
    readonly messageId: string,
    readonly reason: LockLostReason,
    /** The queue or subscription the message was received from. */
    readonly entityPath: string,
  ) {
    super(
      reason === 'bus-closed'
        ? `cannot settle message ${messageId}: the bus is closed`
        : `the lock on message ${messageId} in '${entityPath}' is lost: ${reason === 'already-settled' ? 'already settled' : 'the lock expired'}`,
    );
    this.name = 'MessageLockLostError';
  }
}

/** A queue, topic or subscription that was never declared. */
export class MessagingEntityNotFoundError extends Error {
  readonly code = 'MessagingEntityNotFound';
  constructor(readonly entityPath: string) {
    super(`messaging entity '${entityPath}' does not exist`);
    this.name = 'MessagingEntityNotFoundError';
  }
}

/** A queue, topic or subscription declared twice (the in-process bus's declarations). */
export class MessagingEntityAlreadyExistsError extends Error {
  readonly code = 'MessagingEntityAlreadyExists';
  constructor(
    readonly kind: 'queue' | 'topic' | 'subscription',
    /** The queue or topic name; `topic/subscription` for a subscription. */
    readonly entityPath: string,
  ) {
    super(`${kind} '${entityPath}' already exists`);
    this.name = 'MessagingEntityAlreadyExistsError';
  }
}

/**
 * No Service Bus is configured where one is needed. `settings` are the app settings that would
 * configure it.
 */
export class ServiceBusNotConfiguredError extends Error {
  constructor(
    readonly settings: readonly string[],
    message = `Service Bus is not configured: set ${settings.join(' or ')}`,
  ) {
    super(message);
    this.name = 'ServiceBusNotConfiguredError';
  }
}

/** An operation on a closed bus. */
export class BusClosedError extends Error {
  readonly code = 'ClientClosed';
  constructor() {
    super('message bus is closed');
    this.name = 'BusClosedError';
  }
}
