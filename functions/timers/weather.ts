import type { InvocationContext, Timer } from '@azure/functions';
import { ingestWeatherHour } from '../../shared/lake/weather/weather-ingestion';
import type { AppDeps } from '../deps';
import type { TimerHandler } from '../registry';

/**
 * Hourly weather per region (Open-Meteo → raw, curated, operational). A failure fails the
 * invocation: nothing of the hour was written, and the host's next tick writes the next hour.
 */
export function weatherIngestionHandler(deps: AppDeps): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const r = await ingestWeatherHour(
      { partitions: deps.lake.partitions, openMeteoUrl: deps.lake.openMeteoUrl, sleep: deps.lake.sleep },
      deps.lake.weatherRegions,
      deps.clock(),
    );
    context.log(`weather ${r.day} hour ${r.hour}: ${r.regions} regions, ${r.forecastRows} forecast rows`);
  };
}
