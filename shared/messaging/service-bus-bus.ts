import { promised } from '../domain/promised';
import { sendTraced } from '../telemetry/traced-send';
import {
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusReceiverOptions,
  type ServiceBusSender,
  type TokenCredential,
} from '@azure/service-bus';
import { DefaultAzureCredential } from '@azure/identity';
import type { BusMessage, DeadLetteredMessage, Destination, ReceivedMessage, Source } from './bus';
import { NAMES } from '../config/names';
import { BusClosedError, ServiceBusNotConfiguredError } from './errors';
import {
  defaultOnError,
  handleAndSettle,
  validateConcurrency,
  type MessageHandler,
  type SubscribableBus,
  type SubscribeOptions,
  type Subscription,
} from './subscription';

export interface ServiceBusBusOptions {
  /**
   * Lock auto-renewal of `receive()` receivers. Default 0 (off): the port's contract is that an
   * unsettled message becomes visible again when its lock expires, as with the in-process bus.
   */
  receiveLockRenewalMs?: number;
  /** Lock auto-renewal of `subscribe()` pumps (long handlers). Default 5 minutes, the SDK's default. */
  subscribeLockRenewalMs?: number;
}

/**
 * MessageBus over Azure Service Bus (`@azure/service-bus` 7).
 *
 * - `receive` uses peek-lock receivers. The SDK allows one `receiveMessages` at a time per
 *   receiver and a message can only be settled through the receiver that locked it, so each source
 *   has a pool of receivers: a call borrows an idle one (or opens one) and returns it afterwards;
 *   receivers stay open (messages they locked stay settleable) until `close()`.
 * - Bodies travel as raw bytes (an AMQP data section); `skipParsingBodyAsJson` keeps the SDK from
 *   JSON-parsing them on receipt.
 * - `receiveDeadLettered` reads the `$deadletterqueue` sub-queue (`subQueueType: 'deadLetter'`)
 *   under peek-lock and completes what it returns (removes it) after mapping it.
 * - Settling twice or after the lock expired throws the SDK's error (`MessageLockLost` or
 *   "already settled").
 * - Duplicate detection is a property of the entity (`requiresDuplicateDetection` in infra): a
 *   re-sent messageId within the window is dropped by Service Bus.
 */
export class ServiceBusBus implements SubscribableBus {
  private readonly senders = new Map<string, ServiceBusSender>();
  private readonly idle = new Map<string, ServiceBusReceiver[]>();
  private readonly receivers = new Set<ServiceBusReceiver>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(
    private readonly client: ServiceBusClient,
    private readonly options: ServiceBusBusOptions = {},
  ) {}

  static fromConnectionString(connectionString: string, options?: ServiceBusBusOptions): ServiceBusBus {
    return new ServiceBusBus(new ServiceBusClient(connectionString), options);
  }

  /** Managed identity / Entra ID: `fullyQualifiedNamespace` like `sb-settlement.servicebus.windows.net`. */
  static fromNamespace(
    fullyQualifiedNamespace: string,
    credential: TokenCredential,
    options?: ServiceBusBusOptions,
  ): ServiceBusBus {
    return new ServiceBusBus(new ServiceBusClient(fullyQualifiedNamespace, credential), options);
  }

  /**
   * From app settings: `SERVICEBUS_CONNECTION_STRING` if set, else
   * `SERVICEBUS_FULLY_QUALIFIED_NAMESPACE` with `DefaultAzureCredential` (managed identity in
   * Azure; `AZURE_CLIENT_ID` selects a user-assigned identity).
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, options?: ServiceBusBusOptions): ServiceBusBus {
    const cs = env[NAMES.settings.serviceBusConnectionString];
    if (cs) return ServiceBusBus.fromConnectionString(cs, options);
    const ns = env[NAMES.settings.serviceBusNamespace];
    if (ns) return ServiceBusBus.fromNamespace(ns, new DefaultAzureCredential(), options);
    throw new ServiceBusNotConfiguredError([
      NAMES.settings.serviceBusConnectionString,
      NAMES.settings.serviceBusNamespace,
    ]);
  }

  /** Peeks (no lock, nothing received) one message of the bundle-request queue, which the app listens to anyway. */
  async probe(): Promise<void> {
    this.assertOpen();
    const receiver = this.client.createReceiver(NAMES.serviceBus.bundleRequestQueue);
    try {
      await receiver.peekMessages(1);
    } finally {
      await receiver.close();
    }
  }

  send(to: Destination, message: BusMessage): Promise<void> {
    return sendTraced(to, message, (m) => this.sendNow(to, m));
  }

  private async sendNow(to: Destination, message: BusMessage): Promise<void> {
    this.assertOpen();
    const entity = 'queue' in to ? to.queue : to.topic;
    let sender = this.senders.get(entity);
    if (!sender) {
      sender = this.client.createSender(entity);
      this.senders.set(entity, sender);
    }
    await sender.sendMessages(toServiceBusMessage(message));
  }

  async receive(from: Source, max: number, waitMs: number): Promise<ReceivedMessage[]> {
    this.assertOpen();
    const received = await this.withReceiver(from, 'active', (r) =>
      r.receiveMessages(max, { maxWaitTimeInMs: waitMs }),
    );
    return received.map(({ message, receiver }) => toReceivedMessage(message, receiver, () => {}));
  }

