/**
 * The curated market data store on the in-memory blob store: versions and as-of reads, no
 * duplicates from concurrent writers or a compaction racing them; backfill chunk planning in
 * local time (DST months, Berlin weeks) and the timer's windows.
 */
import { localMidnight } from '../../shared/domain/local-time';
import { LakeMarketDataReader } from '../../shared/market-data/lake-market-data-reader';
import { COMPACT_AT_FILES, MarketDataLake } from '../../shared/market-data/market-data-lake';
import { MarketRowsBuilder, type MarketRows } from '../../shared/market-data/rows';
import { planChunks } from '../../shared/market-data/use-cases/backfill';
import { latestWindow } from '../../shared/market-data/use-cases/ingest';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function hourly(
  area: string,
  fromMs: number,
  hours: number,
  value: (i: number) => bigint,
  unit = 'EUR/MWh',
): MarketRows {
  const b = new MarketRowsBuilder('smard', 'day_ahead_price');
  for (let i = 0; i < hours; i++) b.add(area, unit, fromMs + i * HOUR, 60, value(i));
  return b.build();
}

test('versions: unchanged rows are not stored again, revisions are, reads pick the latest within the pin', async () => {
  const store = new MemoryBlobStore('md');
  const lake = new MarketDataLake(store);
  const reader = new LakeMarketDataReader(store);
  const from = Date.UTC(2024, 0, 31, 20); // spans two month partitions
  expect(
    await lake.upsert(
      hourly('DE-LU', from, 8, (i) => BigInt(i) * 1_000_000n),
      1000,
    ),
  ).toEqual({ written: 8, unchanged: 0 });
  expect(
    await lake.upsert(
      hourly('DE-LU', from, 8, (i) => BigInt(i) * 1_000_000n),
      2000,
    ),
  ).toEqual({ written: 0, unchanged: 8 });
  expect(
    await lake.upsert(
      hourly('DE-LU', from, 8, (i) => (i === 6 ? -123_456_789n : BigInt(i) * 1_000_000n)),
      3000,
    ),
  ).toEqual({
    written: 1,
    unchanged: 7,
  });
  expect((await store.list('curated/')).length).toBe(3); // Jan, Feb, and Feb's revision
  const q = { kind: 'day_ahead_price' as const, area: 'DE-LU', unit: 'EUR/MWh', fromMs: from, toMs: from + 8 * HOUR };
  expect(Array.from((await reader.read(q)).value)).toEqual(
    [0n, 1n, 2n, 3n, 4n, 5n, -123_456_789n, 7n].map((v, i) => (i === 6 ? v : v * 1_000_000n)),
  );
  expect((await reader.read({ ...q, asOfMs: 2999 })).value[6]).toBe(6_000_000n);
  expect((await reader.read({ ...q, asOfMs: 999 })).startMs).toHaveLength(0);
  expect((await reader.read({ ...q, unit: 'DKK/MWh' })).startMs).toHaveLength(0);
  const part = await reader.read({ ...q, fromMs: from + 3 * HOUR, toMs: from + 5 * HOUR });
  expect(Array.from(part.startMs, iso)).toEqual([iso(from + 3 * HOUR), iso(from + 4 * HOUR)]);
  await expect(reader.read({ ...q, area: 'XX' })).rejects.toThrow(/no market data source serves area XX/);
});

test('concurrent writers and compactions lose no version and never duplicate one', async () => {
  const store = new MemoryBlobStore('md');
  const from = Date.UTC(2024, 5, 1);
  // 3 × (COMPACT_AT_FILES + 2) fetches, each revising every hour, from three writers at once
  const writers = [0, 1, 2].map(async (w) => {
    const lake = new MarketDataLake(store);
    for (let k = 0; k < COMPACT_AT_FILES + 2; k++) {
      const at = 1_000 + (k * 3 + w) * 10;
      await lake.upsert(
        hourly('DE-LU', from, 4, () => BigInt(at)),
        at,
      );
    }
  });
  await Promise.all(writers);
  const versions = await new MarketDataLake(store).readPartition('day_ahead_price', 'smard', 'DE-LU', '2024-06');
  const keys = Array.from(versions.startMs, (t, i) => `${t}|${versions.fetchedAtMs[i]}`);
  expect(new Set(keys).size).toBe(keys.length);
  const reader = new LakeMarketDataReader(store);
  const q = { kind: 'day_ahead_price' as const, area: 'DE-LU', unit: 'EUR/MWh', fromMs: from, toMs: from + 4 * HOUR };
  const last = 1_000 + ((COMPACT_AT_FILES + 1) * 3 + 2) * 10;
  expect(Array.from((await reader.read(q)).value)).toEqual([last, last, last, last].map(BigInt));
  // every fetch that changed the value is still readable as of its time
  for (const at of new Set(Array.from(versions.fetchedAtMs)))
    expect((await reader.read({ ...q, asOfMs: at })).value[0]).toBe(BigInt(at));
  expect((await store.list('curated/')).length).toBeLessThanOrEqual(COMPACT_AT_FILES + 3);
});

test('backfill chunks: EDS Danish local months per area, SMARD Berlin weeks; clipped to the range', () => {
  const eds = planChunks('energidataservice', localMidnight(2024, 3, 15), localMidnight(2024, 5, 1), ['DK1', 'DK2']);
  expect(eds.map((c) => `${c.area} ${iso(c.fromMs)} ${iso(c.toMs)}`)).toEqual([
    'DK1 2024-03-14T23:00:00.000Z 2024-03-31T22:00:00.000Z', // March ends in summer time
    'DK1 2024-03-31T22:00:00.000Z 2024-04-30T22:00:00.000Z',
    'DK2 2024-03-14T23:00:00.000Z 2024-03-31T22:00:00.000Z',
    'DK2 2024-03-31T22:00:00.000Z 2024-04-30T22:00:00.000Z',
  ]);
  const smard = planChunks('smard', localMidnight(2024, 10, 23), localMidnight(2024, 11, 5), ['DE-LU']);
  expect(smard.map((c) => `${iso(c.fromMs)} ${iso(c.toMs)}`)).toEqual([
    '2024-10-22T22:00:00.000Z 2024-10-27T23:00:00.000Z', // Wednesday (clipped) to Monday 00:00 CET
    '2024-10-27T23:00:00.000Z 2024-11-03T23:00:00.000Z',
    '2024-11-03T23:00:00.000Z 2024-11-04T23:00:00.000Z',
  ]);
});

test('timer windows: EDS yesterday to the end of tomorrow, SMARD the last week to the end of tomorrow (local days)', () => {
  const now = Date.UTC(2024, 9, 27, 12);
  expect(Object.values(latestWindow('energidataservice', now)).map(iso)).toEqual([
    '2024-10-25T22:00:00.000Z',
    '2024-10-28T23:00:00.000Z',
  ]);
  expect(Object.values(latestWindow('smard', now)).map(iso)).toEqual([
    '2024-10-19T22:00:00.000Z',
    '2024-10-28T23:00:00.000Z',
  ]);
});
