/** The lake's ports and data, composed once per host (functions/composition.ts). */
import { setTimeout as delay } from 'node:timers/promises';
import type { Settings } from '../config/settings';
import type { BlobStore } from '../storage/blob-store';
import type { IngestionDeps } from './ingestion';
import { PartitionStore } from './partition-store';
import { fetchSource, type SourceFetcher } from './source-fetch';
import { loadSourceRegistry, type SourceRegistry } from './source-registry';

export interface LakeDeps extends IngestionDeps {
  /** Scheduled sources (empty when LAKE_SOURCES_FILE is unset). */
  sources: SourceRegistry;
  openMeteoUrl: string;
  weatherRegionsFile: string | null;
}

export function lakeDeps(
  settings: Settings,
  blobs: BlobStore,
  opts: { clock: () => Date; fetch?: SourceFetcher; sleep?: (ms: number) => Promise<void> },
): LakeDeps {
  return {
    partitions: new PartitionStore(blobs, opts.clock),
    sources: settings.lake.sourcesFile ? loadSourceRegistry(settings.lake.sourcesFile) : [],
    fetch: opts.fetch ?? fetchSource,
    clock: opts.clock,
    sleep: opts.sleep ?? ((ms) => delay(ms)),
    openMeteoUrl: settings.lake.openMeteoUrl,
    weatherRegionsFile: settings.lake.weatherRegionsFile,
  };
}
