import { assertNoOverlaps } from '../../shared/basis-data/master-data';
import { materializeMeteringPointPeriods } from '../../shared/basis-data/bitemporal/materialize';
import type {
  BalanceResponsiblePartyChanged,
  EnergySupplierChanged,
  MeteringPointConnected,
  MeteringPointCreated,
} from '../../shared/integration-events/events';
import type { StoredMasterDataEvent } from '../../shared/integration-events/store/event-store';
import type { MeteringPointPeriod } from '../../shared/basis-data/types';

const t = (iso: string): number => Date.parse(iso);

const MP1 = '571313180000000001';
const MP2 = '571313180000000002';
const EXCHANGE = '571313180000000020';
const CHILD = '571313180000000030';
const ES_A = '5790000000001';
const ES_B = '5790000000002';
const ES_C = '5790000000003';
const BRP_X = '5790000000101';
const BRP_Y = '5790000000102';

// Valid-time dates: UTC of Danish local midnight (winter, +01:00).
const JAN01 = t('2023-12-31T23:00:00Z');
const JAN10 = t('2024-01-09T23:00:00Z');
const JAN15 = t('2024-01-14T23:00:00Z');
const FEB01 = t('2024-01-31T23:00:00Z');

let seq = 0;
function stored<E extends { effectiveDate: number }>(
  e: E,
  storedAt: number,
  eventId?: string,
): E & { eventId: string; storedAt: number } {
  seq++;
  return { ...e, eventId: eventId ?? `evt-${seq}`, storedAt };
}

function created(
  meteringPointId: string,
  effectiveDate: number,
  over: Partial<MeteringPointCreated> = {},
): MeteringPointCreated {
  return {
    messageType: 'MeteringPointCreated',
    meteringPointId,
    type: 'E17',
    calculationType: null,
    settlementMethod: 'E02',
    gridAreaCode: '804',
    resolution: 'PT1H',
    fromGridAreaCode: null,
    toGridAreaCode: null,
    parentMeteringPointId: null,
    effectiveDate,
    ...over,
  };
}
const connected = (meteringPointId: string, effectiveDate: number): MeteringPointConnected => ({
  messageType: 'MeteringPointConnected',
  meteringPointId,
  effectiveDate,
});
const supplier = (meteringPointId: string, energySupplierId: string, effectiveDate: number): EnergySupplierChanged => ({
  messageType: 'EnergySupplierChanged',
  meteringPointId,
  energySupplierId,
  effectiveDate,
});
const brp = (
  meteringPointId: string,
  balanceResponsiblePartyId: string,
  effectiveDate: number,
): BalanceResponsiblePartyChanged => ({
  messageType: 'BalanceResponsiblePartyChanged',
  meteringPointId,
  balanceResponsiblePartyId,
  effectiveDate,
});

const NOW = t('2024-06-01T00:00:00Z');

/** The interesting columns, for compact expectations. */
function summary(
  periods: readonly MeteringPointPeriod[],
): Array<[string, string | null, string | null, number, number | null]> {
  return periods.map((p) => [p.meteringPointId, p.energySupplierId, p.balanceResponsiblePartyId, p.fromDate, p.toDate]);
}

/** Storage times in arrival order: one second apart from 2024-01-01. */
const s = (i: number): number => t('2024-01-01T00:00:00Z') + i * 1000;

function basicConsumption(): StoredMasterDataEvent[] {
  return [
    stored(created(MP1, JAN01), s(1)),
    stored(connected(MP1, JAN01), s(2)),
    stored(supplier(MP1, ES_A, JAN01), s(3)),
    stored(brp(MP1, BRP_X, JAN01), s(4)),
    stored(supplier(MP1, ES_B, JAN15), s(5)),
  ];
}

