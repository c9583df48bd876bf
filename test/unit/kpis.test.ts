/**
 * KPIs (shared/kpis/): a small grid area whose spot cost, average price and CO2 are computed by
 * hand, across the 2025-10-01 seam (an hourly price applied to each quarter, then quarterly
 * prices), 5-minute CO2 intensities, an hourly and a quarterly metering point, a missing reading,
 * a missing price, a supplier's share, a committed job's results as the energy, and a KPI added
 * as data only.
 */
import { DEFAULT_KPI_DEFINITIONS, parseKpiDefinitions } from '../../shared/kpis/definitions';
import { kpiReport, KpiReportError, type KpiReportDeps, type KpiReportQuery } from '../../shared/kpis/report';
import { parsePriceAreas } from '../../shared/market-data/price-areas';
import type { MarketSeries } from '../../shared/market-data/market-series';
import { parseBucket, type BucketSpec } from '../../shared/timeseries/bucket-spec';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { MemoryMarketData, concatSeries, marketSeries } from '../support/memory-market-data';
import { MemoryBasisData, period, type TestPoint } from '../support/memory-basis-data';

const T0 = Date.parse('2025-09-30T21:00:00Z'); // 23:00 Danish time, the last hour of hourly prices
const HOURLY = { area: 'DK1', kind: 'day_ahead_price' as const };
const m = (s: string) => BigInt(Math.round(Number(s) * 1e6));

function prices(unit: string, hour: string, quarters: Array<string | null>): MarketSeries {
  return concatSeries(
    marketSeries({ ...HOURLY, unit }, T0, 60, [m(hour)]),
    marketSeries(
      { ...HOURLY, unit },
      T0 + 3_600_000,
      15,
      quarters.map((q) => (q === null ? null : m(q))),
    ),
  );
}
const co2 = marketSeries({ area: 'DK1', kind: 'co2_intensity', unit: 'g/kWh' }, T0, 5, [
  ...Array<bigint>(12).fill(m('120')),
  ...Array.from({ length: 12 }, (_, i) => m(['90', '100', '110'][i % 3])),
]);

const A = '571313180000000001'; // PT15M, supplier S1
const B = '571313180000000002'; // PT1H, supplier S2
const S1 = '5790000000001';
const S2 = '5790000000002';
const PERIODS = [
  period(A, { supplier: S1, resolution: 'PT15M' }),
  period(B, { supplier: S2, resolution: 'PT1H' }),
  period('571313180000000003', { gridArea: '801' }), // another grid area: never read
];
const q = (i: number) => new Date(T0 + i * 900_000).toISOString();
const POINTS: TestPoint[] = [
  ...['1.000', '2.000', '0.500', '0.500', '1.250', '1.250', '1.000'].map((kwh, i) => ({ mp: A, time: q(i), kwh })),
  // A's 22:45 quarter has no reading
  { mp: B, time: q(0), kwh: '4.000' },
  { mp: B, time: q(4), kwh: '9.999', registration: '2025-10-01T08:00:00Z' },
  { mp: B, time: q(4), kwh: '2.002', registration: '2025-10-01T09:00:00Z' }, // the later registration wins
  { mp: B, time: q(4), kwh: '7.000', registration: '2025-12-01T00:00:00Z' }, // after as-of: not yet known
  { mp: '571313180000000003', time: q(0), kwh: '100.000' },
];

function deps(eurQuarters: Array<string | null> = ['80', '90.5', '110', '60.25']): KpiReportDeps {
  return {
    marketData: new MemoryMarketData([
      prices('EUR/MWh', '100', eurQuarters),
      prices('DKK/MWh', '746.123456', ['600', '675.1', '820.7', '450']),
      co2,
    ]),
    priceAreas: () =>
      Promise.resolve(
        parsePriceAreas('grid_area_code;price_area;valid_from;valid_to\n800;DK1;2000-01-01T00:00:00Z;\n'),
      ),
    readings: () => Promise.resolve(new MemoryBasisData(PERIODS, POINTS)),
    results: new MemoryBlobStore('results'),
  };
}

