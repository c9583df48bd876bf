import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { NAMES } from '../../shared/config/names';
import type { Source } from '../../shared/messaging/bus';
import {
  calculationCompletedMessage,
  decodeCalculationCompleted,
  type CalculationCompletedEvent,
} from '../../shared/messaging/calculation-completed';
import { ContractError } from '../../shared/messaging/contract-error';
import {
  BusClosedError,
  MessageLockLostError,
  MessagingEntityAlreadyExistsError,
  MessagingEntityNotFoundError,
} from '../../shared/messaging/errors';
import { InProcessBus, declareSettlementEntities } from '../../shared/messaging/in-process-bus';
import { ServiceBusBus } from '../../shared/messaging/service-bus-bus';
import {
  CONTRACT_ENTITIES,
  CONTRACT_MAX_DELIVERY_COUNT,
  busContract,
  drainContractEntities,
  subscribeContract,
  testMessage,
  type BusFixture,
} from './bus.contract';
import { errorContaining } from '../support/matchers';
import { promised as settle } from '../../shared/domain/promised';

const SHORT_LOCK_MS = 300;

function contractInProcessBus(): InProcessBus {
  const bus = new InProcessBus();
  bus.createQueue(CONTRACT_ENTITIES.queue, { maxDeliveryCount: CONTRACT_MAX_DELIVERY_COUNT });
  bus.createQueue(CONTRACT_ENTITIES.shortLockQueue, { lockDurationMs: SHORT_LOCK_MS });
  bus.createTopic(CONTRACT_ENTITIES.topic);
  bus.createSubscription(CONTRACT_ENTITIES.topic, CONTRACT_ENTITIES.subscription, {
    maxDeliveryCount: CONTRACT_MAX_DELIVERY_COUNT,
  });
  bus.createSubscription(CONTRACT_ENTITIES.topic, CONTRACT_ENTITIES.subscription2);
  return bus;
}

function inProcessFixture(): Promise<BusFixture<InProcessBus>> {
  return settle(() => {
    const bus = contractInProcessBus();
    return { bus, cleanup: () => bus.close() };
  });
}

busContract('InProcessBus: MessageBus contract', inProcessFixture, {
  lockDurationMs: SHORT_LOCK_MS,
  receiveWaitMs: 1_000,
  emptyWaitMs: 30,
  latencyMs: 100,
});
subscribeContract('InProcessBus: subscribe() contract', inProcessFixture, { emptyWaitMs: 30 });

// ---- Azure Service Bus (only with a real namespace) -------------------------------------------
//
// SERVICEBUS_CONNECTION_STRING selects a namespace that has the entities listed in
// bus.contract.ts (contract-test-queue and contract-test-topic/contract-test-sub with
// maxDeliveryCount 3, contract-test-sub-2). SERVICEBUS_CONTRACT_LOCK_MS (e.g. 5000) additionally
// runs the lock-expiry test on contract-test-short-lock-queue, whose lock duration it must equal.

const connectionString = process.env[NAMES.settings.serviceBusConnectionString];
if (connectionString) {
  const serviceBusFixture = async (): Promise<BusFixture<ServiceBusBus>> => {
    const bus = ServiceBusBus.fromConnectionString(connectionString);
    await drainContractEntities(bus, 500);
    return {
      bus,
      cleanup: async () => {
        await drainContractEntities(bus, 200);
        await bus.close();
      },
    };
  };
  const lockMs = Number(process.env.SERVICEBUS_CONTRACT_LOCK_MS ?? '');
  busContract('ServiceBusBus: MessageBus contract', serviceBusFixture, {
    ...(lockMs > 0 ? { lockDurationMs: lockMs } : {}),
    receiveWaitMs: 10_000,
    emptyWaitMs: 1_000,
    latencyMs: 3_000,
  });
  subscribeContract('ServiceBusBus: subscribe() contract', serviceBusFixture, {
    settleWaitMs: 30_000,
    emptyWaitMs: 1_000,
  });
} else {
  describe.skip(`ServiceBusBus: MessageBus contract (skipped: set ${NAMES.settings.serviceBusConnectionString} to run against a namespace)`, () => {
    it('runs the contract suite against Azure Service Bus', () => {});
  });
}

