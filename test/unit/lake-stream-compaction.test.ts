/**
 * The stream compaction's fast paths (issue 15 speed work) keep its meaning: events checked
 * without zod are refused naming the same field, an instant not in the canonical form lands in
 * the hour it denotes with canonical text, and the daily aggregate built from the sums kept in the
 * hour pointers equals the one from the rows — including an hour written before those sums existed.
 */
import { parquetBytes, stringColumn, tableOf } from '../../shared/basis-data/parquet/arrow-io';
import { SourceFormatError } from '../../shared/lake/errors';
import { PartitionStore } from '../../shared/lake/partition-store';
import { parquetToTable } from '../../shared/lake/records';
import { compactHour } from '../../shared/lake/stream/stream';
import { curatedPath, operationalPath, rawPath } from '../../shared/lake/zones';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const DAY = '2026-03-10';
const raw = (hour: number, ev: Record<string, unknown>) =>
  [`${rawPath('stream_d', DAY, hour)}/${String(ev.eventId)}.json`, JSON.stringify(ev)] as const;

async function table(store: PartitionStore, path: string): Promise<Record<string, unknown[]>> {
  const read = await store.read(path);
  const t = parquetToTable(read!.files.get('part-0.parquet')!);
  return Object.fromEntries(
    t.schema.fields.map((f) => [f.name, Array.from(t.getChild(f.name)!.toArray() as ArrayLike<unknown>)]),
  );
}

test('the daily aggregate sums the hour pointers, and reads an hour without them (written before) from its rows', async () => {
  const blobs = new MemoryBlobStore('lake');
  const store = new PartitionStore(blobs);
  // hour 03 as an older compaction wrote it: rows only, no sums in the pointer
  await store.replace(curatedPath('stream_d_events', DAY, [['hour', '03']]), [
    {
      name: 'part-0.parquet',
      bytes: parquetBytes(
        tableOf({
          event_id: stringColumn(['old-1', 'old-2']),
          region: stringColumn(['north', 'south']),
          occurred_at: stringColumn(['2026-03-10T03:10:00.000Z', '2026-03-10T03:20:00.000Z']),
          interest: stringColumn(['1.250', '-0.005']),
        }),
      ),
    },
  ]);
  for (const [p, b] of [
    raw(5, { eventId: 'a', region: 'north', occurredAt: '2026-03-10T05:01:00.000Z', interest: '2.5' }),
    // +01:00: 04:30 UTC, stored in hour 04 with the canonical text
    raw(5, { eventId: 'b', region: 'south', occurredAt: '2026-03-10T05:30:00+01:00', interest: '0.001' }),
    // late for hour 03, and a redelivery of old-1 (the stored row wins)
    raw(5, { eventId: 'c', region: 'north', occurredAt: '2026-03-10T03:59:59.999Z', interest: '10' }),
    raw(5, { eventId: 'old-1', region: 'north', occurredAt: '2026-03-10T03:10:00.000Z', interest: '99' }),
  ])
    await blobs.put(p, b);
  const r = await compactHour({ partitions: store }, DAY, 5);
  expect(r).toEqual({ events: 4, added: 3, duplicates: 1, touchedDays: [DAY] });
  expect(await table(store, curatedPath('stream_d_events', DAY, [['hour', '04']]))).toEqual({
    event_id: ['b'],
    region: ['south'],
    occurred_at: ['2026-03-10T04:30:00.000Z'],
    interest: ['0.001'],
  });
  expect((await table(store, curatedPath('stream_d_events', DAY, [['hour', '03']]))).event_id).toEqual([
    'old-1',
    'old-2',
    'c',
  ]);
  // north: 1.250 + 10 + 2.5; south: −0.005 + 0.001
  const interest = await table(store, operationalPath('market_interest_daily', DAY));
  expect(interest.region).toEqual(['north', 'south']);
  expect(interest.interest).toEqual(['13.750', '-0.004']);
  expect(interest.events).toEqual([3, 2]);
  // the rewritten hour 03 now carries its sums, the old rows included
  expect(
    JSON.parse(
      String((await store.pointer(curatedPath('stream_d_events', DAY, [['hour', '03']])))!.meta.interestByRegion),
    ),
  ).toEqual({
    north: [11250, 2],
    south: [-5, 1],
  });
});

test.each([
  [{ eventId: 'x', region: 'north', occurredAt: '2026-03-10T06:00:00.000Z', interest: '1.2345' }, 'interest'],
  [{ eventId: 'x', region: 'North', occurredAt: '2026-03-10T06:00:00.000Z', interest: '1' }, 'region'],
  [{ eventId: 'x', region: 'north', occurredAt: '2026-02-30T06:00:00.000Z', interest: '1' }, 'occurredAt'],
  [{ eventId: '../x', region: 'north', occurredAt: '2026-03-10T06:00:00.000Z', interest: '1' }, 'eventId'],
  [{ eventId: 'x', region: 'north', occurredAt: '2026-03-10T06:00:00.000Z', interest: 1 }, 'interest'],
])('a bad raw event stops the compaction naming the field: %j', async (ev, field) => {
  const blobs = new MemoryBlobStore('lake');
  await blobs.put(`${rawPath('stream_d', DAY, 6)}/x.json`, JSON.stringify(ev));
  const err = await compactHour({ partitions: new PartitionStore(blobs) }, DAY, 6).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SourceFormatError);
  expect((err as SourceFormatError).field).toBe(field);
  expect(await blobs.list('curated/')).toEqual([]);
});
