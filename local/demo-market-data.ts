/**
 * Offline market data for `npm run demo` (issue 14: "the demo shows a spot-cost line for its
 * job"). The demo runs without network, so it cannot fetch Energi Data Service; instead it stores
 * a deterministic sample — hourly day-ahead prices (EUR and DKK per MWh) and 5-minute CO2
 * intensities for DK1 — through the same curated market-data lake the ingestion writes
 * (MarketDataLake.upsert, source `energidataservice`), and maps the demo's grid areas to DK1 in
 * the basis data's grid_area_price_areas file. The KPI endpoint then reads them exactly as it
 * reads ingested data. The values are a sample, not real prices, and the demo says so.
 */
import { SERIES_LAKE_PATHS } from '../shared/basis-data/parquet/lake';
import { MarketDataLake } from '../shared/market-data/market-data-lake';
import { MarketRowsBuilder } from '../shared/market-data/rows';
import type { BlobStore } from '../shared/storage/blob-store';

const HOUR = 3_600_000;
export const DEMO_PRICE_AREA = 'DK1';
/** DKK per EUR of the sample (the peg's central rate, rounded). */
const DKK_PER_EUR_MILLI = 7_460n;

/** Sample EUR/MWh × 10^6 for the hour starting at `t`: a daily shape between ~40 and ~130 EUR/MWh. */
export function sampleEurMicro(t: number): bigint {
  const h = Math.floor(t / HOUR) % 24;
  const cents = 4_000 + ((h * 3_779) % 9_000);
  return BigInt(cents) * 10_000n;
}

export async function seedDemoMarketData(
  stores: { marketData: BlobStore; basisData: BlobStore },
  gridAreas: readonly string[],
  fromMs: number,
  toMs: number,
  fetchedAtMs: number,
): Promise<void> {
  await stores.basisData.put(
    SERIES_LAKE_PATHS.gridAreaPriceAreas,
    'grid_area_code;price_area;valid_from;valid_to\n' +
      gridAreas.map((ga) => `${ga};${DEMO_PRICE_AREA};2000-01-01T00:00:00Z;\n`).join(''),
    'text/csv',
  );
  const prices = new MarketRowsBuilder('energidataservice', 'day_ahead_price');
  // an hour before the period too: the KPI reads the market interval covering the first quarter
  for (let t = fromMs - HOUR; t < toMs; t += HOUR) {
    const eur = sampleEurMicro(t);
    prices.add(DEMO_PRICE_AREA, 'EUR/MWh', t, 60, eur);
    prices.add(DEMO_PRICE_AREA, 'DKK/MWh', t, 60, (eur * DKK_PER_EUR_MILLI) / 1000n);
  }
  const co2 = new MarketRowsBuilder('energidataservice', 'co2_intensity');
  for (let t = fromMs - HOUR; t < toMs; t += 300_000)
    co2.add(DEMO_PRICE_AREA, 'g/kWh', t, 5, BigInt(90 + (Math.floor(t / 300_000) % 40)) * 1_000_000n);
  const lake = new MarketDataLake(stores.marketData);
  await lake.upsert(prices.build(), fetchedAtMs);
  await lake.upsert(co2.build(), fetchedAtMs);
}
