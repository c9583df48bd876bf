/**
 * The calculation diff's kernel (shared/results/diff, issue 17) on hand-written rows: exact
 * decimals, series and slots present in one job only, ties of the largest difference, 0.001
 * differences, values beyond a double's exact range; the report's ordering, totals and timeline;
 * and the Arrow/Parquet reading path on real result files (negative and Decimal(18,6) amounts).
 */
import { parquetBytes } from '../../shared/basis-data/parquet/arrow-io';
import { QBIT_ACTIVE, QBIT_MEASURED } from '../../shared/domain/codes';
import { appendParquetFile } from '../../shared/results/diff/arrow-diff-columns';
import {
  GridAreaDiff,
  type DiffColumns,
  type SeriesDiff,
  type SeriesFilter,
} from '../../shared/results/diff/diff-kernel';
import { DiffReport, diffCsvHeader, diffCsvLines } from '../../shared/results/diff/diff-report';
import { ENERGY_DIFF, WHOLESALE_DIFF } from '../../shared/results/diff/diff-spec';
import { FAST_LIMIT } from '../../shared/results/diff/exact';
import { diffCommittedJobs } from '../../shared/results/diff/diff-committed-jobs';
import { DiffWorkerPool } from '../../shared/results/diff/diff-pool';
import type { Manifest } from '../../shared/settlement/manifest';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { energyResultsTable } from '../../shared/results/energy-parquet';
import type { SeriesMeta } from '../../shared/results/energy-results';
import { wholesaleTable } from '../../shared/results/wholesale-output';
import { WholesaleRows } from '../../shared/results/wholesale-results';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const Q = 900_000; // 15 minutes

interface Row {
  type?: string;
  level?: string;
  ga?: string;
  es?: string | null;
  brp?: string | null;
  slot: number;
  /** decimal text, 3 dp */
  q: string;
}

/** Exact text → milli-units (no float on the way): '-1.005' → -1005n. */
const milli = (text: string): bigint => {
  const [int, frac = ''] = text.replace('-', '').split('.');
  const v = BigInt(int + frac.padEnd(3, '0'));
  return text.startsWith('-') ? -v : v;
};

/** Hand-written energy rows as the kernel's columns. */
function columns(diff: GridAreaDiff, rows: Row[]): DiffColumns {
  const big = new Map<number, bigint>();
  const small = rows.map((r, i) => {
    const v = milli(r.q);
    if (v > BigInt(FAST_LIMIT) || v < -BigInt(FAST_LIMIT)) {
      big.set(i, v);
      return Number.NaN;
    }
    return Number(v);
  });
  const key = (f: (r: Row) => string | null) => rows.map((r) => diff.intern(f(r)));
  return {
    length: rows.length,
    keys: [
      key((r) => r.type ?? 'non_profiled_consumption'),
      key((r) => r.level ?? 'energy_supplier'),
      key((r) => r.ga ?? '804'),
      key(() => null),
      key((r) => (r.es === undefined ? '5790000000001' : r.es)),
      key((r) => (r.brp === undefined ? '5790000000009' : r.brp)),
      key(() => null),
    ],
    time: rows.map((r) => T0 + r.slot * Q),
    value: { small, big },
  };
}

const keepAll = () => true;

function run(a: Row[], b: Row[], filters: [SeriesFilter, SeriesFilter] = [keepAll, keepAll]) {
  const diff = new GridAreaDiff(ENERGY_DIFF, filters);
  diff.append(0, columns(diff, a));
  diff.append(1, columns(diff, b));
  return diff.finish();
}

const bySupplier = (series: SeriesDiff[], es: string) => {
  const s = series.find((x) => x.key[4] === es);
  if (!s) throw new Error(`no series of ${es}`);
  return s;
};

