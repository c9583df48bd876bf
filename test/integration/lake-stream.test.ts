/**
 * Stream (source D, issue 15): a loopback near-real-time feed, the in-process bus, raw receipt
 * hours on Azurite, hourly compaction with dedupe by eventId, out-of-order hours, daily
 * market interest and the regions dataset.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { InProcessBus } from '../../shared/messaging/in-process-bus';
import { PartitionStore } from '../../shared/lake/partition-store';
import { SourceFormatError } from '../../shared/lake/errors';
import { parquetToTable } from '../../shared/lake/records';
import { curatedPath, operationalPath } from '../../shared/lake/zones';
import { compactHour, pollStream, storeRawEvent } from '../../shared/lake/stream/stream';

let az: AzuriteInstance;
let feed: Server;
let feedUrl = '';
/** What the feed answers: events after a cursor (the cursor is an index into `events`). */
let events: Array<Record<string, string>> = [];
const asked: string[] = [];

beforeAll(async () => {
  az = await startAzurite();
  feed = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    asked.push(u.search);
    const after = Number(u.searchParams.get('after') ?? '0');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ events: events.slice(after), cursor: String(events.length) }));
  });
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed`;
});
afterAll(async () => {
  await new Promise((r) => feed.close(r));
  await az?.stop();
});

const TOPIC = { topic: 'lake-stream' };
const SUB = { topic: 'lake-stream', subscription: 'lake-raw' };

async function consumeAll(bus: InProcessBus, store: PartitionStore, receivedAt: string): Promise<number> {
  let n = 0;
  for (;;) {
    const got = await bus.receive(SUB, 100, 10);
    if (got.length === 0) return n;
    for (const m of got) {
      await storeRawEvent({ partitions: store }, m, new Date(receivedAt));
      await m.complete();
      n++;
    }
  }
}

async function rows(store: PartitionStore, path: string): Promise<Array<Record<string, unknown>>> {
  const read = await store.read(path);
  if (!read) return [];
  return parquetToTable(read.files.get('part-0.parquet') as Buffer)
    .toArray()
    .map((r: object) => ({ ...r }));
}

it('at-least-once delivery, out-of-order hours: every event once in curated, in the hour it occurred', async () => {
  const blobs = AzureBlobStore.fromConnectionString(az.connectionString, 'stream-lake');
  await blobs.ensureContainer();
  const store = new PartitionStore(blobs);
  // no duplicate detection on the topic: duplicates must be handled by the lake itself
  const bus = new InProcessBus();
  bus.createTopic(TOPIC.topic);
  bus.createSubscription(SUB.topic, SUB.subscription, { maxDeliveryCount: 5, lockDurationMs: 60_000 });

  events = [
    { eventId: 'e1', region: 'dk1', occurredAt: '2021-10-04T10:05:00Z', interest: '1.5', source: 'web' },
    { eventId: 'e2', region: 'dk2', occurredAt: '2021-10-04T12:20:00+02:00', interest: '0.25' }, // 10:20 UTC
  ];
  expect(await pollStream({ partitions: store, bus }, feedUrl, TOPIC)).toEqual({ sent: 2, cursor: '2' });
  expect(await consumeAll(bus, store, '2021-10-04T10:30:00Z')).toBe(2);
  expect(await compactHour({ partitions: store }, '2021-10-04', 10)).toEqual({
    events: 2,
    added: 2,
    duplicates: 0,
    touchedDays: ['2021-10-04'],
  });

  // the producer died before storing its cursor: the next poll resends e1 and e2 with the new e3,
  // which occurred at 10:59 but arrives at 12:10
  await blobs.delete('_system/stream/stream_d/cursor.json');
  events.push({ eventId: 'e3', region: 'dk1', occurredAt: '2021-10-04T10:59:59Z', interest: '2.125' });
  events.push({ eventId: 'e4', region: 'dk1-west', occurredAt: '2021-10-05T00:00:01Z', interest: '-0.5' });
  expect(await pollStream({ partitions: store, bus }, feedUrl, TOPIC)).toEqual({ sent: 4, cursor: '4' });
  expect(asked).toEqual(['', '']);
  expect(await consumeAll(bus, store, '2021-10-05T00:10:00Z')).toBe(4);
  expect(await compactHour({ partitions: store }, '2021-10-05', 0)).toEqual({
    events: 4,
    added: 2,
    duplicates: 2,
    touchedDays: ['2021-10-04', '2021-10-05'],
  });
  // compacting the same hour again changes nothing
  expect(await compactHour({ partitions: store }, '2021-10-05', 0)).toMatchObject({ added: 0, duplicates: 4 });

  expect(await rows(store, curatedPath('stream_d_events', '2021-10-04', [['hour', '10']]))).toEqual([
    { event_id: 'e1', region: 'dk1', occurred_at: '2021-10-04T10:05:00.000Z', interest: '1.500' },
    { event_id: 'e2', region: 'dk2', occurred_at: '2021-10-04T10:20:00.000Z', interest: '0.250' },
    { event_id: 'e3', region: 'dk1', occurred_at: '2021-10-04T10:59:59.000Z', interest: '2.125' },
  ]);
  expect(await rows(store, operationalPath('market_interest_daily', '2021-10-04'))).toEqual([
    { region: 'dk1', interest: '3.625', events: 2 },
    { region: 'dk2', interest: '0.250', events: 1 },
  ]);
  expect(await rows(store, operationalPath('regions', '2021-10-05'))).toEqual([
    { region: 'dk1', first_seen: '2021-10-04' },
    { region: 'dk1-west', first_seen: '2021-10-05' },
    { region: 'dk2', first_seen: '2021-10-04' },
  ]);
});

it('a poison event is refused naming the field, nothing stored', async () => {
  const blobs = AzureBlobStore.fromConnectionString(az.connectionString, 'stream-poison');
  await blobs.ensureContainer();
  const store = new PartitionStore(blobs);
  const body = Buffer.from(JSON.stringify({ eventId: 'x1', region: 'dk1', occurredAt: 'yesterday', interest: '1' }));
  await expect(storeRawEvent({ partitions: store }, { messageId: 'x1', body }, new Date())).rejects.toThrow(
    new SourceFormatError('message x1', 'occurredAt', 'must be an ISO-8601 instant'),
  );
  const tooFine = Buffer.from(
    JSON.stringify({ eventId: 'x2', region: 'dk1', occurredAt: '2021-10-04T10:00:00Z', interest: '0.0001' }),
  );
  await expect(storeRawEvent({ partitions: store }, { messageId: 'x2', body: tooFine }, new Date())).rejects.toThrow(
    /interest/,
  );
  expect(await blobs.list('')).toEqual([]);
});
