import { randomUUID } from 'node:crypto';
import type { BusMessage, DeadLetteredMessage, MessageBus, ReceivedMessage, Source } from '../../shared/messaging/bus';
import type { SubscribableBus } from '../../shared/messaging/subscription';

/**
 * Contract suite of the MessageBus port: every implementation (InProcessBus, ServiceBusBus) must
 * pass it. It uses test-only entities, never the app's own (NAMES.serviceBus), so running it
 * against a real namespace cannot disturb the result senders.
 *
 * Entities that must exist in a Service Bus namespace before the run (the in-process bus
 * declares them in the test):
 *
 *   queue  contract-test-queue                  maxDeliveryCount 3
 *   topic  contract-test-topic
 *     subscription contract-test-sub            maxDeliveryCount 3
 *     subscription contract-test-sub-2          (any maxDeliveryCount)
 *   queue  contract-test-short-lock-queue       lock duration PT5S (Service Bus's minimum); only
 *                                               for the opt-in lock-expiry test
 *   nothing named contract-test-missing         (sending there must fail)
 *
 * Duplicate detection may be on or off (the suite never reuses a messageId). The suite drains
 * nothing itself: the factory hands out a bus whose contract entities are empty (see
 * `drainContractEntities`), and `cleanup` closes it.
 */
export const CONTRACT_ENTITIES = {
  queue: 'contract-test-queue',
  topic: 'contract-test-topic',
  subscription: 'contract-test-sub',
  subscription2: 'contract-test-sub-2',
  shortLockQueue: 'contract-test-short-lock-queue',
  missing: 'contract-test-missing',
} as const;

export const CONTRACT_MAX_DELIVERY_COUNT = 3;

export const CONTRACT_SOURCES: readonly Source[] = [
  { queue: CONTRACT_ENTITIES.queue },
  { topic: CONTRACT_ENTITIES.topic, subscription: CONTRACT_ENTITIES.subscription },
  { topic: CONTRACT_ENTITIES.topic, subscription: CONTRACT_ENTITIES.subscription2 },
  { queue: CONTRACT_ENTITIES.shortLockQueue },
];

export interface BusFixture<B extends MessageBus = MessageBus> {
  bus: B;
  cleanup(): Promise<void>;
}

export interface BusContractOptions {
  /**
   * Lock-expiry test: the lock duration of `contract-test-short-lock-queue`. Omitted → the test
   * is skipped (against Service Bus it takes at least 5 s per delivery).
   */
  lockDurationMs?: number;
  /** How long a receive waits for a message that must arrive (default 2 000 ms). */
  receiveWaitMs?: number;
  /** How long a receive waits to show that nothing is there (default 100 ms). */
  emptyWaitMs?: number;
  /** Slack on timings (receive timeout, wake-up on arrival), for network round trips (default 250 ms). */
  latencyMs?: number;
}

const QUEUE: Source = { queue: CONTRACT_ENTITIES.queue };
const SUB: Source = { topic: CONTRACT_ENTITIES.topic, subscription: CONTRACT_ENTITIES.subscription };
const SUB2: Source = { topic: CONTRACT_ENTITIES.topic, subscription: CONTRACT_ENTITIES.subscription2 };

/** Bytes that are also valid JSON text ("{}"), plus NUL and 0xff: must come back unchanged. */
const BODY = Uint8Array.from([0x7b, 0x7d, 0x00, 0xff, 0x0a]);

export function testMessage(overrides: Partial<BusMessage> = {}): BusMessage {
  return {
    messageId: `contract-${randomUUID()}`,
    body: BODY,
    contentType: 'application/octet-stream',
    subject: 'ContractTest',
    applicationProperties: { MessageType: 'ContractTest', Attempt: 1, Flag: true },
    ...overrides,
  };
}

/** Receives until `count` messages arrived or `waitMs` passed (an adapter may return fewer than asked). */
export async function receiveCount(
  bus: MessageBus,
  from: Source,
  count: number,
  waitMs: number,
): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  const deadline = Date.now() + waitMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    out.push(...(await bus.receive(from, count - out.length, left)));
  }
  return out;
}