describe('calculation diff kernel', () => {
  it('compares slot by slot with exact decimals: totals, Σ|b−a|, the largest difference and where', () => {
    const a = [0, 1, 2, 3].map((slot) => ({ slot, q: ['1.000', '0.100', '0.200', '7.000'][slot] }));
    const b = [0, 1, 2, 3].map((slot) => ({ slot, q: ['1.000', '0.101', '0.700', '6.999'][slot] }));
    const { series, timeline } = run(a, b);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({
      presence: 'both',
      slots: 4,
      changedSlots: 3,
      totalA: 8300n,
      totalB: 8800n,
      sumAbsDifference: 502n, // 0.001 + 0.500 + 0.001: no 0.1 + 0.2 float noise
      maxAbsDifference: 500n,
      maxAt: T0 + 2 * Q,
    });
    expect([...timeline]).toEqual([
      [T0, 0n],
      [T0 + Q, 1n],
      [T0 + 2 * Q, 500n],
      [T0 + 3 * Q, 1n],
    ]);
  });

  it('a 0.001 difference is a change; equal values are not', () => {
    const { series } = run([{ slot: 0, q: '123456.789' }], [{ slot: 0, q: '123456.790' }]);
    expect(series[0]).toMatchObject({ changedSlots: 1, sumAbsDifference: 1n, maxAbsDifference: 1n });
    const same = run([{ slot: 0, q: '5.000' }], [{ slot: 0, q: '5.000' }]).series[0];
    expect(same).toMatchObject({ changedSlots: 0, sumAbsDifference: 0n, maxAt: T0 });
  });

  it('series present in one job only, and a slot present in one job only counting the other side as 0', () => {
    const { series } = run(
      [
        { es: 'A-only', slot: 0, q: '2.500' },
        { es: 'both', slot: 0, q: '1.000' },
        { es: 'both', slot: 1, q: '3.000' },
      ],
      [
        { es: 'both', slot: 0, q: '1.000' },
        { es: 'both', slot: 2, q: '-4.000' },
        { es: 'B-only', slot: 5, q: '0.250' },
      ],
    );
    expect(series.map((s) => [s.key[4], s.presence])).toEqual([
      ['A-only', 'onlyA'],
      ['B-only', 'onlyB'],
      ['both', 'both'],
    ]);
    expect(bySupplier(series, 'A-only')).toMatchObject({
      slots: 1,
      totalA: 2500n,
      totalB: 0n,
      sumAbsDifference: 2500n,
    });
    expect(bySupplier(series, 'B-only')).toMatchObject({ totalA: 0n, totalB: 250n, maxAt: T0 + 5 * Q });
    // slot 1 only in A (3 → 0), slot 2 only in B (0 → −4)
    expect(bySupplier(series, 'both')).toMatchObject({
      slots: 3,
      changedSlots: 2,
      totalA: 4000n,
      totalB: -3000n,
      sumAbsDifference: 7000n,
      maxAbsDifference: 4000n,
      maxAt: T0 + 2 * Q,
    });
  });

  it('ties of the largest difference report the earliest slot, whatever order the rows came in', () => {
    const a = [3, 0, 2, 1].map((slot) => ({ slot, q: '0.000' }));
    const b = [3, 0, 2, 1].map((slot) => ({ slot, q: slot === 0 ? '0.001' : '0.002' }));
    const s = run(a, b).series[0];
    expect(s).toMatchObject({ maxAbsDifference: 2n, maxAt: T0 + Q, sumAbsDifference: 7n });
  });

  it('large values stay exact beyond 2^53 milli-kWh (no float drift)', () => {
    // 9,007,199,254,740.993 kWh = 2^53 + 1 milli-kWh: a double would round it
    const a = [
      { slot: 0, q: '9007199254740.993' },
      { slot: 1, q: '4503599627370.496' }, // 2^52 milli: the largest value on the double path
      { slot: 2, q: '-9007199254740.993' },
    ];
    const b = [
      { slot: 0, q: '9007199254740.994' },
      { slot: 1, q: '-4503599627370.496' },
      { slot: 2, q: '9007199254740.993' },
    ];
    const s = run(a, b).series[0];
    expect(s.totalA).toBe(9007199254740993n + 4503599627370496n - 9007199254740993n);
    expect(s.totalB).toBe(9007199254740994n - 4503599627370496n + 9007199254740993n);
    expect(s.sumAbsDifference).toBe(1n + 9007199254740992n + 18014398509481986n);
    expect(s.maxAbsDifference).toBe(18014398509481986n);
    expect(s.maxAt).toBe(T0 + 2 * Q);
    // many sums near 2^52 each: the total crosses 2^53 many times over and stays exact
    const many = Array.from({ length: 1000 }, (_, slot) => ({ slot, q: '4503599627370.495' }));
    const zero = Array.from({ length: 1000 }, (_, slot) => ({ slot, q: '0.000' }));
    expect(run(many, zero).series[0].sumAbsDifference).toBe(1000n * 4503599627370495n);
  });

  it('filters decide per series and side', () => {
    const rows = [
      { es: 'x', slot: 0, q: '1.000' },
      { es: 'y', slot: 0, q: '2.000' },
    ];
    const onlyX: SeriesFilter = (cell) => cell('energy_supplier_id') === 'x';
    const { series } = run(rows, rows, [onlyX, onlyX]);
    expect(series.map((s) => s.key[4])).toEqual(['x']);
    // a series the caller may see in job B only is reported as only in B
    const seenInB = run(rows, rows, [() => false, onlyX]).series;
    expect(seenInB.map((s) => [s.key[4], s.presence])).toEqual([['x', 'onlyB']]);
  });
});

