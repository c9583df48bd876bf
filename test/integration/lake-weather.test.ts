/**
 * Weather per region (source C, issue 15) against a loopback Open-Meteo that answers in the real
 * API's JSON shape (offset-less GMT times, parallel hourly arrays, nulls, `{"error":true,"reason"}`
 * on 400), on Azurite: raw responses, curated current/forecast, operational daily sums and
 * rolling 7/30-day averages with exact HALF_UP rounding.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { PartitionStore } from '../../shared/lake/partition-store';
import { SourceFetchError, SourceFormatError, SourceRegistryError } from '../../shared/lake/errors';
import { parquetToTable } from '../../shared/lake/records';
import { curatedPath, operationalPath, rawPath } from '../../shared/lake/zones';
import type { WeatherRegion } from '../../shared/lake/weather/open-meteo';
import {
  DEFAULT_REGIONS_FILE,
  averageToCenti,
  decimalTexts,
  ingestWeatherHour,
  loadWeatherRegions,
  type WeatherDeps,
} from '../../shared/lake/weather/weather-ingestion';

/** A stand-in of api.open-meteo.com/v1/forecast: current values per "lat,lon", scripted failures. */
class FakeOpenMeteo {
  server!: Server;
  baseUrl = '';
  now = new Date('2021-10-01T00:05:00Z');
  temps = new Map<string, number>();
  /** Next answers to force (in order) before the normal one. */
  failures: Array<{ status: number; body: string }> = [];
  /** Replaces a body field before sending (malformed answers). */
  corrupt: ((doc: Record<string, unknown>) => void) | null = null;
  requests: string[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      this.requests.push(u.pathname + u.search);
      const fail = this.failures.shift();
      if (fail) {
        res.writeHead(fail.status, { 'content-type': 'application/json' }).end(fail.body);
        return;
      }
      const q = u.searchParams;
      if (u.pathname !== '/v1/forecast' || q.get('timezone') !== 'GMT' || !q.get('current') || !q.get('hourly')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":true,"reason":"Parameter missing"}');
        return;
      }
      const key = `${q.get('latitude')},${q.get('longitude')}`;
      const temp = this.temps.get(key) ?? 0;
      const hourStart = Date.UTC(this.now.getUTCFullYear(), this.now.getUTCMonth(), this.now.getUTCDate());
      const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 16);
      const hours = Array.from({ length: 168 }, (_, i) => hourStart + i * 3_600_000);
      const doc: Record<string, unknown> = {
        latitude: Number(q.get('latitude')),
        longitude: Number(q.get('longitude')),
        generationtime_ms: 0.04,
        utc_offset_seconds: 0,
        timezone: 'GMT',
        timezone_abbreviation: 'GMT',
        elevation: 9,
        current_units: {
          time: 'iso8601',
          interval: 'seconds',
          temperature_2m: '°C',
          relative_humidity_2m: '%',
          wind_speed_10m: 'km/h',
        },
        current: {
          time: fmt(Math.floor(this.now.getTime() / 900_000) * 900_000),
          interval: 900,
          temperature_2m: temp,
          relative_humidity_2m: 80,
          wind_speed_10m: 12.5,
        },
        hourly_units: { time: 'iso8601', temperature_2m: '°C', relative_humidity_2m: '%', wind_speed_10m: 'km/h' },
        hourly: {
          time: hours.map(fmt),
          temperature_2m: hours.map((_, i) => (i === 167 ? null : temp)), // the last hour beyond the model: null
          relative_humidity_2m: hours.map(() => 80),
          wind_speed_10m: hours.map(() => 12.5),
        },
      };
      this.corrupt?.(doc);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const REGIONS: WeatherRegion[] = [
  { id: 'dk1-aarhus', name: 'Aarhus', latitude: 56.1567, longitude: 10.2108 },
  { id: 'dk2-copenhagen', name: 'Copenhagen', latitude: 55.6761, longitude: 12.5683 },
];
const setTemps = (meteo: FakeOpenMeteo, aarhus: number, cph: number) => {
  meteo.temps.set('56.1567,10.2108', aarhus);
  meteo.temps.set('55.6761,12.5683', cph);
};

let az: AzuriteInstance;
let meteo: FakeOpenMeteo;
let n = 0;
beforeAll(async () => {
  az = await startAzurite();
  meteo = new FakeOpenMeteo();
  await meteo.start();
});
afterAll(async () => {
  await meteo?.close();
  await az?.stop();
});

async function lake(): Promise<{ deps: WeatherDeps; sleeps: number[]; store: PartitionStore }> {
  const blobs = AzureBlobStore.fromConnectionString(az.connectionString, `weather-${++n}`);
  await blobs.ensureContainer();
  const store = new PartitionStore(blobs);
  const sleeps: number[] = [];
  return {
    store,
    sleeps,
    deps: {
      partitions: store,
      openMeteoUrl: meteo.baseUrl,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      retry: { attempts: 3, backoffMs: 10, timeoutMs: 5000 },
    },
  };
}

async function table(store: PartitionStore, path: string) {
  const read = await store.read(path);
  if (!read) throw new Error(`no partition ${path}`);
  return parquetToTable(read.files.get('part-0.parquet') as Buffer);
}

async function hour(deps: WeatherDeps, iso: string, aarhus: number, cph: number) {
  meteo.now = new Date(iso);
  setTemps(meteo, aarhus, cph);
  return ingestWeatherHour(deps, REGIONS, new Date(iso));
}

describe('weather per region (Open-Meteo)', () => {
  it('writes raw, curated current and forecast, daily sums and rolling averages rounded HALF_UP', async () => {
    const { deps, store } = await lake();
    await hour(deps, '2021-10-01T00:05:00Z', 10.0, -0.5);
    const r = await hour(deps, '2021-10-01T01:05:00Z', 10.01, -0.51);
    expect(r).toEqual({ day: '2021-10-01', hour: 1, regions: 2, forecastRows: 336 });

    // raw: the responses byte for byte, one file per region, under day=/hour=
    const raw = await store.read(rawPath('open_meteo', '2021-10-01', 1));
    expect([...(raw?.files.keys() ?? [])].sort()).toEqual(['dk1-aarhus.json', 'dk2-copenhagen.json']);
    expect(
      (JSON.parse((raw?.files.get('dk1-aarhus.json') as Buffer).toString()) as { current: { temperature_2m: number } })
        .current.temperature_2m,
    ).toBe(10.01);

    const cur = await table(store, curatedPath('weather_current', '2021-10-01', [['hour', '01']]));
    expect(cur.getChild('region')?.toArray()).toEqual(['dk1-aarhus', 'dk2-copenhagen']);
    expect(decimalTexts(cur.getChild('temperature_2m'), 3, 't')).toEqual(['10.010', '-0.510']);
    expect(cur.getChild('observed_at')?.get(0)).toBe(Date.parse('2021-10-01T01:00:00Z'));

    const fc = await table(store, curatedPath('weather_forecast', '2021-10-01', [['issued_hour', '01']]));
    expect(fc.numRows).toBe(336);
    const temps = decimalTexts(fc.getChild('temperature_2m'), 3, 't');
    expect(temps[0]).toBe('10.010');
    expect(temps[167]).toBeNull(); // Open-Meteo's null kept as null, not 0
    expect(fc.getChild('time')?.get(167)).toBe(Date.parse('2021-10-07T23:00:00Z'));

    // rolling over day 1 only: Aarhus (10.000 + 10.010) / 2 = 10.005 → 10.01; Copenhagen −0.505 → −0.51 (away from zero)
    const roll1 = await table(store, operationalPath('weather_rolling', '2021-10-01'));
    expect(roll1.getChild('region')?.toArray()).toEqual([
      'dk1-aarhus',
      'dk1-aarhus',
      'dk2-copenhagen',
      'dk2-copenhagen',
    ]);
    expect(Array.from(roll1.getChild('window_days')?.toArray() as Int32Array)).toEqual([7, 30, 7, 30]);
    expect(decimalTexts(roll1.getChild('temperature_2m_avg'), 2, 'avg')).toEqual(['10.01', '10.01', '-0.51', '-0.51']);
    expect(Array.from(roll1.getChild('temperature_2m_observations')?.toArray() as Int32Array)).toEqual([2, 2, 2, 2]);

    // a day later: the 7-day window holds three observations; day 1 stays in both windows
    await hour(deps, '2021-10-02T00:05:00Z', 10.02, -0.52);
    const roll2 = await table(store, operationalPath('weather_rolling', '2021-10-02'));
    expect(decimalTexts(roll2.getChild('temperature_2m_avg'), 2, 'avg')).toEqual(['10.01', '10.01', '-0.51', '-0.51']);
    expect(Array.from(roll2.getChild('days_with_data')?.toArray() as Int32Array)).toEqual([2, 2, 2, 2]);
    expect(roll2.getChild('from_day')?.toArray()).toEqual(['2021-09-26', '2021-09-03', '2021-09-26', '2021-09-03']);

    // eight days later the 7-day window has dropped day 1 and 2; the 30-day one has not
    await hour(deps, '2021-10-09T00:05:00Z', 20.0, 1.0);
    const roll9 = await table(store, operationalPath('weather_rolling', '2021-10-09'));
    // 30 days: (10 + 10.01 + 10.02 + 20) / 4 = 12.5075 → 12.51; Copenhagen (−0.5 −0.51 −0.52 + 1) / 4 = −0.1325 → −0.13
    expect(decimalTexts(roll9.getChild('temperature_2m_avg'), 2, 'avg')).toEqual(['20.00', '12.51', '1.00', '-0.13']);
  });

  it('a re-run of an hour replaces it: daily sums count the new values once', async () => {
    const { deps, store } = await lake();
    await hour(deps, '2021-10-01T00:05:00Z', 10.0, 0);
    await hour(deps, '2021-10-01T00:05:00Z', 12.0, 0);
    const daily = await table(store, operationalPath('weather_daily', '2021-10-01'));
    expect(decimalTexts(daily.getChild('temperature_2m_sum'), 3, 's')).toEqual(['12.000', '0.000']);
    expect(Array.from(daily.getChild('temperature_2m_count')?.toArray() as Int32Array)).toEqual([1, 1]);
  });

  it('retries a 5xx, then succeeds', async () => {
    const { deps, sleeps } = await lake();
    meteo.failures.push({ status: 503, body: '' });
    await hour(deps, '2021-10-03T10:05:00Z', 1, 2);
    expect(sleeps).toEqual([10]);
  });

  it('a malformed body fails naming URL and field; nothing of the hour is written', async () => {
    const { deps, store } = await lake();
    meteo.corrupt = (doc) => {
      (doc.hourly as Record<string, unknown[]>).temperature_2m[5] = 'warm';
    };
    try {
      const err = await hour(deps, '2021-10-03T11:05:00Z', 1, 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceFormatError);
      expect((err as Error).message).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/v1\/forecast\?latitude=56\.1567&longitude=10\.2108&.*: hourly\.temperature_2m\[5\]: "warm" is not a number$/,
      );
    } finally {
      meteo.corrupt = null;
    }
    meteo.corrupt = (doc) => {
      doc.utc_offset_seconds = 7200;
    };
    try {
      await expect(hour(deps, '2021-10-03T11:05:00Z', 1, 2)).rejects.toThrow(
        /utc_offset_seconds: 7200: GMT was requested/,
      );
    } finally {
      meteo.corrupt = null;
    }
    expect(await store.blobs.list('')).toEqual([]);
  });

  it('a 400 with Open-Meteo’s reason is not retried; a host that stays down fails after the attempts', async () => {
    const { deps, sleeps } = await lake();
    meteo.failures.push({ status: 400, body: '{"error":true,"reason":"Latitude must be in range of -90 to 90°."}' });
    await expect(hour(deps, '2021-10-03T12:05:00Z', 1, 2)).rejects.toThrow(/HTTP 400: Latitude must be in range/);
    expect(sleeps).toEqual([]);
    meteo.failures.push({ status: 502, body: '' }, { status: 502, body: '' }, { status: 502, body: '' });
    const err = await hour(deps, '2021-10-03T12:05:00Z', 1, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceFetchError);
    expect(sleeps).toEqual([10, 20]);
  });

  it('regions are data: the shipped file loads; a bad one names the field', () => {
    expect(loadWeatherRegions(DEFAULT_REGIONS_FILE).length).toBeGreaterThan(0);
    const file = join(mkdtempSync(join(tmpdir(), 'regions-')), 'regions.json');
    writeFileSync(file, JSON.stringify({ regions: [{ id: 'x', name: 'X', latitude: 91, longitude: 0 }] }));
    expect(() => loadWeatherRegions(file)).toThrow(SourceRegistryError);
    expect(() => loadWeatherRegions(file)).toThrow(/regions\[0\]\.latitude/);
  });

  it('averages round HALF_UP away from zero, exactly', () => {
    expect(averageToCenti(10_005, 1)).toBe(1001);
    expect(averageToCenti(-10_005, 1)).toBe(-1001);
    expect(averageToCenti(10_004, 1)).toBe(1000);
    expect(averageToCenti(1, 3)).toBe(0);
    expect(averageToCenti(20_010, 2)).toBe(1001); // 10.005
    expect(averageToCenti(9_007_199_254_740_991, 7)).toBe(128674275067728); // beyond doubles' exact division
  });
});
