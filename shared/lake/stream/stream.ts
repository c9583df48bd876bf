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
import { parquetBytes, stringColumn, tableOf, utf8Column, utf8Values } from '../../basis-data/parquet/arrow-io';
import { parseScaled, formatScaled } from '../../decimal/scaled';
import { isInstantInRange, parseInstant } from '../../domain/time';
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

/** One curated hour partition's rows, column by column (interest as its stored decimal text). */
interface Rows {
  eventId: string[];
  region: string[];
  occurredAt: string[];
  interest: string[];
}
const emptyRows = (): Rows => ({ eventId: [], region: [], occurredAt: [], interest: [] });

/** Per region: Σ interest (thousandths) and events; kept in a curated hour's pointer (see compactHour). */
type RegionSums = Record<string, [milli: number, events: number]>;
const SUMS_META = 'interestByRegion';

async function readCurated(partitions: PartitionStore, path: string): Promise<{ rows: Rows; sums: RegionSums | null }> {
  const read = await partitions.read(path);
  if (!read) return { rows: emptyRows(), sums: {} };
  const t = parquetToTable(read.files.get('part-0.parquet') as Buffer);
  const meta = read.pointer.meta[SUMS_META];
  return {
    rows: {
      // written by rowsToParquet: no nulls
      eventId: utf8Values(t.getChild('event_id')) as string[],
      region: utf8Values(t.getChild('region')) as string[],
      occurredAt: utf8Values(t.getChild('occurred_at')) as string[],
      interest: utf8Values(t.getChild('interest')) as string[],
    },
    // partitions written before the sums were kept have none: recomputed from their rows
    sums: typeof meta === 'string' ? (JSON.parse(meta) as RegionSums) : null,
  };
}

function sumsOf(rows: Rows): RegionSums {
  const sums: RegionSums = {};
  for (let i = 0; i < rows.region.length; i++) {
    const s = (sums[rows.region[i]] ??= [0, 0]);
    s[0] += parseScaled(rows.interest[i], SCALE, 12);
    s[1]++;
  }
  return sums;
}

function rowsToParquet(rows: Rows): Uint8Array {
  return parquetBytes(
    tableOf({
      event_id: utf8Column(rows.eventId),
      region: utf8Column(rows.region),
      occurred_at: utf8Column(rows.occurredAt),
      interest: utf8Column(rows.interest),
    }),
  );
}

const EVENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}$/;
const REGION_RE = /^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/;

/** A raw hour's events as columns, by the hour they occurred in (epoch hour). */
interface Pending {
  eventId: string[];
  region: string[];
  /** The instant as stored in curated: UTC, milliseconds, `Z`. */
  occurredAt: string[];
  milli: number[];
}

/**
 * `occurredAt` → [epoch ms, canonical text], or null. The form producers send (and curated
 * stores), `YYYY-MM-DDTHH:MM:SS.sssZ`, is checked by its round trip through Date instead of the
 * generic ISO-8601 parser (a third of the per-event time); any other form goes through that parser.
 */
function occurredInstant(text: string): [number, string] | null {
  if (text.length === 24 && text.charCodeAt(23) === 90) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms) && isInstantInRange(ms) && new Date(ms).toISOString() === text) return [ms, text];
  }
  const ms = parseInstant(text);
  return ms === null ? null : [ms, new Date(ms).toISOString()];
}

/**
 * Reads one stored event into `into` with the schema's rules checked by hand (a million events a
 * day: zod per event was most of the compaction's time); anything that does not pass goes through
 * the schema, which throws naming the field.
 */
function addRawEvent(bytes: Uint8Array, where: string, byHour: Map<number, Pending>): void {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    doc = undefined;
  }
  const ev = doc as Record<string, unknown> | null | undefined;
  if (ev && typeof ev === 'object') {
    const { eventId, region, occurredAt, interest } = ev;
    if (
      typeof eventId === 'string' &&
      typeof region === 'string' &&
      typeof occurredAt === 'string' &&
      typeof interest === 'string' &&
      EVENT_ID_RE.test(eventId) &&
      REGION_RE.test(region)
    ) {
      const at = occurredInstant(occurredAt);
      let milli: number | null = null;
      try {
        milli = parseScaled(interest, SCALE, 12);
      } catch {
        milli = null;
      }
      if (at !== null && milli !== null) {
        const hour = Math.floor(at[0] / 3_600_000);
        let p = byHour.get(hour);
        if (!p) byHour.set(hour, (p = { eventId: [], region: [], occurredAt: [], milli: [] }));
        p.eventId.push(eventId);
        p.region.push(region);
        p.occurredAt.push(at[1]);
        p.milli.push(milli);
        return;
      }
    }
  }
  parseEvent(bytes, where); // throws the schema's error for the field at fault
  throw new SourceFormatError(where, '(body)', 'not a stream event');
}

export async function compactHour(
  deps: { partitions: PartitionStore },
  day: string,
  hour: number,
): Promise<{ events: number; added: number; duplicates: number; touchedDays: string[] }> {
  const prefix = `${rawPath(STREAM_SOURCE, day, hour)}/`;
  const byHour = new Map<number, Pending>();
  let events = 0;
  for (const path of await deps.partitions.blobs.list(prefix)) {
    const bytes = await deps.partitions.blobs.get(path);
    if (!bytes) continue;
    addRawEvent(bytes, path, byHour);
    events++;
  }
  let added = 0;
  let duplicates = 0;
  const touched = new Set<string>();
  for (const epochHour of [...byHour.keys()].sort((a, b) => a - b)) {
    const p = byHour.get(epochHour) as Pending;
    const d = dayOf(epochHour * 3_600_000);
    const hh = String(epochHour % 24).padStart(2, '0');
    const path = curatedPath(STREAM_DATASETS.events, d, [['hour', hh]]);
    const { rows, sums: stored } = await readCurated(deps.partitions, path);
    const sums = stored ?? sumsOf(rows);
    const seen = new Set(rows.eventId);
    const order = Array.from(p.eventId.keys()).sort((a, b) =>
      p.eventId[a] < p.eventId[b] ? -1 : p.eventId[a] > p.eventId[b] ? 1 : 0,
    );
    let changed = false;
    for (const i of order) {
      const id = p.eventId[i];
      // the row already stored wins: a redelivery (same hour or another raw hour) is dropped
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      rows.eventId.push(id);
      rows.region.push(p.region[i]);
      rows.occurredAt.push(p.occurredAt[i]);
      rows.interest.push(formatScaled(p.milli[i], SCALE));
      const s = (sums[p.region[i]] ??= [0, 0]);
      s[0] += p.milli[i];
      s[1]++;
      added++;
      changed = true;
    }
    if (!changed) continue;
    // the per-region sums ride along in the pointer, so the daily aggregate reads 24 pointers, not 24 files
    await deps.partitions.replace(path, [{ name: 'part-0.parquet', bytes: rowsToParquet(rows) }], {
      rows: rows.eventId.length,
      [SUMS_META]: JSON.stringify(sums),
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
    const pointer = await deps.partitions.pointer(p);
    const meta = pointer?.meta[SUMS_META];
    const hourSums =
      typeof meta === 'string'
        ? (JSON.parse(meta) as RegionSums)
        : sumsOf((await readCurated(deps.partitions, p)).rows);
    for (const [r, [milli, events]] of Object.entries(hourSums)) {
      const s = sums.get(r) ?? { milli: 0, events: 0 };
      s.milli += milli;
      s.events += events;
      sums.set(r, s);
    }
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
