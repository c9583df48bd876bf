/**
 * The 15-year daily weather backfill (issue 15, Case 2), its use cases without the orchestration
 * (functions/durable/weather-backfill.ts decides, these do the I/O):
 *
 * ```
 * raw/open_meteo_archive/day=D/region=r/year=y/response.json   one archive answer as received (D: fetch day)
 * _system/backfills/weather_daily/chunks/region=r/{from}_{to}.json   ledger: that chunk is stored (raw partition, rows)
 * curated/weather_daily/year=y/part-0.parquet                 every region's days of year y, one file
 * _system/backfills/weather_daily/{id}/request.json, result.json
 * ```
 *
 * A chunk is one region × one calendar year (clipped to the request): one request to Open-Meteo's
 * archive API (`/v1/archive?…&start_date=&end_date=&daily=…&timezone=GMT`). Its answer goes to the
 * raw zone and then the ledger; the ledger entry is the "done" mark, written last, so a chunk
 * that died half-way is fetched again and a recorded one never. Once a year's chunks are stored its
 * curated file is rebuilt from the raw answers of every region in the ledger (a day present in
 * two answers: the later fetch wins), so a re-run or a resumed run replaces that one file
 * atomically through its pointer and no row is ever written twice. 15 years × N regions are 15
 * curated files, not 15 × 365 × N.
 */
import { createHash } from 'node:crypto';
import { decimal3Column, parquetBytes, stringColumn, tableOf } from '../../basis-data/parquet/arrow-io';
import type { BlobStore } from '../../storage/blob-store';
import { SourceFormatError } from '../errors';
import type { PartitionStore } from '../partition-store';
import { redactUrl } from '../source-fetch';
import {
  addDays,
  backfillLedgerFolder,
  backfillPath,
  checkDay,
  curatedYearPath,
  dayOf,
  daysBetween,
  rawPartPath,
} from '../zones';
import { fetchOpenMeteo, obj, openMeteoRoot, scaled, type WeatherRegion } from './open-meteo';

export const BACKFILL_DATASET = 'weather_daily';
export const ARCHIVE_SOURCE = 'open_meteo_archive';
/** Daily variables asked for (Open-Meteo's names; they become the curated columns, in thousandths). */
export const DAILY_VARIABLES = [
  'temperature_2m_mean',
  'temperature_2m_max',
  'temperature_2m_min',
  'precipitation_sum',
  'wind_speed_10m_max',
] as const;
export type DailyVariable = (typeof DAILY_VARIABLES)[number];
/**
 * The archive (ERA5) trails today by about five days and answers null for days it does not have
 * yet: a chunk reaching this close to its fetch day is stored but not recorded as done, so the
 * next backfill fetches it again.
 */
export const ARCHIVE_DELAY_DAYS = 7;
/** Longest request: 16 years (a 15-year backfill plus slack). */
export const MAX_BACKFILL_DAYS = 16 * 366;

export interface WeatherChunk {
  region: string;
  latitude: number;
  longitude: number;
  year: number;
  /** First and last day (inclusive), within `year`. */
  from: string;
  to: string;
}

export interface WeatherBackfillRequest {
  id: string;
  dataset: typeof BACKFILL_DATASET;
  /** First and last day, inclusive (Open-Meteo's start_date/end_date). */
  from: string;
  to: string;
  regions: string[];
}

/** Deterministic id of a request (also its orchestration instance id). */
export function weatherBackfillId(from: string, to: string, regions: readonly WeatherRegion[]): string {
  const h = createHash('sha256');
  for (const r of [...regions].sort((a, b) => (a.id < b.id ? -1 : 1)))
    h.update(`${r.id}@${r.latitude},${r.longitude};`);
  return `${BACKFILL_DATASET}-${from}-${to}-${h.digest('hex').slice(0, 8)}`;
}

/** Region × year chunks, year by year (so whole years finish early and their files get written). */
export function planWeatherChunks(from: string, to: string, regions: readonly WeatherRegion[]): WeatherChunk[] {
  const out: WeatherChunk[] = [];
  for (let y = +checkDay(from).slice(0, 4); y <= +checkDay(to).slice(0, 4); y++) {
    const f = `${y}-01-01` < from ? from : `${y}-01-01`;
    const t = `${y}-12-31` > to ? to : `${y}-12-31`;
    for (const r of regions)
      out.push({ region: r.id, latitude: r.latitude, longitude: r.longitude, year: y, from: f, to: t });
  }
  return out;
}

