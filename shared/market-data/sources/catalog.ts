/**
 * What the market data sources are and which areas each serves. Kept apart from the clients so
 * settings validation and request validation can name them without importing HTTP code.
 */
export const MARKET_DATA_SOURCES = ['energidataservice', 'smard'] as const;
export type MarketDataSource = (typeof MARKET_DATA_SOURCES)[number];

/** Price areas Energi Data Service publishes day-ahead prices and CO2 intensity for (we ingest the Danish ones by default). */
export const EDS_AREAS = ['DK1', 'DK2', 'DE', 'NO2', 'SE3', 'SE4'] as const;
/** SMARD regions whose day-ahead price filter we know (reference B.1: 4169 = DE/LU bidding zone). */
export const SMARD_PRICE_FILTERS: Readonly<Record<string, number>> = { 'DE-LU': 4169, 'DE-AT-LU': 4169, AT: 4170 };

export const DEFAULT_AREAS: Readonly<Record<MarketDataSource, readonly string[]>> = {
  energidataservice: ['DK1', 'DK2'],
  smard: ['DE-LU'],
};

export function areasOf(source: MarketDataSource): readonly string[] {
  return source === 'energidataservice' ? EDS_AREAS : Object.keys(SMARD_PRICE_FILTERS);
}

/** The source a reader uses for an area when the query names none. */
export function preferredSource(area: string): MarketDataSource | null {
  if ((EDS_AREAS as readonly string[]).includes(area) && area !== 'DE') return 'energidataservice';
  if (area in SMARD_PRICE_FILTERS) return 'smard';
  return null;
}

/**
 * Day-ahead markets (SDAC) moved to a 15-minute MTU at 2025-10-01 00:00 CET: EDS serves
 * `Elspotprices` (PT1H) before and `DayAheadPrices` (PT15M) from then; SMARD `hour` / `quarterhour`.
 */
export const QUARTER_HOUR_MTU_FROM_MS = Date.UTC(2025, 8, 30, 22);

export const DEFAULT_ENERGIDATASERVICE_URL = 'https://api.energidataservice.dk';
export const DEFAULT_SMARD_URL = 'https://www.smard.de/app';
