/**
 * Energi Data Service client (reference: catalog-smard-style.md §B.2). `start`/`end` are sent as
 * Danish local wall-clock `yyyy-MM-ddTHH:mm`, results are paged with offset/limit until `total`,
 * `*UTC` fields arrive without a zone suffix and are read as UTC. Every response goes to the
 * sink (raw archive) before it is parsed; parsing is strict and names the URL and field.
 */
import { z } from 'zod';
import { localParts } from '../../domain/local-time';
import { microOf } from '../decimal6';
import { MarketDataFormatError } from '../errors';
import { httpGet, type FetchedResponse, type HttpGetOptions } from '../http-get';
import type { MarketDataKind } from '../market-series';
import { MarketRowsBuilder, type MarketRows } from '../rows';
import type { ResponseSink } from '../raw-archive';
import { QUARTER_HOUR_MTU_FROM_MS } from './catalog';

export const EDS_SOURCE = 'energidataservice';

interface ValueColumn {
  column: string;
  unit: string;
}
export interface EdsDataset {
  name: 'Elspotprices' | 'DayAheadPrices' | 'CO2Emis';
  kind: MarketDataKind;
  timeColumn: string;
  minutes: number;
  values: readonly ValueColumn[];
  /** The instants the dataset is used for (ours: the 2025-10-01 MTU seam). */
  validFromMs: number;
  validToMs: number;
}

export const EDS_DATASETS: Readonly<Record<EdsDataset['name'], EdsDataset>> = {
  Elspotprices: {
    name: 'Elspotprices',
    kind: 'day_ahead_price',
    timeColumn: 'HourUTC',
    minutes: 60,
    values: [
      { column: 'SpotPriceEUR', unit: 'EUR/MWh' },
      { column: 'SpotPriceDKK', unit: 'DKK/MWh' },
    ],
    validFromMs: -Infinity,
    validToMs: QUARTER_HOUR_MTU_FROM_MS, // not updated after 2025-09-30 (its own metadata)
  },
  DayAheadPrices: {
    name: 'DayAheadPrices',
    kind: 'day_ahead_price',
    timeColumn: 'TimeUTC',
    minutes: 15,
    values: [
      { column: 'DayAheadPriceEUR', unit: 'EUR/MWh' },
      { column: 'DayAheadPriceDKK', unit: 'DKK/MWh' },
    ],
    validFromMs: QUARTER_HOUR_MTU_FROM_MS,
    validToMs: Infinity,
  },
  CO2Emis: {
    name: 'CO2Emis',
    kind: 'co2_intensity',
    timeColumn: 'Minutes5UTC',
    minutes: 5,
    values: [{ column: 'CO2Emission', unit: 'g/kWh' }],
    validFromMs: -Infinity,
    validToMs: Infinity,
  },
};

/** The price datasets covering [from, to), each with the part of the range it serves. */
export function priceDatasets(
  fromMs: number,
  toMs: number,
): Array<{ dataset: EdsDataset; fromMs: number; toMs: number }> {
  const out: Array<{ dataset: EdsDataset; fromMs: number; toMs: number }> = [];
  for (const d of [EDS_DATASETS.Elspotprices, EDS_DATASETS.DayAheadPrices]) {
    const f = Math.max(fromMs, d.validFromMs);
    const t = Math.min(toMs, d.validToMs);
    if (f < t) out.push({ dataset: d, fromMs: f, toMs: t });
  }
  return out;
}

export interface EdsClientOptions {
  baseUrl: string;
  http: HttpGetOptions;
  /** Rows per page (`limit`); the API pages until `total`. */
  pageLimit?: number;
  sink: ResponseSink;
}

const DEFAULT_PAGE_LIMIT = 10_000;
const HOUR_MS = 3_600_000;

