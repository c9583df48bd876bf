import { join } from 'node:path';
import { applyChargeEvents, type StoredChargeEvent } from '../../shared/basis-data/bitemporal/charges';
import type {
  ChargeData,
  ChargeKey,
  ChargeLink,
  ChargePrice,
  ChargePriceInformation,
} from '../../shared/basis-data/charges';
import { ValidationError } from '../../shared/basis-data/errors';
import { readScenarioArguments, ScenarioCsvSource } from '../../shared/basis-data/scenario-source';
import type { BasisDataSource } from '../../shared/basis-data/types';
import { calculateWholesale } from '../../shared/calculation/wholesale/run';
import { decodeIntegrationEvent } from '../../shared/integration-events/decode';
import { encodeIntegrationEvent } from '../../shared/integration-events/encode';
import type {
  ChargeEvent,
  ChargeInformationChanged,
  ChargeLinkChanged,
  ChargePricesChanged,
} from '../../shared/integration-events/events';
import type { StoredEventMetadata } from '../../shared/integration-events/store/event-store';
import { integrationEventProtoType } from '../../shared/integration-events/wire';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import {
  INVALID_INTEGRATION_EVENT_REASON,
  handleIntegrationEventMessage,
} from '../../shared/integration-events/subscriber';
import type { ReceivedMessage } from '../../shared/messaging/bus';
import { ContractError } from '../../shared/messaging/contract-error';
import { wholesaleResultRows } from '../../shared/results/wholesale-output';
import type { WholesaleResultRow } from '../../shared/results/wholesale-results';

const t = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;

const OWNER = '5790000000001';
const T1: ChargeKey = { chargeCode: 'T-1', chargeType: 'tariff', chargeOwnerId: OWNER };
const T2: ChargeKey = { chargeCode: 'T-2', chargeType: 'tariff', chargeOwnerId: OWNER };
const SUB: ChargeKey = { chargeCode: 'S-1', chargeType: 'subscription', chargeOwnerId: OWNER };
const FEE: ChargeKey = { chargeCode: 'F-1', chargeType: 'fee', chargeOwnerId: OWNER };
const MP1 = '571313180000000001';
const MP2 = '571313180000000002';

// Valid-time dates: UTC of Danish local midnights (winter, +01:00).
const JAN01 = t('2023-12-31T23:00:00Z');
const JAN10 = t('2024-01-09T23:00:00Z');
const JAN15 = t('2024-01-14T23:00:00Z');
const JAN20 = t('2024-01-19T23:00:00Z');
const FEB01 = t('2024-01-31T23:00:00Z');
const H = (n: number): number => JAN10 + n * HOUR;

/** Storage times in arrival order: one second apart. */
const s = (i: number): number => t('2024-03-01T00:00:00Z') + i * 1000;

let seq = 0;
function stored<E extends ChargeEvent>(e: E, storedAt: number, eventId?: string): E & StoredEventMetadata {
  seq++;
  return { ...e, eventId: eventId ?? `evt-${String(seq).padStart(4, '0')}`, storedAt };
}

function info(
  key: ChargeKey,
  fromDate: number,
  toDate: number | null,
  over: Partial<ChargeInformationChanged> = {},
): ChargeInformationChanged {
  return {
    messageType: 'ChargeInformationChanged',
    ...key,
    resolution: key.chargeType === 'tariff' ? 'PT1H' : 'P1M',
    isTax: false,
    fromDate,
    toDate,
    ...over,
  };
}

function pricesChanged(
  key: ChargeKey,
  periodStart: number,
  periodEnd: number,
  points: Array<[number, number]>,
): ChargePricesChanged {
  return {
    messageType: 'ChargePricesChanged',
    ...key,
    periodStart,
    periodEnd,
    points: points.map(([time, priceMicro]) => ({ time, priceMicro })),
  };
}

function linkChanged(
  key: ChargeKey,
  meteringPointId: string,
  fromDate: number,
  toDate: number | null,
  factor = 1,
): ChargeLinkChanged {
  return { messageType: 'ChargeLinkChanged', ...key, meteringPointId, factor, fromDate, toDate };
}

