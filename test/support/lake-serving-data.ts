/**
 * Lake data for the serving tests (issue 15), written by the lake's own writers: weather hours
 * through ingestWeatherHour against a loopback Open-Meteo (its real JSON shape), stream events
 * through storeRawEvent + compactHour.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartitionStore } from '../../shared/lake/partition-store';
import type { WeatherRegion } from '../../shared/lake/weather/open-meteo';
import { ingestWeatherHour } from '../../shared/lake/weather/weather-ingestion';
import { compactHour, storeRawEvent } from '../../shared/lake/stream/stream';
import type { ReceivedMessage } from '../../shared/messaging/bus';

export const REGIONS: WeatherRegion[] = [
  { id: 'dk1-aarhus', name: 'Aarhus', latitude: 56.1567, longitude: 10.2108 },
  { id: 'dk2-copenhagen', name: 'Copenhagen', latitude: 55.6761, longitude: 12.5683 },
];

export function regionsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'regions-')), 'regions.json');
  writeFileSync(file, JSON.stringify({ regions: REGIONS }));
  return file;
}

/** Open-Meteo stand-in: the current value per "lat,lon" is `temps`, the same for all hourly slots. */
export class FakeOpenMeteo {
  private server!: Server;
  url = '';
  now = new Date('2024-03-01T00:05:00Z');
  temps = new Map<string, string>();

  setTemp(region: WeatherRegion, celsius: string): void {
    this.temps.set(`${region.latitude},${region.longitude}`, celsius);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const temp = this.temps.get(`${q.get('latitude')},${q.get('longitude')}`) ?? '0';
      const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 16);
      const start = Math.floor(this.now.getTime() / 3_600_000) * 3_600_000;
      const hours = Array.from({ length: 168 }, (_, i) => fmt(start + i * 3_600_000));
      // the decimal text goes into the JSON as a number literal exactly as written
      const body = `{"latitude":${q.get('latitude')},"longitude":${q.get('longitude')},"utc_offset_seconds":0,"timezone":"GMT","current":{"time":"${fmt(start)}","interval":900,"temperature_2m":${temp},"relative_humidity_2m":80,"wind_speed_10m":12.5},"hourly":{"time":${JSON.stringify(hours)},"temperature_2m":[${hours.map(() => temp).join(',')}],"relative_humidity_2m":[${hours.map(() => '80').join(',')}],"wind_speed_10m":[${hours.map(() => '12.5').join(',')}]}}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** One weather hour for REGIONS at `at` with the given temperatures (decimal text, ≤ 3 decimals). */
export async function weatherHour(
  partitions: PartitionStore,
  meteo: FakeOpenMeteo,
  at: string,
  temps: [aarhus: string, copenhagen: string],
): Promise<void> {
  meteo.now = new Date(at);
  meteo.setTemp(REGIONS[0], temps[0]);
  meteo.setTemp(REGIONS[1], temps[1]);
  await ingestWeatherHour(
    {
      partitions,
      openMeteoUrl: meteo.url,
      sleep: () => Promise.resolve(),
      retry: { attempts: 1, backoffMs: 1, timeoutMs: 5_000 },
    },
    REGIONS,
    new Date(at),
  );
}

const message = (body: unknown, id: string): ReceivedMessage => ({
  messageId: id,
  body: Buffer.from(JSON.stringify(body)),
  deliveryCount: 1,
  complete: () => Promise.resolve(),
  abandon: () => Promise.resolve(),
  deadLetter: () => Promise.resolve(),
});

/** Stream events received in `receivedHour` (ISO), then that hour compacted. */
export async function streamEvents(
  partitions: PartitionStore,
  receivedHour: string,
  events: Array<{ eventId: string; region: string; occurredAt: string; interest: string }>,
): Promise<void> {
  const at = new Date(receivedHour);
  for (const e of events) await storeRawEvent({ partitions }, message(e, e.eventId), at);
  await compactHour({ partitions }, receivedHour.slice(0, 10), at.getUTCHours());
}