export async function receiveDeadLetteredCount(
  bus: MessageBus,
  from: Source,
  count: number,
  waitMs: number,
): Promise<DeadLetteredMessage[]> {
  const out: DeadLetteredMessage[] = [];
  const deadline = Date.now() + waitMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    out.push(...(await bus.receiveDeadLettered(from, count - out.length, left)));
  }
  return out;
}

/** Completes everything in the contract entities and their dead-letter queues. */
export async function drainContractEntities(bus: MessageBus, waitMs: number): Promise<void> {
  for (const source of CONTRACT_SOURCES) {
    for (;;) {
      const batch = await bus.receive(source, 50, waitMs);
      if (batch.length === 0) break;
      await Promise.all(batch.map((m) => m.complete()));
    }
    while ((await bus.receiveDeadLettered(source, 50, waitMs)).length > 0);
  }
}

function bytes(b: Uint8Array): number[] {
  return Array.from(b);
}

export function busContract(name: string, create: () => Promise<BusFixture>, options: BusContractOptions = {}): void {
  const receiveWaitMs = options.receiveWaitMs ?? 2_000;
  const emptyWaitMs = options.emptyWaitMs ?? 100;
  const latencyMs = options.latencyMs ?? 250;

  describe(name, () => {
    let fixture: BusFixture;
    let bus: MessageBus;

    beforeEach(async () => {
      fixture = await create();
      bus = fixture.bus;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    async function receiveOne(from: Source): Promise<ReceivedMessage> {
      const [m, ...more] = await receiveCount(bus, from, 1, receiveWaitMs);
      expect(more).toEqual([]);
      if (!m) throw new Error(`no message arrived in ${JSON.stringify(from)} within ${receiveWaitMs} ms`);
      return m;
    }

    async function expectEmpty(from: Source): Promise<void> {
      expect(await bus.receive(from, 10, emptyWaitMs)).toEqual([]);
    }

    it('send, receive under peek-lock and complete on a queue', async () => {
      const sent = testMessage();
      await bus.send({ queue: CONTRACT_ENTITIES.queue }, sent);
      const m = await receiveOne(QUEUE);
      expect(m.messageId).toBe(sent.messageId);
      expect(bytes(m.body)).toEqual(bytes(BODY));
      expect(m.contentType).toBe(sent.contentType);
      expect(m.subject).toBe(sent.subject);
      expect(m.applicationProperties).toEqual(sent.applicationProperties);
      expect(m.deliveryCount).toBe(1);
      // Locked: invisible to other receivers until settled.
      await expectEmpty(QUEUE);
      await m.complete();
      await expectEmpty(QUEUE);
      expect(await bus.receiveDeadLettered(QUEUE, 10, emptyWaitMs)).toEqual([]);
    });

    it('receive hands out at most `max` messages, oldest first', async () => {
      const sent = [testMessage(), testMessage(), testMessage()];
      for (const m of sent) await bus.send({ queue: CONTRACT_ENTITIES.queue }, m);
      const first = await bus.receive(QUEUE, 2, receiveWaitMs);
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first.length).toBeLessThanOrEqual(2);
      const rest = await receiveCount(bus, QUEUE, 3 - first.length, receiveWaitMs);
      const all = [...first, ...rest];
      expect(all.map((m) => m.messageId)).toEqual(sent.map((m) => m.messageId));
      await Promise.all(all.map((m) => m.complete()));
      await expectEmpty(QUEUE);
    });

    it('a message sent to a topic is copied to every subscription', async () => {
      const sent = testMessage();
      await bus.send({ topic: CONTRACT_ENTITIES.topic }, sent);
      const a = await receiveOne(SUB);
      const b = await receiveOne(SUB2);
      for (const m of [a, b]) {
        expect(m.messageId).toBe(sent.messageId);
        expect(bytes(m.body)).toEqual(bytes(BODY));
        expect(m.applicationProperties).toEqual(sent.applicationProperties);
        expect(m.deliveryCount).toBe(1);
      }
      // Settling one copy leaves the other alone.
      await a.complete();
      await b.abandon();
      const again = await receiveOne(SUB2);
      expect(again.deliveryCount).toBe(2);
      await again.complete();
      await expectEmpty(SUB);
      await expectEmpty(SUB2);
    });

    it('abandon makes the message visible again with deliveryCount + 1', async () => {
      const sent = testMessage();
      await bus.send({ queue: CONTRACT_ENTITIES.queue }, sent);
      const first = await receiveOne(QUEUE);
      expect(first.deliveryCount).toBe(1);
      await first.abandon();
      const second = await receiveOne(QUEUE);
      expect(second.messageId).toBe(sent.messageId);
      expect(bytes(second.body)).toEqual(bytes(BODY));
      expect(second.deliveryCount).toBe(2);
      await second.complete();
      await expectEmpty(QUEUE);
    });

    it.each([
      ['queue', QUEUE],
      ['topic subscription', SUB],
    ] as const)(
      'on a %s, abandoning past maxDeliveryCount (3) dead-letters with reason MaxDeliveryCountExceeded',
      async (_kind, source) => {
        const sent = testMessage();
        await bus.send('queue' in source ? { queue: source.queue } : { topic: source.topic }, sent);
        for (let attempt = 1; attempt <= CONTRACT_MAX_DELIVERY_COUNT; attempt++) {
          const m = await receiveOne(source);
          expect(m.messageId).toBe(sent.messageId);
          expect(m.deliveryCount).toBe(attempt);
          await m.abandon();
        }
        await expectEmpty(source);
        const [dead, ...more] = await receiveDeadLetteredCount(bus, source, 1, receiveWaitMs);
        expect(more).toEqual([]);
        expect(dead.messageId).toBe(sent.messageId);
        expect(dead.deadLetterReason).toBe('MaxDeliveryCountExceeded');
        expect(bytes(dead.body)).toEqual(bytes(BODY));
        expect(dead.applicationProperties).toEqual(sent.applicationProperties);
      },
    );

    it('deadLetter moves the message at once, with reason and description; receiveDeadLettered removes it', async () => {
      const sent = testMessage();
      await bus.send({ queue: CONTRACT_ENTITIES.queue }, sent);
      const m = await receiveOne(QUEUE);
      await m.deadLetter('PoisonMessage', 'body is not a CalculationCompletedV1');
      await expectEmpty(QUEUE);
      const [dead, ...more] = await receiveDeadLetteredCount(bus, QUEUE, 1, receiveWaitMs);
      expect(more).toEqual([]);
      expect(dead).toEqual(
        expect.objectContaining({
          messageId: sent.messageId,
          subject: sent.subject,
          contentType: sent.contentType,
          applicationProperties: sent.applicationProperties,
          deadLetterReason: 'PoisonMessage',
          deadLetterDescription: 'body is not a CalculationCompletedV1',
        }),
      );
      expect(bytes(dead.body)).toEqual(bytes(BODY));
      expect(await bus.receiveDeadLettered(QUEUE, 10, emptyWaitMs)).toEqual([]);
    });

    it('deadLetter without a description', async () => {
      await bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage());
      const m = await receiveOne(QUEUE);
      await m.deadLetter('NoDescription');
      const [dead] = await receiveDeadLetteredCount(bus, QUEUE, 1, receiveWaitMs);
      expect(dead.deadLetterReason).toBe('NoDescription');
      expect(dead.deadLetterDescription).toBeUndefined();
    });

    it('settling a message a second time throws', async () => {
      await bus.send({ queue: CONTRACT_ENTITIES.queue }, testMessage());
      const m = await receiveOne(QUEUE);
      await m.complete();
      await expect(m.complete()).rejects.toThrow();
      await expect(m.abandon()).rejects.toThrow();
      await expect(m.deadLetter('TooLate')).rejects.toThrow();
      expect(await bus.receiveDeadLettered(QUEUE, 10, emptyWaitMs)).toEqual([]);
    });

    (options.lockDurationMs !== undefined ? it : it.skip)(
      'an unsettled message becomes visible again when its lock expires; settling with the lost lock throws',
      async () => {
        const lockMs = options.lockDurationMs ?? 0;
        const source: Source = { queue: CONTRACT_ENTITIES.shortLockQueue };
        const sent = testMessage();
        await bus.send({ queue: CONTRACT_ENTITIES.shortLockQueue }, sent);
        const first = await receiveOne(source);
        expect(first.deliveryCount).toBe(1);
        // Invisible while locked...
        expect(await bus.receive(source, 1, Math.floor(lockMs / 3))).toEqual([]);
        // ...visible again after the lock expired.
        const [second] = await receiveCount(bus, source, 1, lockMs + receiveWaitMs);
        expect(second?.messageId).toBe(sent.messageId);
        expect(second?.deliveryCount).toBe(2);
        await expect(first.complete()).rejects.toThrow();
        await second?.complete();
        await expectEmpty(source);
      },
    );

    it('receive returns [] after waiting about waitMs when nothing arrives', async () => {
      const waitMs = 300;
      const started = Date.now();
      expect(await bus.receive(QUEUE, 5, waitMs)).toEqual([]);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(waitMs - 50);
      expect(elapsed).toBeLessThan(waitMs + latencyMs + 1_000);
    });

    it('receiveDeadLettered returns [] after waiting when the dead-letter queue is empty', async () => {
      expect(await bus.receiveDeadLettered(SUB, 5, emptyWaitMs)).toEqual([]);
    });

    it('a waiting receive returns as soon as a message arrives', async () => {
      const sent = testMessage();
      const started = Date.now();
      const receiving = bus.receive(QUEUE, 1, 10_000);
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
      await bus.send({ queue: CONTRACT_ENTITIES.queue }, sent);
      const got = await receiving;
      expect(Date.now() - started).toBeLessThan(50 + latencyMs + 2_000);
      expect(got.map((m) => m.messageId)).toEqual([sent.messageId]);
      await got[0].complete();
    });

    it('sending to a queue or topic that does not exist throws', async () => {
      await expect(bus.send({ queue: CONTRACT_ENTITIES.missing }, testMessage())).rejects.toThrow();
      await expect(bus.send({ topic: CONTRACT_ENTITIES.missing }, testMessage())).rejects.toThrow();
    });
  });
}