// ---- InProcessBus specifics ----------------------------------------------------------------

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('InProcessBus', () => {
  let bus: InProcessBus;
  beforeEach(() => {
    bus = contractInProcessBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  const QUEUE: Source = { queue: CONTRACT_ENTITIES.queue };

  it('entities must be declared; unknown ones throw MessagingEntityNotFoundError', async () => {
    await expect(bus.send({ queue: 'nope' }, testMessage())).rejects.toBeInstanceOf(MessagingEntityNotFoundError);
    await expect(bus.send({ topic: 'nope' }, testMessage())).rejects.toBeInstanceOf(MessagingEntityNotFoundError);
    await expect(bus.receive({ queue: 'nope' }, 1, 0)).rejects.toBeInstanceOf(MessagingEntityNotFoundError);
    await expect(bus.receive({ topic: CONTRACT_ENTITIES.topic, subscription: 'nope' }, 1, 0)).rejects.toThrow(
      /contract-test-topic\/Subscriptions\/nope/,
    );
    await expect(bus.receiveDeadLettered({ queue: 'nope' }, 1, 0)).rejects.toBeInstanceOf(MessagingEntityNotFoundError);
    expect(() => bus.createSubscription('nope', 'x')).toThrow(MessagingEntityNotFoundError);
    expect(() => bus.createQueue(CONTRACT_ENTITIES.queue)).toThrow(/already exists/);
    expect(() => bus.createQueue(CONTRACT_ENTITIES.queue)).toThrow(
      errorContaining({
        name: 'MessagingEntityAlreadyExistsError',
        code: 'MessagingEntityAlreadyExists',
        kind: 'queue',
        entityPath: CONTRACT_ENTITIES.queue,
      }),
    );
    expect(() => bus.createSubscription(CONTRACT_ENTITIES.topic, CONTRACT_ENTITIES.subscription)).toThrow(
      new MessagingEntityAlreadyExistsError(
        'subscription',
        `${CONTRACT_ENTITIES.topic}/${CONTRACT_ENTITIES.subscription}`,
      ),
    );
    expect(() => bus.createQueue('bad', { maxDeliveryCount: 0 })).toThrow(RangeError);
  });

  it('validates receive arguments and messages', async () => {
    await expect(bus.receive(QUEUE, 0, 10)).rejects.toThrow(RangeError);
    await expect(bus.receive(QUEUE, 1, -1)).rejects.toThrow(RangeError);
    expect(() => bus.subscribe(QUEUE, async () => {}, { concurrency: 0 })).toThrow(RangeError);
    await expect(bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage({ messageId: '' }))).rejects.toThrow(
      TypeError,
    );
    await expect(
      bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage({ messageId: 'x'.repeat(129) })),
    ).rejects.toThrow(TypeError);
  });

  it('a topic message goes to the subscriptions existing when it is sent, none if there are none', async () => {
    bus.createTopic('empty-topic');
    await bus.send({ topic: 'empty-topic' }, testMessage());
    bus.createSubscription('empty-topic', 'late');
    expect(await bus.receive({ topic: 'empty-topic', subscription: 'late' }, 1, 0)).toEqual([]);
  });

  it('sender and receivers do not share bytes', async () => {
    const body = Uint8Array.from([1, 2, 3]);
    await bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage({ body }));
    body[0] = 9;
    const [m] = await bus.receive(QUEUE, 1, 0);
    expect(Array.from(m.body)).toEqual([1, 2, 3]);
    m.body[1] = 9;
    await m.abandon();
    const [again] = await bus.receive(QUEUE, 1, 0);
    expect(Array.from(again.body)).toEqual([1, 2, 3]);
  });

  it('settling after the lock expired throws MessageLockLostError; expiry past maxDeliveryCount dead-letters', async () => {
    const b = new InProcessBus();
    try {
      b.createQueue('q', { lockDurationMs: 20, maxDeliveryCount: 2 });
      await b.send({ queue: 'q' }, testMessage());
      const [first] = await b.receive({ queue: 'q' }, 1, 0);
      // A receiver waiting on an empty queue is woken by the lock expiry (no polling).
      const [second] = await b.receive({ queue: 'q' }, 1, 1_000);
      expect(second.deliveryCount).toBe(2);
      await expect(first.complete()).rejects.toBeInstanceOf(MessageLockLostError);
      await expect(first.complete()).rejects.toMatchObject({ code: 'MessageLockLost' });
      await expect(first.complete()).rejects.toMatchObject({
        messageId: first.messageId,
        reason: 'expired',
        entityPath: 'q',
      });
      // The second lock expires too: delivered twice = maxDeliveryCount → dead-lettered.
      const [dead] = await b.receiveDeadLettered({ queue: 'q' }, 1, 1_000);
      expect(dead.deadLetterReason).toBe('MaxDeliveryCountExceeded');
      expect(dead.deadLetterDescription).toMatch(/2 delivery attempts/);
      await expect(second.complete()).rejects.toBeInstanceOf(MessageLockLostError);
      expect(b.stats({ queue: 'q' })).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    } finally {
      await b.close();
    }
  });

  it('waiting receivers are served in arrival order', async () => {
    const r1 = bus.receive(QUEUE, 1, 1_000);
    const r2 = bus.receive(QUEUE, 1, 1_000);
    const a = testMessage();
    const b = testMessage();
    await bus.send({ queue: CONTRACT_ENTITIES.queue }, a);
    await bus.send({ queue: CONTRACT_ENTITIES.queue }, b);
    expect((await r1).map((m) => m.messageId)).toEqual([a.messageId]);
    expect((await r2).map((m) => m.messageId)).toEqual([b.messageId]);
  });

  it('stats() counts visible, locked and dead-lettered messages', async () => {
    for (let i = 0; i < 3; i++) await bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage());
    const [m1, m2] = await bus.receive(QUEUE, 2, 0);
    await m1.deadLetter('x');
    expect(bus.stats(QUEUE)).toEqual({ active: 1, locked: 1, deadLettered: 1 });
    await m2.complete();
    expect(bus.stats(QUEUE)).toEqual({ active: 1, locked: 0, deadLettered: 1 });
  });

  it('duplicate detection drops a messageId seen within the window', async () => {
    bus.createTopic('dedup', { duplicateDetectionWindowMs: 60_000 });
    bus.createSubscription('dedup', 's');
    const m = testMessage();
    await bus.send({ topic: 'dedup' }, m);
    await bus.send({ topic: 'dedup' }, { ...m, body: Uint8Array.from([1]) });
    await bus.send({ topic: 'dedup' }, testMessage());
    expect(bus.stats({ topic: 'dedup', subscription: 's' }).active).toBe(2);
  });

  it('close() resolves waiting receivers with [], clears its timers and refuses further use', async () => {
    const before = activeTimeouts();
    await bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage());
    const [locked] = await bus.receive(QUEUE, 1, 0);
    const waiting = bus.receive(QUEUE, 1, 60_000); // wait timer + lock-expiry timer
    const waitingDead = bus.receiveDeadLettered(QUEUE, 1, 60_000);
    const sub = bus.subscribe(
      { topic: CONTRACT_ENTITIES.topic, subscription: CONTRACT_ENTITIES.subscription },
      async () => {},
    );
    expect(activeTimeouts()).toBeGreaterThan(before);
    await bus.close();
    expect(await waiting).toEqual([]);
    expect(await waitingDead).toEqual([]);
    await sub.close(); // idempotent, already closed by bus.close()
    expect(activeTimeouts()).toBe(before);
    await expect(bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage())).rejects.toBeInstanceOf(BusClosedError);
    await expect(bus.receive(QUEUE, 1, 0)).rejects.toBeInstanceOf(BusClosedError);
    await expect(locked.complete()).rejects.toBeInstanceOf(MessageLockLostError);
  });

  it('subscribe() reports a handler that outlives its lock; the message is redelivered', async () => {
    const b = new InProcessBus();
    b.createQueue('q', { lockDurationMs: 30 });
    const deliveries: number[] = [];
    const errors: unknown[] = [];
    let finish!: () => void;
    const secondDelivery = new Promise<void>((r) => (finish = r));
    const sub = b.subscribe(
      { queue: 'q' },
      async (m) => {
        deliveries.push(m.deliveryCount);
        if (m.deliveryCount === 1) await new Promise<void>((r) => setTimeout(r, 80));
        else finish();
      },
      { concurrency: 2, onError: (e) => errors.push(e) },
    );
    try {
      await b.send({ queue: 'q' }, testMessage());
      await secondDelivery;
    } finally {
      await sub.close();
      await b.close();
    }
    expect(deliveries).toEqual([1, 2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MessageLockLostError);
  });

  it('carries CalculationCompletedV1 over the app topology (NAMES); a re-publish is detected as a duplicate', async () => {
    const app = new InProcessBus();
    declareSettlementEntities(app);
    const event: CalculationCompletedEvent = {
      jobId: 'job-1',
      calculationType: 'balance_fixing',
      periodStart: '2023-11-01T23:00:00Z',
      periodEnd: '2023-11-03T23:00:00Z',
      gridAreaCodes: ['800', '801'],
      outputPath: 'jobs/job-1/',
      completedAt: '2023-11-04T10:00:00Z',
      version: 1,
    };
    const source: Source = {
      topic: NAMES.serviceBus.domainEventsTopic,
      subscription: NAMES.serviceBus.resultSenderSubscription,
    };
    const received: CalculationCompletedEvent[] = [];
    const poison: string[] = [];
    let done!: () => void;
    const bothHandled = new Promise<void>((r) => (done = r));
    const sub = app.subscribe(source, async (m) => {
      try {
        if (m.applicationProperties?.MessageType !== NAMES.serviceBus.calculationCompletedMessageType) {
          throw new ContractError('message', 'MessageType', 'unexpected');
        }
        received.push(decodeCalculationCompleted(m.body));
      } catch (e) {
        if (!(e instanceof ContractError)) throw e; // transient: retry
        poison.push(e.message);
        await m.deadLetter('ContractViolation', e.message);
      }
      if (received.length + poison.length === 2) done();
    });
    try {
      await app.send({ topic: NAMES.serviceBus.domainEventsTopic }, calculationCompletedMessage(event));
      await app.send({ topic: NAMES.serviceBus.domainEventsTopic }, calculationCompletedMessage(event)); // duplicate
      await app.send(
        { topic: NAMES.serviceBus.domainEventsTopic },
        { ...calculationCompletedMessage({ ...event, jobId: 'job-2' }), body: Uint8Array.from([0xff, 0xff]) },
      );
      await bothHandled;
    } finally {
      await sub.close();
    }
    expect(received).toEqual([event]);
    expect(poison).toHaveLength(1);
    const [dead] = await app.receiveDeadLettered(source, 10, 0);
    expect(dead.deadLetterReason).toBe('ContractViolation');
    expect(dead.deadLetterDescription).toMatch(/^CalculationCompletedV1/);
    await app.close();
  });
});

