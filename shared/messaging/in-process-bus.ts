import { promised } from '../domain/promised';
import { sendTraced } from '../telemetry/traced-send';
import type { BusMessage, DeadLetteredMessage, Destination, ReceivedMessage, Source } from './bus';
import { NAMES } from '../config/names';
import {
  BusClosedError,
  MessageLockLostError,
  MessagingEntityAlreadyExistsError,
  MessagingEntityNotFoundError,
} from './errors';
import {
  defaultOnError,
  describeSource,
  handleAndSettle,
  validateConcurrency,
  type MessageHandler,
  type SubscribableBus,
  type SubscribeOptions,
  type Subscription,
} from './subscription';

/**
 * In-process stand-in for Azure Service Bus (local host and tests).
 *
 * Semantics follow Service Bus as far as the port exposes them:
 * - entities must be declared (`createQueue`, `createTopic`, `createSubscription`); sending to or
 *   receiving from an undeclared one throws `MessagingEntityNotFoundError`;
 * - a message sent to a topic is copied to every subscription existing at that moment;
 * - peek-lock: `receive` locks what it hands out for `lockDurationMs`; an unsettled message whose
 *   lock expires, or that is abandoned, becomes visible again (its deliveryCount rises by one on
 *   the next delivery, the first delivery has deliveryCount 1); when it has been delivered
 *   `maxDeliveryCount` times and is given up once more it moves to the dead-letter sub-queue with
 *   reason 'MaxDeliveryCountExceeded';
 * - settling twice, after the lock expired, or after close throws `MessageLockLostError`;
 * - optional duplicate detection per queue/topic (`duplicateDetectionWindowMs`): a message whose
 *   messageId was accepted within the window is dropped silently, like Service Bus does.
 *
 * Deterministic: FIFO per entity (a redelivered message keeps its place), lock tokens are
 * counters, waiting receivers are served in arrival order. No polling: a waiting `receive` is
 * resolved by the send/abandon that makes a message available, or by its own timeout. Timers
 * exist only while someone waits (the wait timeout, and one timer per entity for the earliest lock
 * expiry); `close()` clears them all, so a test process exits cleanly.
 */
export interface EntityOptions {
  /** Deliveries before a message is dead-lettered (default 10, like Service Bus). */
  maxDeliveryCount?: number;
  /** Peek-lock duration (default 30 000 ms, like Service Bus). */
  lockDurationMs?: number;
}

export interface SendEntityOptions {
  /** Drop a message whose messageId was accepted within this many ms (default: off). */
  duplicateDetectionWindowMs?: number;
}

export const DEFAULT_MAX_DELIVERY_COUNT = 10;
export const DEFAULT_LOCK_DURATION_MS = 30_000;
/** Service Bus limit on messageId length. */
const MAX_MESSAGE_ID_LENGTH = 128;
/** setTimeout's limit; longer waits are cut to it (Service Bus caps waits far lower). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface StoredMessage {
  readonly seq: number;
  readonly message: BusMessage;
  /** Deliveries so far. */
  deliveryCount: number;
  lock: { token: number; until: number } | null;
}

interface StoredDeadLetter {
  readonly message: BusMessage;
  readonly reason: string;
  readonly description: string | undefined;
}

interface Waiter<T> {
  readonly max: number;
  readonly finish: (items: T[]) => void;
  timer: NodeJS.Timeout | null;
}

class ReceivingEntity {
  /** Active messages in sequence order (locked or visible); Map keeps insertion order. */
  readonly active = new Map<number, StoredMessage>();
  /** The locked subset of `active`. */
  readonly locked = new Set<StoredMessage>();
  readonly deadLetters: StoredDeadLetter[] = [];
  readonly waiters: Waiter<ReceivedMessage>[] = [];
  readonly deadLetterWaiters: Waiter<DeadLetteredMessage>[] = [];
  expiryTimer: NodeJS.Timeout | null = null;
  expiryDue = 0;

  constructor(
    readonly path: string,
    readonly maxDeliveryCount: number,
    readonly lockDurationMs: number,
  ) {}
}

class DuplicateDetector {
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs: number) {}

  /** True when `messageId` was accepted within the window; otherwise records it. */
  isDuplicate(messageId: string, now: number): boolean {
    for (const [id, at] of this.seen) {
      if (now - at < this.windowMs) break; // insertion order = time order
      this.seen.delete(id);
    }
    if (this.seen.has(messageId)) return true;
    this.seen.set(messageId, now);
    return false;
  }
}

