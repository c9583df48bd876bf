/**
 * Open-Meteo's forecast API (source C of issue 15), its real JSON shape:
 * `GET {base}/v1/forecast?latitude=&longitude=&current=…&hourly=…&forecast_days=7&timezone=GMT`
 * answers `{ latitude, longitude, utc_offset_seconds, current: { time, interval, temperature_2m, … },
 * hourly: { time: [...], temperature_2m: [...], … }, current_units, hourly_units }`.
 *
 * Quirks handled here: times carry no offset or seconds (`2021-10-04T12:00`, local to the
 * requested timezone — we always ask for GMT and also check `utc_offset_seconds` is 0); hourly
 * arrays may hold `null` for hours a model does not cover; values are JSON numbers, which we take
 * as the decimal text JSON gave (a double's shortest representation round-trips Open-Meteo's
 * one-decimal values exactly) and parse into scaled integers, refusing more decimals than the scale.
 */
import { DecimalFormatError, parseScaled } from '../../decimal/scaled';
import { SourceFetchError, SourceFormatError } from '../errors';
import { redactUrl } from '../source-fetch';

/** The variables we ask for, in both `current` and `hourly`. */
export const WEATHER_VARIABLES = ['temperature_2m', 'relative_humidity_2m', 'wind_speed_10m'] as const;
export type WeatherVariable = (typeof WEATHER_VARIABLES)[number];
/** Values are held as integers in thousandths of their unit (°C, %, km/h). */
export const WEATHER_SCALE = 3;

export interface WeatherRegion {
  id: string;
  name: string;
  latitude: number;
  longitude: number;
}

export interface RegionWeather {
  region: string;
  /** The response body exactly as received (for the raw zone). */
  body: Buffer;
  current: { time: number; values: Record<WeatherVariable, number | null> };
  /** Hourly forecast: epoch ms per hour, values per variable (NaN = null). */
  hourly: { time: Float64Array; values: Record<WeatherVariable, Float64Array> };
}

export function forecastUrl(baseUrl: string, region: WeatherRegion): string {
  const vars = WEATHER_VARIABLES.join(',');
  return (
    `${baseUrl}/v1/forecast?latitude=${region.latitude}&longitude=${region.longitude}` +
    `&current=${vars}&hourly=${vars}&forecast_days=7&timezone=GMT`
  );
}

/** `2021-10-04T12:00` (GMT, as requested) → epoch ms; null when not that shape. */
function gmtTime(text: unknown): number | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}:00Z`);
  return Number.isNaN(ms) ? null : ms;
}

/** A JSON number as thousandths (exact: its decimal text is parsed); null stays null. */
export function scaled(v: unknown, url: string, field: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new SourceFormatError(url, field, `${JSON.stringify(v)} is not a number`);
  try {
    return parseScaled(String(v), WEATHER_SCALE, 9);
  } catch (e) {
    if (e instanceof DecimalFormatError) throw new SourceFormatError(url, field, `${v}: ${e.message}`);
    throw e;
  }
}

export const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/**
 * The root object of an Open-Meteo answer (forecast or archive), requested in GMT: errors name the
 * URL and the field.
 */
export function openMeteoRoot(url: string, body: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new SourceFormatError(url, '(body)', `not valid JSON: ${(e as Error).message}`);
  }
  const root = obj(doc);
  if (!root) throw new SourceFormatError(url, '(body)', 'is not a JSON object');
  if (root.utc_offset_seconds !== 0)
    throw new SourceFormatError(
      url,
      'utc_offset_seconds',
      `${JSON.stringify(root.utc_offset_seconds)}: GMT was requested`,
    );
  return root;
}

/** Validates and decodes one forecast response; errors name the URL and the field. */
export function decodeForecast(region: WeatherRegion, url: string, body: Buffer): RegionWeather {
  const root = openMeteoRoot(url, body);
  const current = obj(root.current);
  if (!current) throw new SourceFormatError(url, 'current', 'missing');
  const currentTime = gmtTime(current.time);
  if (currentTime === null)
    throw new SourceFormatError(url, 'current.time', `${JSON.stringify(current.time)} is not YYYY-MM-DDTHH:MM`);
  const hourly = obj(root.hourly);
  if (!hourly) throw new SourceFormatError(url, 'hourly', 'missing');
  const times = hourly.time;
  if (!Array.isArray(times) || times.length === 0)
    throw new SourceFormatError(url, 'hourly.time', 'is not a non-empty array');
  const n = times.length;
  const time = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = gmtTime(times[i]);
    if (t === null)
      throw new SourceFormatError(url, `hourly.time[${i}]`, `${JSON.stringify(times[i])} is not YYYY-MM-DDTHH:MM`);
    time[i] = t;
  }
  const currentValues = {} as Record<WeatherVariable, number | null>;
  const hourlyValues = {} as Record<WeatherVariable, Float64Array>;
  for (const v of WEATHER_VARIABLES) {
    if (!(v in current)) throw new SourceFormatError(url, `current.${v}`, 'missing');
    currentValues[v] = scaled(current[v], url, `current.${v}`);
    const arr = hourly[v];
    if (!Array.isArray(arr) || arr.length !== n)
      throw new SourceFormatError(url, `hourly.${v}`, `is not an array of ${n} values (one per hourly.time)`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = scaled(arr[i], url, `hourly.${v}[${i}]`) ?? NaN;
    hourlyValues[v] = out;
  }
  return {
    region: region.id,
    body,
    current: { time: currentTime, values: currentValues },
    hourly: { time, values: hourlyValues },
  };
}

/**
 * Fetches and decodes one region's forecast, retrying what may pass (no answer, 5xx, 429) with
 * doubling back-off; a malformed body is not retried (the same request gives the same body).
 */
export async function fetchRegionWeather(
  baseUrl: string,
  region: WeatherRegion,
  opts: OpenMeteoFetchOptions,
): Promise<RegionWeather> {
  const url = forecastUrl(baseUrl, region);
  return decodeForecast(region, redactUrl(url), await fetchOpenMeteo(url, opts));
}

export interface OpenMeteoFetchOptions {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * GET an Open-Meteo URL (forecast or archive API): the body of a 2xx answer. No answer, 5xx and
 * 429 are retried with doubling back-off, then thrown as a retryable SourceFetchError; a 4xx is
 * thrown at once quoting Open-Meteo's `reason`.
 */
export async function fetchOpenMeteo(url: string, opts: OpenMeteoFetchOptions): Promise<Buffer> {
  const shown = redactUrl(url);
  for (let attempt = 1; ; attempt++) {
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          signal: AbortSignal.timeout(opts.timeoutMs),
          headers: { accept: 'application/json' },
        });
      } catch (e) {
        throw new SourceFetchError(shown, `not reachable: ${(e as Error).message}`, true);
      }
      let body: Buffer;
      try {
        body = Buffer.from(await res.arrayBuffer());
      } catch (e) {
        throw new SourceFetchError(shown, `transfer ended early: ${(e as Error).message}`, true);
      }
      if (!res.ok) {
        // Open-Meteo answers 400 with {"error":true,"reason":"…"} for bad parameters
        const reason = /"reason"\s*:\s*"([^"]{0,200})"/.exec(body.toString('utf8'))?.[1];
        throw new SourceFetchError(
          shown,
          `HTTP ${res.status}${reason ? `: ${reason}` : ''}`,
          res.status >= 500 || res.status === 429,
        );
      }
      return body;
    } catch (e) {
      if (!(e instanceof SourceFetchError) || !e.retryable || attempt >= opts.attempts) throw e;
      await opts.sleep(opts.backoffMs * 2 ** (attempt - 1));
    }
  }
}
