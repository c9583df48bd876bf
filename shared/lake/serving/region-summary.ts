/**
 * `GET /api/regions/{id}/summary` (issue 15, Case 1): a region's metadata, its latest 7- and
 * 30-day average weather and its latest market interest, answered from the operational zone:
 *
 * - metadata: the latest `operational/regions` partition (region, first_seen), plus the name
 *   and position of the weather regions file when the host has one;
 * - weather: the latest `operational/weather_rolling` partition, the region's rows for the 7- and
 *   30-day windows as stored (averages Decimal(18,2) as decimal text, observation counts);
 * - market interest: the latest `operational/market_interest_daily` partition (a region without
 *   events that day has interest 0 and 0 events: the day's aggregate covers every event).
 *
 * Speed (≤ 100 ms warm): each dataset's latest partition is decoded once and kept in process,
 * keyed by its path and its `_current.json` version. A request reads only pointers: today's and
 * the remembered latest date's (a new day's partition or a replaced one is seen at once, so a new
 * partition invalidates the cache); only when the remembered date is older than yesterday, or
 * gone, is the dataset's folder listed again to find its latest date.
 */
import { STREAM_DATASETS } from '../stream/stream';
import type { PartitionPointer, PartitionStore } from '../partition-store';
import { parquetToTable } from '../records';
import type { WeatherRegion } from '../weather/open-meteo';
import { DATASETS as WEATHER } from '../weather/weather-ingestion';
import { addDays, datasetRoot, dayOf, operationalPath } from '../zones';
import { tableCells, type CellValue } from './cells';

type Row = Record<string, CellValue>;

export interface RegionSummary {
  region: string;
  metadata: {
    /** The day the stream first saw the region (null: known from the weather regions file only). */
    firstSeen: string | null;
    name?: string;
    latitude?: number;
    longitude?: number;
  };
  /** The latest rolling averages (null: no weather for the region in the latest partition). */
  weather: { date: string; sevenDays: Row | null; thirtyDays: Row | null } | null;
  marketInterest: { date: string; interest: string; events: number } | null;
  /** `_current.json` versions the answer was read from (dataset → date@version). */
  versions: Record<string, string>;
}

interface Decoded {
  path: string;
  version: string;
  date: string;
  byRegion: Map<string, Row[]>;
}

const SUMMARY_DATASETS = [STREAM_DATASETS.regions, WEATHER.rolling, STREAM_DATASETS.interest] as const;

export class RegionSummaryService {
  /** dataset → latest date seen. */
  private readonly latestDate = new Map<string, string>();
  /** dataset → its latest partition decoded. */
  private readonly decoded = new Map<string, Decoded>();

  constructor(
    private readonly store: PartitionStore,
    private readonly weatherRegions: readonly WeatherRegion[],
    private readonly clock: () => Date,
  ) {}

  private async listLatest(dataset: string): Promise<{ date: string; pointer: PartitionPointer } | null> {
    const root = datasetRoot('operational', dataset);
    const dates = (await this.store.partitions(root))
      .map((p) => /^date=(\d{4}-\d{2}-\d{2})$/.exec(p.slice(root.length))?.[1])
      .filter((d): d is string => d !== undefined)
      .sort();
    for (let i = dates.length - 1; i >= 0; i--) {
      const pointer = await this.store.pointer(operationalPath(dataset, dates[i]));
      if (pointer) return { date: dates[i], pointer };
    }
    return null;
  }

  private async latest(dataset: string): Promise<{ date: string; pointer: PartitionPointer } | null> {
    const today = dayOf(this.clock().getTime());
    const known = this.latestDate.get(dataset);
    if (known !== undefined && known >= addDays(today, -1)) {
      for (let d = known > today ? known : today; d >= known; d = addDays(d, -1)) {
        const pointer = await this.store.pointer(operationalPath(dataset, d));
        if (pointer) return { date: d, pointer };
      }
    }
    return this.listLatest(dataset);
  }

  private async load(dataset: string): Promise<Decoded | null> {
    const found = await this.latest(dataset);
    if (!found) {
      this.latestDate.delete(dataset);
      this.decoded.delete(dataset);
      return null;
    }
    this.latestDate.set(dataset, found.date);
    const path = operationalPath(dataset, found.date);
    const cached = this.decoded.get(dataset);
    if (cached && cached.path === path && cached.version === found.pointer.version) return cached;
    const read = await this.store.read(path);
    if (!read) return null; // withdrawn just now; the next request lists again
    const byRegion = new Map<string, Row[]>();
    for (const [name, bytes] of read.files) {
      if (!name.endsWith('.parquet')) continue;
      const cells = tableCells(parquetToTable(bytes));
      const regionCol = cells.names.indexOf('region');
      for (let r = 0; r < cells.rows; r++) {
        const row: Row = {};
        cells.names.forEach((n, c) => (row[n] = cells.columns[c][r]));
        const id = String(cells.columns[regionCol][r]);
        const list = byRegion.get(id) ?? [];
        list.push(row);
        byRegion.set(id, list);
      }
    }
    const entry = { path, version: read.pointer.version, date: found.date, byRegion };
    this.decoded.set(dataset, entry);
    return entry;
  }

  /** The summary, or null for a region neither the stream nor the weather regions know. */
  async summary(regionId: string): Promise<RegionSummary | null> {
    const [regions, rolling, interest] = await Promise.all(SUMMARY_DATASETS.map((d) => this.load(d)));
    const seen = regions?.byRegion.get(regionId)?.[0] ?? null;
    const configured = this.weatherRegions.find((r) => r.id === regionId);
    if (!seen && !configured) return null;
    const versions: Record<string, string> = {};
    SUMMARY_DATASETS.forEach((d, i) => {
      const e = [regions, rolling, interest][i];
      if (e) versions[d] = `${e.date}@${e.version}`;
    });
    const windows = rolling?.byRegion.get(regionId) ?? [];
    const strip = (row: Row | undefined): Row | null => {
      if (!row) return null;
      const { region: _region, ...rest } = row;
      return rest;
    };
    const interestRow = interest?.byRegion.get(regionId)?.[0];
    return {
      region: regionId,
      metadata: {
        firstSeen: seen ? (seen.first_seen as string) : null,
        ...(configured
          ? {
              name: configured.name,
              latitude: configured.latitude,
              longitude: configured.longitude,
            }
          : {}),
      },
      weather:
        rolling && windows.length > 0
          ? {
              date: rolling.date,
              sevenDays: strip(windows.find((w) => w.window_days === 7)),
              thirtyDays: strip(windows.find((w) => w.window_days === 30)),
            }
          : null,
      marketInterest: interest
        ? {
            date: interest.date,
            interest: interestRow ? (interestRow.interest as string) : '0.000',
            events: interestRow ? (interestRow.events as number) : 0,
          }
        : null,
      versions,
    };
  }
}
