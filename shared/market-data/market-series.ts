export type MarketDataKind = 'day_ahead_price' | 'co2_intensity';
/** One normalised market series over a range, columnar, sorted by start, one value per interval. */
export interface MarketSeries {
  source: string; // 'energidataservice' | 'smard'
  area: string; // 'DK1' | 'DK2' | 'DE-LU' | …
  kind: MarketDataKind;
  unit: string; // 'EUR/MWh' | 'DKK/MWh' | 'g/kWh'
  startMs: Float64Array; // interval start, UTC epoch ms, ascending, unique
  minutes: Int32Array; // interval length in minutes: 60, 15 or 5
  value: BigInt64Array; // value × 10^6 (exact, 6 dp)
}
export interface MarketSeriesQuery {
  kind: MarketDataKind;
  area: string;
  unit: string;
  fromMs: number; // inclusive
  toMs: number; // exclusive
  source?: string; // default: the preferred source for the area (EDS for DK1/DK2, SMARD for DE-LU)
  asOfMs?: number; // fetch-time pin; default latest
}
export interface MarketDataReader {
  read(q: MarketSeriesQuery): Promise<MarketSeries>;
}