/** `yyyy-MM-ddTHH:mm` in Danish local time (the API's documented `start`/`end` format). */
export function danishLocal(ms: number): string {
  const p = localParts(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

const UTC_NO_ZONE_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?Z?$/;

/** `2025-10-11T12:00:00` (no zone, as EDS sends it) or with `Z` → epoch ms as UTC. */
export function parseEdsUtc(text: string): number | null {
  const m = UTC_NO_ZONE_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0'] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const back = new Date(ms);
  // rejects 2025-02-30 and 25:00, which Date.UTC would roll over
  return back.getUTCDate() === +d && back.getUTCHours() === +h && back.getUTCMonth() === +mo - 1 ? ms : null;
}

const envelopeSchema = z.object({
  total: z.number().int().nonnegative(),
  records: z.array(z.record(z.string(), z.unknown())),
});

function parseJson(r: FetchedResponse): unknown {
  try {
    return JSON.parse(r.body.toString('utf8')) as unknown;
  } catch (e) {
    throw new MarketDataFormatError(r.url, '(body)', `not JSON: ${(e as Error).message}`);
  }
}

function zodField(issues: z.core.$ZodIssue[]): { field: string; message: string } {
  const i = issues[0];
  return {
    field: i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, ''),
    message: i.message,
  };
}

/**
 * Rows of `dataset` for `areas` with interval start in [fromMs, toMs). The query window is one
 * hour wider on each side: Danish wall-clock time is ambiguous in the autumn DST hour, and how
 * the API resolves `02:30` there is not documented; the rows are clipped to the exact UTC range.
 */
export async function fetchEdsDataset(
  opts: EdsClientOptions,
  dataset: EdsDataset,
  range: { fromMs: number; toMs: number; areas: readonly string[] },
): Promise<MarketRows> {
  const out = new MarketRowsBuilder(EDS_SOURCE, dataset.kind);
  const fromMs = Math.max(range.fromMs, dataset.validFromMs);
  const toMs = Math.min(range.toMs, dataset.validToMs);
  if (fromMs >= toMs || range.areas.length === 0) return out.build();
  const limit = opts.pageLimit ?? DEFAULT_PAGE_LIMIT;
  const base = new URL(`${opts.baseUrl}/dataset/${dataset.name}`);
  base.searchParams.set('start', danishLocal(fromMs - HOUR_MS));
  base.searchParams.set('end', danishLocal(toMs + HOUR_MS));
  base.searchParams.set('filter', JSON.stringify({ PriceArea: [...range.areas] }));
  base.searchParams.set('columns', [dataset.timeColumn, 'PriceArea', ...dataset.values.map((v) => v.column)].join(','));
  // a stable order is what makes offset paging see every row exactly once
  base.searchParams.set('sort', `${dataset.timeColumn} asc,PriceArea asc`);
  base.searchParams.set('limit', String(limit));
  const wanted = new Set(range.areas);
  let offset = 0;
  for (;;) {
    const u = new URL(base);
    u.searchParams.set('offset', String(offset));
    const res = await httpGet(u.toString(), opts.http);
    await opts.sink(res);
    if (res.status === 404) break; // no such dataset / no data
    const env = envelopeSchema.safeParse(parseJson(res));
    if (!env.success) {
      const { field, message } = zodField(env.error.issues);
      throw new MarketDataFormatError(res.url, field, message);
    }
    const { records, total } = env.data;
    records.forEach((rec, i) => parseRecord(res.url, dataset, rec, offset + i, out, wanted, fromMs, toMs));
    offset += records.length;
    if (offset >= total || records.length < limit) break;
    if (records.length === 0)
      throw new MarketDataFormatError(res.url, 'records', `empty page at offset ${offset} while total is ${total}`);
  }
  return out.build();
}

function parseRecord(
  url: string,
  dataset: EdsDataset,
  rec: Record<string, unknown>,
  index: number,
  out: MarketRowsBuilder,
  wanted: ReadonlySet<string>,
  fromMs: number,
  toMs: number,
): void {
  const field = (c: string) => `records[${index}].${c}`;
  const t = rec[dataset.timeColumn];
  if (typeof t !== 'string')
    throw new MarketDataFormatError(
      url,
      field(dataset.timeColumn),
      `expected a datetime string, got ${JSON.stringify(t)}`,
    );
  const start = parseEdsUtc(t);
  if (start === null) throw new MarketDataFormatError(url, field(dataset.timeColumn), `'${t}' is not a datetime`);
  if (start % (dataset.minutes * 60_000) !== 0)
    throw new MarketDataFormatError(
      url,
      field(dataset.timeColumn),
      `'${t}' is not on a ${dataset.minutes}-minute boundary`,
    );
  const area = rec.PriceArea;
  if (typeof area !== 'string' || area === '')
    throw new MarketDataFormatError(url, field('PriceArea'), `expected a price area, got ${JSON.stringify(area)}`);
  if (!wanted.has(area) || start < fromMs || start >= toMs) return; // outside what we asked (the widened window)
  for (const v of dataset.values) {
    const raw = rec[v.column];
    if (raw === null) continue; // not published (yet): absent, never 0
    if (raw === undefined) throw new MarketDataFormatError(url, field(v.column), 'missing');
    if (typeof raw !== 'number')
      throw new MarketDataFormatError(url, field(v.column), `expected a number or null, got ${JSON.stringify(raw)}`);
    const micro = microOf(raw);
    if (typeof micro === 'string') throw new MarketDataFormatError(url, field(v.column), micro);
    out.add(area, v.unit, start, dataset.minutes, micro);
  }
}