const piRow = (
  key: ChargeKey,
  fromDate: number,
  toDate: number | null,
  resolution: ChargePriceInformation['resolution'] = 'PT1H',
  isTax = false,
): ChargePriceInformation => ({ ...key, resolution, isTax, fromDate, toDate });
const priceRow = (key: ChargeKey, chargeTime: number, priceMicro: number): ChargePrice => ({
  ...key,
  priceMicro,
  chargeTime,
});
const linkRow = (
  key: ChargeKey,
  meteringPointId: string,
  fromDate: number,
  toDate: number | null,
  quantity = 1,
): ChargeLink => ({ ...key, meteringPointId, quantity, fromDate, toDate });

/** Bulk data in reader shape; deliberately not in the canonical order (readers keep file order). */
function bulk(): ChargeData {
  return {
    priceInformation: [
      piRow(T2, JAN01, FEB01, 'P1D'),
      piRow(T1, JAN01, null),
      piRow(T2, FEB01, null, 'P1D'),
      piRow(SUB, JAN01, null, 'P1M'),
    ],
    prices: [
      priceRow(T1, H(3), 400),
      priceRow(T1, H(0), 100),
      priceRow(T1, H(1), 200),
      priceRow(T1, H(2), 300),
      priceRow(T2, JAN10, 7_000_000),
      priceRow(SUB, JAN01, 30_000_000),
    ],
    links: [
      linkRow(T1, MP2, JAN01, null),
      linkRow(T1, MP1, JAN01, null),
      linkRow(T2, MP1, JAN01, null),
      linkRow(SUB, MP1, JAN01, null, 2),
    ],
  };
}

const ofKey = <R extends ChargeKey>(rows: readonly R[], key: ChargeKey): R[] =>
  rows.filter(
    (r) => r.chargeCode === key.chargeCode && r.chargeType === key.chargeType && r.chargeOwnerId === key.chargeOwnerId,
  );
const periods = (rows: ReadonlyArray<{ fromDate: number; toDate: number | null }>): Array<[number, number | null]> =>
  rows.map((r) => [r.fromDate, r.toDate]);
const pricePoints = (rows: readonly ChargePrice[]): Array<[number, number]> =>
  rows.map((r) => [r.chargeTime, r.priceMicro]);

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Every permutation of a small list. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Periods of one group must not overlap and must have toDate > fromDate (what calculateAmounts relies on). */
function assertValidPeriods<R extends { fromDate: number; toDate: number | null }>(
  rows: readonly R[],
  group: (r: R) => string,
): void {
  const last = new Map<string, R>();
  for (const r of rows) {
    if (r.toDate !== null) expect(r.toDate).toBeGreaterThan(r.fromDate);
    const prev = last.get(group(r));
    if (prev) {
      expect(prev.fromDate).toBeLessThan(r.fromDate); // sorted
      expect(prev.toDate).not.toBeNull();
      expect(prev.toDate as number).toBeLessThanOrEqual(r.fromDate);
    }
    last.set(group(r), r);
  }
}

