/**
 * GET /api/market-data/prices?area=&from=&to=&resolution=&currency= — day-ahead prices averaged
 * into buckets (shared/market-data/prices.ts says how). Any authenticated role: market prices
 * are public data. 400 with the issue list for a bad query; 503 when the app has no market data.
 */
import type { Authenticator } from '../../shared/auth/token-validator';
import type { MarketDataReader } from '../../shared/market-data/market-series';
import { PRICE_BUCKETS, readPrices } from '../../shared/market-data/prices';
import { priceQuery } from '../../shared/http-api/market-data';
import { BucketRangeError, bucketEdges } from '../../shared/timeseries/bucket';
import { MARKET_TIME_ZONE } from '../../shared/domain/local-time';
import { queryObject } from '../../shared/timeseries/query-params';
import { issuesOf } from '../../shared/http-api/problem';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, authorized } from './auth';
import { json, problem } from './responses';

export interface MarketPricesDeps {
  authenticator: Authenticator;
  marketData?: MarketDataReader;
}

/** Most buckets one price request may ask for (a year of quarter-hours is 35,136). */
export const MAX_PRICE_POINTS = 40_000;

export function marketPricesHandler(deps: MarketPricesDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request) => {
    const parsed = priceQuery.safeParse(queryObject(request.query));
    if (!parsed.success) return problem(400, 'invalid price query', issuesOf(parsed.error));
    const q = parsed.data;
    try {
      const n = bucketEdges(PRICE_BUCKETS[q.resolution], MARKET_TIME_ZONE, q.from, q.to).length - 1;
      if (n > MAX_PRICE_POINTS)
        return problem(400, 'invalid price query', [
          { path: 'to', message: `${n} buckets of ${q.resolution}: at most ${MAX_PRICE_POINTS} per request` },
        ]);
    } catch (e) {
      if (e instanceof BucketRangeError)
        return problem(400, 'invalid price query', [{ path: 'to', message: e.message }]);
      throw e;
    }
    if (!deps.marketData) return problem(503, 'market data is not available on this host');
    const prices = await readPrices(deps.marketData, {
      area: q.area,
      currency: q.currency,
      resolution: q.resolution,
      fromMs: q.from,
      toMs: q.to,
    });
    return json(200, prices);
  });
}
