/**
 * Errors of the message bus adapters. The codes follow Azure Service Bus (`ServiceBusError.code`)
 * so code that inspects `code` behaves the same against the in-process stand-in.
 */

/** The lock of a received message is gone: settled already, expired, or the bus closed. */
export class MessageLockLostError extends Error {
  readonly code = 'MessageLockLost';
  constructor(message: string) {
    super(message);
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

/** An operation on a closed bus. */
export class BusClosedError extends Error {
  readonly code = 'ClientClosed';
  constructor() {
    super('message bus is closed');
    this.name = 'BusClosedError';
  }
}
