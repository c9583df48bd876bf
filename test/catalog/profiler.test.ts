/**
 * The profiler's rules (../shared/reference/catalog-smard-style.md §A.1), one hand-made file per
 * rule, plus this domain's identifiers and keys.
 */
import * as arrow from 'apache-arrow';
import { parquetBytes, stringColumn, timestampColumn } from '../../shared/basis-data/parquet/arrow-io';
import { isEic, isGln, isGsrn } from '../../shared/catalog/profile/energy-ids';
import { profileDataset, SAMPLE_ROWS } from '../../shared/catalog/profile/profiler';
import { sampledRowGroups, UnreadableDatasetError } from '../../shared/catalog/profile/readers';
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperLogLog } from '../../shared/catalog/profile/sketch';
import type { ColumnProfile, Profile } from '../../shared/catalog/profile/types';
import { parseDate } from '../../shared/catalog/profile/values';

const enc = (s: string) => new TextEncoder().encode(s);
const csv = (rows: string[][], sep = ',') => enc(rows.map((r) => r.join(sep)).join('\n') + '\n');
const col = (p: Profile, name: string): ColumnProfile => {
  const c = p.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
};
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** A valid GSRN: 57 + 15 digits + GS1 check digit. */
function gsrn(body15: string): string {
  const d = `57${body15}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d[16 - i]) * (i % 2 === 0 ? 3 : 1);
  return d + String((10 - (sum % 10)) % 10);
}

describe('identifiers of the domain', () => {
  test('GSRN needs 18 digits, prefix 57 and the GS1 check digit', () => {
    const ok = gsrn('100000000000001');
    expect(isGsrn(ok)).toBe(true);
    expect(isGsrn(ok.slice(0, 17) + String((Number(ok[17]) + 1) % 10))).toBe(false);
    expect(isGsrn(`58${ok.slice(2)}`)).toBe(false);
  });
  test('GLN 13 digits with check digit; EIC with the ENTSO-E check character', () => {
    expect(isGln('5790000432752')).toBe(true);
    expect(isGln('5790000432753')).toBe(false);
    expect(isEic('10YDK-1--------W')).toBe(true);
    expect(isEic('10YDK-2--------M')).toBe(true);
    expect(isEic('10Y1001A1001A82H')).toBe(true);
    expect(isEic('10YDK-1--------X')).toBe(false);
  });
});

describe('date parsing', () => {
  test('partial dates (no year) are rejected; "2020" and "June 2020" are accepted', () => {
    expect(parseDate('June 6 11:00')).toBeNull();
    expect(parseDate('11:00')).toBeNull();
    expect(parseDate('2020')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate('June 2020')).toBe(Date.UTC(2020, 5, 1));
    expect(parseDate('6 June 2020 11:00')).toBe(Date.UTC(2020, 5, 6, 11));
    expect(parseDate('31-01-2024')).toBe(Date.UTC(2024, 0, 31));
    expect(parseDate('2024-02-30')).toBeNull();
  });
  test('no zone is UTC; a zone is honoured; local columns are Copenhagen wall-clock, DST-aware', () => {
    expect(parseDate('2023-01-01T10:00:00')).toBe(Date.UTC(2023, 0, 1, 10));
    expect(parseDate('2023-01-01T10:00:00+01:00')).toBe(Date.UTC(2023, 0, 1, 9));
    expect(parseDate('2023-01-01T10:00:00', true)).toBe(Date.UTC(2023, 0, 1, 9));
    expect(parseDate('2023-07-01T10:00:00', true)).toBe(Date.UTC(2023, 6, 1, 8));
    // the spring gap does not exist in local time
    expect(parseDate('2023-03-26T02:30:00', true)).toBeNull();
  });
});

describe('structural type: the 98 % rule', () => {
  test('98 of 100 integers is an integer column with 2 % unclean; 97 is text', async () => {
    const mixed = (bad: number) =>
      csv([['value', 'k'], ...range(100, (i) => [i < bad ? `x${i}` : String(i), 'k']), ['', 'k']]);
    const p98 = await profileDataset(mixed(2), 'csv');
    expect(col(p98, 'value').structural_type).toBe('integer');
    expect(col(p98, 'value').unclean_values_ratio).toBeCloseTo(2 / 101, 6);
    expect(col(p98, 'value').missing_values_ratio).toBeCloseTo(1 / 101, 6);
    const p97 = await profileDataset(mixed(3), 'csv');
    expect(col(p97, 'value').structural_type).toBe('text');
    expect(col(p97, 'value').unclean_values_ratio).toBe(0);
  });
  test('floats (dot or Danish decimal comma), an all-empty column is missing', async () => {
    const p = await profileDataset(csv([['a', 'b', 'c'], ...range(20, (i) => [`${i}.5`, `${i},25`, ''])], ';'), 'csv');
    expect(col(p, 'a').structural_type).toBe('float');
    expect(col(p, 'b').structural_type).toBe('float');
    expect(col(p, 'b').mean).toBeCloseTo(9.75, 6);
    expect(col(p, 'c').structural_type).toBe('missing');
    expect(col(p, 'c').missing_values_ratio).toBe(1);
  });
});

describe('semantic types', () => {
  test('boolean, categorical (≤ 10 % distinct), free text (≥ 50 % with 4+ words), URL, identifier', async () => {
    const rows = range(100, (i) => [
      i % 2 === 0 ? 'yes' : 'no',
      ['red', 'green', 'blue'][i % 3],
      i % 2 === 0 ? `this is a longer comment number ${i}` : 'short',
      `https://example.org/item/${i}`,
      `MP-${1000 + i}`,
      String(i * 7),
    ]);
    const p = await profileDataset(csv([['flag', 'colour', 'comment', 'link', 'code', 'n'], ...rows]), 'csv');
    expect(col(p, 'flag').semantic_types).toContain('boolean');
    expect(col(p, 'colour').semantic_types).toEqual(['categorical']);
    expect(col(p, 'colour').top_values?.[0]).toEqual({ value: 'red', count: 34 });
    expect(col(p, 'comment').semantic_types).toEqual(['free_text']);
    expect(col(p, 'link').semantic_types).toEqual(['url']);
    expect(col(p, 'code').semantic_types).toEqual(['identifier']);
    expect(col(p, 'n').semantic_types).toEqual([]);
    expect(col(p, 'n').num_distinct_values).toBe(100);
    expect(col(p, 'n').min).toBe(0);
    expect(col(p, 'n').max).toBe(693);
  });

  test('date-times: partial dates make a column text; year integers and YYYYMMDD are temporal', async () => {
    const p = await profileDataset(
      csv([
        ['when', 'partial', 'year', 'day'],
        ...range(30, (i) => [
          `2023-01-${String(i + 1).padStart(2, '0')}`,
          `June ${(i % 28) + 1} 11:00`,
          String(2000 + i),
          `202301${String(i + 1).padStart(2, '0')}`,
        ]),
      ]),
      'csv',
    );
    expect(col(p, 'when').semantic_types).toContain('datetime');
    expect(col(p, 'partial').semantic_types).not.toContain('datetime');
    expect(col(p, 'year').semantic_types).toContain('datetime');
    expect(col(p, 'day').semantic_types).toContain('datetime');
    const when = p.temporal_coverage.find((t) => t.column_names[0] === 'when')!;
    expect(when.temporal_resolution).toBe('day');
    expect(when.ranges).toEqual([{ gte: '2023-01-01T00:00:00.000Z', lte: '2023-01-30T00:00:00.000Z' }]);
    expect(p.temporal_coverage.find((t) => t.column_names[0] === 'year')!.temporal_resolution).toBe('year');
  });

  test('latitude/longitude pair by name; an unpaired one loses the tag; bounding box', async () => {
    const p = await profileDataset(
      csv([
        ['pickup lat', 'pickup long', 'dropoff lat', 'other'],
        ['55.6', '12.5', '56.1', '1'],
        ['56.2', '8.1', '55.0', '2'],
        ['57.0', '10.0', '54.9', '3'],
      ]),
      'csv',
    );
    expect(col(p, 'pickup lat').semantic_types).toContain('latitude');
    expect(col(p, 'pickup long').semantic_types).toContain('longitude');
    expect(col(p, 'dropoff lat').semantic_types).not.toContain('latitude');
    expect(p.spatial_coverage).toEqual([
      {
        type: 'latlong',
        column_names: ['pickup lat', 'pickup long'],
        column_indexes: [0, 1],
        ranges: [
          {
            range: {
              type: 'envelope',
              coordinates: [
                [8.1, 57],
                [12.5, 55.6],
              ],
            },
          },
        ],
        number: 3,
      },
    ]);
  });

  test('GSRN, GLN and EIC columns; grid areas, price areas (names and EICs) and regions as spatial keys; units', async () => {
    const rows = range(50, (i) => [
      gsrn(String(100000000000000 + i)),
      '5790000432752',
      i % 2 ? '10YDK-1--------W' : '10YDK-2--------M',
      ['804', '805', '791'][i % 3],
      i % 2 ? 'DK1' : 'DK2',
      i % 2 ? 'Region Hovedstaden' : 'Nordjylland',
      `${i}.5 kWh`,
      String(i * 10),
    ]);
    const p = await profileDataset(
      csv(
        [
          [
            'metering_point_id',
            'energy_supplier',
            'area_eic',
            'grid_area',
            'PriceArea',
            'region',
            'consumption',
            'SpotPriceDKK',
          ],
          ...rows,
        ],
        ';',
      ),
      'csv',
    );
    expect(col(p, 'metering_point_id').semantic_types).toEqual(expect.arrayContaining(['gsrn', 'identifier']));
    expect(col(p, 'metering_point_id').mean).toBeUndefined();
    expect(col(p, 'energy_supplier').semantic_types).toContain('gln');
    expect(col(p, 'area_eic').semantic_types).toEqual(expect.arrayContaining(['eic', 'price_area']));
    expect(col(p, 'grid_area').semantic_types).toContain('grid_area');
    expect(col(p, 'PriceArea').semantic_types).toEqual(expect.arrayContaining(['price_area', 'categorical']));
    expect(col(p, 'region').semantic_types).toContain('region');
    expect(col(p, 'consumption')).toMatchObject({ structural_type: 'float', unit: 'kWh', min: 0.5, max: 49.5 });
    expect(col(p, 'consumption').semantic_types).toContain('quantity');
    expect(col(p, 'SpotPriceDKK').unit).toBe('DKK');
    const keys = p.spatial_coverage.filter((s) => 'values' in s);
    expect(keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'grid_area', values: ['791', '804', '805'] }),
        expect.objectContaining({ type: 'price_area', column_names: ['PriceArea'], values: ['DK1', 'DK2'] }),
        expect.objectContaining({ type: 'price_area', column_names: ['area_eic'], values: ['DK1', 'DK2'] }),
        expect.objectContaining({ type: 'region', values: ['Hovedstaden', 'Nordjylland'] }),
      ]),
    );
    // a wrong check digit in 1 of 50 (2 %) still holds; in 2 of 50 not
    const broken = (n: number) =>
      csv([['mp'], ...range(50, (i) => [i < n ? `57${'1'.repeat(16)}` : gsrn(String(100000000000000 + i))])]);
    expect(col(await profileDataset(broken(1), 'csv'), 'mp').semantic_types).toContain('gsrn');
    expect(col(await profileDataset(broken(2), 'csv'), 'mp').semantic_types).not.toContain('gsrn');
  });
});

