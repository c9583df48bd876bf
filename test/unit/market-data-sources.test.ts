/**
 * The real EDS and SMARD clients against fake servers on loopback (test/support/fake-market-data.ts):
 * DST days, the 2025-10-01 MTU seam, paging, null tails, gaps, retries on 5xx/429/timeouts,
 * 404 as no data, strict parsing naming URL and field, every response handed to the archive sink.
 */
import { FakeEds, FakeSmard } from '../support/fake-market-data';
import { localMidnight } from '../../shared/domain/local-time';
import { MarketDataFetchError, MarketDataFormatError } from '../../shared/market-data/errors';
import type { FetchedResponse, HttpGetOptions } from '../../shared/market-data/http-get';
import {
  EDS_DATASETS,
  fetchEdsDataset,
  type EdsClientOptions,
} from '../../shared/market-data/sources/energidataservice';
import { fetchSmardPrices, type SmardClientOptions } from '../../shared/market-data/sources/smard';
import { formatMicro } from '../../shared/market-data/decimal6';
import type { MarketRows } from '../../shared/market-data/rows';
import { loadSettings, SettingsError } from '../../shared/config/settings';
import { microOf } from '../../shared/market-data/decimal6';

jest.setTimeout(20_000);

const HOUR = 3_600_000;
const http: HttpGetOptions = { timeoutMs: 2_000, retries: 3, retryBaseMs: 5 };

/** A deterministic price with 6 decimals: exact in JSON, and different per area, hour and quarter. */
const eurMicro = (area: string, t: number) => (((t / 900_000) % 997) - 300) * 1_000_003 + (area === 'DK2' ? 7 : 0);
const dkkMicro = (area: string, t: number) => eurMicro(area, t) * 7 + 460_001;
const num = (micro: number) => micro / 1e6;

let eds: FakeEds;
let smard: FakeSmard;
beforeEach(async () => {
  eds = await new FakeEds().start();
  smard = await new FakeSmard().start();
});
afterEach(async () => {
  await eds.stop();
  await smard.stop();
});

function edsOpts(sunk: FetchedResponse[], pageLimit = 10_000): EdsClientOptions {
  return {
    baseUrl: eds.url,
    http,
    pageLimit,
    sink: (r) => {
      sunk.push(r);
      return Promise.resolve();
    },
  };
}

function putPrices(areas: string[], fromMs: number, toMs: number) {
  eds.put('Elspotprices', areas, fromMs, toMs, (a, t) => ({
    SpotPriceEUR: num(eurMicro(a, t)),
    SpotPriceDKK: num(dkkMicro(a, t)),
  }));
}

const rowsOf = (r: MarketRows, unit: string, area: string) => {
  const out: Array<[string, number, string]> = [];
  for (let i = 0; i < r.startMs.length; i++)
    if (r.unit[i] === unit && r.area[i] === area)
      out.push([new Date(r.startMs[i]).toISOString(), r.minutes[i], formatMicro(r.value[i])]);
  return out;
};

