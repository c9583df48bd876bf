/**
 * IntegrationEventStore contract, run against MemoryIntegrationEventStore and
 * TableIntegrationEventStore (Azurite): append/idempotency, as-of reads, and the subscriber
 * (handleIntegrationEventMessage) behind an InProcessBus subscription — round trip of every event
 * type into materializeMeteringPointPeriods, duplicates, out-of-order delivery, poison messages,
 * storage failures.
 */
import { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { materializeMeteringPointPeriods } from '../../shared/basis-data/bitemporal/materialize';
import { encodeIntegrationEvent, integrationEventMessage } from '../../shared/integration-events/encode';
import type { IntegrationEvent, IntegrationEventType } from '../../shared/integration-events/events';
import { integrationEventProtoType } from '../../shared/integration-events/wire';
import type { AppendedEvent, IntegrationEventStore } from '../../shared/integration-events/store/event-store';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { EventTooLargeError, MAX_EVENT_BODY_BYTES } from '../../shared/integration-events/store/stored-event';
import { TableIntegrationEventStore } from '../../shared/integration-events/store/table-event-store';
import {
  INVALID_INTEGRATION_EVENT_REASON,
  handleIntegrationEventMessage,
  type IntegrationEventOutcome,
} from '../../shared/integration-events/subscriber';
import type { BusMessage, Source } from '../../shared/messaging/bus';
import { ContractError } from '../../shared/messaging/contract-error';
import { InProcessBus } from '../../shared/messaging/in-process-bus';
import type { Subscription } from '../../shared/messaging/subscription';

type TestStore = IntegrationEventStore & { countEvents(): Promise<number> };
interface StoreFixture {
  store: TestStore;
  cleanup(): Promise<void>;
}

const ms = (iso: string): number => Date.parse(iso);
const MP = '571313180400012345';
const ES = '5790000000001';
const ES2 = '5790000000002';
const BRP = '10X1001A1001A021';
const D = ms('2023-11-01T23:00:00Z');
const DAY = 86_400_000;

const created = (mp: string, effectiveDate = D): IntegrationEvent => ({
  messageType: 'MeteringPointCreated',
  meteringPointId: mp,
  type: 'E17',
  gridAreaCode: '800',
  settlementMethod: 'E02',
  resolution: 'PT1H',
  fromGridAreaCode: null,
  toGridAreaCode: null,
  parentMeteringPointId: null,
  calculationType: null,
  effectiveDate,
});
const connected = (mp: string, effectiveDate = D): IntegrationEvent => ({
  messageType: 'MeteringPointConnected',
  meteringPointId: mp,
  effectiveDate,
});
const supplier = (mp: string, gln: string, effectiveDate = D): IntegrationEvent => ({
  messageType: 'EnergySupplierChanged',
  meteringPointId: mp,
  energySupplierId: gln,
  effectiveDate,
});

/** One valid event of every type. */
const EVERY_TYPE: { readonly [K in IntegrationEventType]: Extract<IntegrationEvent, { messageType: K }> } = {
  MeteringPointCreated: created(MP) as Extract<IntegrationEvent, { messageType: 'MeteringPointCreated' }>,
  MeteringPointConnected: { messageType: 'MeteringPointConnected', meteringPointId: MP, effectiveDate: D },
  EnergySupplierChanged: {
    messageType: 'EnergySupplierChanged',
    meteringPointId: MP,
    energySupplierId: ES,
    effectiveDate: D,
  },
  BalanceResponsiblePartyChanged: {
    messageType: 'BalanceResponsiblePartyChanged',
    meteringPointId: MP,
    balanceResponsiblePartyId: BRP,
    effectiveDate: D,
  },
  GridAreaUpdated: {
    messageType: 'GridAreaUpdated',
    gridAreaCode: '800',
    gridAreaName: 'Syd',
    gridAccessProviderId: '5790000000003',
    priceAreaCode: 'DK1',
    effectiveDate: D,
  },
  ChargeInformationChanged: {
    messageType: 'ChargeInformationChanged',
    chargeCode: '40000',
    chargeType: 'tariff',
    chargeOwnerId: '5790000432752',
    resolution: 'PT1H',
    isTax: true,
    fromDate: D,
    toDate: null,
  },
  ChargePricesChanged: {
    messageType: 'ChargePricesChanged',
    chargeCode: '40000',
    chargeType: 'tariff',
    chargeOwnerId: '5790000432752',
    periodStart: D,
    periodEnd: D + 3_600_000,
    points: [{ time: D, priceMicro: 123_456 }],
  },
  ChargeLinkChanged: {
    messageType: 'ChargeLinkChanged',
    chargeCode: '40000',
    chargeType: 'tariff',
    chargeOwnerId: '5790000432752',
    meteringPointId: MP,
    factor: 1,
    fromDate: D,
    toDate: null,
  },
  TimeSeriesPointsReceived: {
    messageType: 'TimeSeriesPointsReceived',
    meteringPointId: MP,
    resolution: 'PT1H',
    registrationTime: D + DAY,
    periodStart: D,
    periodEnd: D + 2 * 3_600_000,
    points: [
      { position: 1, quantityMilli: 1_500, quality: 'measured' },
      { position: 2, quantityMilli: null, quality: 'missing' },
    ],
  },
};

function appended(eventId: string, e: IntegrationEvent, storedAt: number): AppendedEvent {
  const { body } = encodeIntegrationEvent(e);
  return { eventId, event: e, body, storedAt };
}

/** A Service Bus message as the publishers send it: MessageType + EventId properties, subject. */
const busMessage = (eventId: string, e: IntegrationEvent): BusMessage => integrationEventMessage(eventId, e);

const TOPIC = 'integration-events';
const SUBSCRIPTION = 'settlement';
const SOURCE: Source = { topic: TOPIC, subscription: SUBSCRIPTION };

/** A bus with the integration-events subscription and a pump running the subscriber. */
class Consumer {
  readonly bus = new InProcessBus();
  readonly outcomes: IntegrationEventOutcome[] = [];
  readonly errors: unknown[] = [];
  private readonly waiters: { n: number; resolve: () => void }[] = [];
  private readonly subscription: Subscription;
  // after every example's registration_time: the subscriber refuses registrations in its future
  clock: number;

  constructor(store: IntegrationEventStore, startClock = ms('2024-01-01T00:00:00Z')) {
    this.clock = startClock;
    this.bus.createTopic(TOPIC);
    this.bus.createSubscription(TOPIC, SUBSCRIPTION, { maxDeliveryCount: 3, lockDurationMs: 60_000 });
    this.subscription = this.bus.subscribe(
      SOURCE,
      async (m) => {
        const outcome = await handleIntegrationEventMessage(store, m, () => this.clock);
        this.outcomes.push(outcome);
        for (const w of this.waiters.filter((x) => this.outcomes.length >= x.n)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      },
      { onError: (error) => this.errors.push(error) },
    );
  }

  /** Sends `messages` one at a time (clock +1 each), waiting until each one is handled. */
  async deliver(...messages: BusMessage[]): Promise<IntegrationEventOutcome[]> {
    const first = this.outcomes.length;
    for (const m of messages) {
      this.clock += 1;
      const target = this.outcomes.length + 1;
      const done = new Promise<void>((resolve) => this.waiters.push({ n: target, resolve }));
      await this.bus.send({ topic: TOPIC }, m);
      await done;
    }
    return this.outcomes.slice(first);
  }

  async close(): Promise<void> {
    await this.subscription.close();
    await this.bus.close();
  }
}

function integrationEventStoreContract(name: string, fresh: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let fx: StoreFixture;
    let consumer: Consumer | null = null;
    beforeEach(async () => {
      fx = await fresh();
    });
    afterEach(async () => {
      await consumer?.close();
      consumer = null;
      await fx.cleanup();
    });
    const consume = (store: IntegrationEventStore = fx.store): Consumer => (consumer = new Consumer(store));

    describe('append', () => {
      it('stores an event once; a duplicate returns stored:false and changes nothing', async () => {
        const { store } = fx;
        expect(await store.append(appended('ev-1', supplier(MP, ES), 100))).toEqual({ stored: true });
        const before = await store.readMasterData(Number.MAX_SAFE_INTEGER);
        expect(before).toEqual([
          {
            messageType: 'EnergySupplierChanged',
            meteringPointId: MP,
            energySupplierId: ES,
            effectiveDate: D,
            eventId: 'ev-1',
            storedAt: 100,
          },
        ]);
        // redelivered later, even with other bytes: the stored event (and its storedAt) stays
        expect(await store.append(appended('ev-1', supplier(MP, ES), 200))).toEqual({ stored: false });
        expect(await store.append(appended('ev-1', supplier(MP, ES2), 50))).toEqual({ stored: false });
        expect(await store.readMasterData(Number.MAX_SAFE_INTEGER)).toEqual(before);
        expect(await store.countEvents()).toBe(1);
      });

      it('keeps every event type (non-master-data ones are stored but not read as master data)', async () => {
        const { store } = fx;
        let t = 10;
        for (const e of Object.values(EVERY_TYPE))
          expect(await store.append(appended(`all-${e.messageType}`, e, t++))).toEqual({ stored: true });
        expect(await store.countEvents()).toBe(9);
        const master = await store.readMasterData(Number.MAX_SAFE_INTEGER);
        expect(master.map((e) => e.messageType)).toEqual([
          'MeteringPointCreated',
          'MeteringPointConnected',
          'EnergySupplierChanged',
          'BalanceResponsiblePartyChanged',
        ]);
        expect(master[0]).toEqual({
          messageType: 'MeteringPointCreated',
          meteringPointId: MP,
          type: 'E17',
          calculationType: null,
          settlementMethod: 'E02',
          gridAreaCode: '800',
          resolution: 'PT1H',
          fromGridAreaCode: null,
          toGridAreaCode: null,
          parentMeteringPointId: null,
          effectiveDate: D,
          eventId: 'all-MeteringPointCreated',
          storedAt: 10,
        });
      });

      it('rejects an oversized body, an unusable event id, an unknown type and a bad storedAt, storing nothing', async () => {
        const { store } = fx;
        const ok = appended('ok-1', connected(MP), 1);
        await expect(store.append({ ...ok, body: new Uint8Array(MAX_EVENT_BODY_BYTES + 1) })).rejects.toThrow(
          EventTooLargeError,
        );
        await expect(store.append({ ...ok, body: new Uint8Array(MAX_EVENT_BODY_BYTES + 1) })).rejects.toThrow(
          /exceeds the limit of 49152 bytes/,
        );
        await expect(store.append({ ...ok, eventId: 'a/b' })).rejects.toThrow(ContractError);
        await expect(store.append({ ...ok, eventId: '' })).rejects.toThrow(/EventId: missing/);
        await expect(
          store.append({
            ...ok,
            event: { ...ok.event, messageType: 'MeteringPointDeleted' } as unknown as IntegrationEvent,
          }),
        ).rejects.toThrow(/MessageType: unknown message type/);
        await expect(store.append({ ...ok, storedAt: 1.5 })).rejects.toThrow(RangeError);
        expect(await store.countEvents()).toBe(0);
      });

      it('accepts a body of exactly the limit', async () => {
        const big = new Uint8Array(MAX_EVENT_BODY_BYTES).fill(7);
        expect(
          await fx.store.append({
            eventId: 'big-1',
            event: EVERY_TYPE.TimeSeriesPointsReceived,
            body: big,
            storedAt: 1,
          }),
        ).toEqual({ stored: true });
        expect(await fx.store.countEvents()).toBe(1);
      });
    });

    describe('readMasterData(asOf)', () => {
      it('sees exactly the events stored at or before asOf', async () => {
        const { store } = fx;
        await store.append(appended('c', created(MP), 100));
        await store.append(appended('k', connected(MP), 100));
        await store.append(appended('s', supplier(MP, ES), 200));
        const ids = async (asOf: number): Promise<string[]> => (await store.readMasterData(asOf)).map((e) => e.eventId);
        expect(await ids(99)).toEqual([]);
        expect(await ids(100)).toEqual(['c', 'k']);
        expect(await ids(199)).toEqual(['c', 'k']);
        expect(await ids(200)).toEqual(['c', 'k', 's']);
        // the supplier arrives at 200: no period before (E17 needs a supplier), one from D after
        expect(materializeMeteringPointPeriods(await store.readMasterData(199), 199)).toEqual([]);
        expect(materializeMeteringPointPeriods(await store.readMasterData(200), 200)).toMatchObject([
          { meteringPointId: MP, energySupplierId: ES, fromDate: D, toDate: null },
        ]);
      });
    });

    describe('readEvents(messageType, asOf, observed?)', () => {
      it('returns every event type decoded, with its id and stored time, as of a system time', async () => {
        const { store } = fx;
        let t = 10;
        for (const e of Object.values(EVERY_TYPE)) await store.append(appended(`all-${e.messageType}`, e, t++));
        for (const [i, e] of Object.values(EVERY_TYPE).entries()) {
          expect(await store.readEvents(e.messageType, Number.MAX_SAFE_INTEGER)).toEqual([
            { ...e, eventId: `all-${e.messageType}`, storedAt: 10 + i },
          ]);
          expect(await store.readEvents(e.messageType, 10 + i - 1)).toEqual([]);
        }
      });

      it('keeps only time-series events whose period overlaps the observed range, and orders by stored time', async () => {
        const { store } = fx;
        const ts = EVERY_TYPE.TimeSeriesPointsReceived; // [D, D+2h)
        const later = {
          ...ts,
          periodStart: D + DAY,
          periodEnd: D + DAY + 3_600_000,
          points: [{ position: 1, quantityMilli: 7, quality: 'estimated' as const }],
        };
        await store.append(appended('ts-b', later, 300));
        await store.append(appended('ts-a', ts, 200));
        await store.append(appended('ts-c', { ...ts, registrationTime: D + 2 * DAY }, 400));
        const ids = async (from: number, to: number, asOf = Number.MAX_SAFE_INTEGER): Promise<string[]> =>
          (await store.readEvents('TimeSeriesPointsReceived', asOf, { from, to })).map((e) => e.eventId);
        expect(await ids(D, D + DAY)).toEqual(['ts-a', 'ts-c']);
        expect(await ids(D + 2 * 3_600_000, D + DAY)).toEqual([]); // end is exclusive
        expect(await ids(D + 3_600_000, D + DAY + 1)).toEqual(['ts-a', 'ts-b', 'ts-c']);
        expect(await ids(D, D + 2 * DAY, 399)).toEqual(['ts-a', 'ts-b']);
        // the range applies to time series only
        await store.append(appended('g', EVERY_TYPE.GridAreaUpdated, 1));
        expect((await store.readEvents('GridAreaUpdated', 1, { from: 0, to: 1 })).map((e) => e.eventId)).toEqual(['g']);
      });
    });

    describe('subscriber behind a bus subscription', () => {
      it('round-trips every event type into the store and into materialized periods', async () => {
        const c = consume();
        const messages = Object.values(EVERY_TYPE).map((e, i) => busMessage(`evt-${i}`, e));
        expect(await c.deliver(...messages)).toEqual(Array(9).fill('stored'));
        expect(await fx.store.countEvents()).toBe(9);
        const events = await fx.store.readMasterData(c.clock);
        expect(events.map((e) => [e.messageType, e.eventId])).toEqual([
          ['MeteringPointCreated', 'evt-0'],
          ['MeteringPointConnected', 'evt-1'],
          ['EnergySupplierChanged', 'evt-2'],
          ['BalanceResponsiblePartyChanged', 'evt-3'],
        ]);
        expect(materializeMeteringPointPeriods(events, c.clock)).toEqual([
          {
            meteringPointId: MP,
            type: 'E17',
            calculationType: null,
            settlementMethod: 'E02',
            gridAreaCode: '800',
            resolution: 'PT1H',
            fromGridAreaCode: null,
            toGridAreaCode: null,
            parentMeteringPointId: null,
            energySupplierId: ES,
            balanceResponsiblePartyId: BRP,
            fromDate: D,
            toDate: null,
            source: { file: 'integration-events', row: 0 },
          },
        ]);
        expect(c.bus.stats(SOURCE)).toEqual({ active: 0, locked: 0, deadLettered: 0 });
        expect(c.errors).toEqual([]);
      });

      it('a duplicate delivery changes nothing', async () => {
        const c = consume();
        const trio = [
          busMessage('d-1', created(MP)),
          busMessage('d-2', connected(MP)),
          busMessage('d-3', supplier(MP, ES)),
        ];
        expect(await c.deliver(...trio)).toEqual(['stored', 'stored', 'stored']);
        const events = await fx.store.readMasterData(c.clock);
        const periods = materializeMeteringPointPeriods(events, c.clock);
        expect(await c.deliver(trio[2], trio[0])).toEqual(['duplicate', 'duplicate']);
        // the EventId property identifies the event, not the messageId
        expect(await c.deliver({ ...trio[1], messageId: 'another-message-id' })).toEqual(['duplicate']);
        expect(await fx.store.countEvents()).toBe(3);
        expect(await fx.store.readMasterData(c.clock)).toEqual(events);
        expect(materializeMeteringPointPeriods(await fx.store.readMasterData(c.clock), c.clock)).toEqual(periods);
        expect(c.bus.stats(SOURCE)).toEqual({ active: 0, locked: 0, deadLettered: 0 });
      });

      it('falls back to subject and messageId without MessageType/EventId properties', async () => {
        const c = consume();
        const m = busMessage('plain-1', connected(MP));
        expect(await c.deliver({ messageId: m.messageId, body: m.body, subject: 'MeteringPointConnected' })).toEqual([
          'stored',
        ]);
        expect((await fx.store.readMasterData(c.clock)).map((e) => e.eventId)).toEqual(['plain-1']);
      });

      it('applies out-of-order events by effective date (supplier change before creation)', async () => {
        const c = consume();
        // the supplier change effective a day later arrives first, before the metering point exists
        expect(await c.deliver(busMessage('o-1', supplier(MP, ES2, D + DAY)))).toEqual(['stored']);
        const beforeCreation = c.clock;
        expect(materializeMeteringPointPeriods(await fx.store.readMasterData(beforeCreation), beforeCreation)).toEqual(
          [],
        );
        expect(
          await c.deliver(
            busMessage('o-2', connected(MP)),
            busMessage('o-3', supplier(MP, ES)),
            busMessage('o-4', created(MP)),
          ),
        ).toEqual(['stored', 'stored', 'stored']);
        const periods = materializeMeteringPointPeriods(await fx.store.readMasterData(c.clock), c.clock);
        expect(periods.map((p) => [p.energySupplierId, p.fromDate, p.toDate])).toEqual([
          [ES, D, D + DAY],
          [ES2, D + DAY, null],
        ]);
        // as of just before the creation was stored, still nothing
        expect(materializeMeteringPointPeriods(await fx.store.readMasterData(c.clock - 1), c.clock - 1)).toEqual([]);
        expect(periods.every((p) => p.meteringPointId === MP)).toBe(true);
      });

      it('dead-letters poison messages with InvalidIntegrationEvent naming the field, storing nothing', async () => {
        const c = consume();
        const valid = busMessage('p-0', connected(MP));
        const badGsrn = integrationEventProtoType('MeteringPointConnected');
        const badGsrnBody = new Uint8Array(
          badGsrn
            .encode(badGsrn.fromObject({ metering_point_id: '12345', effective_date: { seconds: D / 1000, nanos: 0 } }))
            .finish(),
        );
        const poison: BusMessage[] = [
          // garbage bytes: field 1 (metering_point_id) claims 255 bytes that are not there
          {
            messageId: 'p-1',
            body: new Uint8Array([0x0a, 0xff, 0x01, 0x41]),
            applicationProperties: { MessageType: 'MeteringPointConnected', EventId: 'p-1' },
          },
          {
            ...valid,
            messageId: 'p-2',
            subject: 'MeteringPointDeleted',
            applicationProperties: { MessageType: 'MeteringPointDeleted', EventId: 'p-2' },
          },
          { messageId: 'p-3', body: valid.body },
          {
            messageId: 'p-4',
            body: badGsrnBody,
            applicationProperties: { MessageType: 'MeteringPointConnected', EventId: 'p-4' },
          },
          {
            ...valid,
            messageId: 'p-5',
            applicationProperties: { MessageType: 'MeteringPointConnected', EventId: 'a/b' },
          },
          { ...valid, messageId: 'p-6', body: new Uint8Array(MAX_EVENT_BODY_BYTES + 1) },
        ];
        expect(await c.deliver(...poison)).toEqual(Array(poison.length).fill('dead-lettered'));
        expect(await fx.store.countEvents()).toBe(0);
        expect(await fx.store.readMasterData(Number.MAX_SAFE_INTEGER)).toEqual([]);
        const dead = await c.bus.receiveDeadLettered(SOURCE, 10, 0);
        expect(dead.map((d) => d.messageId)).toEqual(['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6']);
        expect(dead.every((d) => d.deadLetterReason === INVALID_INTEGRATION_EVENT_REASON)).toBe(true);
        const descriptions = dead.map((d) => d.deadLetterDescription ?? '');
        expect(descriptions[0]).toMatch(/^MeteringPointConnected\.metering_point_id: undecodable protobuf/);
        expect(descriptions[1]).toMatch(/^IntegrationEvent\.MessageType: unknown message type "MeteringPointDeleted"/);
        expect(descriptions[2]).toMatch(/^IntegrationEvent\.MessageType: missing/);
        expect(descriptions[3]).toBe('MeteringPointConnected.metering_point_id: not an 18-digit GSRN: "12345"');
        expect(descriptions[4]).toMatch(/^IntegrationEvent\.EventId: contains a character not allowed/);
        expect(descriptions[5]).toMatch(/^MeteringPointConnected: body of 49153 bytes exceeds the limit/);
        expect(c.bus.stats(SOURCE)).toEqual({ active: 0, locked: 0, deadLettered: 0 });
        expect(c.errors).toEqual([]);
      });

      it('a storage failure abandons the message; the redelivery stores it once', async () => {
        let failures = 1;
        const flaky: IntegrationEventStore = {
          append: async (e) => {
            if (failures-- > 0) throw new Error('storage unavailable');
            return fx.store.append(e);
          },
          readMasterData: (asOf) => fx.store.readMasterData(asOf),
          readEvents: (type, asOf, observed) => fx.store.readEvents(type, asOf, observed),
        };
        const c = consume(flaky);
        expect(await c.deliver(busMessage('f-1', connected(MP)))).toEqual(['stored']);
        expect(c.errors).toEqual([expect.objectContaining({ message: 'storage unavailable' })]);
        expect(await fx.store.countEvents()).toBe(1);
        expect(c.bus.stats(SOURCE)).toEqual({ active: 0, locked: 0, deadLettered: 0 });
      });
    });
  });
}