export interface SubscribeContractOptions {
  /** How long to wait for the pump to finish its work (default 5 000 ms). */
  settleWaitMs?: number;
  emptyWaitMs?: number;
}

/** A promise with its resolver, for waiting on handler progress without polling. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects after `ms` (timer cleared when `p` settles first). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The message pump (`subscribe`) of a SubscribableBus, on contract-test-queue (maxDeliveryCount 3). */
export function subscribeContract(
  name: string,
  create: () => Promise<BusFixture<SubscribableBus>>,
  options: SubscribeContractOptions = {},
): void {
  const settleWaitMs = options.settleWaitMs ?? 5_000;
  const emptyWaitMs = options.emptyWaitMs ?? 100;

  describe(name, () => {
    let fixture: BusFixture<SubscribableBus>;
    let bus: SubscribableBus;

    beforeEach(async () => {
      fixture = await create();
      bus = fixture.bus;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('retries a failing handler (abandon), then completes the message when the handler succeeds', async () => {
      const sent = testMessage();
      const deliveries: number[] = [];
      const errors: unknown[] = [];
      const done = signal();
      const sub = bus.subscribe(
        QUEUE,
        (m) => {
          deliveries.push(m.deliveryCount);
          if (m.deliveryCount < 3) return Promise.reject(new Error(`transient failure ${m.deliveryCount}`));
          done.resolve();
          return Promise.resolve();
        },
        { onError: (e) => errors.push(e) },
      );
      try {
        await bus.send({ queue: CONTRACT_ENTITIES.queue }, sent);
        await within(done.promise, settleWaitMs, 'the third delivery');
      } finally {
        await sub.close();
      }
      expect(deliveries).toEqual([1, 2, 3]);
      expect(errors.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([
        'transient failure 1',
        'transient failure 2',
      ]);
      expect(await bus.receive(QUEUE, 10, emptyWaitMs)).toEqual([]);
      expect(await bus.receiveDeadLettered(QUEUE, 10, emptyWaitMs)).toEqual([]);
    });

    it('a handler dead-letters a poison message itself; the pump leaves it settled and goes on', async () => {
      const poison = testMessage({ body: new TextEncoder().encode('not a valid event') });
      const good = testMessage();
      const handled: string[] = [];
      const errors: unknown[] = [];
      const done = signal();
      const sub = bus.subscribe(
        QUEUE,
        async (m) => {
          if (m.messageId === poison.messageId) {
            await m.deadLetter('PoisonMessage', 'undecodable body');
            return;
          }
          handled.push(m.messageId);
          done.resolve();
        },
        { onError: (e) => errors.push(e) },
      );
      try {
        await bus.send({ queue: CONTRACT_ENTITIES.queue }, poison);
        await bus.send({ queue: CONTRACT_ENTITIES.queue }, good);
        await within(done.promise, settleWaitMs, 'the good message');
      } finally {
        await sub.close();
      }
      expect(handled).toEqual([good.messageId]);
      expect(errors).toEqual([]);
      const [dead, ...more] = await receiveDeadLetteredCount(bus, QUEUE, 1, settleWaitMs);
      expect(more).toEqual([]);
      expect(dead.messageId).toBe(poison.messageId);
      expect(dead.deadLetterReason).toBe('PoisonMessage');
      expect(dead.deadLetterDescription).toBe('undecodable body');
      expect(await bus.receive(QUEUE, 10, emptyWaitMs)).toEqual([]);
    });

    it('a handler that always fails ends in the dead-letter queue after maxDeliveryCount deliveries', async () => {
      const sent = testMessage();
      const deliveries: number[] = [];
      const sub = bus.subscribe(
        QUEUE,
        (m) => {
          deliveries.push(m.deliveryCount);
          return Promise.reject(new Error('always fails'));
        },
        { onError: () => {} },
      );
      let dead: DeadLetteredMessage[];
      try {
        await bus.send({ queue: CONTRACT_ENTITIES.queue }, sent);
        dead = await receiveDeadLetteredCount(bus, QUEUE, 1, settleWaitMs);
      } finally {
        await sub.close();
      }
      expect(dead.map((d) => [d.messageId, d.deadLetterReason])).toEqual([
        [sent.messageId, 'MaxDeliveryCountExceeded'],
      ]);
      expect(deliveries).toEqual([1, 2, 3]);
    });

    it('runs up to `concurrency` handlers at once, and close() waits for running handlers', async () => {
      const sent = [testMessage(), testMessage()];
      const release = signal();
      const bothStarted = signal();
      let running = 0;
      let maxRunning = 0;
      const completed: string[] = [];
      const sub = bus.subscribe(
        QUEUE,
        async (m) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          if (running === 2) bothStarted.resolve();
          await release.promise;
          running--;
          completed.push(m.messageId);
        },
        { concurrency: 2 },
      );
      for (const m of sent) await bus.send({ queue: CONTRACT_ENTITIES.queue }, m);
      await within(bothStarted.promise, settleWaitMs, 'two handlers running at once');
      const closing = sub.close();
      release.resolve();
      await closing;
      expect(maxRunning).toBe(2);
      expect([...completed].sort()).toEqual(sent.map((m) => m.messageId).sort());
      // Both were completed by the pump before close() resolved.
      expect(await bus.receive(QUEUE, 10, emptyWaitMs)).toEqual([]);
    });
  });
}
