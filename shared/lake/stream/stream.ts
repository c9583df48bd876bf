/**
 * The stream (source D, issue 15), its use cases without their triggers (not registered yet):
 *
 * - **produce**: poll the near-real-time feed (`GET {url}?after={cursor}` → `{ events, cursor }`)
 *   and send every event on the bus with its `eventId` as message id, then store the cursor.
 *   A crash between the two resends the batch: delivery is at-least-once.
 * - **consume**: one message → `raw/stream_d/day=D/hour=HH/{eventId}.json` (D, HH: when it was
 *   received, so raw is "as received"). A raw stream hour is an append-only folder, not a pointer
 *   partition: it is complete once its hour has passed, and only compaction reads it.
 * - **compact** (hourly, after the hour closed; one compaction at a time): the raw hour's events
 *   are merged into `curated/stream_d_events/date=D/hour=HH` by the hour they *occurred* in (an
 *   event received late lands in its own, earlier hour), **deduplicated by `eventId`** (the first
 *   stored row wins; a redelivered event, even in another raw hour, is dropped), each touched
 *   partition replaced atomically; then `operational/market_interest_daily/date=D` (per region:
 *   Σ interest, events) and `operational/regions/date=D` (every region seen up to D with the day
 *   it was first seen) are rebuilt for the touched days.
 */
import * as arrow from 'apache-arrow';
import { z } from 'zod';
import { parquetBytes, stringColumn, tableOf } from '../../basis-data/parquet/arrow-io';
import { parseScaled, formatScaled } from '../../decimal/scaled';
import { parseInstant } from '../../domain/time';
import type { BusMessage, Destination, MessageBus } from '../../messaging/bus';
import { SourceFetchError, SourceFormatError } from '../errors';
import type { PartitionStore } from '../partition-store';
import { parquetToTable } from '../records';
import { addDays, curatedPath, dayOf, operationalPath, rawPath } from '../zones';

export const STREAM_SOURCE = 'stream_d';
export const STREAM_DATASETS = {
  events: 'stream_d_events',
  interest: 'market_interest_daily',
  regions: 'regions',
} as const;
const CURSOR_PATH = `_system/stream/${STREAM_SOURCE}/cursor.json`;
/** Interest values are exact decimals with up to three decimals, held as thousandths. */
const SCALE = 3;

export const streamEventSchema = z
  .object({
    eventId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}$/, 'must be a safe id (letters, digits, _-.)'),
    region: z.string().regex(/^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/, 'must be a region id'),
    occurredAt: z.string().refine((t) => parseInstant(t) !== null, 'must be an ISO-8601 instant'),
    interest: z.string().refine((v) => {
      try {
        parseScaled(v, SCALE, 12);
        return true;
      } catch {
        return false;
      }
    }, 'must be a decimal with at most 3 decimals'),
  })
  .passthrough();
export type StreamEvent = z.infer<typeof streamEventSchema>;

function parseEvent(bytes: Uint8Array, where: string): StreamEvent {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new SourceFormatError(where, '(body)', `not valid JSON: ${(e as Error).message}`);
  }
  const r = streamEventSchema.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new SourceFormatError(where, i.path.join('.') || '(body)', i.message);
  }
  return r.data;
}

// ---- produce