describe('applyChargeEvents', () => {
  it('without events returns the bulk data in canonical order, as copies', () => {
    const base = bulk();
    const out = applyChargeEvents(base, []);
    expect(out.priceInformation).toEqual([
      piRow(SUB, JAN01, null, 'P1M'),
      piRow(T1, JAN01, null),
      piRow(T2, JAN01, FEB01, 'P1D'),
      piRow(T2, FEB01, null, 'P1D'),
    ]);
    expect(pricePoints(ofKey(out.prices, T1))).toEqual([
      [H(0), 100],
      [H(1), 200],
      [H(2), 300],
      [H(3), 400],
    ]);
    expect(out.links.map((l) => [l.chargeCode, l.meteringPointId])).toEqual([
      ['S-1', MP1],
      ['T-1', MP1],
      ['T-1', MP2],
      ['T-2', MP1],
    ]);
    expect(out.prices[0]).not.toBe(base.prices.find((p) => p.chargeCode === 'S-1'));
  });

  it('leaves keys without events untouched', () => {
    const base = bulk();
    const events = [
      stored(info(T1, JAN10, null), s(1)),
      stored(pricesChanged(T1, H(0), H(4), [[H(0), 5]]), s(2)),
      stored(linkChanged(T1, MP1, JAN10, null), s(3)),
    ];
    const out = applyChargeEvents(base, events);
    for (const key of [T2, SUB]) {
      expect(ofKey(out.priceInformation, key)).toEqual(ofKey(base.priceInformation, key));
      expect(ofKey(out.prices, key)).toEqual(ofKey(base.prices, key));
      expect(ofKey(out.links, key)).toEqual(ofKey(base.links, key));
    }
  });

  it('event-sourced price information replaces every bulk period of the key', () => {
    const out = applyChargeEvents(bulk(), [stored(info(T2, JAN10, null, { resolution: 'PT1H', isTax: true }), s(1))]);
    // Both bulk periods of T2 (JAN01–FEB01, FEB01–open) are gone, not merged with the event.
    expect(ofKey(out.priceInformation, T2)).toEqual([piRow(T2, JAN10, null, 'PT1H', true)]);
    // Prices and links are separate tables: a price-information event does not touch them.
    expect(ofKey(out.prices, T2)).toEqual([priceRow(T2, JAN10, 7_000_000)]);
    expect(ofKey(out.links, T2)).toEqual([linkRow(T2, MP1, JAN01, null)]);
  });

  it('periods of a key are ordered by fromDate; each ends where the next starts unless it ends earlier', () => {
    const events = [
      stored(info(T1, JAN15, JAN20), s(1)), // ends before the next starts: a gap JAN20–FEB01
      stored(info(T1, FEB01, null), s(2)),
      stored(info(T1, JAN01, null), s(3)), // open, stored last, earliest: cut at JAN15
    ];
    const out = applyChargeEvents(bulk(), events);
    expect(periods(ofKey(out.priceInformation, T1))).toEqual([
      [JAN01, JAN15],
      [JAN15, JAN20],
      [FEB01, null],
    ]);
    assertValidPeriods(out.priceInformation, (r) => `${r.chargeCode}|${r.chargeType}|${r.chargeOwnerId}`);
  });

  it('a later-stored event with the same fromDate is a correction, whatever the input order', () => {
    const original = stored(info(T1, JAN10, null, { resolution: 'PT1H' }), s(1), 'evt-b');
    const correction = stored(info(T1, JAN10, JAN20, { resolution: 'P1D', isTax: true }), s(2), 'evt-a'); // smaller id, later stored
    const other = stored(info(T1, JAN01, null), s(3));
    const expected = [piRow(T1, JAN01, JAN10), piRow(T1, JAN10, JAN20, 'P1D', true)];
    for (const order of permutations([original, correction, other])) {
      expect(ofKey(applyChargeEvents(bulk(), order).priceInformation, T1)).toEqual(expected);
    }
    // Equal storedAt: the greater eventId is applied last and wins.
    const tieA = stored(info(T1, JAN10, null, { resolution: 'PT1H' }), s(5), 'evt-x');
    const tieB = stored(info(T1, JAN10, null, { resolution: 'P1D' }), s(5), 'evt-y');
    for (const order of [
      [tieA, tieB],
      [tieB, tieA],
    ]) {
      expect(ofKey(applyChargeEvents(bulk(), order).priceInformation, T1)).toEqual([piRow(T1, JAN10, null, 'P1D')]);
    }
  });

  it('a price event replaces the key’s points within [periodStart, periodEnd) only', () => {
    // Bulk T1: H0 100, H1 200, H2 300, H3 400. Event [H1, H3) with one point at H2.
    const out = applyChargeEvents(bulk(), [stored(pricesChanged(T1, H(1), H(3), [[H(2), 999]]), s(1))]);
    // H1 (= periodStart, inclusive) is removed although the event has no point there;
    // H3 (= periodEnd, exclusive) and H0 (before) are kept.
    expect(pricePoints(ofKey(out.prices, T1))).toEqual([
      [H(0), 100],
      [H(2), 999],
      [H(3), 400],
    ]);
    // Same code, other key: untouched.
    expect(ofKey(out.prices, T2)).toEqual([priceRow(T2, JAN10, 7_000_000)]);
  });

  it('an event without points clears its range', () => {
    const out = applyChargeEvents(bulk(), [stored(pricesChanged(T1, H(0), H(2), []), s(1))]);
    expect(pricePoints(ofKey(out.prices, T1))).toEqual([
      [H(2), 300],
      [H(3), 400],
    ]);
  });

  it('overlapping price events apply in stored order, not input order', () => {
    const first = stored(
      pricesChanged(T1, H(0), H(3), [
        [H(0), 10],
        [H(1), 11],
        [H(2), 12],
      ]),
      s(1),
    );
    const second = stored(pricesChanged(T1, H(1), H(2), [[H(1), 21]]), s(2));
    const third = stored(pricesChanged(T1, H(2), H(4), []), s(3));
    const expected: Array<[number, number]> = [
      [H(0), 10],
      [H(1), 21],
    ];
    for (const order of permutations([first, second, third])) {
      expect(pricePoints(ofKey(applyChargeEvents(bulk(), order).prices, T1))).toEqual(expected);
    }
    // Stored the other way round, the wide event overwrites the narrow ones.
    const wideLast = stored(
      pricesChanged(T1, H(0), H(3), [
        [H(0), 10],
        [H(1), 11],
        [H(2), 12],
      ]),
      s(9),
    );
    expect(pricePoints(ofKey(applyChargeEvents(bulk(), [second, third, wideLast]).prices, T1))).toEqual([
      [H(0), 10],
      [H(1), 11],
      [H(2), 12],
    ]);
  });

  it('a redelivered event (same eventId, stored later) does not re-apply over a newer event', () => {
    const old = stored(pricesChanged(T1, H(0), H(1), [[H(0), 1]]), s(1), 'old');
    const newer = stored(pricesChanged(T1, H(0), H(1), [[H(0), 2]]), s(2), 'newer');
    const redelivered = { ...old, storedAt: s(3) };
    expect(pricePoints(ofKey(applyChargeEvents(bulk(), [redelivered, newer, old]).prices, T1))[0]).toEqual([H(0), 2]);
    // Same id and storedAt but different contents: no order-independent choice exists.
    const conflicting = { ...old, points: [{ time: H(0), priceMicro: 3 }] };
    expect(() => applyChargeEvents(bulk(), [old, conflicting])).toThrow(/stored twice/);
    // An identical copy is harmless.
    expect(applyChargeEvents(bulk(), [old, { ...old }])).toEqual(applyChargeEvents(bulk(), [old]));
  });

  it('links are resolved per (charge key, metering point)', () => {
    const events = [
      stored(linkChanged(T1, MP1, JAN10, null), s(1)),
      stored(linkChanged(T1, MP1, JAN15, null), s(2)), // cuts the JAN10 link at JAN15
      stored(linkChanged(T1, MP1, JAN15, JAN20), s(4)), // correction of the JAN15 link
      stored(linkChanged(SUB, MP2, JAN10, null, 3), s(3)),
    ];
    for (const order of permutations(events)) {
      const out = applyChargeEvents(bulk(), order);
      expect(ofKey(out.links, T1)).toEqual([
        linkRow(T1, MP1, JAN10, JAN15),
        linkRow(T1, MP1, JAN15, JAN20),
        linkRow(T1, MP2, JAN01, null), // other metering point of the same key: bulk kept
      ]);
      // A new metering point for SUB; its bulk link to MP1 stays; factor → quantity.
      expect(ofKey(out.links, SUB)).toEqual([linkRow(SUB, MP1, JAN01, null, 2), linkRow(SUB, MP2, JAN10, null, 3)]);
      assertValidPeriods(out.links, (r) => `${r.chargeCode}|${r.chargeType}|${r.chargeOwnerId}|${r.meteringPointId}`);
    }
  });

  it('gives byte-identical output for any input order', () => {
    const events = [
      stored(info(T1, JAN10, null), s(1)),
      stored(info(T1, JAN10, null, { resolution: 'P1D' }), s(2)),
      stored(pricesChanged(T1, H(0), H(2), [[H(1), 5]]), s(3)),
      stored(pricesChanged(T1, H(1), H(5), [[H(4), 6]]), s(4)),
      stored(linkChanged(T2, MP2, JAN15, null), s(5)),
    ];
    const reference = JSON.stringify(applyChargeEvents(bulk(), events));
    for (const order of permutations(events)) expect(JSON.stringify(applyChargeEvents(bulk(), order))).toBe(reference);
  });

  it('does not mutate base, and its output shares no objects with base', () => {
    const base = deepFreeze(bulk());
    const before = JSON.stringify(base);
    const events = [
      stored(info(T1, JAN10, null), s(1)),
      stored(pricesChanged(T1, H(1), H(3), [[H(2), 999]]), s(2)),
      stored(linkChanged(T1, MP1, JAN10, null), s(3)),
    ];
    const out = applyChargeEvents(base, events); // a frozen base would throw on any write
    expect(JSON.stringify(base)).toBe(before);
    for (const row of [...out.priceInformation, ...out.prices, ...out.links]) {
      expect([...base.priceInformation, ...base.prices, ...base.links]).not.toContain(row);
    }
    expect(out.prices).not.toBe(base.prices);
  });

  it('rejects events that would make the charge data invalid', () => {
    const cases: Array<[StoredChargeEvent, RegExp]> = [
      [stored(pricesChanged(T1, H(0), H(1), [[H(0), -1]]), s(1)), /points\[0\]\.priceMicro.*must not be negative/],
      [stored(pricesChanged(T1, H(0), H(1), [[H(1), 1]]), s(1)), /points\[0\]\.time.*outside/],
      [stored(pricesChanged(T1, H(1), H(1), []), s(1)), /periodEnd.*must be after periodStart/],
      [stored(info(T1, JAN10, JAN10), s(1)), /toDate.*must be after fromDate/],
      [stored(info(SUB, JAN10, null, { resolution: 'PT1H' }), s(1)), /resolution.*subscription has resolution P1M/],
      [stored(linkChanged(T1, MP1, JAN10, null, 0), s(1)), /factor/],
      [stored(linkChanged(T1, '123', JAN10, null), s(1)), /meteringPointId/],
      // P1M (subscription, fee) price points lie on a local day start; a tariff's hourly point is fine
      [
        stored(
          pricesChanged(SUB, JAN10, JAN15, [
            [JAN10, 1],
            [JAN10 + 5 * HOUR, 2],
          ]),
          s(1),
        ),
        /column points\[1\]\.time: .*subscription \(P1M\) price point must lie on a local day start.*2024-01-10T04:00:00Z/,
      ],
      [
        stored(pricesChanged(FEE, JAN10, JAN15, [[JAN10 + 86_400_000 + 3 * HOUR, 1]]), s(1)),
        /column points\[0\]\.time: .*fee \(P1M\) price point must lie on a local day start/,
      ],
    ];
    for (const [event, message] of cases) {
      let error: unknown = null;
      try {
        applyChargeEvents(bulk(), [event]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(event.eventId);
    }
  });

  it('accepts P1M price points on local day starts (winter and summer) and tariff points at any hour', () => {
    const summerDay = t('2024-06-09T22:00:00Z'); // local midnight at UTC+2
    const out = applyChargeEvents(bulk(), [
      stored(
        pricesChanged(SUB, JAN10, summerDay + 86_400_000, [
          [JAN10, 1],
          [summerDay, 2],
        ]),
        s(1),
      ),
      stored(pricesChanged(T1, H(0), H(2), [[H(1), 3]]), s(2)),
    ]);
    expect(ofKey(out.prices, SUB).map((p) => p.chargeTime)).toEqual([JAN01, JAN10, summerDay]);
    expect(ofKey(out.prices, T1).map((p) => p.chargeTime)).toEqual([H(1), H(2), H(3)]);
  });

  it('matches a naive forward application on random price events, and periods never overlap', () => {
    // Seeded LCG: reproducible, yet far more interleavings than the hand-written cases.
    let state = 12345;
    const rnd = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const keys = [T1, T2];
    for (let round = 0; round < 200; round++) {
      const base = bulk();
      const events: StoredChargeEvent[] = [];
      for (let i = 0, n = 1 + rnd(8); i < n; i++) {
        const key = keys[rnd(2)];
        const start = rnd(10);
        const end = start + 1 + rnd(6);
        const points: Array<[number, number]> = [];
        for (let h = start; h < end; h++) if (rnd(2) === 0) points.push([H(h), rnd(1000)]);
        events.push(stored(pricesChanged(key, H(start), H(end), points), s(rnd(5)), `e${rnd(100)}-${i}`));
        events.push(stored(info(key, JAN01 + rnd(5) * 86_400_000, rnd(2) === 0 ? null : JAN20), s(rnd(5)), `i${i}`));
      }
      // Naive model: apply in (storedAt, eventId) order, filtering the whole list each time.
      const ordered = [...events].sort(
        (a, b) => a.storedAt - b.storedAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
      );
      let model: ChargePrice[] = base.prices.map((p) => ({ ...p }));
      for (const e of ordered) {
        if (e.messageType !== 'ChargePricesChanged') continue;
        const sameKey = (p: ChargePrice) =>
          p.chargeCode === e.chargeCode && p.chargeType === e.chargeType && p.chargeOwnerId === e.chargeOwnerId;
        model = model.filter((p) => !(sameKey(p) && p.chargeTime >= e.periodStart && p.chargeTime < e.periodEnd));
        const key: ChargeKey = { chargeCode: e.chargeCode, chargeType: e.chargeType, chargeOwnerId: e.chargeOwnerId };
        model.push(...e.points.map((p) => priceRow(key, p.time, p.priceMicro)));
      }
      const cmp = (a: ChargePrice, b: ChargePrice) =>
        (a.chargeCode < b.chargeCode ? -1 : a.chargeCode > b.chargeCode ? 1 : 0) || a.chargeTime - b.chargeTime;
      const out = applyChargeEvents(base, events);
      expect(out.prices).toEqual(model.sort(cmp));
      assertValidPeriods(out.priceInformation, (r) => `${r.chargeCode}|${r.chargeType}|${r.chargeOwnerId}`);
    }
  });
});

describe('applyChargeEvents end to end (F5 wholesale scenario)', () => {
  const F5 = join(__dirname, '..', 'scenarios-wholesale', 'f5-minimal-wholesale');
  const GRID_OPERATOR = '0000000000800';
  const ES1 = '1000000000000';
  const ES3 = '3000000000000';

  /** The scenario source with readCharges() overlaid by the events. */
  function withChargeEvents(inner: BasisDataSource, events: readonly StoredChargeEvent[]): BasisDataSource {
    return {
      description: `${inner.description} + ${events.length} charge event(s)`,
      readMeteringPointPeriods: () => inner.readMeteringPointPeriods(),
      readGridLossMeteringPointIds: () => inner.readGridLossMeteringPointIds(),
      readCharges: async () => applyChargeEvents(await inner.readCharges(), events),
      forEachTimeSeriesBatch: (dictionary, range, onBatch) => inner.forEachTimeSeriesBatch(dictionary, range, onBatch),
    };
  }

  const rowKey = (r: WholesaleResultRow): string => `${r.result_id}|${r.time}`;

  it('a price change of tariff-hourly-1 changes exactly its priced hour, monthly amounts and totals', async () => {
    const args = await readScenarioArguments(F5);
    // tariff-hourly-1 has bulk prices 10 @ 02-01T02Z and 10 @ 02-03T02Z. The event covers
    // [02-01T02Z, 02-03T02Z): the first point becomes 12.345678, the second (= periodEnd) stays.
    const event = pricesChanged(
      { chargeCode: 'tariff-hourly-1', chargeType: 'tariff', chargeOwnerId: GRID_OPERATOR },
      t('2023-02-01T02:00:00Z'),
      t('2023-02-03T02:00:00Z'),
      [[t('2023-02-01T02:00:00Z'), 12_345_678]],
    );
    // The event is valid on the wire: what the subscriber would have stored.
    const wire = encodeIntegrationEvent(event);
    const decoded = decodeIntegrationEvent(wire.messageType, wire.body);
    if (decoded.messageType !== 'ChargePricesChanged') throw new Error('decoded to another message type');
    const events: StoredChargeEvent[] = [
      { ...decoded, eventId: 'price-change-1', storedAt: t('2024-02-01T00:00:00Z') },
    ];

    const before = wholesaleResultRows(await calculateWholesale(new ScenarioCsvSource(F5), args));
    const after = wholesaleResultRows(
      await calculateWholesale(withChargeEvents(new ScenarioCsvSource(F5), events), args),
    );

    // Anchor: the base run reproduces the fixture numbers the expectations below start from.
    const find = (rows: WholesaleResultRow[], p: Partial<WholesaleResultRow>): WholesaleResultRow => {
      const hits = rows.filter((r) => Object.entries(p).every(([k, v]) => r[k as keyof WholesaleResultRow] === v));
      expect(hits).toHaveLength(1);
      return hits[0];
    };
    const h1 = { amount_type: 'amount_per_charge', charge_code: 'tariff-hourly-1', time: '2023-02-01T02:00:00Z' };
    expect(find(before, { ...h1, energy_supplier_id: ES1 })).toMatchObject({
      quantity: '10.137',
      price: '10.000000',
      amount: '101.370000',
    });
    expect(find(before, { ...h1, energy_supplier_id: ES3 })).toMatchObject({
      quantity: '37.500',
      price: '10.000000',
      amount: '375.000000',
    });

    // By hand (micro-DKK × milli-kWh / 1000, HALF_UP):
    //   ES1 flex:         10.137 × 12.345678 = 125.148137886 → 125.148138  (+23.778138)
    //   ES3 non_profiled: 37.500 × 12.345678 = 462.962925     (exact)       (+87.962925)
    // Monthly tariff-hourly-1 = that hour (every other hour of ES1/ES3 is 0 or unpriced, unchanged).
    // Totals: ES1 10324.530662 + 23.778138 = 10348.308800; ES3 442.037500 + 87.962925 = 530.000425,
    // both for the grid operator's row and the per-ES row (owner '').
    const expectedChanges: Array<[Partial<WholesaleResultRow>, Partial<WholesaleResultRow>]> = [
      [
        { ...h1, energy_supplier_id: ES1 },
        { price: '12.345678', amount: '125.148138' },
      ],
      [
        { ...h1, energy_supplier_id: ES3 },
        { price: '12.345678', amount: '462.962925' },
      ],
      [
        { amount_type: 'monthly_amount_per_charge', charge_code: 'tariff-hourly-1', energy_supplier_id: ES1 },
        { amount: '125.148138' },
      ],
      [
        { amount_type: 'monthly_amount_per_charge', charge_code: 'tariff-hourly-1', energy_supplier_id: ES3 },
        { amount: '462.962925' },
      ],
      [
        { amount_type: 'total_monthly_amount', charge_owner_id: GRID_OPERATOR, energy_supplier_id: ES1 },
        { amount: '10348.308800' },
      ],
      [
        { amount_type: 'total_monthly_amount', charge_owner_id: GRID_OPERATOR, energy_supplier_id: ES3 },
        { amount: '530.000425' },
      ],
      [
        { amount_type: 'total_monthly_amount', charge_owner_id: '', energy_supplier_id: ES1 },
        { amount: '10348.308800' },
      ],
      [{ amount_type: 'total_monthly_amount', charge_owner_id: '', energy_supplier_id: ES3 }, { amount: '530.000425' }],
    ];

    // Same rows (same ids and times), in the same order; only the expected ones differ.
    expect(after.map(rowKey)).toEqual(before.map(rowKey));
    const expectedKeys = new Map<string, Partial<WholesaleResultRow>>();
    for (const [where, change] of expectedChanges) {
      const b = find(before, where);
      const a = find(after, where);
      expect(a).toEqual({ ...b, ...change });
      expect(a).not.toEqual(b);
      expectedKeys.set(rowKey(b), change);
    }
    const changed = after.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before[i])).map(rowKey);
    expect(changed.sort()).toEqual([...expectedKeys.keys()].sort());

    // The point at periodEnd (exclusive) still prices 02-03T02Z.
    expect(find(after, { ...h1, time: '2023-02-03T02:00:00Z', energy_supplier_id: ES3 })).toMatchObject({
      price: '10.000000',
    });
  });
});