describe('calculation diff report', () => {
  it('ranks by Σ|difference| then key, limits the series, totals per grid area and actor, and writes CSV', () => {
    const report = new DiffReport(ENERGY_DIFF, 2);
    const ga804 = run(
      [
        { es: 'e1', brp: 'b1', slot: 0, q: '1.000' },
        { es: 'e2', brp: 'b1', slot: 0, q: '1.000' },
        { es: 'e3', brp: 'b2', slot: 0, q: '1.000' },
      ],
      [
        { es: 'e1', brp: 'b1', slot: 0, q: '1.500' },
        { es: 'e2', brp: 'b1', slot: 0, q: '1.000' },
        { es: 'e3', brp: 'b2', slot: 0, q: '1.500' },
      ],
    );
    const ga805 = run(
      [{ ga: '805', es: 'e1', brp: 'b1', slot: 1, q: '0.000' }],
      [{ ga: '805', es: 'e1', brp: 'b1', slot: 1, q: '0.250' }],
    );
    report.add(ga804);
    report.add(ga805);
    const out = report.json('A', 'B', { type: null, gridArea: null, level: null });
    expect(out).toMatchObject({
      unit: 'kWh',
      seriesCount: 4,
      changedSeriesCount: 3,
      sumAbsDifference: '1.250',
      gridAreas: [
        { gridArea: '804', sumAbsDifference: '1.000', changedSeries: 2 },
        { gridArea: '805', sumAbsDifference: '0.250', changedSeries: 1 },
      ],
      timeline: [
        { time: '2024-03-01T00:00:00Z', sumAbsDifference: '1.000' },
        { time: '2024-03-01T00:15:00Z', sumAbsDifference: '0.250' },
      ],
    });
    // e1 (804) and e3 tie at 0.500: the key decides
    expect(out.series.map((s) => [s.key.grid_area_code, s.key.energy_supplier_id, s.sumAbsDifference])).toEqual([
      ['804', 'e1', '0.500'],
      ['804', 'e3', '0.500'],
    ]);
    expect(out.series[0]).toEqual({
      key: {
        time_series_type: 'non_profiled_consumption',
        aggregation_level: 'energy_supplier',
        grid_area_code: '804',
        neighbor_grid_area_code: null,
        energy_supplier_id: 'e1',
        balance_responsible_party_id: 'b1',
        metering_point_id: null,
      },
      presence: 'both',
      slots: 1,
      changedSlots: 1,
      totalA: '1.000',
      totalB: '1.500',
      sumAbsDifference: '0.500',
      maxAbsDifference: '0.500',
      maxAt: '2024-03-01T00:00:00Z',
    });
    expect(out.actors).toEqual([
      { role: 'balance_responsible_party', actorId: 'b1', sumAbsDifference: '0.750', changedSeries: 2 },
      { role: 'energy_supplier', actorId: 'e1', sumAbsDifference: '0.750', changedSeries: 2 },
      { role: 'balance_responsible_party', actorId: 'b2', sumAbsDifference: '0.500', changedSeries: 1 },
      { role: 'energy_supplier', actorId: 'e3', sumAbsDifference: '0.500', changedSeries: 1 },
      { role: 'energy_supplier', actorId: 'e2', sumAbsDifference: '0.000', changedSeries: 0 },
    ]);
    expect(diffCsvHeader(ENERGY_DIFF)).toBe(
      'time_series_type;aggregation_level;grid_area_code;neighbor_grid_area_code;energy_supplier_id;balance_responsible_party_id;metering_point_id;presence;slots;changed_slots;total_a;total_b;sum_abs_difference;max_abs_difference;max_at\n',
    );
    expect(diffCsvLines(ENERGY_DIFF, ga805.series)).toBe(
      'non_profiled_consumption;energy_supplier;805;;e1;b1;;both;1;1;0.000;0.250;0.250;0.250;2024-03-01T00:15:00Z\n',
    );
  });
});