interface Queue {
  readonly entity: ReceivingEntity;
  readonly duplicates: DuplicateDetector | null;
}

interface Topic {
  readonly subscriptions: Map<string, ReceivingEntity>;
  readonly duplicates: DuplicateDetector | null;
}

export class InProcessBus implements SubscribableBus {
  private readonly queues = new Map<string, Queue>();
  private readonly topics = new Map<string, Topic>();
  private readonly subscriptions = new Set<Subscription>();
  /** Delivery → whether it has been settled (for the pump: did the handler settle it?). */
  private readonly settled = new WeakMap<ReceivedMessage, () => boolean>();
  private seq = 0;
  private lockToken = 0;
  private closed = false;

  // ---- declaration -------------------------------------------------------------------------

  createQueue(name: string, options: EntityOptions & SendEntityOptions = {}): void {
    this.assertOpen();
    if (this.queues.has(name)) throw new MessagingEntityAlreadyExistsError('queue', name);
    this.queues.set(name, {
      entity: newEntity(name, options),
      duplicates: newDuplicateDetector(options),
    });
  }

  createTopic(name: string, options: SendEntityOptions = {}): void {
    this.assertOpen();
    if (this.topics.has(name)) throw new MessagingEntityAlreadyExistsError('topic', name);
    this.topics.set(name, { subscriptions: new Map(), duplicates: newDuplicateDetector(options) });
  }

  createSubscription(topic: string, name: string, options: EntityOptions = {}): void {
    this.assertOpen();
    const t = this.topics.get(topic);
    if (!t) throw new MessagingEntityNotFoundError(topic);
    if (t.subscriptions.has(name)) throw new MessagingEntityAlreadyExistsError('subscription', `${topic}/${name}`);
    t.subscriptions.set(name, newEntity(`${topic}/Subscriptions/${name}`, options));
  }

  // ---- MessageBus --------------------------------------------------------------------------

  /** In the process: reachable while open. */
  probe(): Promise<void> {
    return promised(() => this.assertOpen());
  }

  send(to: Destination, message: BusMessage): Promise<void> {
    return sendTraced(to, message, (m) => promised(() => this.sendNow(to, m)));
  }

  private sendNow(to: Destination, message: BusMessage): void {
    this.assertOpen();
    validateMessage(message);
    const now = Date.now();
    let targets: ReceivingEntity[];
    let duplicates: DuplicateDetector | null;
    if ('queue' in to) {
      const q = this.queues.get(to.queue);
      if (!q) throw new MessagingEntityNotFoundError(to.queue);
      targets = [q.entity];
      duplicates = q.duplicates;
    } else {
      const t = this.topics.get(to.topic);
      if (!t) throw new MessagingEntityNotFoundError(to.topic);
      targets = [...t.subscriptions.values()];
      duplicates = t.duplicates;
    }
    if (duplicates?.isDuplicate(message.messageId, now)) return;
    for (const entity of targets) {
      const seq = ++this.seq;
      entity.active.set(seq, { seq, message: copyMessage(message), deliveryCount: 0, lock: null });
      this.serve(entity);
    }
  }

  async receive(from: Source, max: number, waitMs: number): Promise<ReceivedMessage[]> {
    return this.receiveCancellable(this.entityFor(from), max, waitMs).promise;
  }

  async receiveDeadLettered(from: Source, max: number, waitMs: number): Promise<DeadLetteredMessage[]> {
    const entity = this.entityFor(from);
    validateReceiveArgs(max, waitMs);
    this.serve(entity);
    const ready = this.takeDeadLetters(entity, max);
    if (ready.length > 0 || waitMs === 0) return ready;
    const promise = new Promise<DeadLetteredMessage[]>((resolve) => {
      this.addWaiter(entity, entity.deadLetterWaiters, max, waitMs, resolve);
    });
    this.armExpiryTimer(entity);
    return promise;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.closed = true;
    for (const entity of this.allEntities()) {
      for (const w of entity.waiters.splice(0)) w.finish([]);
      for (const w of entity.deadLetterWaiters.splice(0)) w.finish([]);
      this.clearExpiryTimer(entity);
    }
  }