describe('temporal coverage', () => {
  test('DST-local wall-clock column (HourDK) across the autumn change: hourly, UTC range, the repeated hour is the second occurrence', async () => {
    // local hours 2023-10-29 00:00 … 05:00, with 02:00 twice (as EDS writes HourDK)
    const local = ['00', '01', '02', '02', '03', '04', '05'].map((h) => `2023-10-29T${h}:00:00`);
    const utc = ['22', '23', '00', '01', '02', '03', '04'].map((h, i) => `2023-10-${i < 2 ? 28 : 29}T${h}:00:00`);
    const p = await profileDataset(csv([['HourUTC', 'HourDK'], ...local.map((l, i) => [utc[i], l])]), 'csv');
    const dk = p.temporal_coverage.find((t) => t.column_names[0] === 'HourDK')!;
    expect(dk.local_time_zone).toBe('Europe/Copenhagen');
    expect(dk.temporal_resolution).toBe('hour');
    expect(dk.ranges).toEqual([{ gte: '2023-10-28T22:00:00.000Z', lte: '2023-10-29T04:00:00.000Z' }]);
    const u = p.temporal_coverage.find((t) => t.column_names[0] === 'HourUTC')!;
    expect(u).toMatchObject({ temporal_resolution: 'hour', step: 'PT1H' });
    expect(u.local_time_zone).toBeUndefined();
  });

  test('a 15-minute series: resolution minute (the reference rule) and step PT15M; separate years are separate ranges', async () => {
    const t0 = Date.UTC(2023, 0, 1);
    const q = range(96, (i) => [new Date(t0 + i * 900_000).toISOString(), '1']);
    const p = await profileDataset(csv([['TimeUTC', 'v'], ...q]), 'csv');
    expect(p.temporal_coverage[0]).toMatchObject({ temporal_resolution: 'minute', step: 'PT15M' });
    const years = range(40, (i) => [`${i < 20 ? 2019 : 2023}-0${(i % 9) + 1}-01`]);
    const y = await profileDataset(csv([['month'], ...years]), 'csv');
    expect(y.temporal_coverage[0].ranges).toEqual([
      { gte: '2019-01-01T00:00:00.000Z', lte: '2019-09-01T00:00:00.000Z' },
      { gte: '2023-01-01T00:00:00.000Z', lte: '2023-09-01T00:00:00.000Z' },
    ]);
    expect(y.temporal_coverage[0].temporal_resolution).toBe('month');
  });
});