const query = (o: Partial<KpiReportQuery> = {}): KpiReportQuery => ({
  report: 'spot-cost',
  gridArea: '800',
  fromMs: T0,
  toMs: T0 + 2 * 3_600_000,
  resolution: parseBucket('PT1H') as BucketSpec,
  asOf: Date.parse('2025-11-01T00:00:00Z'),
  ...o,
});

describe('spot-cost KPIs, computed by hand', () => {
  test('per hour: energy, cost EUR/DKK, volume-weighted price, CO2', async () => {
    const r = await kpiReport(deps(), DEFAULT_KPI_DEFINITIONS, query());
    expect(r.priceArea).toBe('DK1');
    expect(r.meteringPoints).toBe(2);
    // hour 1 (hourly price 100 applied to each quarter): energy 2 + 3 + 1.5 + 1.5 = 8 kWh
    // hour 2, quarters 1.25 + 0.5005 | 1.25 + 0.5005 | 1.0 + 0.5005 | 0 + 0.5005 (B's 2.002 / 4)
    expect(r.points).toEqual([
      {
        time: '2025-09-30T21:00:00Z',
        energy_kwh: '8.000000',
        cost_eur: '0.800000', // 8 × 100 / 1000
        cost_dkk: '5.968988', // 8 × 746.123456 / 1000 = 5.968987648 → half-even
        average_price_eur: '100.000000',
        average_price_dkk: '746.123456',
        co2_kg: '0.960000', // 8 × 120 / 1000
        quarters: 4,
        quartersWithEnergy: 4,
      },
      {
        time: '2025-09-30T22:00:00Z',
        energy_kwh: '5.502000',
        // (1.7505×80 + 1.7505×90.5 + 1.5005×110 + 0.5005×60.25) / 1000 = 0.493670375
        cost_eur: '0.493670',
        // (1.7505×600 + 1.7505×675.1 + 1.5005×820.7 + 0.5005×450) / 1000 = 3.6887479
        cost_dkk: '3.688748',
        // from the exact cost: 493.670375 / 5.502 = 89.7256225009… (the rounded cost would give 89.725555)
        average_price_eur: '89.725623',
        average_price_dkk: '670.437641', // 3688.7479 / 5.502 = 670.43764085…
        co2_kg: '0.550200', // 5-minute intensities 90, 100, 110 average 100 per quarter
        quarters: 4,
        quartersWithEnergy: 4,
      },
    ]);
  });

  test('P1D: Danish local days (the seam day ends at 22:00Z), cut at from/to', async () => {
    const r = await kpiReport(deps(), DEFAULT_KPI_DEFINITIONS, query({ resolution: parseBucket('P1D') as BucketSpec }));
    expect(r.points.map((p) => [p.time, p.energy_kwh, p.cost_eur, p.average_price_eur])).toEqual([
      ['2025-09-30T21:00:00Z', '8.000000', '0.800000', '100.000000'],
      ['2025-09-30T22:00:00Z', '5.502000', '0.493670', '89.725623'],
    ]);
    const total = await kpiReport(
      deps(),
      DEFAULT_KPI_DEFINITIONS,
      query({ resolution: parseBucket('PT3H') as BucketSpec }),
    );
    // 1293.670375 / 13.502 = 95.8132406…
    expect(total.points.map((p) => [p.energy_kwh, p.cost_eur, p.average_price_eur])).toEqual([
      ['13.502000', '1.293670', '95.813241'],
    ]);
  });

  test("a supplier's share, and one metering point", async () => {
    const s1 = await kpiReport(deps(), DEFAULT_KPI_DEFINITIONS, query({ energySupplierId: S1 }));
    // A alone: hour 2 = 1.25×80 + 1.25×90.5 + 1×110 = 323.125 (its last quarter has no reading)
    expect(s1.points.map((p) => [p.energy_kwh, p.cost_eur, p.quartersWithEnergy])).toEqual([
      ['4.000000', '0.400000', 4],
      ['3.500000', '0.323125', 3],
    ]);
    const b = await kpiReport(deps(), DEFAULT_KPI_DEFINITIONS, query({ meteringPointId: B }));
    // B alone: 0.5005 × (80 + 90.5 + 110 + 60.25) = 170.545375 → 0.170545 (half-even)
    expect(b.meteringPoints).toBe(1);
    expect(b.points.map((p) => [p.energy_kwh, p.cost_eur, p.co2_kg])).toEqual([
      ['4.000000', '0.400000', '0.480000'],
      ['2.002000', '0.170545', '0.200200'],
    ]);
  });

  test('a missing price makes the cost of its bucket null (and says which input), not a partial sum', async () => {
    const r = await kpiReport(deps(['80', '90.5', '110', null]), DEFAULT_KPI_DEFINITIONS, query());
    expect(r.points[0].cost_eur).toBe('0.800000');
    expect(r.points[1]).toMatchObject({
      energy_kwh: '5.502000',
      cost_eur: null,
      average_price_eur: null,
      cost_dkk: '3.688748',
      missing: ['price_eur'],
    });
  });

  test('a grid area without a price area is refused (422), an unknown report 404', async () => {
    await expect(kpiReport(deps(), DEFAULT_KPI_DEFINITIONS, query({ gridArea: '801' }))).rejects.toMatchObject({
      status: 422,
      path: 'gridArea',
    });
    await expect(kpiReport(deps(), DEFAULT_KPI_DEFINITIONS, query({ report: 'nope' }))).rejects.toBeInstanceOf(
      KpiReportError,
    );
  });

  test('a new KPI and report are data only: average CO2 intensity per kWh', async () => {
    const defs = parseKpiDefinitions({
      ...DEFAULT_KPI_DEFINITIONS,
      kpis: [
        ...DEFAULT_KPI_DEFINITIONS.kpis,
        {
          name: 'co2_intensity_g_per_kwh',
          unit: 'g/kWh',
          formula: { ratio: ['co2_kg', 'energy_kwh'], multiply: 1000 },
        },
      ],
      reports: { ...DEFAULT_KPI_DEFINITIONS.reports, carbon: ['energy_kwh', 'co2_intensity_g_per_kwh'] },
    });
    const r = await kpiReport(deps(), defs, query({ report: 'carbon', resolution: parseBucket('PT3H') as BucketSpec }));
    expect(r.kpis.map((k) => k.name)).toEqual(['energy_kwh', 'co2_intensity_g_per_kwh']);
    // (960 + 550.2) g / 13.502 kWh = 111.850096…
    expect(r.points).toEqual([
      // PT3H buckets are aligned to 00:00Z: [21:00, 24:00) cut at to = 23:00
      {
        time: '2025-09-30T21:00:00Z',
        energy_kwh: '13.502000',
        co2_intensity_g_per_kwh: '111.850096',
        quarters: 8,
        quartersWithEnergy: 8,
      },
    ]);
  });

  test('definitions are validated: an unknown input, a ratio over a later KPI, a report naming no KPI', () => {
    const bad = (o: object) => () => parseKpiDefinitions({ ...DEFAULT_KPI_DEFINITIONS, ...o });
    expect(bad({ kpis: [{ name: 'x', unit: 'EUR', formula: { sum: 'energy', times: 'nope' } }], reports: {} })).toThrow(
      /no input nope/,
    );
    expect(bad({ kpis: [{ name: 'x', unit: 'EUR', formula: { ratio: ['y', 'y'] } }], reports: {} })).toThrow(
      /y is not defined before x/,
    );
    expect(bad({ reports: { r: ['nope'] } })).toThrow(/no KPI nope/);
  });
});
