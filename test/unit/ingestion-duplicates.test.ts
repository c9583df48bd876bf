/**
 * Issue 12, finding 1a: every point of one ingestion request gets the same registration time, so
 * two points for one metering point and time in one body are rejected (naming both rows, in each
 * format's row numbering), and nothing is written. Points that only look alike (another metering
 * point, another time, the same time in another request) are accepted.
 */
import * as arrow from 'apache-arrow';
import { ValidationError } from '../../shared/basis-data/errors';
import { parquetBytes, stringColumn, tableOf } from '../../shared/basis-data/parquet/arrow-io';
import { LakeLayout } from '../../shared/basis-data/parquet/lake-layout';
import { ingestTimeSeries, type IngestFormat } from '../../shared/ingestion/time-series-ingestion';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const NOW = new Date('2024-03-01T12:00:00Z');
const A = '571313180000000001';
const B = '571313180000000002';
const layout = () =>
  Promise.resolve(
    new LakeLayout([
      { meteringPointId: A, type: 'E17', gridAreaCode: '804', fromDate: 0, toDate: null },
      { meteringPointId: B, type: 'E17', gridAreaCode: '804', fromDate: 0, toDate: null },
    ]),
  );

type Pt = [id: string, time: string, quantity: string];

function body(format: IngestFormat, pts: Pt[]): Uint8Array {
  if (format === 'csv')
    return Buffer.from(
      [
        'metering_point_id;quantity;quality;observation_time;resolution',
        ...pts.map((p) => `${p[0]};${p[2]};measured;${p[1]};PT15M`),
      ].join('\n'),
    );
  if (format === 'ndjson')
    // a blank line: NDJSON rows are line numbers, so the rows below are 1, 3, 4, …
    return Buffer.from(
      pts
        .map((p) =>
          JSON.stringify({
            metering_point_id: p[0],
            quantity: p[2],
            quality: 'measured',
            observation_time: p[1],
            resolution: 'PT15M',
          }),
        )
        .map((l, i) => (i === 1 ? `\n${l}` : l))
        .join('\n'),
    );
  return parquetBytes(
    tableOf({
      metering_point_id: stringColumn(pts.map((p) => p[0])),
      quantity: stringColumn(pts.map((p) => p[2])),
      quality: stringColumn(pts.map(() => 'measured')),
      observation_time: arrow.makeData({
        type: new arrow.TimestampMicrosecond('UTC'),
        length: pts.length,
        data: BigInt64Array.from(pts, (p) => BigInt(Date.parse(p[1])) * 1000n),
      }),
      resolution: stringColumn(pts.map(() => 'PT15M')),
    }),
  );
}

const T1 = '2024-02-01T00:00:00Z';
const T2 = '2024-02-01T00:15:00Z';
const T3 = '2024-02-02T00:15:00Z';

describe('one point per metering point and time per ingestion request', () => {
  // row numbers of the four points: Parquet/CSV count data rows, NDJSON counts lines (one blank)
  const rowsOf: Record<IngestFormat, [number, number, number, number]> = {
    parquet: [1, 2, 3, 4],
    csv: [1, 2, 3, 4],
    ndjson: [1, 3, 4, 5],
  };
  for (const format of ['parquet', 'csv', 'ndjson'] as const) {
    it(`${format}: a duplicate → ValidationError naming both rows; nothing written`, async () => {
      const store = new MemoryBlobStore('basis-data');
      const pts: Pt[] = [
        [A, T1, '1'],
        [B, T1, '2'],
        [A, T2, '3'],
        [A, T1, '4'], // same metering point and time as the first row, another value
      ];
      const err = await ingestTimeSeries(body(format, pts), format, store, NOW, layout).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      const v = err as ValidationError;
      const rows = rowsOf[format];
      expect({ row: v.row, column: v.column }).toEqual({ row: rows[3], column: 'observation_time' });
      expect(v.reason).toContain(`row ${rows[0]} and row ${rows[3]}`);
      expect(v.reason).toContain(A);
      expect(v.reason).toContain('2024-02-01T00:00:00.000Z');
      expect(await store.list('')).toEqual([]);
    });

    it(`${format}: alike but distinct points are accepted, and the same points again in a new request`, async () => {
      const store = new MemoryBlobStore('basis-data');
      const pts: Pt[] = [
        [A, T1, '1'],
        [B, T1, '2'],
        [A, T2, '3'],
        [A, T3, '4'],
      ];
      expect((await ingestTimeSeries(body(format, pts), format, store, NOW, layout)).points).toBe(4);
      expect((await ingestTimeSeries(body(format, pts), format, store, NOW, layout)).points).toBe(4);
    });
  }
});