export async function pollStream(
  deps: { partitions: PartitionStore; bus: MessageBus },
  url: string,
  to: Destination,
): Promise<{ sent: number; cursor: string | null }> {
  const stored = await deps.partitions.blobs.get(CURSOR_PATH);
  const cursor = stored ? (JSON.parse(stored.toString('utf8')) as { cursor: string }).cursor : null;
  const u = new URL(url);
  if (cursor !== null) u.searchParams.set('after', cursor);
  let res: Response;
  try {
    res = await fetch(u, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new SourceFetchError(u.toString(), `not reachable: ${(e as Error).message}`, true);
  }
  if (!res.ok) throw new SourceFetchError(u.toString(), `HTTP ${res.status}`, res.status >= 500);
  const doc = (await res.json()) as { events?: unknown; cursor?: unknown };
  if (!Array.isArray(doc.events)) throw new SourceFormatError(u.toString(), 'events', 'is not an array');
  for (const [i, ev] of doc.events.entries()) {
    const bytes = Buffer.from(JSON.stringify(ev));
    const event = parseEvent(bytes, `${u.toString()} events[${i}]`);
    const message: BusMessage = { messageId: event.eventId, body: bytes, contentType: 'application/json' };
    await deps.bus.send(to, message);
  }
  const next = typeof doc.cursor === 'string' ? doc.cursor : cursor;
  // stored only after every event was sent: a crash before this resends them (at-least-once)
  if (next !== null) await deps.partitions.blobs.put(CURSOR_PATH, JSON.stringify({ cursor: next }), 'application/json');
  return { sent: doc.events.length, cursor: next };
}

// ---- consume

/** Stores one received event in its receipt hour; throws SourceFormatError for a poison message. */
export async function storeRawEvent(
  deps: { partitions: PartitionStore },
  message: BusMessage,
  receivedAt: Date,
): Promise<string> {
  const event = parseEvent(message.body, `message ${message.messageId}`);
  const path = `${rawPath(STREAM_SOURCE, dayOf(receivedAt.getTime()), receivedAt.getUTCHours())}/${event.eventId}.json`;
  await deps.partitions.blobs.put(path, message.body, 'application/json');
  return path;
}

// ---- compact

interface Rows {
  eventId: string[];
  region: string[];
  occurredAt: string[];
  interestMilli: number[];
}
const emptyRows = (): Rows => ({ eventId: [], region: [], occurredAt: [], interestMilli: [] });

async function readCurated(partitions: PartitionStore, path: string): Promise<Rows> {
  const rows = emptyRows();
  const read = await partitions.read(path);
  if (!read) return rows;
  const t = parquetToTable(read.files.get('part-0.parquet') as Buffer);
  rows.eventId = t.getChild('event_id')?.toArray() as string[];
  rows.region = t.getChild('region')?.toArray() as string[];
  rows.occurredAt = t.getChild('occurred_at')?.toArray() as string[];
  rows.interestMilli = (t.getChild('interest')?.toArray() as string[]).map((v) => parseScaled(v, SCALE, 12));
  return rows;
}

function rowsToParquet(rows: Rows): Uint8Array {
  return parquetBytes(
    tableOf({
      event_id: stringColumn(rows.eventId),
      region: stringColumn(rows.region),
      occurred_at: stringColumn(rows.occurredAt),
      interest: stringColumn(rows.interestMilli.map((v) => formatScaled(v, SCALE))),
    }),
  );
}

export async function compactHour(
  deps: { partitions: PartitionStore },
  day: string,
  hour: number,
): Promise<{ events: number; added: number; duplicates: number; touchedDays: string[] }> {
  const prefix = `${rawPath(STREAM_SOURCE, day, hour)}/`;
  const byTarget = new Map<string, StreamEvent[]>();
  let events = 0;
  for (const path of await deps.partitions.blobs.list(prefix)) {
    const bytes = await deps.partitions.blobs.get(path);
    if (!bytes) continue;
    const ev = parseEvent(bytes, path);
    events++;
    const at = parseInstant(ev.occurredAt) as number;
    const key = `${dayOf(at)}|${String(new Date(at).getUTCHours()).padStart(2, '0')}`;
    let list = byTarget.get(key);
    if (!list) byTarget.set(key, (list = []));
    list.push(ev);
  }
  let added = 0;
  let duplicates = 0;
  const touched = new Set<string>();
  for (const [key, list] of [...byTarget].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const [d, hh] = key.split('|');
    const path = curatedPath(STREAM_DATASETS.events, d, [['hour', hh]]);
    const rows = await readCurated(deps.partitions, path);
    const seen = new Set(rows.eventId);
    let changed = false;
    for (const ev of list.sort((a, b) => (a.eventId < b.eventId ? -1 : 1))) {
      if (seen.has(ev.eventId)) {
        duplicates++;
        continue;
      }
      seen.add(ev.eventId);
      rows.eventId.push(ev.eventId);
      rows.region.push(ev.region);
      rows.occurredAt.push(new Date(parseInstant(ev.occurredAt) as number).toISOString());
      rows.interestMilli.push(parseScaled(ev.interest, SCALE, 12));
      added++;
      changed = true;
    }
    if (!changed) continue;
    await deps.partitions.replace(path, [{ name: 'part-0.parquet', bytes: rowsToParquet(rows) }], {
      rows: rows.eventId.length,
    });
    touched.add(d);
  }
  for (const d of [...touched].sort()) await refreshInterest(deps, d);
  if (touched.size > 0) await refreshRegions(deps, [...touched].sort()[0], day);
  return { events, added, duplicates, touchedDays: [...touched].sort() };
}

async function refreshInterest(deps: { partitions: PartitionStore }, d: string): Promise<void> {
  const sums = new Map<string, { milli: number; events: number }>();
  for (const p of await deps.partitions.partitions(`${curatedPath(STREAM_DATASETS.events, d)}/`)) {
    const rows = await readCurated(deps.partitions, p);
    rows.region.forEach((r, i) => {
      const s = sums.get(r) ?? { milli: 0, events: 0 };
      s.milli += rows.interestMilli[i];
      s.events++;
      sums.set(r, s);
    });
  }
  const ids = [...sums.keys()].sort();
  await deps.partitions.replace(operationalPath(STREAM_DATASETS.interest, d), [
    {
      name: 'part-0.parquet',
      bytes: parquetBytes(
        tableOf({
          region: stringColumn(ids),
          interest: stringColumn(ids.map((id) => formatScaled(sums.get(id)!.milli, SCALE))),
          events: arrow.vectorFromArray(Int32Array.from(ids, (id) => sums.get(id)!.events)).data[0],
        }),
      ),
    },
  ]);
}

/** regions as of each day from `from` to `to`: the previous day's list plus that day's new regions. */
async function refreshRegions(deps: { partitions: PartitionStore }, from: string, to: string): Promise<void> {
  const last = to < from ? from : to;
  const prev = await deps.partitions.read(operationalPath(STREAM_DATASETS.regions, addDays(from, -1)));
  const firstSeen = new Map<string, string>();
  if (prev) {
    const t = parquetToTable(prev.files.get('part-0.parquet') as Buffer);
    const ids = t.getChild('region')?.toArray() as string[];
    const seen = t.getChild('first_seen')?.toArray() as string[];
    ids.forEach((id, i) => firstSeen.set(id, seen[i]));
  }
  for (let d = from; d <= last; d = addDays(d, 1)) {
    const interest = await deps.partitions.read(operationalPath(STREAM_DATASETS.interest, d));
    if (interest) {
      const t = parquetToTable(interest.files.get('part-0.parquet') as Buffer);
      for (const id of t.getChild('region')?.toArray() as string[]) if (!firstSeen.has(id)) firstSeen.set(id, d);
    }
    if (firstSeen.size === 0) continue;
    const ids = [...firstSeen.keys()].sort();
    await deps.partitions.replace(operationalPath(STREAM_DATASETS.regions, d), [
      {
        name: 'part-0.parquet',
        bytes: parquetBytes(
          tableOf({ region: stringColumn(ids), first_seen: stringColumn(ids.map((id) => firstSeen.get(id)!)) }),
        ),
      },
    ]);
  }
}