describe('Energi Data Service client', () => {
  test('spring DST day 2024-03-31: 23 hours per area in EUR and DKK, paged until total, start/end in Danish local time', async () => {
    const day = localMidnight(2024, 3, 31);
    const next = localMidnight(2024, 4, 1);
    putPrices(['DK1', 'DK2', 'SE3'], day - 48 * HOUR, next + 48 * HOUR);
    const sunk: FetchedResponse[] = [];
    const rows = await fetchEdsDataset(edsOpts(sunk, 10), EDS_DATASETS.Elspotprices, {
      fromMs: day,
      toMs: next,
      areas: ['DK1', 'DK2'],
    });
    const eur = rowsOf(rows, 'EUR/MWh', 'DK1');
    expect(eur).toHaveLength(23);
    expect(rowsOf(rows, 'DKK/MWh', 'DK2')).toHaveLength(23);
    expect(rows.area.filter((a) => a === 'SE3')).toHaveLength(0);
    expect(eur[0]).toEqual(['2024-03-30T23:00:00.000Z', 60, formatMicro(BigInt(eurMicro('DK1', day)))]);
    // 01:00Z is 03:00 CEST: the local hour 02:00 does not exist
    expect(eur[1][0]).toBe('2024-03-31T00:00:00.000Z');
    expect(eur[2][0]).toBe('2024-03-31T01:00:00.000Z');
    expect(eur[22][0]).toBe('2024-03-31T21:00:00.000Z');
    // the query: Danish wall-clock, one hour wider each side; 25 h × 2 areas = 50 rows in pages of 10
    const urls = eds.requests.map((u) => new URL(u, 'http://x').searchParams);
    expect(urls.map((q) => q.get('offset'))).toEqual(['0', '10', '20', '30', '40']);
    expect(urls[0].get('start')).toBe('2024-03-30T23:00');
    expect(urls[0].get('end')).toBe('2024-04-01T01:00');
    expect(JSON.parse(urls[0].get('filter')!)).toEqual({ PriceArea: ['DK1', 'DK2'] });
    expect(sunk).toHaveLength(5);
    expect((JSON.parse(sunk[0].body.toString()) as { records: Array<{ HourUTC: string }> }).records[0].HourUTC).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/,
    ); // no Z
  });

  test('autumn DST day 2024-10-27: 25 hours, the repeated local hour twice', async () => {
    const day = localMidnight(2024, 10, 27);
    const next = localMidnight(2024, 10, 28);
    putPrices(['DK1'], day - 24 * HOUR, next + 24 * HOUR);
    const rows = await fetchEdsDataset(edsOpts([]), EDS_DATASETS.Elspotprices, {
      fromMs: day,
      toMs: next,
      areas: ['DK1'],
    });
    const eur = rowsOf(rows, 'EUR/MWh', 'DK1');
    expect(eur).toHaveLength(25);
    expect(eur.map((r) => r[0]).slice(0, 4)).toEqual([
      '2024-10-26T22:00:00.000Z',
      '2024-10-26T23:00:00.000Z',
      '2024-10-27T00:00:00.000Z', // 02:00 CEST
      '2024-10-27T01:00:00.000Z', // 02:00 CET
    ]);
  });

  test('2025-10-01 seam: Elspotprices hourly before, DayAheadPrices quarter-hourly from it, never both for one instant', async () => {
    const from = localMidnight(2025, 9, 30);
    const seam = localMidnight(2025, 10, 1);
    const to = localMidnight(2025, 10, 2);
    putPrices(['DK1'], from - 24 * HOUR, seam + 24 * HOUR); // (the real dataset stops at the seam; the fake does not)
    eds.put('DayAheadPrices', ['DK1'], from - 24 * HOUR, to + 24 * HOUR, (a, t) => ({
      DayAheadPriceEUR: num(eurMicro(a, t) + 1),
      DayAheadPriceDKK: num(dkkMicro(a, t)),
    }));
    const opts = edsOpts([]);
    const hourly = await fetchEdsDataset(opts, EDS_DATASETS.Elspotprices, { fromMs: from, toMs: to, areas: ['DK1'] });
    const quarter = await fetchEdsDataset(opts, EDS_DATASETS.DayAheadPrices, {
      fromMs: from,
      toMs: to,
      areas: ['DK1'],
    });
    const h = rowsOf(hourly, 'EUR/MWh', 'DK1');
    const q = rowsOf(quarter, 'EUR/MWh', 'DK1');
    expect(h).toHaveLength(24);
    expect(h.every((r) => r[1] === 60 && Date.parse(r[0]) < seam)).toBe(true);
    expect(q).toHaveLength(96);
    expect(q.every((r) => r[1] === 15 && Date.parse(r[0]) >= seam)).toBe(true);
    expect(q[0]).toEqual(['2025-09-30T22:00:00.000Z', 15, formatMicro(BigInt(eurMicro('DK1', seam) + 1))]);
    expect(q[1][0]).toBe('2025-09-30T22:15:00.000Z');
  });

  test('CO2Emis: 5-minute g/kWh per price area; a null is absent, a missing record a gap', async () => {
    const from = Date.UTC(2024, 5, 1, 10);
    eds.put('CO2Emis', ['DK1', 'DK2'], from, from + HOUR, (a, t) =>
      t === from + 10 * 60_000 && a === 'DK1' ? undefined : { CO2Emission: t === from + 20 * 60_000 ? null : 101.25 },
    );
    const rows = await fetchEdsDataset(edsOpts([]), EDS_DATASETS.CO2Emis, {
      fromMs: from,
      toMs: from + HOUR,
      areas: ['DK1', 'DK2'],
    });
    expect(rows.kind).toBe('co2_intensity');
    expect(rowsOf(rows, 'g/kWh', 'DK1').map((r) => r[0].slice(11, 16))).toEqual([
      '10:00',
      '10:05',
      '10:15',
      '10:25',
      '10:30',
      '10:35',
      '10:40',
      '10:45',
      '10:50',
      '10:55',
    ]);
    expect(rowsOf(rows, 'g/kWh', 'DK2')).toHaveLength(11);
    expect(new Set(rowsOf(rows, 'g/kWh', 'DK2').map((r) => `${r[1]} ${r[2]}`))).toEqual(new Set(['5 101.25']));
  });

  test('5xx and 429 are retried (Retry-After honoured), and the answer after them is used', async () => {
    const day = localMidnight(2024, 1, 10);
    putPrices(['DK1'], day - 2 * HOUR, day + 26 * HOUR);
    eds.fail('/dataset/Elspotprices', 503);
    eds.fail('/dataset/Elspotprices', 429, { headers: { 'retry-after': '0' } });
    eds.fail('/dataset/Elspotprices', 502);
    const sunk: FetchedResponse[] = [];
    const rows = await fetchEdsDataset(edsOpts(sunk), EDS_DATASETS.Elspotprices, {
      fromMs: day,
      toMs: day + 24 * HOUR,
      areas: ['DK1'],
    });
    expect(rowsOf(rows, 'EUR/MWh', 'DK1')).toHaveLength(24);
    expect(eds.requests).toHaveLength(4);
    expect(sunk.map((r) => r.status)).toEqual([200]); // only final answers are archived
  });

  test('a request that times out is retried', async () => {
    const day = localMidnight(2024, 1, 10);
    putPrices(['DK1'], day, day + 24 * HOUR);
    eds.fail('/dataset/Elspotprices', 200, { delayMs: 1_000, body: '{"total":0,"records":[]}' });
    const rows = await fetchEdsDataset(
      { ...edsOpts([]), http: { ...http, timeoutMs: 200 } },
      EDS_DATASETS.Elspotprices,
      { fromMs: day, toMs: day + 24 * HOUR, areas: ['DK1'] },
    );
    expect(rowsOf(rows, 'EUR/MWh', 'DK1')).toHaveLength(24);
    expect(eds.requests).toHaveLength(2);
  });

  test('a source that keeps failing: MarketDataFetchError naming the URL and attempts', async () => {
    for (let i = 0; i < 4; i++) eds.fail('/dataset/Elspotprices', 500);
    const err = await fetchEdsDataset(edsOpts([]), EDS_DATASETS.Elspotprices, {
      fromMs: Date.UTC(2024, 0, 1),
      toMs: Date.UTC(2024, 0, 2),
      areas: ['DK1'],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MarketDataFetchError);
    expect((err as MarketDataFetchError).message).toContain(`${eds.url}/dataset/Elspotprices?start=`);
    expect((err as MarketDataFetchError).message).toContain('HTTP 500 (after 4 attempts)');
  });

  test('a 400 is not retried; a 404 is no data (archived, nothing parsed)', async () => {
    eds.fail('/dataset/Elspotprices', 400, { body: '{"error":"bad filter"}' });
    await expect(
      fetchEdsDataset(edsOpts([]), EDS_DATASETS.Elspotprices, {
        fromMs: Date.UTC(2024, 0, 1),
        toMs: Date.UTC(2024, 0, 2),
        areas: ['DK1'],
      }),
    ).rejects.toThrow(/HTTP 400: \{"error":"bad filter"\} \(after 1 attempt\)/);
    const sunk: FetchedResponse[] = [];
    const rows = await fetchEdsDataset(edsOpts(sunk), EDS_DATASETS.CO2Emis, {
      fromMs: Date.UTC(2024, 0, 1),
      toMs: Date.UTC(2024, 0, 2),
      areas: ['DK1'],
    });
    expect(rows.startMs).toHaveLength(0);
    expect(sunk.map((r) => r.status)).toEqual([404]);
  });

  test.each([
    ['not JSON', '<html>oops</html>', '(body)', /not JSON/],
    ['total missing', '{"records":[]}', 'total', /expected number/],
    [
      'a price as a string',
      '{"total":1,"records":[{"HourUTC":"2024-01-01T00:00:00","PriceArea":"DK1","SpotPriceEUR":"12.5","SpotPriceDKK":1}]}',
      'records[0].SpotPriceEUR',
      /expected a number or null, got "12.5"/,
    ],
    [
      'a time with a zone offset',
      '{"total":1,"records":[{"HourUTC":"2024-01-01T00:00:00+01:00","PriceArea":"DK1","SpotPriceEUR":1,"SpotPriceDKK":1}]}',
      'records[0].HourUTC',
      /is not a datetime/,
    ],
    [
      'a time off the hour',
      '{"total":1,"records":[{"HourUTC":"2024-01-01T00:30:00","PriceArea":"DK1","SpotPriceEUR":1,"SpotPriceDKK":1}]}',
      'records[0].HourUTC',
      /60-minute boundary/,
    ],
    [
      'a price with 7 decimals',
      '{"total":1,"records":[{"HourUTC":"2024-01-01T00:00:00","PriceArea":"DK1","SpotPriceEUR":1.1234567,"SpotPriceDKK":1}]}',
      'records[0].SpotPriceEUR',
      /more than 6 decimals/,
    ],
    [
      'a column missing',
      '{"total":1,"records":[{"HourUTC":"2024-01-01T00:00:00","PriceArea":"DK1","SpotPriceEUR":1}]}',
      'records[0].SpotPriceDKK',
      /missing/,
    ],
  ])(
    'malformed body (%s): MarketDataFormatError naming URL and field; the body was archived first',
    async (_n, body, field, reason) => {
      eds.fail('/dataset/Elspotprices', 200, { body });
      const sunk: FetchedResponse[] = [];
      const err = await fetchEdsDataset(edsOpts(sunk), EDS_DATASETS.Elspotprices, {
        fromMs: Date.UTC(2024, 0, 1),
        toMs: Date.UTC(2024, 0, 2),
        areas: ['DK1'],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MarketDataFormatError);
      const e = err as MarketDataFormatError;
      expect(e.url).toBe(`${eds.url}${eds.requests[0]}`);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(reason);
      expect(e.message).toContain(e.url);
      expect(sunk.map((r) => r.body.toString())).toEqual([body]);
    },
  );
});

describe('SMARD client', () => {
  function smardOpts(sunk: FetchedResponse[] = []): SmardClientOptions {
    return {
      baseUrl: smard.url,
      http,
      pauseMs: 0,
      sink: (r) => {
        sunk.push(r);
        return Promise.resolve();
      },
    };
  }
  const price = (t: number) => Math.round(((t / HOUR) % 500) * 100 - 12_000) / 100; // 2 decimals, negatives too

  test('DST weeks: 167 and 169 hours, weekly chunks starting Monday 00:00 Berlin; the unsorted index is sorted', async () => {
    smard.put(4169, 'DE-LU', 'hour', Date.UTC(2024, 2, 10), Date.UTC(2024, 10, 10), price);
    const spring = await fetchSmardPrices(smardOpts(), {
      region: 'DE-LU',
      fromMs: localMidnight(2024, 3, 25),
      toMs: localMidnight(2024, 4, 1),
    });
    expect(spring.startMs).toHaveLength(167);
    expect(new Set(spring.minutes)).toEqual(new Set([60]));
    const autumn = await fetchSmardPrices(smardOpts(), {
      region: 'DE-LU',
      fromMs: localMidnight(2024, 10, 21),
      toMs: localMidnight(2024, 10, 28),
    });
    expect(autumn.startMs).toHaveLength(169);
    expect(rowsOf(autumn, 'EUR/MWh', 'DE-LU')[0]).toEqual([
      '2024-10-20T22:00:00.000Z',
      60,
      formatMicro(BigInt(Math.round(price(Date.UTC(2024, 9, 20, 22)) * 1e6))),
    ]);
    // the chunk of the week, by its start (1729461600000 = 2024-10-20T22:00Z, the reference's example)
    expect(smard.requests).toContain('/chart_data/4169/DE-LU/4169_DE-LU_hour_1729461600000.json');
  });

  test('a range across two weeks reads both chunks in order and clips to the range', async () => {
    smard.put(4169, 'DE-LU', 'hour', Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1), price);
    const rows = await fetchSmardPrices(smardOpts(), {
      region: 'DE-LU',
      fromMs: Date.UTC(2024, 0, 13, 5),
      toMs: Date.UTC(2024, 0, 16, 5),
    });
    expect(rows.startMs).toHaveLength(72);
    expect(rows.startMs[0]).toBe(Date.UTC(2024, 0, 13, 5));
    const chunks = smard.requests.filter((r) => !r.includes('index'));
    expect(chunks).toEqual([
      `/chart_data/4169/DE-LU/4169_DE-LU_hour_${Date.UTC(2024, 0, 7, 23)}.json`,
      `/chart_data/4169/DE-LU/4169_DE-LU_hour_${Date.UTC(2024, 0, 14, 23)}.json`,
    ]);
  });

  test('the seam week 2025-09-29: hourly before 2025-10-01 00:00 CEST, quarter-hourly from it', async () => {
    const week = localMidnight(2025, 9, 29);
    const seam = localMidnight(2025, 10, 1);
    smard.put(4169, 'DE-LU', 'hour', week - 7 * 24 * HOUR, seam, price);
    // SMARD's quarterhour series also holds the hourly prices repeated before the seam: not taken
    smard.put(4169, 'DE-LU', 'quarterhour', week, week + 7 * 24 * HOUR, (t) => (t < seam ? 999 : price(t) + 0.25));
    const rows = await fetchSmardPrices(smardOpts(), { region: 'DE-LU', fromMs: week, toMs: week + 7 * 24 * HOUR });
    const r = rowsOf(rows, 'EUR/MWh', 'DE-LU');
    expect(r.filter((x) => x[1] === 60)).toHaveLength(48);
    expect(r.filter((x) => x[1] === 15)).toHaveLength(5 * 96);
    expect(r.some((x) => x[2] === '999')).toBe(false);
    expect(r[48]).toEqual([
      '2025-09-30T22:00:00.000Z',
      15,
      formatMicro(BigInt(Math.round((price(seam) + 0.25) * 1e6))),
    ]);
  });

  test('null tail = not published yet, a null inside = a gap: both absent, never 0', async () => {
    const week = localMidnight(2024, 6, 3);
    const publishedUntil = week + 3 * 24 * HOUR + 5 * HOUR;
    smard.put(4169, 'DE-LU', 'hour', week, publishedUntil, (t) => (t === week + 10 * HOUR ? null : price(t)));
    const sunk: FetchedResponse[] = [];
    const rows = await fetchSmardPrices(smardOpts(sunk), { region: 'DE-LU', fromMs: week, toMs: week + 7 * 24 * HOUR });
    expect(rows.startMs).toHaveLength(3 * 24 + 5 - 1);
    expect(rows.startMs.includes(week + 10 * HOUR)).toBe(false);
    expect(rows.startMs[rows.startMs.length - 1]).toBe(publishedUntil - HOUR);
    const chunk = JSON.parse(sunk[1].body.toString()) as { series: Array<[number, number | null]> };
    expect(chunk.series).toHaveLength(168); // the chunk itself is padded to the end of the week
    expect(chunk.series[167][1]).toBeNull();
  });

  test('404: unknown region/filter combination is no data; mismatched repeated path parameters are 404', async () => {
    smard.put(4169, 'DE-LU', 'hour', Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 8), price);
    const sunk: FetchedResponse[] = [];
    const rows = await fetchSmardPrices(smardOpts(sunk), {
      region: 'AT',
      fromMs: Date.UTC(2024, 0, 1),
      toMs: Date.UTC(2024, 0, 8),
    });
    expect(rows.startMs).toHaveLength(0);
    expect(sunk.map((r) => [r.url.replace(smard.url, ''), r.status])).toEqual([
      ['/chart_data/4170/AT/index_hour.json', 404],
    ]);
    const ts = Date.UTC(2023, 11, 31, 23);
    expect((await fetch(`${smard.url}/chart_data/4169/DE-LU/4169_DE_hour_${ts}.json`)).status).toBe(404);
    expect((await fetch(`${smard.url}/chart_data/4169/DE-LU/4169_DE-LU_hour_${ts}.json`)).status).toBe(200);
  });

  test('5xx on a chunk, then success: retried', async () => {
    smard.put(4169, 'DE-LU', 'hour', Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 8), price);
    smard.fail('4169_DE-LU_hour_', 503);
    smard.fail('4169_DE-LU_hour_', 500);
    const rows = await fetchSmardPrices(smardOpts(), {
      region: 'DE-LU',
      fromMs: Date.UTC(2024, 0, 1),
      toMs: Date.UTC(2024, 0, 7, 23),
    });
    expect(rows.startMs).toHaveLength(167); // Monday 2024-01-01 00:00Z up to Sunday 23:00Z
    expect(smard.requests.filter((r) => r.includes('4169_DE-LU_hour_'))).toHaveLength(3);
  });

  test.each([
    ['not JSON', 'not json', '(body)', /not JSON/],
    ['series missing', '{"meta_data":{"version":1,"created":1}}', 'series', /expected array/],
    ['a timestamp as a string', '{"series":[["1704063600000",1.5]]}', 'series[0][0]', /expected number/],
    ['a value as a string', '{"series":[[1704063600000,"1.5"]]}', 'series[0][1]', /expected number/],
    ['a value as a boolean', '{"series":[[1704063600000,true]]}', 'series[0][1]', /expected number/],
    ['a pair with one element', '{"series":[[1704063600000]]}', 'series[0]', /.+/],
  ])('malformed chunk (%s): error names URL and field', async (_n, body, field, reason) => {
    smard.put(4169, 'DE-LU', 'hour', Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 8), price);
    smard.fail('4169_DE-LU_hour_', 200, { body });
    const err = await fetchSmardPrices(smardOpts(), {
      region: 'DE-LU',
      fromMs: Date.UTC(2024, 0, 1),
      toMs: Date.UTC(2024, 0, 7),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MarketDataFormatError);
    const e = err as MarketDataFormatError;
    expect(e.url).toBe(`${smard.url}/chart_data/4169/DE-LU/4169_DE-LU_hour_${Date.UTC(2023, 11, 31, 23)}.json`);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(reason);
  });
});

