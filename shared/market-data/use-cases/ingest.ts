/**
 * Market data ingestion: fetch a range of one source (every response archived raw first),
 * normalise, store the new and revised rows in the curated lake. The hourly timer
 * (ingestLatest) and the backfill chunks (backfill.ts) both go through ingestRange.
 */
import type { BlobStore } from '../../storage/blob-store';
import type { HttpGetOptions } from '../http-get';
import { localMidnight, localParts } from '../../domain/local-time';
import { MarketDataLake } from '../market-data-lake';
import { archiveResponse } from '../raw-archive';
import type { MarketRows } from '../rows';
import { EDS_DATASETS, EDS_SOURCE, fetchEdsDataset, priceDatasets } from '../sources/energidataservice';
import { fetchSmardPrices } from '../sources/smard';
import type { MarketDataSource } from '../sources/catalog';

export interface MarketDataSettings {
  energiDataServiceUrl: string;
  smardUrl: string;
  httpTimeoutMs: number;
  retryBaseMs: number;
  smardPauseMs: number;
}

export interface MarketDataIngestDeps {
  /** The market data container (raw, curated, operational zones). */
  store: BlobStore;
  settings: MarketDataSettings;
  clock: () => Date;
  /** Retries after the first attempt of each request (default 4). */
  retries?: number;
  /** EDS page size (default 10,000 rows). */
  edsPageLimit?: number;
}

export interface IngestOutcome {
  source: MarketDataSource;
  areas: string[];
  from: string;
  to: string;
  /** Rows the source returned (after clipping to the range). */
  rows: number;
  /** Rows stored: new intervals or revised values. */
  written: number;
  unchanged: number;
  responses: number;
  /** When the last response arrived (the stored rows' fetch time). */
  fetchedAt: string;
}

const DEFAULT_RETRIES = 4;

/** Fetches [fromMs, toMs) of `source` for `areas` and stores it. */
export async function ingestRange(
  deps: MarketDataIngestDeps,
  source: MarketDataSource,
  areas: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<IngestOutcome> {
  const lake = new MarketDataLake(deps.store);
  const http: HttpGetOptions = {
    timeoutMs: deps.settings.httpTimeoutMs,
    retries: deps.retries ?? DEFAULT_RETRIES,
    retryBaseMs: deps.settings.retryBaseMs,
    clock: () => deps.clock().getTime(),
  };
  let responses = 0;
  let lastFetch = deps.clock().getTime();
  const sink = async (r: Parameters<typeof archiveResponse>[2]) => {
    await archiveResponse(deps.store, source, r);
    responses++;
    lastFetch = Math.max(lastFetch, r.fetchedAtMs);
  };
  const batches: MarketRows[] = [];
  if (source === EDS_SOURCE) {
    const opts = { baseUrl: deps.settings.energiDataServiceUrl, http, sink, pageLimit: deps.edsPageLimit };
    for (const p of priceDatasets(fromMs, toMs)) batches.push(await fetchEdsDataset(opts, p.dataset, { ...p, areas }));
    batches.push(await fetchEdsDataset(opts, EDS_DATASETS.CO2Emis, { fromMs, toMs, areas }));
  } else {
    const opts = { baseUrl: deps.settings.smardUrl, http, sink, pauseMs: deps.settings.smardPauseMs };
    for (const region of areas) batches.push(await fetchSmardPrices(opts, { region, fromMs, toMs }));
  }
  // stored only after every response of the range parsed: a malformed page stores nothing half
  let written = 0;
  let unchanged = 0;
  let rows = 0;
  for (const b of batches) {
    const r = await lake.upsert(b, lastFetch);
    written += r.written;
    unchanged += r.unchanged;
    rows += b.startMs.length;
  }
  return {
    source,
    areas: [...areas],
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    rows,
    written,
    unchanged,
    responses,
    fetchedAt: new Date(lastFetch).toISOString(),
  };
}

/** What the hourly timer fetches for a source at `nowMs`. */
export function latestWindow(source: MarketDataSource, nowMs: number): { fromMs: number; toMs: number } {
  const p = localParts(nowMs);
  // day-ahead prices for tomorrow appear around 13:00; yesterday is re-read for revisions
  const dayAfterTomorrow = localMidnight(p.year, p.month, p.day + 2);
  if (source === EDS_SOURCE) return { fromMs: localMidnight(p.year, p.month, p.day - 1), toMs: dayAfterTomorrow };
  // SMARD: the last week (two weekly chunks at most), as SMARD clients re-read the recent weeks
  return { fromMs: localMidnight(p.year, p.month, p.day - 7), toMs: dayAfterTomorrow };
}

export interface TimerOutcome {
  source: MarketDataSource;
  ok: boolean;
  outcome?: IngestOutcome;
  error?: string;
}

/**
 * One tick of the hourly timer: every configured source in turn, each on its own — a source
 * that is down (or sends garbage) is reported and the others are still fetched.
 */
export async function ingestLatest(
  deps: MarketDataIngestDeps,
  sources: ReadonlyArray<{ source: MarketDataSource; areas: readonly string[] }>,
): Promise<TimerOutcome[]> {
  const out: TimerOutcome[] = [];
  for (const s of sources) {
    const w = latestWindow(s.source, deps.clock().getTime());
    try {
      out.push({ source: s.source, ok: true, outcome: await ingestRange(deps, s.source, s.areas, w.fromMs, w.toMs) });
    } catch (e) {
      out.push({ source: s.source, ok: false, error: (e as Error).message });
    }
  }
  return out;
}