describe('ChargePricesChanged of a P1M charge off the local day start: rejected at the subscriber', () => {
  const offDay = JAN10 + 5 * HOUR; // 2024-01-10T04:00Z = 05:00 local
  const event = pricesChanged(SUB, JAN10, JAN15, [
    [JAN10, 1_000_000],
    [offDay, 2_000_000],
  ]);
  /** Wire bytes as a publisher could send them (protobuf only, no contract check on the way out). */
  const rawBytes = (): Uint8Array => {
    const type = integrationEventProtoType('ChargePricesChanged');
    const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: 0 });
    return type
      .encode(
        type.fromObject({
          charge_code: SUB.chargeCode,
          charge_type: SUB.chargeType,
          charge_owner_id: SUB.chargeOwnerId,
          period_start: ts(JAN10),
          period_end: ts(JAN15),
          points: event.points.map((p) => ({ time: ts(p.time), price_micro: p.priceMicro })),
        }),
      )
      .finish();
  };

  it('the codec names the field (decoding and encoding)', () => {
    const decode = (): unknown => decodeIntegrationEvent('ChargePricesChanged', rawBytes());
    expect(decode).toThrow(ContractError);
    expect(decode).toThrow(
      /ChargePricesChanged\.points\[1\]\.time: a subscription \(P1M\) price point must lie on a local day start/,
    );
    expect(() => encodeIntegrationEvent(event)).toThrow(
      /points\[1\]\.time: a subscription \(P1M\) price point must lie on a local day start/,
    );
    // the same points for a tariff are valid
    expect(() => encodeIntegrationEvent({ ...event, ...T1 })).not.toThrow();
  });

  it('the subscriber dead-letters it with the field in the description and stores nothing', async () => {
    const store = new MemoryIntegrationEventStore();
    const deadLetters: Array<[string, string | undefined]> = [];
    let completed = false;
    const message: ReceivedMessage = {
      messageId: 'price-off-day-1',
      body: rawBytes(),
      subject: 'ChargePricesChanged',
      applicationProperties: { MessageType: 'ChargePricesChanged', EventId: 'price-off-day-1' },
      deliveryCount: 1,
      complete: () => {
        completed = true;
        return Promise.resolve();
      },
      abandon: () => Promise.reject(new Error('not expected')),
      deadLetter: (reason, description) => {
        deadLetters.push([reason, description]);
        return Promise.resolve();
      },
    };
    expect(await handleIntegrationEventMessage(store, message, () => t('2024-03-01T00:00:00Z'))).toBe('dead-lettered');
    expect(completed).toBe(false);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0][0]).toBe(INVALID_INTEGRATION_EVENT_REASON);
    expect(deadLetters[0][1]).toMatch(
      /points\[1\]\.time: a subscription \(P1M\) price point must lie on a local day start/,
    );
    expect(await store.countEvents()).toBe(0);
  });
});