export const weatherChunkKey = (c: Pick<WeatherChunk, 'region' | 'from' | 'to'>): string =>
  `${c.region}/${c.from}_${c.to}`;

export function archiveUrl(baseUrl: string, c: WeatherChunk): string {
  return (
    `${baseUrl}/v1/archive?latitude=${c.latitude}&longitude=${c.longitude}` +
    `&start_date=${c.from}&end_date=${c.to}&daily=${DAILY_VARIABLES.join(',')}&timezone=GMT`
  );
}

/** One answer decoded: a row per day from `from` to `to`; values in thousandths, NaN = null. */
export interface DailySeries {
  days: string[];
  values: Record<DailyVariable, Float64Array>;
}

/** `n` consecutive days from `from` (epoch arithmetic: addDays per day re-validates each and was the backfill's hot spot). */
function dayTexts(from: string, n: number): string[] {
  const start = Date.parse(`${checkDay(from)}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => dayOf(start + i * 86_400_000));
}

/**
 * Validates an archive answer against the chunk it answers: GMT, `daily.time` exactly the days
 * from..to (a shorter answer is refused, not stored as a gap), one value or null per day and variable.
 */
export function decodeArchive(c: Pick<WeatherChunk, 'from' | 'to'>, url: string, body: Buffer): DailySeries {
  const root = openMeteoRoot(url, body);
  const daily = obj(root.daily);
  if (!daily) throw new SourceFormatError(url, 'daily', 'missing');
  const n = daysBetween(c.from, c.to) + 1;
  const time = daily.time;
  if (!Array.isArray(time) || time.length !== n)
    throw new SourceFormatError(url, 'daily.time', `is not an array of the ${n} days ${c.from}..${c.to}`);
  const days = dayTexts(c.from, n);
  for (let i = 0; i < n; i++)
    if (time[i] !== days[i])
      throw new SourceFormatError(url, `daily.time[${i}]`, `${JSON.stringify(time[i])}, expected ${days[i]}`);
  const values = {} as Record<DailyVariable, Float64Array>;
  for (const v of DAILY_VARIABLES) {
    const arr = daily[v];
    if (!Array.isArray(arr) || arr.length !== n)
      throw new SourceFormatError(url, `daily.${v}`, `is not an array of ${n} values (one per daily.time)`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = scaled(arr[i], url, `daily.${v}[${i}]`) ?? NaN;
    values[v] = out;
  }
  return { days, values };
}

// ---- the ledger

export interface WeatherLedgerEntry {
  chunk: WeatherChunk;
  /** The raw partition holding the answer (`response.json`). */
  raw: string;
  rows: number;
  fetchedAt: string;
  /** false: the chunk reached into the archive's delay; the next backfill fetches it again. */
  complete: boolean;
}

const ledgerPath = (c: Pick<WeatherChunk, 'region' | 'from' | 'to'>) =>
  `${backfillLedgerFolder(BACKFILL_DATASET)}region=${c.region}/${c.from}_${c.to}.json`;

/** Every ledger entry's (region, from, to), from the file names alone (one listing). */
async function ledgerRanges(
  blobs: BlobStore,
): Promise<Array<{ region: string; from: string; to: string; path: string }>> {
  const out: Array<{ region: string; from: string; to: string; path: string }> = [];
  for (const path of await blobs.list(backfillLedgerFolder(BACKFILL_DATASET))) {
    const m = /region=([^/]+)\/(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.json$/.exec(path);
    if (m) out.push({ region: m[1], from: m[2], to: m[3], path });
  }
  return out;
}

async function readEntry(blobs: BlobStore, path: string): Promise<WeatherLedgerEntry | null> {
  const b = await blobs.get(path);
  return b ? (JSON.parse(b.toString('utf8')) as WeatherLedgerEntry) : null;
}

/** Which of `chunks` are stored completely (a complete ledger entry of the region covers its days). */
export async function storedWeatherChunks(blobs: BlobStore, chunks: readonly WeatherChunk[]): Promise<boolean[]> {
  const ranges = await ledgerRanges(blobs);
  const complete = new Map<string, boolean>();
  const out: boolean[] = [];
  for (const c of chunks) {
    let stored = false;
    for (const r of ranges) {
      if (r.region !== c.region || r.from > c.from || r.to < c.to) continue;
      let ok = complete.get(r.path);
      if (ok === undefined) complete.set(r.path, (ok = (await readEntry(blobs, r.path))?.complete === true));
      if (ok) {
        stored = true;
        break;
      }
    }
    out.push(stored);
  }
  return out;
}

export interface WeatherBackfillDeps {
  partitions: PartitionStore;
  archiveUrl: string;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  retry: { attempts: number; backoffMs: number; timeoutMs: number };
}

export interface WeatherChunkResult {
  key: string;
  region: string;
  year: number;
  rows: number;
  complete: boolean;
}

/** Fetches one chunk (retried), stores the answer raw, then records it in the ledger. */
export async function fetchWeatherChunk(deps: WeatherBackfillDeps, chunk: WeatherChunk): Promise<WeatherChunkResult> {
  const url = archiveUrl(deps.archiveUrl, chunk);
  const body = await fetchOpenMeteo(url, { ...deps.retry, sleep: deps.sleep });
  // decoded before storing: an answer we could not use later is refused now, naming the field
  const series = decodeArchive(chunk, redactUrl(url), body);
  const now = deps.clock();
  const fetchDay = dayOf(now.getTime());
  const raw = rawPartPath(ARCHIVE_SOURCE, fetchDay, [
    ['region', chunk.region],
    ['year', String(chunk.year)],
  ]);
  await deps.partitions.replace(raw, [{ name: 'response.json', bytes: body, contentType: 'application/json' }], {
    url: redactUrl(url),
    from: chunk.from,
    to: chunk.to,
  });
  const complete = chunk.to <= addDays(fetchDay, -ARCHIVE_DELAY_DAYS);
  const entry: WeatherLedgerEntry = { chunk, raw, rows: series.days.length, fetchedAt: now.toISOString(), complete };
  await deps.partitions.blobs.put(ledgerPath(chunk), JSON.stringify(entry), 'application/json');
  return { key: weatherChunkKey(chunk), region: chunk.region, year: chunk.year, rows: series.days.length, complete };
}

export interface WeatherYearResult {
  year: number;
  rows: number;
  regions: number;
  /** Regions of the request without any stored day in this year (their chunk failed). */
  missing: string[];
  version: string | null;
  changed: boolean;
}

/**
 * Rebuilds `curated/weather_daily/year=Y` from every ledger entry overlapping Y (all regions ever
 * backfilled, not only the request's: rewriting the file must not withdraw another request's
 * regions). Rows sorted by region and day; one row per (region, day).
 */
export async function writeWeatherYear(
  deps: Pick<WeatherBackfillDeps, 'partitions'>,
  year: number,
  requestRegions: readonly string[],
): Promise<WeatherYearResult> {
  const first = `${year}-01-01`;
  const last = `${year}-12-31`;
  const entries: WeatherLedgerEntry[] = [];
  for (const r of await ledgerRanges(deps.partitions.blobs)) {
    if (r.to < first || r.from > last) continue;
    const e = await readEntry(deps.partitions.blobs, r.path);
    if (e) entries.push(e);
  }
  // per region: day index in the year → (fetchedAt, values); the latest fetch of a day wins
  const yearDays = daysBetween(first, last) + 1;
  const byRegion = new Map<string, { at: string[]; values: Record<DailyVariable, Float64Array> }>();
  for (const e of entries.sort((a, b) => (a.fetchedAt < b.fetchedAt ? -1 : a.fetchedAt > b.fetchedAt ? 1 : 0))) {
    const read = await deps.partitions.read(e.raw);
    const body = read?.files.get('response.json');
    if (!body) continue; // its raw partition was removed: the chunk counts as missing
    const series = decodeArchive(e.chunk, e.raw, body);
    let reg = byRegion.get(e.chunk.region);
    if (!reg) {
      const values = {} as Record<DailyVariable, Float64Array>;
      for (const v of DAILY_VARIABLES) values[v] = new Float64Array(yearDays).fill(NaN);
      byRegion.set(e.chunk.region, (reg = { at: new Array<string>(yearDays).fill(''), values }));
    }
    // series.days are consecutive from the chunk's first day: index in the year by offset
    const offset = series.days.length > 0 ? daysBetween(first, series.days[0]) : 0;
    for (let i = 0; i < series.days.length; i++) {
      const at = offset + i;
      if (at < 0 || at >= yearDays) continue;
      reg.at[at] = e.fetchedAt;
      for (const v of DAILY_VARIABLES) reg.values[v][at] = series.values[v][i];
    }
  }
  const missing = requestRegions.filter((r) => !byRegion.has(r));
  const regions = [...byRegion.keys()].sort();
  const region: string[] = [];
  const date: string[] = [];
  const fetchedAt: string[] = [];
  const cols = Object.fromEntries(DAILY_VARIABLES.map((v) => [v, [] as number[]])) as Record<DailyVariable, number[]>;
  const yearDayTexts = dayTexts(first, yearDays);
  for (const id of regions) {
    const reg = byRegion.get(id) as { at: string[]; values: Record<DailyVariable, Float64Array> };
    for (let i = 0; i < yearDays; i++) {
      if (reg.at[i] === '') continue;
      region.push(id);
      date.push(yearDayTexts[i]);
      fetchedAt.push(reg.at[i]);
      for (const v of DAILY_VARIABLES) cols[v].push(reg.values[v][i]);
    }
  }
  if (region.length === 0) return { year, rows: 0, regions: 0, missing, version: null, changed: false };
  const data: Parameters<typeof tableOf>[0] = {
    region: stringColumn(region),
    date: stringColumn(date),
  };
  for (const v of DAILY_VARIABLES) {
    const milli = Float64Array.from(cols[v]);
    data[v] = decimal3Column(
      milli,
      Uint8Array.from(milli, (x) => (Number.isNaN(x) ? 1 : 0)),
    );
  }
  data.fetched_at = stringColumn(fetchedAt);
  const { version, changed } = await deps.partitions.replace(
    curatedYearPath(BACKFILL_DATASET, year),
    [{ name: 'part-0.parquet', bytes: parquetBytes(tableOf(data)) }],
    { rows: region.length, regions: regions.length },
  );
  return { year, rows: region.length, regions: regions.length, missing, version, changed };
}

// ---- request and result records

export interface WeatherBackfillResult {
  id: string;
  finishedAt: string;
  chunks: number;
  skipped: number;
  fetched: number;
  failed: Array<{ key: string; error: string }>;
  years: WeatherYearResult[];
}

export interface WeatherCoverage {
  chunks: number;
  stored: number;
}

export async function weatherCoverage(blobs: BlobStore, chunks: readonly WeatherChunk[]): Promise<WeatherCoverage> {
  const stored = await storedWeatherChunks(blobs, chunks);
  return { chunks: chunks.length, stored: stored.filter(Boolean).length };
}

async function readJson<T>(blobs: BlobStore, path: string): Promise<T | null> {
  const b = await blobs.get(path);
  return b ? (JSON.parse(b.toString('utf8')) as T) : null;
}

export const readWeatherBackfillRequest = (blobs: BlobStore, id: string) =>
  readJson<WeatherBackfillRequest & { requestedAt: string }>(blobs, backfillPath(BACKFILL_DATASET, id, 'request.json'));
export const readWeatherBackfillResult = (blobs: BlobStore, id: string) =>
  readJson<WeatherBackfillResult>(blobs, backfillPath(BACKFILL_DATASET, id, 'result.json'));

export async function writeWeatherBackfillRequest(
  blobs: BlobStore,
  req: WeatherBackfillRequest,
  requestedAt: string,
): Promise<void> {
  await blobs.put(
    backfillPath(BACKFILL_DATASET, req.id, 'request.json'),
    JSON.stringify({ ...req, requestedAt }),
    'application/json',
  );
  // a new run of the request replaces the previous run's result
  await blobs.delete(backfillPath(BACKFILL_DATASET, req.id, 'result.json'));
}

export async function writeWeatherBackfillResult(blobs: BlobStore, result: WeatherBackfillResult): Promise<void> {
  await blobs.put(backfillPath(BACKFILL_DATASET, result.id, 'result.json'), JSON.stringify(result), 'application/json');
}