describe('market data settings and decimals', () => {
  const base = { STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_DEV_ISSUER: 'true' };

  test('defaults: the public hosts, EDS DK1+DK2 and SMARD DE-LU hourly; a trailing slash is dropped', () => {
    const s = loadSettings(base).marketData;
    expect(s).toMatchObject({
      energiDataServiceUrl: 'https://api.energidataservice.dk',
      smardUrl: 'https://www.smard.de/app',
      timerSources: [
        { source: 'energidataservice', areas: ['DK1', 'DK2'] },
        { source: 'smard', areas: ['DE-LU'] },
      ],
      timerCron: '0 10 * * * *',
    });
    expect(loadSettings({ ...base, SMARD_URL: 'http://127.0.0.1:9/app/' }).marketData.smardUrl).toBe(
      'http://127.0.0.1:9/app',
    );
    expect(loadSettings({ ...base, MARKET_DATA_TIMER_SOURCES: '[]' }).marketData.timerSources).toEqual([]);
  });

  test('an area the source does not serve, or an unknown source, is refused naming the setting', () => {
    const err = (env: Record<string, string>) => {
      try {
        loadSettings({ ...base, ...env });
      } catch (e) {
        return (e as SettingsError).issues.join('\n');
      }
      return '';
    };
    expect(err({ MARKET_DATA_TIMER_SOURCES: '[{"source":"smard","areas":["DK1"]}]' })).toMatch(
      /^MARKET_DATA_TIMER_SOURCES\.0\.areas: smard has no area DK1/,
    );
    expect(err({ MARKET_DATA_TIMER_SOURCES: '[{"source":"nordpool","areas":["DK1"]}]' })).toMatch(
      /^MARKET_DATA_TIMER_SOURCES\.0\.source/,
    );
    expect(err({ ENERGIDATASERVICE_URL: 'not a url' })).toMatch(/^ENERGIDATASERVICE_URL/);
  });

  test('JSON numbers become exact micro-units; more than 6 decimals is refused, not rounded', () => {
    expect(microOf(690.700059)).toBe(690_700_059n);
    expect(microOf(-0.000001)).toBe(-1n);
    expect(microOf(92.54)).toBe(92_540_000n);
    expect(microOf(1e14)).toBe(100_000_000_000_000_000_000n);
    expect(microOf(0.1 + 0.2)).toMatch(/more than 6 decimals/); // 0.30000000000000004
    expect(microOf(1e-7)).toMatch(/more than 6 decimals/);
    expect(microOf(Number.NaN)).toBe('not a finite number');
    expect(formatMicro(-1_500_000n)).toBe('-1.5');
  });
});