  async receiveDeadLettered(from: Source, max: number, waitMs: number): Promise<DeadLetteredMessage[]> {
    this.assertOpen();
    const received = await this.withReceiver(from, 'deadLetter', (r) =>
      r.receiveMessages(max, { maxWaitTimeInMs: waitMs }),
    );
    const out: DeadLetteredMessage[] = [];
    for (const { message, receiver } of received) {
      out.push({
        ...toBusMessage(message),
        deadLetterReason: message.deadLetterReason ?? '',
        ...(message.deadLetterErrorDescription ? { deadLetterDescription: message.deadLetterErrorDescription } : {}),
      });
      await receiver.completeMessage(message);
    }
    return out;
  }

  /**
   * Message pump on a dedicated streaming receiver (`autoCompleteMessages: false`): completes on
   * success, abandons on a thrown error, leaves messages the handler settled itself.
   */
  subscribe(source: Source, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const concurrency = validateConcurrency(options);
    const onError = options?.onError ?? defaultOnError;
    const receiver = this.openReceiver(source, 'active', this.options.subscribeLockRenewalMs);
    const inFlight = new Set<Promise<void>>();
    const running = receiver.subscribe(
      {
        processMessage: async (m) => {
          let settled = false;
          const received = toReceivedMessage(m, receiver, () => (settled = true));
          const p = handleAndSettle(received, handler, () => settled, onError);
          inFlight.add(p);
          try {
            await p;
          } finally {
            inFlight.delete(p);
          }
        },
        processError: (args) => promised(() => onError(args.error, undefined)),
      },
      { autoCompleteMessages: false, maxConcurrentCalls: concurrency },
    );
    let closing: Promise<void> | null = null;
    const subscription: Subscription = {
      close: () => {
        closing ??= (async () => {
          await running.close();
          await Promise.all([...inFlight]);
          this.receivers.delete(receiver);
          await receiver.close();
          this.subscriptions.delete(subscription);
        })();
        return closing;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.closed = true;
    await Promise.all([...this.senders.values()].map((s) => s.close()));
    await Promise.all([...this.receivers].map((r) => r.close()));
    this.senders.clear();
    this.receivers.clear();
    this.idle.clear();
    await this.client.close();
  }

  private async withReceiver(
    from: Source,
    subQueue: 'active' | 'deadLetter',
    run: (r: ServiceBusReceiver) => Promise<ServiceBusReceivedMessage[]>,
  ): Promise<{ message: ServiceBusReceivedMessage; receiver: ServiceBusReceiver }[]> {
    const key = `${subQueue}|${'queue' in from ? from.queue : `${from.topic}|${from.subscription}`}`;
    let pool = this.idle.get(key);
    if (!pool) {
      pool = [];
      this.idle.set(key, pool);
    }
    const receiver = pool.pop() ?? this.openReceiver(from, subQueue, this.options.receiveLockRenewalMs ?? 0);
    try {
      const messages = await run(receiver);
      return messages.map((message) => ({ message, receiver }));
    } finally {
      if (!this.closed && !receiver.isClosed) pool.push(receiver);
    }
  }

  private openReceiver(
    from: Source,
    subQueue: 'active' | 'deadLetter',
    lockRenewalMs: number | undefined,
  ): ServiceBusReceiver {
    const opts: ServiceBusReceiverOptions = {
      receiveMode: 'peekLock',
      skipParsingBodyAsJson: true,
      ...(subQueue === 'deadLetter' ? { subQueueType: 'deadLetter' as const } : {}),
      ...(lockRenewalMs !== undefined ? { maxAutoLockRenewalDurationInMs: lockRenewalMs } : {}),
    };
    const receiver =
      'queue' in from
        ? this.client.createReceiver(from.queue, opts)
        : this.client.createReceiver(from.topic, from.subscription, opts);
    this.receivers.add(receiver);
    return receiver;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }
}

function toServiceBusMessage(m: BusMessage): ServiceBusMessage {
  return {
    messageId: m.messageId,
    body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength),
    ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(m.applicationProperties !== undefined ? { applicationProperties: { ...m.applicationProperties } } : {}),
  };
}

function toReceivedMessage(
  m: ServiceBusReceivedMessage,
  receiver: ServiceBusReceiver,
  onSettle: () => void,
): ReceivedMessage {
  return {
    ...toBusMessage(m),
    deliveryCount: m.deliveryCount ?? 1,
    complete: async () => {
      await receiver.completeMessage(m);
      onSettle();
    },
    abandon: async () => {
      await receiver.abandonMessage(m);
      onSettle();
    },
    deadLetter: async (reason: string, description?: string) => {
      // The SDK wants both; an absent description reads back as absent (see receiveDeadLettered).
      await receiver.deadLetterMessage(m, { deadLetterReason: reason, deadLetterErrorDescription: description ?? '' });
      onSettle();
    },
  };
}

function toBusMessage(m: ServiceBusReceivedMessage): BusMessage {
  const props = m.applicationProperties;
  let applicationProperties: Record<string, string | number | boolean> | undefined;
  if (props) {
    applicationProperties = {};
    for (const [k, v] of Object.entries(props)) {
      if (v === null) continue;
      applicationProperties[k] = v instanceof Date ? v.toISOString() : v;
    }
  }
  return {
    messageId: messageIdText(m.messageId),
    body: bodyBytes(m.body as unknown),
    ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(applicationProperties !== undefined ? { applicationProperties } : {}),
  };
}

function messageIdText(id: string | number | Buffer | undefined): string {
  if (id === undefined) return '';
  if (Buffer.isBuffer(id)) return id.toString('hex');
  return String(id);
}

/** Raw bytes of a received body; bodies of other producers (string, JSON value) as UTF-8. */
function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  return new Uint8Array(Buffer.from(JSON.stringify(body), 'utf8'));
}