integrationEventStoreContract('MemoryIntegrationEventStore', () =>
  Promise.resolve({
    store: new MemoryIntegrationEventStore(),
    cleanup: () => Promise.resolve(),
  }),
);

describe('TableIntegrationEventStore (Azurite)', () => {
  let az: AzuriteInstance;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az?.stop();
  });

  let seq = 0;
  integrationEventStoreContract('IntegrationEventStore contract', async () => {
    const table = TableClient.fromConnectionString(
      az.connectionString,
      `IntegrationEvents${process.pid}x${++seq}`.replace(/\W/g, ''),
      {
        allowInsecureConnection: true,
      },
    );
    const store = new TableIntegrationEventStore(table);
    await store.ensureTable();
    return { store, cleanup: async () => void (await table.deleteTable()) };
  });

  it('lays events out by message type and event id, body binary, storedAt Int64; never updates', async () => {
    const store = TableIntegrationEventStore.fromConnectionString(az.connectionString);
    await store.ensureTable();
    await store.ensureTable(); // idempotent
    const e = appended('layout-1', supplier(MP, ES), 1_700_000_000_123);
    expect(await store.append(e)).toEqual({ stored: true });
    const raw = TableClient.fromConnectionString(az.connectionString, 'IntegrationEvents', {
      allowInsecureConnection: true,
    });
    const entity = await raw.getEntity<Record<string, unknown>>('EnergySupplierChanged', 'layout-1');
    expect(entity.body).toEqual(e.body);
    expect(entity.storedAt).toBe(1_700_000_000_123n);
    expect(await store.append({ ...e, storedAt: 1_800_000_000_000 })).toEqual({ stored: false });
    expect((await raw.getEntity('EnergySupplierChanged', 'layout-1')).etag).toBe(entity.etag);
  });
});
