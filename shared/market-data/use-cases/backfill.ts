/**
 * Backfill of a date range: planned as chunks (EDS: one Danish local month per area; SMARD: one
 * Europe/Berlin week per region — SMARD's own chunk), each fetched and stored by an activity. A
 * chunk whose range lay wholly in the past when it was fetched is recorded in the chunk ledger
 * after its rows are stored; a restarted or repeated backfill skips recorded chunks, and a
 * request whose chunks are all recorded is answered from the ledger.
 */
import { localMidnight, localParts } from '../../domain/local-time';
import type { BlobStore } from '../../storage/blob-store';
import { backfillPath, chunkLedgerFolder, chunkLedgerPath } from '../lake-paths';
import type { MarketDataSource } from '../sources/catalog';
import { ingestRange, type IngestOutcome, type MarketDataIngestDeps } from './ingest';

export interface MarketDataChunk {
  source: MarketDataSource;
  area: string;
  fromMs: number;
  toMs: number;
}

export interface BackfillRequest {
  id: string;
  source: MarketDataSource;
  /** Danish local dates, `to` exclusive. */
  from: string;
  to: string;
  areas: string[];
}

/** Deterministic id of a backfill request (also its orchestration instance id). */
export const backfillId = (source: MarketDataSource, from: string, to: string, areas: readonly string[]): string =>
  `market-${source}-${from}-${to}-${[...areas].sort().join('.')}`;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Local midnight starting a `YYYY-MM-DD` Danish date, or null for a date that does not exist. */
export function localDateStart(date: string): number | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = localMidnight(y, mo, d);
  const p = localParts(ms);
  return p.month === mo && p.day === d ? ms : null;
}

/** Monday 00:00 local time of the week containing `ms` (SMARD chunk starts; Berlin = Copenhagen time). */
function weekStart(ms: number): number {
  const p = localParts(ms);
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay(); // 0 = Sunday
  return localMidnight(p.year, p.month, p.day - ((weekday + 6) % 7));
}

/** The chunks of a backfill, in time order per area. */
export function planChunks(
  source: MarketDataSource,
  fromMs: number,
  toMs: number,
  areas: readonly string[],
): MarketDataChunk[] {
  const out: MarketDataChunk[] = [];
  for (const area of areas) {
    let t =
      source === 'smard' ? weekStart(fromMs) : localMidnight(localParts(fromMs).year, localParts(fromMs).month, 1);
    while (t < toMs) {
      const p = localParts(t);
      const next =
        source === 'smard' ? localMidnight(p.year, p.month, p.day + 7) : localMidnight(p.year, p.month + 1, 1);
      out.push({ source, area, fromMs: Math.max(t, fromMs), toMs: Math.min(next, toMs) });
      t = next;
    }
  }
  return out;
}

export const chunkKey = (c: MarketDataChunk): string => `${c.fromMs}-${c.toMs}`;

export interface LedgerEntry {
  chunk: MarketDataChunk;
  outcome: IngestOutcome;
}

/** Stored (complete) ranges of a source and area, from the ledger's file names. */
async function ledgerRanges(store: BlobStore, source: string, area: string): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  for (const p of await store.list(chunkLedgerFolder(source, area))) {
    const m = /\/(\d+)-(\d+)\.json$/.exec(p);
    if (m) out.push([+m[1], +m[2]]);
  }
  return out;
}

/** Which of `chunks` are already stored completely (covered by ledger entries). */
export async function storedChunks(store: BlobStore, chunks: readonly MarketDataChunk[]): Promise<boolean[]> {
  const cache = new Map<string, Array<[number, number]>>();
  const out: boolean[] = [];
  for (const c of chunks) {
    const k = `${c.source}|${c.area}`;
    let ranges = cache.get(k);
    if (!ranges) cache.set(k, (ranges = await ledgerRanges(store, c.source, c.area)));
    out.push(ranges.some(([f, t]) => f <= c.fromMs && c.toMs <= t));
  }
  return out;
}

export interface ChunkResult {
  key: string;
  area: string;
  complete: boolean;
  outcome: IngestOutcome;
}

/** Fetches and stores one chunk; records it in the ledger when its range was wholly in the past. */
export async function ingestChunk(deps: MarketDataIngestDeps, chunk: MarketDataChunk): Promise<ChunkResult> {
  const outcome = await ingestRange(deps, chunk.source, [chunk.area], chunk.fromMs, chunk.toMs);
  // a range reaching into the future is not complete: tomorrow's prices, null tails
  const complete = chunk.toMs <= Date.parse(outcome.fetchedAt);
  if (complete)
    await deps.store.put(
      chunkLedgerPath(chunk.source, chunk.area, chunkKey(chunk)),
      JSON.stringify({ chunk, outcome } satisfies LedgerEntry),
      'application/json',
    );
  return { key: chunkKey(chunk), area: chunk.area, complete, outcome };
}

export interface BackfillResult {
  id: string;
  finishedAt: string;
  chunks: number;
  skipped: number;
  fetched: number;
  failed: Array<{ key: string; area: string; error: string }>;
}

export interface Coverage {
  chunks: number;
  stored: number;
  /** Stored ranges as UTC instants, merged per area. */
  ranges: Array<{ area: string; from: string; to: string }>;
}

/** What of a request's chunks is stored. */
export async function coverage(store: BlobStore, chunks: readonly MarketDataChunk[]): Promise<Coverage> {
  const stored = await storedChunks(store, chunks);
  const ranges: Array<{ area: string; fromMs: number; toMs: number }> = [];
  chunks.forEach((c, i) => {
    if (!stored[i]) return;
    const last = ranges[ranges.length - 1];
    if (last && last.area === c.area && last.toMs === c.fromMs) last.toMs = c.toMs;
    else ranges.push({ area: c.area, fromMs: c.fromMs, toMs: c.toMs });
  });
  return {
    chunks: chunks.length,
    stored: stored.filter(Boolean).length,
    ranges: ranges.map((r) => ({
      area: r.area,
      from: new Date(r.fromMs).toISOString(),
      to: new Date(r.toMs).toISOString(),
    })),
  };
}

export async function readJson<T>(store: BlobStore, path: string): Promise<T | null> {
  const b = await store.get(path);
  return b ? (JSON.parse(b.toString('utf8')) as T) : null;
}

export const readBackfillRequest = (store: BlobStore, id: string) =>
  readJson<BackfillRequest & { requestedAt: string }>(store, backfillPath(id, 'request.json'));
export const readBackfillResult = (store: BlobStore, id: string) =>
  readJson<BackfillResult>(store, backfillPath(id, 'result.json'));

export async function writeBackfillResult(store: BlobStore, result: BackfillResult): Promise<void> {
  await store.put(backfillPath(result.id, 'result.json'), JSON.stringify(result), 'application/json');
}
