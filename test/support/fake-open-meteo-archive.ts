/**
 * A stand-in of archive-api.open-meteo.com on loopback (issue 15's weather backfill), speaking
 * its JSON shape: `GET /v1/archive?latitude=&longitude=&start_date=&end_date=&daily=a,b&timezone=GMT`
 * → `{ latitude, longitude, generationtime_ms, utc_offset_seconds, timezone, elevation,
 * daily_units: {...}, daily: { time: ['YYYY-MM-DD', …], a: [...], b: [...] } }`, with `null` where
 * the model has no value, `{"error":true,"reason":…}` with 400 for bad parameters. Scripted faults
 * (a status for the next n answers of one chunk, a delay) and the most requests it ever had in
 * flight at once (the backfill's concurrency bound, seen from the server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type DailyValue = (lat: number, lon: number, day: string, variable: string) => number | null;

/** Default values: one decimal, deterministic per place, day and variable (some negative, some null). */
export const defaultDailyValue: DailyValue = (lat, lon, day, variable) => {
  const d = Date.parse(`${day}T00:00:00Z`) / 86_400_000;
  const seed = Math.round(lat * 10 + lon * 7 + d);
  if (variable === 'precipitation_sum') return seed % 97 === 0 ? null : (seed % 53) / 10;
  if (variable === 'wind_speed_10m_max') return 5 + (seed % 211) / 10;
  const base = ((seed % 301) - 80) / 10; // -8.0 … 22.0 °C
  if (variable === 'temperature_2m_max') return Math.round((base + 4.2) * 10) / 10;
  if (variable === 'temperature_2m_min') return Math.round((base - 3.1) * 10) / 10;
  return base;
};

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export class FakeOpenMeteoArchive {
  private server: Server | null = null;
  url = '';
  /** Every request's path and query, in arrival order. */
  readonly requests: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  value: DailyValue = defaultDailyValue;
  private readonly faults = new Map<string, number[]>();
  private readonly delays = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Extra delay of every answer (ms), so concurrent requests overlap visibly. */
  latencyMs = 0;

  /** Chunk key of a request: `lat,lon|start_date`. */
  static key(lat: number, lon: number, start: string): string {
    return `${lat},${lon}|${start}`;
  }

  /** The next `times` answers for the chunk are `status` (then normal answers again). */
  fail(key: string, status: number, times = 1): void {
    this.faults.set(key, [...(this.faults.get(key) ?? []), ...new Array<number>(times).fill(status)]);
  }
  clearFaults(): void {
    this.faults.clear();
  }
  delay(key: string, ms: number): void {
    this.delays.set(key, ms);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      this.requests.push(u.pathname + u.search);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const q = u.searchParams;
      const lat = Number(q.get('latitude'));
      const lon = Number(q.get('longitude'));
      const start = q.get('start_date') ?? '';
      const end = q.get('end_date') ?? '';
      const key = FakeOpenMeteoArchive.key(lat, lon, start);
      const answer = (status: number, body: string) => {
        const send = () => {
          this.inFlight--;
          res.writeHead(status, { 'content-type': 'application/json' }).end(body);
        };
        const wait = (this.delays.get(key) ?? 0) + this.latencyMs;
        if (wait > 0) {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            send();
          }, wait);
          this.timers.add(timer);
        } else send();
      };
      const fault = this.faults.get(key)?.shift();
      if (fault !== undefined) return answer(fault, '{"error":true,"reason":"Service temporarily unavailable"}');
      const daily = (q.get('daily') ?? '').split(',').filter(Boolean);
      if (
        u.pathname !== '/v1/archive' ||
        !DAY_RE.test(start) ||
        !DAY_RE.test(end) ||
        end < start ||
        daily.length === 0 ||
        !Number.isFinite(lat) ||
        !Number.isFinite(lon)
      )
        return answer(400, '{"error":true,"reason":"Parameter missing or invalid"}');
      const time: string[] = [];
      for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000)
        time.push(new Date(t).toISOString().slice(0, 10));
      const body: Record<string, unknown> = {
        latitude: Math.round(lat * 100) / 100,
        longitude: Math.round(lon * 100) / 100,
        generationtime_ms: 12.5,
        utc_offset_seconds: q.get('timezone') === 'GMT' ? 0 : 3600,
        timezone: q.get('timezone') ?? 'GMT',
        timezone_abbreviation: 'GMT',
        elevation: 12,
        daily_units: Object.fromEntries([
          ['time', 'iso8601'],
          ...daily.map((v) => [v, v.startsWith('precip') ? 'mm' : v.startsWith('wind') ? 'km/h' : '°C']),
        ]),
        daily: Object.fromEntries([
          ['time', time],
          ...daily.map((v) => [v, time.map((d) => this.value(lat, lon, d, v))]),
        ]),
      };
      answer(200, JSON.stringify(body));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