// ---- ServiceBusBus against a recording fake of the SDK client (no namespace needed) -------------
//
// Checks the mapping onto @azure/service-bus that the contract suite can only check against a
// real namespace: receiver options, settlement calls, body/property conversion, receiver pool.

interface FakeReceiver {
  args: unknown[];
  calls: string[];
  isClosed: boolean;
  queue: ServiceBusReceivedMessage[][];
  receiveMessages(max: number, opts: { maxWaitTimeInMs: number }): Promise<ServiceBusReceivedMessage[]>;
  completeMessage(m: ServiceBusReceivedMessage): Promise<void>;
  abandonMessage(m: ServiceBusReceivedMessage): Promise<void>;
  deadLetterMessage(m: ServiceBusReceivedMessage, o: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

class FakeServiceBusClient {
  readonly sent: { entity: string; message: ServiceBusMessage }[] = [];
  readonly senders: string[] = [];
  readonly receivers: FakeReceiver[] = [];
  /** Messages the next receivers hand out, one batch per receiveMessages call. */
  batches: ServiceBusReceivedMessage[][] = [];
  closed = false;
  /** When set, receiveMessages waits for it (to hold a receiver busy). */
  gate: Promise<void> | null = null;

  createSender(entity: string): { sendMessages(m: ServiceBusMessage): Promise<void>; close(): Promise<void> } {
    this.senders.push(entity);
    return {
      sendMessages: (message) => {
        this.sent.push({ entity, message });
        return Promise.resolve();
      },
      close: async () => {},
    };
  }

  createReceiver(...args: unknown[]): FakeReceiver {
    const r: FakeReceiver = {
      args,
      calls: [],
      isClosed: false,
      queue: [],
      receiveMessages: async (max, opts) => {
        r.calls.push(`receive ${max} ${opts.maxWaitTimeInMs}`);
        if (this.gate) await this.gate;
        return this.batches.shift() ?? [];
      },
      completeMessage(m) {
        r.calls.push(`complete ${String(m.messageId)}`);
        return Promise.resolve();
      },
      abandonMessage(m) {
        r.calls.push(`abandon ${String(m.messageId)}`);
        return Promise.resolve();
      },
      deadLetterMessage(m, o) {
        r.calls.push(`deadLetter ${String(m.messageId)} ${JSON.stringify(o)}`);
        return Promise.resolve();
      },
      close() {
        r.isClosed = true;
        return Promise.resolve();
      },
    };
    this.receivers.push(r);
    return r;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function sbMessage(fields: Partial<ServiceBusReceivedMessage>): ServiceBusReceivedMessage {
  return { body: Buffer.from([1, 2]), messageId: 'm1', deliveryCount: 1, ...fields } as ServiceBusReceivedMessage;
}

describe('ServiceBusBus mapping onto @azure/service-bus (fake client)', () => {
  let fake: FakeServiceBusClient;
  let bus: ServiceBusBus;
  beforeEach(() => {
    fake = new FakeServiceBusClient();
    bus = new ServiceBusBus(fake as unknown as ServiceBusClient);
  });

  it('send: bytes as a Buffer body, properties passed through, one sender per entity', async () => {
    await bus.send({ queue: 'q' }, testMessage({ messageId: 'a', body: Uint8Array.from([0x7b, 0x7d]) }));
    await bus.send({ queue: 'q' }, testMessage({ messageId: 'b' }));
    await bus.send({ topic: 't' }, { messageId: 'c', body: new Uint8Array(0) });
    expect(fake.senders).toEqual(['q', 't']);
    const first = fake.sent[0].message;
    expect(Buffer.isBuffer(first.body)).toBe(true);
    expect(Array.from(first.body as Buffer)).toEqual([0x7b, 0x7d]);
    expect(first).toMatchObject({ messageId: 'a', contentType: 'application/octet-stream', subject: 'ContractTest' });
    expect(first.applicationProperties).toEqual({ MessageType: 'ContractTest', Attempt: 1, Flag: true });
    expect(fake.sent[2].message).toEqual({ messageId: 'c', body: Buffer.alloc(0) });
  });

  it('receive: peek-lock receiver without JSON body parsing or lock renewal; settlement maps to the SDK', async () => {
    const when = new Date('2023-11-04T10:00:00Z');
    const m = sbMessage({
      messageId: 'm1',
      deliveryCount: 2,
      body: Buffer.from([0, 255]),
      contentType: 'application/x-protobuf',
      applicationProperties: { MessageType: 'X', At: when, Gone: null, N: 3 },
    });
    fake.batches = [[m]];
    const [r] = await bus.receive({ topic: 't', subscription: 's' }, 5, 1_000);
    expect(fake.receivers[0].args).toEqual([
      't',
      's',
      { receiveMode: 'peekLock', skipParsingBodyAsJson: true, maxAutoLockRenewalDurationInMs: 0 },
    ]);
    expect(fake.receivers[0].calls).toEqual(['receive 5 1000']);
    expect(r).toMatchObject({ messageId: 'm1', deliveryCount: 2, contentType: 'application/x-protobuf' });
    expect(Array.from(r.body)).toEqual([0, 255]);
    expect(r.applicationProperties).toEqual({ MessageType: 'X', At: '2023-11-04T10:00:00.000Z', N: 3 });
    await r.complete();
    await r.abandon();
    await r.deadLetter('Poison');
    await r.deadLetter('Poison', 'why');
    expect(fake.receivers[0].calls.slice(1)).toEqual([
      'complete m1',
      'abandon m1',
      'deadLetter m1 {"deadLetterReason":"Poison","deadLetterErrorDescription":""}',
      'deadLetter m1 {"deadLetterReason":"Poison","deadLetterErrorDescription":"why"}',
    ]);
  });

  it('receive: concurrent calls on one source use separate receivers; idle receivers are reused', async () => {
    let open!: () => void;
    fake.gate = new Promise<void>((r) => (open = r));
    const a = bus.receive({ queue: 'q' }, 1, 100);
    const b = bus.receive({ queue: 'q' }, 1, 100);
    open();
    await Promise.all([a, b]);
    fake.gate = null;
    await bus.receive({ queue: 'q' }, 1, 100);
    expect(fake.receivers).toHaveLength(2);
    expect(fake.receivers[0].args).toEqual([
      'q',
      { receiveMode: 'peekLock', skipParsingBodyAsJson: true, maxAutoLockRenewalDurationInMs: 0 },
    ]);
  });

  it('receiveDeadLettered: reads the deadLetter sub-queue and completes (removes) what it returns', async () => {
    fake.batches = [
      [
        sbMessage({
          messageId: 'd1',
          deadLetterReason: 'MaxDeliveryCountExceeded',
          deadLetterErrorDescription: 'tried 3 times',
        }),
        sbMessage({ messageId: 'd2', deadLetterReason: 'Poison', deadLetterErrorDescription: '' }),
      ],
    ];
    const dead = await bus.receiveDeadLettered({ queue: 'q' }, 10, 50);
    expect(fake.receivers[0].args).toEqual([
      'q',
      {
        receiveMode: 'peekLock',
        skipParsingBodyAsJson: true,
        subQueueType: 'deadLetter',
        maxAutoLockRenewalDurationInMs: 0,
      },
    ]);
    expect(dead.map((d) => [d.messageId, d.deadLetterReason, d.deadLetterDescription])).toEqual([
      ['d1', 'MaxDeliveryCountExceeded', 'tried 3 times'],
      ['d2', 'Poison', undefined],
    ]);
    expect(fake.receivers[0].calls).toEqual(['receive 10 50', 'complete d1', 'complete d2']);
  });

  it('close() closes receivers and the client, then refuses further use', async () => {
    await bus.receive({ queue: 'q' }, 1, 10);
    await bus.close();
    expect(fake.receivers[0].isClosed).toBe(true);
    expect(fake.closed).toBe(true);
    await expect(bus.send({ queue: 'q' }, testMessage())).rejects.toBeInstanceOf(BusClosedError);
  });

  it('fromEnv() names the settings it needs', () => {
    expect(() => ServiceBusBus.fromEnv({})).toThrow(
      /SERVICEBUS_CONNECTION_STRING or SERVICEBUS_FULLY_QUALIFIED_NAMESPACE/,
    );
    expect(() => ServiceBusBus.fromEnv({})).toThrow(
      errorContaining({
        name: 'ServiceBusNotConfiguredError',
        settings: ['SERVICEBUS_CONNECTION_STRING', 'SERVICEBUS_FULLY_QUALIFIED_NAMESPACE'],
      }),
    );
  });
});
