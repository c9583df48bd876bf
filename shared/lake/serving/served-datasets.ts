/**
 * The datasets the serving API may read (issue 15): the registry a request's dataset name is
 * looked up in, so a name from a request only ever selects one of these entries and never becomes
 * a path by itself. It lists what shared/lake writes to the curated and operational zones (the
 * weather datasets, the stream's events, daily market interest and regions) plus the curated
 * dataset of every scheduled source of the host's registry. Raw data and customer areas are not
 * datasets here: nothing a customer uploads is public.
 */
import { STREAM_DATASETS } from '../stream/stream';
import type { SourceRegistry } from '../source-registry';
import { DATASETS as WEATHER } from '../weather/weather-ingestion';
import type { Zone } from '../zones';

export interface ServedDataset {
  name: string;
  zone: Exclude<Zone, 'raw'>;
  description: string;
  /** The column holding the region id (what `region=` filters on); null: the dataset has none. */
  regionColumn: string | null;
}

const BUILT_IN: readonly ServedDataset[] = [
  {
    name: WEATHER.current,
    zone: 'curated',
    description: 'Hourly current weather per region (Open-Meteo), values Decimal(18,3); partitions date/hour',
    regionColumn: 'region',
  },
  {
    name: WEATHER.forecast,
    zone: 'curated',
    description: '7-day hourly forecast per region as issued each hour; partitions date/issued_hour',
    regionColumn: 'region',
  },
  {
    name: WEATHER.daily,
    zone: 'operational',
    description: "Per region and day: exact sum and count of each variable's hourly values",
    regionColumn: 'region',
  },
  {
    name: WEATHER.rolling,
    zone: 'operational',
    description: 'Per region: 7- and 30-day averages ending at the date (Decimal(18,2), HALF_UP)',
    regionColumn: 'region',
  },
  {
    name: STREAM_DATASETS.events,
    zone: 'curated',
    description: 'Stream events (source D), deduplicated by event_id; partitions date/hour of occurrence',
    regionColumn: 'region',
  },
  {
    name: STREAM_DATASETS.interest,
    zone: 'operational',
    description: 'Market interest per region and day: Σ interest (Decimal, 3 decimals) and event count',
    regionColumn: 'region',
  },
  {
    name: STREAM_DATASETS.regions,
    zone: 'operational',
    description: 'Every region seen in the stream up to the date, with the day it was first seen',
    regionColumn: 'region',
  },
];

/** The built-in datasets plus each scheduled source's curated dataset (text columns as delivered). */
export function servedDatasets(sources: SourceRegistry): ServedDataset[] {
  const out = [...BUILT_IN];
  for (const s of sources) {
    const name = s.dataset;
    if (out.some((d) => d.name === name)) continue;
    out.push({
      name,
      zone: 'curated',
      description: `Curated rows of source ${s.name} (values as delivered, text); partitions date/ingest_day`,
      regionColumn: null,
    });
  }
  return out;
}

export function findServedDataset(datasets: readonly ServedDataset[], name: string): ServedDataset | null {
  return datasets.find((d) => d.name === name) ?? null;
}