describe('formats, sampling, determinism', () => {
  test('Parquet and JSON lines give the same column profile as the CSV', async () => {
    const n = 48;
    const t0 = Date.UTC(2024, 0, 1);
    const areas = range(n, (i) => (i % 2 ? 'DK1' : 'DK2'));
    const table = new arrow.Table({
      TimeUTC: arrow.makeVector(
        timestampColumn(
          Float64Array.from(
            range(n, (i) => String(t0 + Math.floor(i / 2) * 3_600_000)),
            Number,
          ),
        ),
      ),
      PriceArea: arrow.makeVector(stringColumn(areas)),
      SpotPriceEUR: arrow.vectorFromArray(
        range(n, (i) => i * 1.5),
        new arrow.Float64(),
      ),
    });
    const pq = await profileDataset(parquetBytes(table), 'parquet');
    const jl = await profileDataset(
      enc(
        range(n, (i) =>
          JSON.stringify({
            TimeUTC: new Date(t0 + Math.floor(i / 2) * 3_600_000).toISOString(),
            PriceArea: areas[i],
            SpotPriceEUR: i * 1.5,
          }),
        ).join('\n'),
      ),
      'jsonl',
    );
    for (const p of [pq, jl]) {
      expect(p.nb_rows).toBe(n);
      expect(col(p, 'TimeUTC').semantic_types).toContain('datetime');
      expect(col(p, 'PriceArea').semantic_types).toContain('price_area');
      expect(col(p, 'SpotPriceEUR')).toMatchObject({ structural_type: 'float', unit: 'EUR', min: 0, max: 70.5 });
      expect(p.temporal_coverage[0]).toMatchObject({
        temporal_resolution: 'hour',
        ranges: [{ gte: '2024-01-01T00:00:00.000Z', lte: '2024-01-01T23:00:00.000Z' }],
      });
    }
  });

  test('large inputs: every row counted, a fixed stride profiled, distinct counts from the sketch', async () => {
    const n = SAMPLE_ROWS * 2 + 10;
    const p = await profileDataset(
      csv([['id', 'grid_area'], ...range(n, (i) => [String(i), i === n - 1 ? '999' : '804'])]),
      'csv',
    );
    expect(p.nb_rows).toBe(n);
    expect(p.nb_profiled_rows).toBe(Math.ceil(n / 3));
    expect(Math.abs(col(p, 'id').num_distinct_values - n) / n).toBeLessThan(0.05);
    // the one row of grid area 999 was not profiled, but the key pass still finds it
    expect(p.spatial_coverage).toEqual([expect.objectContaining({ type: 'grid_area', values: ['804', '999'] })]);
  });

  test('large Parquet: row count from the file, the same stride, the rare grid area still found', async () => {
    const n = SAMPLE_ROWS * 3 + 1;
    const table = new arrow.Table({
      grid_area: arrow.makeVector(stringColumn(range(n, (i) => (i === n - 2 ? '999' : '804')))),
      v: arrow.vectorFromArray(
        range(n, (i) => i),
        new arrow.Float64(),
      ),
    });
    const p = await profileDataset(parquetBytes(table, 7_001), 'parquet');
    expect(p.nb_rows).toBe(n);
    expect(p.nb_profiled_rows).toBe(Math.ceil(n / 4));
    expect(col(p, 'v').min).toBe(0);
    expect(col(p, 'v').max).toBe(n - 1); // the last row is a multiple of the stride
    expect(p.spatial_coverage).toEqual([expect.objectContaining({ type: 'grid_area', values: ['804', '999'] })]);
  });

  test('Parquet above 1 M rows: 16 row groups spread evenly, the first 2,500 rows of each; the row count exact; a file Blob profiles like its bytes', async () => {
    expect(sampledRowGroups(21, 1_000_010)).toEqual({
      groups: [0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19, 20],
      rowsPerGroup: 2_500,
    });
    // one huge group: its first 40,000 rows; a small file: everything
    expect(sampledRowGroups(1, 20_000_000)).toEqual({ groups: [0], rowsPerGroup: 40_000 });
    expect(sampledRowGroups(40, 900_000)).toEqual({ groups: range(40, (i) => i), rowsPerGroup: null });
    const n = 1_000_010;
    const table = new arrow.Table({
      v: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => i)),
    });
    const bytes = parquetBytes(table, 50_000); // 21 row groups, the last of 10 rows
    const p = await profileDataset(bytes, 'parquet');
    expect(p.nb_rows).toBe(n);
    const read = 15 * 2_500 + 10;
    expect(p.nb_profiled_rows).toBe(Math.ceil(read / 2));
    const v = col(p, 'v');
    expect(v.min).toBe(0);
    expect(v.max).toBe(1_000_008); // the last group is read; the stride of 2 over the rows read ends there
    // nothing of the groups skipped (group 2: rows 100,000…) nor past the first 2,500 rows of a group read
    const profiled = p.sample.split('\n').slice(1, -1).map(Number);
    expect(profiled.every((x) => x % 50_000 < 2_500)).toBe(true);
    expect(profiled.some((x) => x >= 100_000 && x < 150_000)).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    try {
      writeFileSync(join(dir, 'f.parquet'), bytes);
      const fromFile = await profileDataset(await openAsBlob(join(dir, 'f.parquet')), 'parquet');
      expect(fromFile).toEqual(p);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('the same bytes give the same profile (content hash, sample rows)', async () => {
    const bytes = csv([['a', 'b'], ...range(500, (i) => [String(i), `v${i % 7}`])]);
    const a = await profileDataset(bytes, 'csv');
    const b = await profileDataset(Uint8Array.from(bytes), 'csv');
    expect(b).toEqual(a);
    expect(a.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.sample.trim().split('\n')).toHaveLength(11);
    expect(a.attribute_keywords).toEqual(['a', 'b']);
  });

  test('malformed files fail with a clear reason', async () => {
    await expect(profileDataset(enc('a,b\n1,2,3\n'), 'csv')).rejects.toThrow(/record 1 has 3 fields/);
    await expect(profileDataset(enc('a,b\n"1,2\n'), 'csv')).rejects.toThrow(UnreadableDatasetError);
    await expect(profileDataset(enc('{"a":1}\nnot json\n'), 'jsonl')).rejects.toThrow(/line 2 is not JSON/);
    await expect(profileDataset(enc('PAR1 not really'), 'parquet')).rejects.toThrow(UnreadableDatasetError);
  });

  test('HyperLogLog stays within a few per cent', () => {
    const h = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) h.add(`k${i}`);
    for (let i = 0; i < 100_000; i++) h.add(`k${i}`);
    expect(Math.abs(h.estimate() - 100_000) / 100_000).toBeLessThan(0.05);
  });
});
