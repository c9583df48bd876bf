/**
 * The as-of overlay of lake master data with master-data events (shared/basis-data/bitemporal/
 * as-of-source.ts): untouched metering points keep their lake periods, events split or add
 * periods by effective date, a closed lake history stays closed, and time-series events become
 * batches with their registration time.
 */
import { overlayMeteringPointPeriods, timeSeriesEventBatch } from '../../shared/basis-data/bitemporal/as-of-source';
import type { StoredMasterDataEvent } from '../../shared/integration-events/store/event-store';
import type { MeteringPointPeriod } from '../../shared/basis-data/types';

const D = Date.parse('2024-03-04T23:00:00Z');
const H = 3_600_000;
const A = '571313180000000001';
const B = '571313180000000002';

const period = (mp: string, from: number, to: number | null, es = '5790000000001'): MeteringPointPeriod => ({
  meteringPointId: mp,
  type: 'E17',
  calculationType: null,
  settlementMethod: 'E02',
  gridAreaCode: '800',
  resolution: 'PT1H',
  fromGridAreaCode: null,
  toGridAreaCode: null,
  parentMeteringPointId: null,
  energySupplierId: es,
  balanceResponsiblePartyId: '5790000000009',
  fromDate: from,
  toDate: to,
  source: { file: 'metering_point_periods', row: 1 },
});
const supplierChange = (mp: string, es: string, at: number, storedAt = 10): StoredMasterDataEvent => ({
  messageType: 'EnergySupplierChanged',
  meteringPointId: mp,
  energySupplierId: es,
  effectiveDate: at,
  eventId: `es-${mp}-${at}-${es}`,
  storedAt,
});
const brief = (p: MeteringPointPeriod) => [
  p.meteringPointId,
  p.energySupplierId,
  p.fromDate - D,
  p.toDate === null ? null : p.toDate - D,
];

describe('overlayMeteringPointPeriods', () => {
  it('keeps the lake when there are no events, and metering points without events untouched', () => {
    const lake = [period(A, D, null), period(B, D, D + 24 * H)];
    expect(overlayMeteringPointPeriods(lake, [], D)).toEqual(lake);
    const out = overlayMeteringPointPeriods(lake, [supplierChange(A, '5790000000002', D + 12 * H)], D);
    expect(out.find((p) => p.meteringPointId === B)).toBe(lake[1]);
  });

  it('a supplier change splits the lake period at its effective date; other attributes are kept', () => {
    const out = overlayMeteringPointPeriods([period(A, D, null)], [supplierChange(A, '5790000000002', D + 12 * H)], D);
    expect(out.map(brief)).toEqual([
      [A, '5790000000001', 0, 12 * H],
      [A, '5790000000002', 12 * H, null],
    ]);
    expect(out[1]).toMatchObject({
      type: 'E17',
      settlementMethod: 'E02',
      gridAreaCode: '800',
      balanceResponsiblePartyId: '5790000000009',
    });
  });

  it('a closed lake history stays closed unless an event takes effect at or after its end', () => {
    const lake = [period(A, D, D + 24 * H)];
    expect(overlayMeteringPointPeriods(lake, [supplierChange(A, '5790000000002', D + 12 * H)], D).map(brief)).toEqual([
      [A, '5790000000001', 0, 12 * H],
      [A, '5790000000002', 12 * H, 24 * H],
    ]);
    expect(overlayMeteringPointPeriods(lake, [supplierChange(A, '5790000000002', D + 24 * H)], D).map(brief)).toEqual([
      [A, '5790000000001', 0, 24 * H],
      [A, '5790000000002', 24 * H, null],
    ]);
  });

  it('a correction stored later for the same effective date wins; events stored after as-of are invisible', () => {
    const events = [
      supplierChange(A, '5790000000002', D + 12 * H, 10),
      supplierChange(A, '5790000000003', D + 12 * H, 20),
    ];
    expect(overlayMeteringPointPeriods([period(A, D, null)], events, 20).map(brief)[1]).toEqual([
      A,
      '5790000000003',
      12 * H,
      null,
    ]);
    expect(overlayMeteringPointPeriods([period(A, D, null)], events, 15).map(brief)[1]).toEqual([
      A,
      '5790000000002',
      12 * H,
      null,
    ]);
  });
});

describe('timeSeriesEventBatch', () => {
  it('places points by position at the resolution with the registration time; unknown metering points get -1', () => {
    const e = {
      messageType: 'TimeSeriesPointsReceived' as const,
      meteringPointId: A,
      resolution: 'PT15M' as const,
      registrationTime: D + 48 * H,
      periodStart: D,
      periodEnd: D + H,
      points: [
        { position: 1, quantityMilli: 1_234, quality: 'measured' as const },
        { position: 4, quantityMilli: null, quality: 'missing' as const },
      ],
      eventId: 'ts-1',
      storedAt: 5,
    };
    const b = timeSeriesEventBatch(e, new Map([[A, 7]]));
    expect([...b.mp]).toEqual([7, 7]);
    expect([...b.time]).toEqual([D, D + 45 * 60_000]);
    expect([...b.quantityMilli]).toEqual([1_234, 0]);
    expect([...b.quality]).toEqual([2, 0]);
    expect([...(b.registration ?? [])]).toEqual([D + 48 * H, D + 48 * H]);
    expect(b.file).toContain('ts-1');
    expect([...timeSeriesEventBatch(e, new Map()).mp]).toEqual([-1, -1]);
  });
});