  // ---- pump ----------------------------------------------------------------------------------

  /**
   * Message pump: `concurrency` loops each take one message, run `handler`, and complete it on
   * success or abandon it on a thrown error (so it is retried, then dead-lettered after
   * maxDeliveryCount). A handler may dead-letter a poison message itself. The loops wait without
   * timers; `close()` cancels the waits and awaits running handlers.
   */
  subscribe(source: Source, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const entity = this.entityFor(source);
    const concurrency = validateConcurrency(options);
    const onError = options?.onError ?? defaultOnError;
    const cancels = new Set<() => void>();
    let stopping = false;

    const loop = async (): Promise<void> => {
      while (!stopping && !this.closed) {
        const { promise, cancel } = this.receiveCancellable(entity, 1, Number.POSITIVE_INFINITY);
        cancels.add(cancel);
        let messages: ReceivedMessage[];
        try {
          messages = await promise;
        } finally {
          cancels.delete(cancel);
        }
        for (const m of messages) {
          await handleAndSettle(m, handler, this.settled.get(m) ?? (() => true), onError);
        }
      }
    };

    const loops = Array.from({ length: concurrency }, () => loop());
    let closing: Promise<void> | null = null;
    const subscription: Subscription = {
      close: () => {
        closing ??= (async () => {
          stopping = true;
          for (const cancel of [...cancels]) cancel();
          await Promise.all(loops);
          this.subscriptions.delete(subscription);
        })();
        return closing;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  // ---- inspection (tests, local host diagnostics) ----------------------------------------------

  /** Counts of an entity: visible, locked and dead-lettered messages. */
  stats(from: Source): { active: number; locked: number; deadLettered: number } {
    const entity = this.entityFor(from);
    this.expireLocks(entity, Date.now());
    const locked = entity.locked.size;
    return { active: entity.active.size - locked, locked, deadLettered: entity.deadLetters.length };
  }

  // ---- internals ---------------------------------------------------------------------------

  private receiveCancellable(
    entity: ReceivingEntity,
    max: number,
    waitMs: number,
  ): { promise: Promise<ReceivedMessage[]>; cancel: () => void } {
    validateReceiveArgs(max, waitMs);
    this.assertOpen();
    this.serve(entity); // older waiters first
    const ready = this.takeMessages(entity, max);
    if (ready.length > 0 || waitMs === 0) return { promise: Promise.resolve(ready), cancel: () => {} };
    let waiter: Waiter<ReceivedMessage> | null = null;
    const promise = new Promise<ReceivedMessage[]>((resolve) => {
      waiter = this.addWaiter(entity, entity.waiters, max, waitMs, resolve);
    });
    this.armExpiryTimer(entity);
    const cancel = (): void => {
      const w = waiter;
      if (!w) return;
      const i = entity.waiters.indexOf(w);
      if (i < 0) return;
      entity.waiters.splice(i, 1);
      w.finish([]);
      this.armExpiryTimer(entity);
    };
    return { promise, cancel };
  }

  private addWaiter<T>(
    entity: ReceivingEntity,
    list: Waiter<T>[],
    max: number,
    waitMs: number,
    resolve: (items: T[]) => void,
  ): Waiter<T> {
    const waiter: Waiter<T> = {
      max,
      timer: null,
      finish: (items) => {
        if (waiter.timer) clearTimeout(waiter.timer);
        waiter.timer = null;
        resolve(items);
      },
    };
    if (Number.isFinite(waitMs)) {
      waiter.timer = setTimeout(
        () => {
          waiter.timer = null;
          const i = list.indexOf(waiter);
          if (i >= 0) list.splice(i, 1);
          resolve([]);
          this.armExpiryTimer(entity);
        },
        Math.min(waitMs, MAX_TIMER_MS),
      );
    }
    list.push(waiter);
    return waiter;
  }

  /** Expires locks, then hands available messages / dead letters to waiting receivers. */
  private serve(entity: ReceivingEntity): void {
    this.expireLocks(entity, Date.now());
    while (entity.waiters.length > 0) {
      const messages = this.takeMessages(entity, entity.waiters[0].max);
      if (messages.length === 0) break;
      entity.waiters.shift()!.finish(messages);
    }
    while (entity.deadLetterWaiters.length > 0 && entity.deadLetters.length > 0) {
      const w = entity.deadLetterWaiters.shift()!;
      w.finish(this.takeDeadLetters(entity, w.max));
    }
    this.armExpiryTimer(entity);
  }

  private takeMessages(entity: ReceivingEntity, max: number): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    const now = Date.now();
    for (const stored of entity.active.values()) {
      if (out.length >= max) break;
      if (stored.lock) continue;
      stored.deliveryCount++;
      stored.lock = { token: ++this.lockToken, until: now + entity.lockDurationMs };
      entity.locked.add(stored);
      out.push(this.delivery(entity, stored, stored.lock.token));
    }
    return out;
  }

  private takeDeadLetters(entity: ReceivingEntity, max: number): DeadLetteredMessage[] {
    return entity.deadLetters.splice(0, max).map((d) => ({
      ...copyMessage(d.message),
      deadLetterReason: d.reason,
      ...(d.description !== undefined ? { deadLetterDescription: d.description } : {}),
    }));
  }

  private delivery(entity: ReceivingEntity, stored: StoredMessage, token: number): ReceivedMessage {
    let settledHere = false;
    const settle = (action: () => void): Promise<void> => promised(() => settleNow(action));
    const settleNow = (action: () => void): void => {
      if (this.closed) throw new MessageLockLostError(stored.message.messageId, 'bus-closed', entity.path);
      this.expireLocks(entity, Date.now());
      const current = entity.active.get(stored.seq);
      if (settledHere || current !== stored || stored.lock?.token !== token) {
        throw new MessageLockLostError(
          stored.message.messageId,
          settledHere ? 'already-settled' : 'expired',
          entity.path,
        );
      }
      settledHere = true;
      stored.lock = null;
      entity.locked.delete(stored);
      action();
      this.serve(entity);
    };
    const message: ReceivedMessage = {
      ...copyMessage(stored.message),
      deliveryCount: stored.deliveryCount,
      complete: () => settle(() => entity.active.delete(stored.seq)),
      abandon: () =>
        settle(() => {
          if (stored.deliveryCount >= entity.maxDeliveryCount) this.deadLetterMaxDelivery(entity, stored);
        }),
      deadLetter: (reason: string, description?: string) =>
        settle(() => {
          entity.active.delete(stored.seq);
          entity.deadLetters.push({ message: stored.message, reason, description });
        }),
    };
    this.settled.set(message, () => settledHere);
    return message;
  }

  private deadLetterMaxDelivery(entity: ReceivingEntity, stored: StoredMessage): void {
    entity.active.delete(stored.seq);
    entity.deadLetters.push({
      message: stored.message,
      reason: 'MaxDeliveryCountExceeded',
      description: `Message could not be consumed after ${entity.maxDeliveryCount} delivery attempts.`,
    });
  }

  private expireLocks(entity: ReceivingEntity, now: number): void {
    for (const stored of entity.locked) {
      if (!stored.lock || stored.lock.until > now) continue;
      stored.lock = null;
      entity.locked.delete(stored);
      if (stored.deliveryCount >= entity.maxDeliveryCount) this.deadLetterMaxDelivery(entity, stored);
    }
  }

  /** One timer per entity, at the earliest lock expiry, only while a receiver waits. */
  private armExpiryTimer(entity: ReceivingEntity): void {
    if (this.closed || (entity.waiters.length === 0 && entity.deadLetterWaiters.length === 0)) {
      this.clearExpiryTimer(entity);
      return;
    }
    let due = Number.POSITIVE_INFINITY;
    for (const stored of entity.locked) if (stored.lock && stored.lock.until < due) due = stored.lock.until;
    if (!Number.isFinite(due)) {
      this.clearExpiryTimer(entity);
      return;
    }
    if (entity.expiryTimer && entity.expiryDue === due) return;
    this.clearExpiryTimer(entity);
    entity.expiryDue = due;
    entity.expiryTimer = setTimeout(
      () => {
        entity.expiryTimer = null;
        this.serve(entity);
      },
      Math.max(0, due - Date.now()),
    );
  }

  private clearExpiryTimer(entity: ReceivingEntity): void {
    if (entity.expiryTimer) clearTimeout(entity.expiryTimer);
    entity.expiryTimer = null;
  }

  private entityFor(from: Source): ReceivingEntity {
    this.assertOpen();
    if ('queue' in from) {
      const q = this.queues.get(from.queue);
      if (!q) throw new MessagingEntityNotFoundError(from.queue);
      return q.entity;
    }
    const e = this.topics.get(from.topic)?.subscriptions.get(from.subscription);
    if (!e) throw new MessagingEntityNotFoundError(describeSource(from));
    return e;
  }

  private *allEntities(): Iterable<ReceivingEntity> {
    for (const q of this.queues.values()) yield q.entity;
    for (const t of this.topics.values()) yield* t.subscriptions.values();
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }
}

/**
 * Declares the app's Service Bus entities (shared/config/names.ts) on an in-process bus with the
 * settings infra/bicep/modules/service-bus.bicep gives them in Azure: the domain events topic
 * (duplicate detection, window PT1H) and the result senders' subscription (maxDeliveryCount 10,
 * lock PT1M). `options` overrides the subscription's settings (e.g. short locks in tests).
 */
/** Declares the app's topics, subscriptions and queues as infra/bicep creates them in Azure. */
export function declareSettlementEntities(bus: InProcessBus, options: EntityOptions = {}): void {
  const SB = NAMES.serviceBus;
  const delivery = { maxDeliveryCount: 10, lockDurationMs: 60_000, ...options };
  const dedupe = { duplicateDetectionWindowMs: 60 * 60_000 };
  bus.createTopic(SB.domainEventsTopic, dedupe);
  bus.createSubscription(SB.domainEventsTopic, SB.resultSenderSubscription, delivery);
  bus.createSubscription(SB.domainEventsTopic, SB.esettSenderSubscription, delivery);
  bus.createTopic(SB.integrationEventsTopic, dedupe);
  bus.createSubscription(SB.integrationEventsTopic, SB.basisDataSubscription, delivery);
  bus.createTopic(SB.lakeStreamTopic, dedupe);
  bus.createSubscription(SB.lakeStreamTopic, SB.lakeStreamRawSubscription, delivery);
  for (const q of [
    SB.integrationEventsPoisonQueue,
    SB.dataAvailableQueue,
    SB.bundleRequestQueue,
    SB.bundleReplyQueue,
    SB.esettQueue,
    SB.catalogProfileQueue,
  ])
    bus.createQueue(q, { ...delivery, ...dedupe });
}

function newEntity(path: string, options: EntityOptions): ReceivingEntity {
  const maxDeliveryCount = options.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT;
  const lockDurationMs = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
  if (!Number.isInteger(maxDeliveryCount) || maxDeliveryCount < 1) {
    throw new RangeError(`maxDeliveryCount must be an integer >= 1, got ${maxDeliveryCount}`);
  }
  if (!(lockDurationMs > 0) || !Number.isFinite(lockDurationMs)) {
    throw new RangeError(`lockDurationMs must be a positive number, got ${lockDurationMs}`);
  }
  return new ReceivingEntity(path, maxDeliveryCount, lockDurationMs);
}

function newDuplicateDetector(options: SendEntityOptions): DuplicateDetector | null {
  const w = options.duplicateDetectionWindowMs;
  if (w === undefined) return null;
  if (!(w > 0)) throw new RangeError(`duplicateDetectionWindowMs must be positive, got ${w}`);
  return new DuplicateDetector(w);
}

function validateReceiveArgs(max: number, waitMs: number): void {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer >= 1, got ${max}`);
  if (Number.isNaN(waitMs) || waitMs < 0) throw new RangeError(`waitMs must be >= 0, got ${waitMs}`);
}

function validateMessage(m: BusMessage): void {
  if (typeof m.messageId !== 'string' || m.messageId.length === 0 || m.messageId.length > MAX_MESSAGE_ID_LENGTH) {
    throw new TypeError(`messageId must be a string of 1..${MAX_MESSAGE_ID_LENGTH} characters`);
  }
  if (!(m.body instanceof Uint8Array)) throw new TypeError(`message ${m.messageId}: body must be a Uint8Array`);
}

/** Detached copy: senders and receivers never share mutable bytes or property bags. */
function copyMessage(m: BusMessage): BusMessage {
  return {
    messageId: m.messageId,
    body: new Uint8Array(m.body),
    ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(m.applicationProperties !== undefined ? { applicationProperties: { ...m.applicationProperties } } : {}),
  };
}
