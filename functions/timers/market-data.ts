import type { InvocationContext, Timer } from '@azure/functions';
import { ingestLatest } from '../../shared/market-data/use-cases/ingest';
import type { AppDeps } from '../deps';
import type { TimerHandler } from '../registry';

/**
 * Hourly market data ingestion: every configured source on its own. A source that fails is
 * logged and the tick still succeeds for the others (the next tick retries it), so one public
 * API being down never fails the timer or touches anything else.
 */
export function marketDataTimerHandler(deps: AppDeps): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    for (const r of await ingestLatest(deps.marketDataIngest, deps.settings.marketData.timerSources)) {
      if (r.ok && r.outcome)
        context.log(
          `market data ${r.source} ${r.outcome.areas.join(',')}: ${r.outcome.rows} rows, ${r.outcome.written} stored, ${r.outcome.unchanged} unchanged`,
        );
      else context.error(`market data ${r.source}: ${r.error}`);
    }
  };
}
