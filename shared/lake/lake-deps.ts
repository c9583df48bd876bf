/** The lake's ports and data, composed once per host (functions/composition.ts). */
import { setTimeout as delay } from 'node:timers/promises';
import type { Settings } from '../config/settings';
import type { BlobStore } from '../storage/blob-store';
import type { IngestionDeps } from './ingestion';
import { PartitionStore } from './partition-store';
import { fetchSource, type SourceFetcher } from './source-fetch';
import { loadSourceRegistry, type SourceRegistry } from './source-registry';
import { RegionSummaryService } from './serving/region-summary';
import { servedDatasets, type ServedDataset } from './serving/served-datasets';
import type { WeatherRegion } from './weather/open-meteo';
import type { WeatherBackfillDeps } from './weather/weather-backfill';
import { loadWeatherRegions } from './weather/weather-ingestion';

export interface LakeDeps extends IngestionDeps {
  /** Scheduled sources (empty when LAKE_SOURCES_FILE is unset). */
  sources: SourceRegistry;
  openMeteoUrl: string;
  /** Regions whose weather is ingested hourly; empty (no weather timer) unless WEATHER_REGIONS_FILE is set. */
  weatherRegions: WeatherRegion[];
  /** Stream feed (source D); null: no stream polling, trigger or compaction registered. */
  streamFeedUrl: string | null;
  /** The weather backfill's fetching (archive API, retries); partitions, clock and sleep as above. */
  weatherBackfill: WeatherBackfillDeps;
  /** Most weather backfill activities in flight. */
  weatherBackfillMaxParallel: number;
  /** What GET /api/datasets/{name} may serve (a request's name is looked up here, never used as a path). */
  served: ServedDataset[];
  /** Region summaries with their in-process cache (one per host). */
  summaries: RegionSummaryService;
}

export function lakeDeps(
  settings: Settings,
  blobs: BlobStore,
  opts: { clock: () => Date; fetch?: SourceFetcher; sleep?: (ms: number) => Promise<void> },
): LakeDeps {
  const partitions = new PartitionStore(blobs, opts.clock);
  const sleep = opts.sleep ?? ((ms: number) => delay(ms));
  const sources = settings.lake.sourcesFile ? loadSourceRegistry(settings.lake.sourcesFile) : [];
  const weatherRegions = settings.lake.weatherRegionsFile ? loadWeatherRegions(settings.lake.weatherRegionsFile) : [];
  return {
    partitions,
    sources,
    fetch: opts.fetch ?? fetchSource,
    clock: opts.clock,
    sleep,
    openMeteoUrl: settings.lake.openMeteoUrl,
    // opt-in, like the sources: a host without it (the local demo, tests) never calls the public API
    streamFeedUrl: settings.lake.streamFeedUrl,
    weatherBackfill: {
      partitions,
      archiveUrl: settings.lake.openMeteoArchiveUrl,
      clock: opts.clock,
      sleep,
      retry: { attempts: 4, backoffMs: settings.lake.weatherBackfillRetryBaseMs, timeoutMs: 60_000 },
    },
    weatherBackfillMaxParallel: settings.lake.weatherBackfillMaxParallel,
    weatherRegions,
    served: servedDatasets(sources),
    summaries: new RegionSummaryService(partitions, weatherRegions, opts.clock),
  };
}