describe('materializeMeteringPointPeriods', () => {
  it('create + connect + supplier change gives two periods, the last open', () => {
    const periods = materializeMeteringPointPeriods(basicConsumption(), NOW);
    expect(summary(periods)).toEqual([
      [MP1, ES_A, BRP_X, JAN01, JAN15],
      [MP1, ES_B, BRP_X, JAN15, null],
    ]);
    expect(periods[0]).toMatchObject({
      type: 'E17',
      calculationType: null,
      settlementMethod: 'E02',
      gridAreaCode: '804',
      resolution: 'PT1H',
      fromGridAreaCode: null,
      toGridAreaCode: null,
      parentMeteringPointId: null,
      source: { file: 'integration-events', row: 0 },
    });
    expect(periods[1].source).toEqual({ file: 'integration-events', row: 1 });
    expect(() => assertNoOverlaps(periods)).not.toThrow();
  });

  it('a balance responsible party change splits the period', () => {
    const events = [...basicConsumption(), stored(brp(MP1, BRP_Y, JAN10), s(6))];
    const periods = materializeMeteringPointPeriods(events, NOW);
    expect(summary(periods)).toEqual([
      [MP1, ES_A, BRP_X, JAN01, JAN10],
      [MP1, ES_A, BRP_Y, JAN10, JAN15],
      [MP1, ES_B, BRP_Y, JAN15, null],
    ]);
    expect(() => assertNoOverlaps(periods)).not.toThrow();
  });

  it('is order tolerant: reverse arrival order (same storage times) gives the same result', () => {
    const events = basicConsumption();
    expect(materializeMeteringPointPeriods([...events].reverse(), NOW)).toEqual(
      materializeMeteringPointPeriods(events, NOW),
    );
  });

  it('applies a supplier change that arrived before the creation from its effective date', () => {
    const events = [
      stored(supplier(MP1, ES_B, JAN15), s(1)),
      stored(supplier(MP1, ES_A, JAN01), s(2)),
      stored(brp(MP1, BRP_X, JAN01), s(3)),
      stored(connected(MP1, JAN01), s(4)),
      stored(created(MP1, JAN01), s(5)),
    ];
    expect(summary(materializeMeteringPointPeriods(events, NOW))).toEqual([
      [MP1, ES_A, BRP_X, JAN01, JAN15],
      [MP1, ES_B, BRP_X, JAN15, null],
    ]);
  });

  it('ignores redelivered duplicates (same eventId)', () => {
    const events = basicConsumption();
    const dupes = events.map((e) => ({ ...e, storedAt: e.storedAt + 60_000 }));
    const expected = materializeMeteringPointPeriods(events, NOW);
    expect(materializeMeteringPointPeriods([...events, ...dupes, ...events], NOW)).toEqual(expected);
    expect(materializeMeteringPointPeriods([...dupes, ...events].reverse(), NOW)).toEqual(expected);
  });

  it('as-of before a correction returns the old state, after it the new one', () => {
    const correctionStoredAt = t('2024-02-05T10:00:00Z');
    const events = [
      ...basicConsumption(),
      // Stored later, effective earlier: supplier C from Jan 10 (until B takes over Jan 15).
      stored(supplier(MP1, ES_C, JAN10), correctionStoredAt),
    ];
    const before = materializeMeteringPointPeriods(events, correctionStoredAt - 1);
    expect(summary(before)).toEqual([
      [MP1, ES_A, BRP_X, JAN01, JAN15],
      [MP1, ES_B, BRP_X, JAN15, null],
    ]);
    const at = materializeMeteringPointPeriods(events, correctionStoredAt);
    const after = materializeMeteringPointPeriods(events, NOW);
    expect(at).toEqual(after);
    expect(summary(after)).toEqual([
      [MP1, ES_A, BRP_X, JAN01, JAN10],
      [MP1, ES_C, BRP_X, JAN10, JAN15],
      [MP1, ES_B, BRP_X, JAN15, null],
    ]);
    expect(() => assertNoOverlaps(after)).not.toThrow();
  });

  it('a later-stored event for the same effective date overrides the earlier one', () => {
    const events = [...basicConsumption(), stored(supplier(MP1, ES_C, JAN15), t('2024-02-05T10:00:00Z'))];
    expect(summary(materializeMeteringPointPeriods(events, NOW))).toEqual([
      [MP1, ES_A, BRP_X, JAN01, JAN15],
      [MP1, ES_C, BRP_X, JAN15, null],
    ]);
  });

  it('uses only events stored at or before as-of', () => {
    const events = basicConsumption();
    expect(materializeMeteringPointPeriods(events, s(1) - 1)).toEqual([]);
    // Created + connected but no supplier yet: an E17 has no periods.
    expect(materializeMeteringPointPeriods(events, s(2))).toEqual([]);
    expect(summary(materializeMeteringPointPeriods(events, s(3)))).toEqual([[MP1, ES_A, null, JAN01, null]]);
  });

  it('an E20 with from/to grid areas needs no supplier', () => {
    const events = [
      stored(
        created(EXCHANGE, JAN01, {
          type: 'E20',
          settlementMethod: null,
          gridAreaCode: '804',
          fromGridAreaCode: '804',
          toGridAreaCode: '805',
          resolution: 'PT15M',
        }),
        s(1),
      ),
      stored(connected(EXCHANGE, JAN10), s(2)),
    ];
    const periods = materializeMeteringPointPeriods(events, NOW);
    expect(periods).toEqual([
      {
        meteringPointId: EXCHANGE,
        type: 'E20',
        calculationType: null,
        settlementMethod: null,
        gridAreaCode: '804',
        resolution: 'PT15M',
        fromGridAreaCode: '804',
        toGridAreaCode: '805',
        parentMeteringPointId: null,
        energySupplierId: null,
        balanceResponsiblePartyId: null,
        fromDate: JAN10,
        toDate: null,
        source: { file: 'integration-events', row: 0 },
      },
    ]);
  });

  it('a child metering point carries its parent and needs no supplier', () => {
    const events = [
      ...basicConsumption(),
      stored(created(CHILD, JAN01, { type: 'D06', settlementMethod: null, parentMeteringPointId: MP1 }), s(10)),
      stored(connected(CHILD, JAN10), s(11)),
    ];
    const periods = materializeMeteringPointPeriods(events, NOW);
    const child = periods.filter((p) => p.meteringPointId === CHILD);
    expect(child).toHaveLength(1);
    expect(child[0]).toMatchObject({
      type: 'D06',
      parentMeteringPointId: MP1,
      energySupplierId: null,
      fromDate: JAN10,
      toDate: null,
    });
    expect(() => assertNoOverlaps(periods)).not.toThrow();
  });

  it('a metering point never connected gives no periods', () => {
    const events = [
      stored(created(MP2, JAN01), s(1)),
      stored(supplier(MP2, ES_A, JAN01), s(2)),
      stored(brp(MP2, BRP_X, JAN01), s(3)),
    ];
    expect(materializeMeteringPointPeriods(events, NOW)).toEqual([]);
  });

  it('starts at the later of creation, connection and (E17/E18) first supplier', () => {
    const events = [
      stored(created(MP2, JAN01, { type: 'E18', settlementMethod: null }), s(1)),
      stored(connected(MP2, JAN10), s(2)),
      stored(supplier(MP2, ES_A, JAN15), s(3)),
      // A change to the same supplier is no effective change: no split.
      stored(supplier(MP2, ES_A, FEB01), s(4)),
    ];
    expect(summary(materializeMeteringPointPeriods(events, NOW))).toEqual([[MP2, ES_A, null, JAN15, null]]);
  });

  it('orders output by metering point id then from date, and passes assertNoOverlaps', () => {
    const events: StoredMasterDataEvent[] = [
      stored(created(MP2, JAN01), s(1)),
      stored(connected(MP2, JAN01), s(2)),
      stored(supplier(MP2, ES_A, JAN01), s(3)),
      stored(supplier(MP2, ES_B, FEB01), s(4)),
      ...basicConsumption(),
      stored(brp(MP1, BRP_Y, JAN10), s(20)),
      stored(
        created(EXCHANGE, JAN01, {
          type: 'E20',
          settlementMethod: null,
          fromGridAreaCode: '804',
          toGridAreaCode: '805',
        }),
        s(21),
      ),
      stored(connected(EXCHANGE, JAN01), s(22)),
    ];
    const forward = materializeMeteringPointPeriods(events, NOW);
    const shuffled = [...events].sort((a, b) => (a.eventId < b.eventId ? 1 : -1));
    expect(materializeMeteringPointPeriods(shuffled, NOW)).toEqual(forward);
    expect(forward.map((p) => [p.meteringPointId, p.fromDate])).toEqual([
      [MP1, JAN01],
      [MP1, JAN10],
      [MP1, JAN15],
      [MP2, JAN01],
      [MP2, FEB01],
      [EXCHANGE, JAN01],
    ]);
    expect(forward.map((p) => p.source.row)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => assertNoOverlaps(forward)).not.toThrow();
    // Consecutive periods of one metering point touch: no gaps, no overlaps.
    for (let i = 1; i < forward.length; i++) {
      if (forward[i].meteringPointId === forward[i - 1].meteringPointId)
        expect(forward[i - 1].toDate).toBe(forward[i].fromDate);
    }
  });
});