describe('calculation diff on Parquet result files', () => {
  const meta = (es: string, resultId: string): SeriesMeta => ({
    timeSeriesType: 'flex_consumption',
    aggregationLevel: 'energy_supplier',
    gridAreaCode: '804',
    neighborGridAreaCode: null,
    energySupplierId: es,
    balanceResponsiblePartyId: null,
    meteringPointId: null,
    resultId,
  });
  const energyFile = (calculationId: string, values: number[][]) =>
    parquetBytes(
      energyResultsTable({
        calculationId,
        calculationType: 'balance_fixing',
        resolution: 'PT15M',
        periodStart: T0,
        slotMs: Q,
        nSlots: values[0].length,
        series: values.map((_, k) => meta(`es${k}`, `${calculationId}-${k}`)),
        values: values.map((v) => Float64Array.from(v)),
        masks: values.map((v) => new Uint8Array(v.length).fill(QBIT_ACTIVE | QBIT_MEASURED)),
      }),
      3, // small row groups: series cross row group boundaries
    );

  it('reads energy files row group by row group: negative quantities, series split across row groups', async () => {
    const diff = new GridAreaDiff(ENERGY_DIFF, [keepAll, keepAll]);
    await appendParquetFile(
      diff,
      0,
      energyFile('job-a', [
        [-1500, 0, 250, 7],
        [1, 2, 3, 4],
      ]),
    );
    await appendParquetFile(
      diff,
      1,
      energyFile('job-b', [
        [-1499, 0, 250, 7],
        [1, 2, 3, 4],
      ]),
    );
    const { series } = diff.finish();
    expect(series.map((s) => [s.key[4], s.totalA, s.totalB, s.sumAbsDifference, s.maxAt])).toEqual([
      ['es0', -1243n, -1242n, 1n, T0],
      ['es1', 10n, 10n, 0n, T0],
    ]);
  });

  it('compares wholesale amounts at 6 decimals (beyond 2^53 micro-DKK too) and their quantities', async () => {
    const file = (amounts: Array<number | bigint>, quantityMilli: number) => {
      const rows = new WholesaleRows();
      amounts.forEach((a, h) => rows.push(0, T0 + h * 3_600_000, quantityMilli, QBIT_MEASURED, 1_234_567, a));
      return parquetBytes(
        wholesaleTable({
          calculationId: 'w',
          calculationType: 'wholesale_fixing',
          series: [
            {
              amountType: 'amount_per_charge',
              gridArea: '804',
              energySupplierId: '5790000000001',
              chargeOwnerId: '5790000000100',
              chargeCode: 'T1',
              chargeType: 'tariff',
              isTax: false,
              meteringPointType: 'consumption',
              settlementMethod: 'flex',
              resolution: 'PT1H',
              quantityUnit: 'kWh',
              resultId: 'r',
            },
          ],
          rows,
        }),
      );
    };
    const diff = new GridAreaDiff(WHOLESALE_DIFF, [keepAll, keepAll]);
    await appendParquetFile(diff, 0, file([1_000_001, -2_000_000, 10n ** 17n], 1000));
    await appendParquetFile(diff, 1, file([1_000_000, -2_000_000, 10n ** 17n + 1n], 1001));
    const [s] = diff.finish().series;
    expect(s).toMatchObject({
      presence: 'both',
      slots: 3,
      changedSlots: 2,
      totalA: 10n ** 17n - 999_999n,
      totalB: 10n ** 17n - 999_999n,
      sumAbsDifference: 2n,
      maxAbsDifference: 1n,
      maxAt: T0,
      secondary: { totalA: 3000n, totalB: 3003n, sumAbsDifference: 3n, changedSlots: 3 },
    });
    const report = new DiffReport(WHOLESALE_DIFF, 10);
    report.add({ series: [s], timeline: new Map() });
    const json = report.json('a', 'b', { type: null, gridArea: null, level: null });
    expect(json.unit).toBe('DKK');
    expect(json.series[0]).toMatchObject({
      totalA: '99999999999.000001',
      sumAbsDifference: '0.000002',
      quantity: { totalA: '3.000', totalB: '3.003', sumAbsDifference: '0.003' },
    });
    expect(json.series[0].key).toMatchObject({ amount_type: 'amount_per_charge', charge_code: 'T1', is_tax: 'false' });
  });

  it('worker threads compare grid areas side by side and give the same answer, in grid area order', async () => {
    const store = new MemoryBlobStore('results');
    const manifest = (jobId: string, files: string[]): Manifest => ({
      jobId,
      calculationType: 'balance_fixing',
      periodStart: '',
      periodEnd: '',
      gridAreas: [],
      files,
      rows: 0,
      counts: {},
      wholesaleFiles: [],
      wholesaleRows: 0,
      committedAt: '',
    });
    const sides = await Promise.all(
      (['a', 'b'] as const).map(async (job) => {
        const files: string[] = [];
        for (const ga of ['803', '801', '802']) {
          const path = `jobs/${job}/energy/ga=${ga}/x.parquet`;
          await store.put(path, energyFile(job, [[1, 2, Number(ga) * (job === 'b' && ga !== '801' ? 2 : 1), 4]]));
          files.push(path);
        }
        return { manifest: manifest(job, files) };
      }),
    );
    const collect = async (pool?: DiffWorkerPool) => {
      const out: Array<[string, bigint]> = [];
      for await (const { gridArea, result } of diffCommittedJobs(store, sides[0], sides[1], { kind: 'energy' }, pool))
        out.push([gridArea, result.series[0].sumAbsDifference]);
      return out;
    };
    const pool = new DiffWorkerPool(2);
    try {
      const expected: Array<[string, bigint]> = [
        ['801', 0n],
        ['802', 802n],
        ['803', 803n],
      ];
      expect(await collect()).toEqual(expected);
      expect(await collect(pool)).toEqual(expected);
    } finally {
      await pool.close();
    }
  });
});
