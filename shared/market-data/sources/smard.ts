/**
 * SMARD `chart_data` client (reference: catalog-smard-style.md §B.1). The index lists the start
 * of every weekly chunk (Monday 00:00 Europe/Berlin); the chunks overlapping the range are read
 * one at a time with a pause. `hour` before the 2025-10-01 MTU seam, `quarterhour` from it; a
 * `null` is "not published yet" or a gap, never 0. Every response goes to the sink (raw archive)
 * before it is parsed; a 404 means no data.
 */
import { z } from 'zod';
import { microOf } from '../decimal6';
import { MarketDataFormatError } from '../errors';
import { httpGet, type FetchedResponse, type HttpGetOptions } from '../http-get';
import type { ResponseSink } from '../raw-archive';
import { MarketRowsBuilder, type MarketRows } from '../rows';
import { QUARTER_HOUR_MTU_FROM_MS, SMARD_PRICE_FILTERS } from './catalog';

export const SMARD_SOURCE = 'smard';
export type SmardResolution = 'hour' | 'quarterhour';
const RESOLUTION_MINUTES: Record<SmardResolution, number> = { hour: 60, quarterhour: 15 };

export interface SmardClientOptions {
  baseUrl: string;
  http: HttpGetOptions;
  /** Pause between chunk requests (clients use 0.3–0.5 s). */
  pauseMs: number;
  sink: ResponseSink;
  sleep?: (ms: number) => Promise<void>;
}

const indexSchema = z.object({ timestamps: z.array(z.number().int()).min(1) });
const chunkSchema = z.object({
  meta_data: z.object({ version: z.number().int(), created: z.number().int() }).optional(),
  series: z.array(z.tuple([z.number().int(), z.number().nullable()])),
});

function parseJson(r: FetchedResponse): unknown {
  try {
    return JSON.parse(r.body.toString('utf8')) as unknown;
  } catch (e) {
    throw new MarketDataFormatError(r.url, '(body)', `not JSON: ${(e as Error).message}`);
  }
}

function strict<T>(schema: z.ZodType<T>, r: FetchedResponse): T {
  const p = schema.safeParse(parseJson(r));
  if (p.success) return p.data;
  const i = p.error.issues[0];
  const field = i.path
    .map((x) => (typeof x === 'number' ? `[${x}]` : `.${String(x)}`))
    .join('')
    .replace(/^\./, '');
  throw new MarketDataFormatError(r.url, field, i.message);
}

/** The resolutions covering [from, to), each with its part of the range. */
export function smardResolutions(
  fromMs: number,
  toMs: number,
): Array<{ resolution: SmardResolution; fromMs: number; toMs: number }> {
  const out: Array<{ resolution: SmardResolution; fromMs: number; toMs: number }> = [];
  if (fromMs < Math.min(toMs, QUARTER_HOUR_MTU_FROM_MS))
    out.push({ resolution: 'hour', fromMs, toMs: Math.min(toMs, QUARTER_HOUR_MTU_FROM_MS) });
  if (Math.max(fromMs, QUARTER_HOUR_MTU_FROM_MS) < toMs)
    out.push({ resolution: 'quarterhour', fromMs: Math.max(fromMs, QUARTER_HOUR_MTU_FROM_MS), toMs });
  return out;
}

/** Day-ahead prices (EUR/MWh) of `region` with interval start in [fromMs, toMs). */
export async function fetchSmardPrices(
  opts: SmardClientOptions,
  range: { region: string; fromMs: number; toMs: number },
): Promise<MarketRows> {
  const filter = SMARD_PRICE_FILTERS[range.region];
  if (filter === undefined) throw new RangeError(`no SMARD price filter for region ${range.region}`);
  const out = new MarketRowsBuilder(SMARD_SOURCE, 'day_ahead_price');
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let first = true;
  for (const part of smardResolutions(range.fromMs, range.toMs)) {
    const dir = `${opts.baseUrl}/chart_data/${filter}/${range.region}`;
    const indexRes = await httpGet(`${dir}/index_${part.resolution}.json`, opts.http);
    await opts.sink(indexRes);
    if (indexRes.status === 404) continue;
    // don't rely on the index arriving sorted
    const starts = [...strict(indexSchema, indexRes).timestamps].sort((a, b) => a - b);
    for (let i = 0; i < starts.length; i++) {
      const next = i + 1 < starts.length ? starts[i + 1] : Infinity;
      if (starts[i] >= part.toMs || next <= part.fromMs) continue;
      if (!first && opts.pauseMs > 0) await sleep(opts.pauseMs);
      first = false;
      const res = await httpGet(`${dir}/${filter}_${range.region}_${part.resolution}_${starts[i]}.json`, opts.http);
      await opts.sink(res);
      if (res.status === 404) continue;
      const minutes = RESOLUTION_MINUTES[part.resolution];
      strict(chunkSchema, res).series.forEach(([t, v], j) => {
        if (t % (minutes * 60_000) !== 0)
          throw new MarketDataFormatError(res.url, `series[${j}][0]`, `${t} is not on a ${minutes}-minute boundary`);
        if (v === null || t < part.fromMs || t >= part.toMs) return; // null: not published yet, or a gap
        const micro = microOf(v);
        if (typeof micro === 'string') throw new MarketDataFormatError(res.url, `series[${j}][1]`, micro);
        out.add(range.region, 'EUR/MWh', t, minutes, micro);
      });
    }
  }
  return out.build();
}
