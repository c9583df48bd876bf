/**
 * The one place that decides where market data lives in its container. Zones follow the lake
 * convention another issue makes lake-wide: `raw/` (responses as received), `curated/`
 * (normalised Parquet), `operational/` (backfill requests, chunk ledger). Moving the zones later
 * means changing this function only.
 */
import type { MarketDataKind } from './market-series';

export type LakeZone = 'raw' | 'curated' | 'operational';

/** `{zone}/{dataset}/{k=v}/…/{file}`; partition values must not contain `/`. */
export function lakePath(
  zone: LakeZone,
  dataset: string,
  partitions: ReadonlyArray<readonly [string, string]>,
  file = '',
): string {
  for (const [k, v] of partitions)
    if (/[/=]/.test(k) || v.includes('/') || v === '') throw new RangeError(`bad partition ${k}=${v}`);
  return [zone, dataset, ...partitions.map(([k, v]) => `${k}=${v}`), file].join('/');
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const utcMonth = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** Raw response of `source` fetched at `fetchedAtMs`: `raw/{source}/day=YYYY-MM-DD/{time}-{sha}` (+ `.json` / `.meta.json`). */
export function rawResponseStem(source: string, fetchedAtMs: number, sha256: string): string {
  const t = new Date(fetchedAtMs).toISOString().slice(11, 23).replace(/[:.]/g, '');
  return lakePath('raw', source, [['day', utcDay(fetchedAtMs)]], `${t}-${sha256.slice(0, 16)}`);
}

/** Folder of one curated partition: one (kind, source, area) and UTC month of interval starts. */
export function curatedPartition(kind: MarketDataKind, source: string, area: string, month: string): string {
  return lakePath('curated', 'market_data', [
    ['kind', kind],
    ['source', source],
    ['area', area],
    ['month', month],
  ]);
}

/** Folder of the chunk ledger of one source and area. */
export const chunkLedgerFolder = (source: string, area: string): string =>
  lakePath('operational', 'market_data_chunks', [
    ['source', source],
    ['area', area],
  ]);

/** Ledger entry of one backfill chunk (written after its rows are stored). */
export const chunkLedgerPath = (source: string, area: string, chunkKey: string): string =>
  `${chunkLedgerFolder(source, area)}${chunkKey}.json`;

/** Files of one backfill request: `request.json` (accepted), `result.json` (finished). */
export const backfillPath = (id: string, file: 'request.json' | 'result.json'): string =>
  lakePath('operational', 'market_data_backfill', [['id', id]], file);
