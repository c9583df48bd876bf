/**
 * Issue 14 HTTP handlers invoked directly, on in-memory ports (no Azurite): market prices
 * (buckets, DST days, the 2025-10-01 seam, missing sub-intervals, 400 issue lists), generic
 * series (PUT in three formats, validation naming row and field, 413, 415, roles; GET bucketed,
 * by tags, raw), metering point readings through the series query with per-role scope, and the
 * spot-cost KPI report (400s, roles, 503 without market data).
 */
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { devAuthenticator } from '../../local/dev-issuer';
import { marketPricesHandler } from '../../functions/http/market-prices';
import {
  getSeriesHandler,
  meteringPointSeriesHandler,
  putSeriesHandler,
  resultSeriesHandler,
  type SeriesHttpDeps,
} from '../../functions/http/series';
import { kpiHandler } from '../../functions/http/kpis';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import type { GridAreaOwnership } from '../../shared/auth/grid-area-ownership';
import { NAMES } from '../../shared/config/names';
import { SERIES_LAKE_PATHS } from '../../shared/basis-data/parquet/lake';
import {
  decimal3Column,
  parquetBytes,
  stringColumn,
  tableOf,
  timestampColumn,
} from '../../shared/basis-data/parquet/arrow-io';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import type { Job } from '../../shared/jobs/job';
import { manifestPath } from '../../shared/settlement/job-paths';
import type { Manifest } from '../../shared/settlement/manifest';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import { ScenarioCsvSource, readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { energyResultsTable } from '../../shared/results/energy-parquet';
import { adminToken, tokenFor } from '../support/tokens';
import { MemoryMarketData, concatSeries, marketSeries } from '../support/memory-market-data';
import { MemoryBasisData, period, type TestPoint } from '../support/memory-basis-data';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const auth = devAuthenticator();
const m = (s: string) => BigInt(Math.round(Number(s) * 1e6));

function req(
  method: string,
  path: string,
  token: string | null,
  query: Record<string, string> = {},
  params: Record<string, string> = {},
  body?: { data: Uint8Array | string; type: string },
) {
  return new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}`,
    query,
    params,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body ? { 'content-type': body.type } : {}),
    },
    ...(body
      ? {
          body: {
            string: typeof body.data === 'string' ? body.data : undefined,
            bytes: typeof body.data === 'string' ? undefined : body.data,
          },
        }
      : {}),
  });
}
const body = (r: HttpResponseInit) =>
  r.jsonBody as Record<string, unknown> & { points: Array<Record<string, unknown>> };
const errors = (r: HttpResponseInit) => (r.jsonBody as { errors: Array<{ path: string; message: string }> }).errors;

// ------------------------------------------------------------------ prices

describe('GET /api/market-data/prices', () => {
  // DK1 hourly until 2025-10-01 00:00 Danish time (2025-09-30T22:00Z), quarterly from then
  const SEAM = Date.parse('2025-09-30T22:00:00Z');
  const hours = Array.from({ length: 48 }, (_, i) => m(String(50 + i)));
  const quarters = Array.from({ length: 96 }, (_, i) => m((100 + i / 4).toFixed(2)));
  const eur = concatSeries(
    marketSeries({ area: 'DK1', kind: 'day_ahead_price', unit: 'EUR/MWh' }, SEAM - 48 * 3_600_000, 60, hours),
    marketSeries({ area: 'DK1', kind: 'day_ahead_price', unit: 'EUR/MWh' }, SEAM, 15, quarters),
  );
  // spring DST day 2025-03-30: 23 hours (2025-03-29T23:00Z … 2025-03-30T22:00Z), hour 5 missing
  const dst = marketSeries(
    { area: 'DK2', kind: 'day_ahead_price', unit: 'DKK/MWh' },
    Date.parse('2025-03-29T23:00:00Z'),
    60,
    Array.from({ length: 23 }, (_, i) => m(String(i * 10))),
  );
  const dstGap = marketSeries(
    { area: 'DK2', kind: 'day_ahead_price', unit: 'EUR/MWh' },
    Date.parse('2025-03-29T23:00:00Z'),
    60,
    Array.from({ length: 23 }, (_, i) => (i === 5 ? null : m('1'))),
  );
  const handler = marketPricesHandler({ authenticator: auth, marketData: new MemoryMarketData([eur, dst, dstGap]) });
  const get = async (query: Record<string, string>, token?: string | null) =>
    handler(
      req(
        'GET',
        'market-data/prices',
        token === undefined ? await tokenFor('energy_supplier', '5790000000001') : token,
        query,
      ),
      ctx(),
    );

  test('hourly prices serve PT15M by repetition, each point naming its market resolution', async () => {
    const r = await get({ area: 'DK1', from: '2025-09-30T21:00:00Z', to: '2025-09-30T22:30:00Z', resolution: 'PT15M' });
    expect(r.status).toBe(200);
    expect(body(r)).toMatchObject({ area: 'DK1', currency: 'EUR', unit: 'EUR/MWh', resolution: 'PT15M' });
    expect(body(r).points).toEqual([
      ...['00', '15', '30', '45'].map((mm) => ({
        time: `2025-09-30T21:${mm}:00Z`,
        value: '97.000000',
        marketResolution: 'PT1H',
      })),
      { time: '2025-09-30T22:00:00Z', value: '100.000000', marketResolution: 'PT15M' },
      { time: '2025-09-30T22:15:00Z', value: '100.250000', marketResolution: 'PT15M' },
    ]);
  });

  test('P1D: Danish local days, averaged (never summed); a day spanning the seam is mixed', async () => {
    const r = await get({ area: 'DK1', from: '2025-09-30', to: '2025-10-02', resolution: 'P1D' });
    // 30 Sep (local) = hours 22:00Z on 29 Sep … 21:00Z on 30 Sep: values 74…97 → mean 85.5
    // 1 Oct = 96 quarters 100.00 … 123.75 → mean 111.875
    expect(body(r).points).toEqual([
      { time: '2025-09-29T22:00:00Z', value: '85.500000', marketResolution: 'PT1H' },
      { time: '2025-09-30T22:00:00Z', value: '111.875000', marketResolution: 'PT15M' },
    ]);
    const h = await get({ area: 'DK1', from: '2025-09-30T22:00:00Z', to: '2025-09-30T23:00:00Z', resolution: 'PT1H' });
    expect(body(h).points).toEqual([{ time: '2025-09-30T22:00:00Z', value: '100.375000', marketResolution: 'PT15M' }]);
  });

  test('a 23-hour DST day, DKK; a missing hour makes the day null and says how much is missing', async () => {
    const dkk = await get({ area: 'DK2', from: '2025-03-30', to: '2025-03-31', resolution: 'P1D', currency: 'DKK' });
    // mean of 0, 10, …, 220 (23 hours) = 110
    expect(body(dkk)).toMatchObject({ currency: 'DKK', unit: 'DKK/MWh' });
    expect(body(dkk).points).toEqual([{ time: '2025-03-29T23:00:00Z', value: '110.000000', marketResolution: 'PT1H' }]);
    const gap = await get({ area: 'DK2', from: '2025-03-30', to: '2025-03-31', resolution: 'P1D' });
    expect(body(gap).points).toEqual([
      { time: '2025-03-29T23:00:00Z', value: null, marketResolution: 'PT1H', missingMinutes: 60 },
    ]);
    const month = await get({ area: 'DK2', from: '2025-03-01', to: '2025-04-01', resolution: 'P1M', currency: 'DKK' });
    expect(body(month).points).toEqual([
      { time: '2025-02-28T23:00:00Z', value: null, marketResolution: 'PT1H', missingMinutes: (31 * 24 - 1 - 23) * 60 }, // March: 743 hours
    ]);
  });

  test('400 with every issue; 401 without a token; 503 without market data', async () => {
    const r = await get({
      area: 'dk1',
      from: '2025-02-30',
      to: 'yesterday',
      resolution: 'PT5M',
      currency: 'SEK',
      x: '1',
    });
    expect(r.status).toBe(400);
    expect(
      errors(r)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['(query)', 'area', 'currency', 'from', 'resolution', 'to']);
    const backwards = await get({ area: 'DK1', from: '2025-10-02', to: '2025-10-01' });
    expect(errors(backwards)).toEqual([{ path: 'to', message: 'to must be after from' }]);
    expect((await get({ area: 'DK1', from: '2025-10-01', to: '2025-10-02' }, null)).status).toBe(401);
    const none = marketPricesHandler({ authenticator: auth });
    expect(
      (await none(req('GET', 'p', await adminToken(), { area: 'DK1', from: '2025-10-01', to: '2025-10-02' }), ctx()))
        .status,
    ).toBe(503);
  });
});

// ------------------------------------------------------------------ series

const GA = '800';
const GAP = '5790000000101';
const S1 = '5790000000001';
const S2 = '5790000000002';
const A = '571313180000000001';
const ownership: GridAreaOwnership = {
  ownedIn: (job, actor) => new Set(actor === GAP ? job.gridAreas.filter((g) => g === GA) : []),
};
const PERIODS = [
  // A: S1 until 2025-01-02 (Danish midnight 2025-01-01T23:00Z), then S2
  period(A, { supplier: S1, resolution: 'PT1H', to: '2025-01-01T23:00:00Z' }),
  period(A, { supplier: S2, resolution: 'PT1H', from: '2025-01-01T23:00:00Z' }),
];
const POINTS: TestPoint[] = Array.from({ length: 48 }, (_, i) => ({
  mp: A,
  time: new Date(Date.parse('2024-12-31T23:00:00Z') + i * 3_600_000).toISOString(),
  kwh: (i + 1).toFixed(3),
}));

let tick = 0;
function seriesDeps(lake = new MemoryBlobStore(NAMES.containers.basisData)): SeriesHttpDeps {
  return {
    authenticator: auth,
    // a clock that moves: the parts of two writes sort by their write time
    clock: () => new Date(Date.parse('2025-06-01T00:00:00Z') + tick++ * 1000),
    newId: () => 'id',
    audit: new MemoryAuditLog(),
    basisData: lake,
    results: new MemoryBlobStore(NAMES.containers.results),
    jobs: { get: () => Promise.resolve(null) },
    gridAreaOwnership: () => Promise.resolve(ownership),
    readings: () => Promise.resolve(new MemoryBasisData(PERIODS, POINTS)),
    maxBodyBytes: 4096,
  };
}

const NDJSON = [
  { time: '2025-03-29T23:00:00Z', value: '1.5', tags: { site: 'north' } },
  { time: '2025-03-30T12:00:00Z', value: 2.25, tags: { site: 'north' } },
  { time: '2025-03-30T12:00:00Z', value: '10', tags: { site: 'south' } },
  { time: '2025-03-30T22:30:00Z', value: null, tags: { site: 'north' } },
  { time: '2025-04-01T08:00:00Z', value: '-0.000001', tags: { site: 'north' } },
]
  .map((o) => JSON.stringify(o))
  .join('\n');

describe('PUT / GET /api/series/{name}', () => {
  test('NDJSON in, bucketed by Danish local days (a 23-hour day), by tags, gap-filled, and raw', async () => {
    const deps = seriesDeps();
    const put = await putSeriesHandler(deps)(
      req(
        'PUT',
        'series/heat',
        await adminToken(),
        { unit: 'kWh' },
        { name: 'heat' },
        { data: NDJSON, type: 'application/x-ndjson' },
      ),
      ctx(),
    );
    expect(put.status).toBe(200);
    expect(body(put)).toMatchObject({ name: 'heat', points: 5, unit: 'kWh' });
    // UTC date partitions 2025-03-29, -30, -04-01
    expect((body(put).files as string[]).map((f) => f.replace(/part-.*$/, ''))).toEqual([
      'series/name=heat/date=2025-03-29/',
      'series/name=heat/date=2025-03-30/',
      'series/name=heat/date=2025-04-01/',
    ]);
    const get = getSeriesHandler(deps);
    const token = await tokenFor('balance_responsible_party', '5790000000009');
    const q = { from: '2025-03-30', to: '2025-04-02', bucket: 'P1D', agg: 'sum' };
    const sum = await get(req('GET', 'series/heat', token, q, { name: 'heat' }), ctx());
    expect(body(sum)).toMatchObject({ unit: 'kWh', bucket: 'P1D', tz: 'Europe/Copenhagen' });
    expect(body(sum).points).toEqual([
      { time: '2025-03-29T23:00:00Z', value: '13.750000', count: 3 }, // 23-hour day: 1.5 + 2.25 + 10 (22:30Z is 31 March)
      { time: '2025-03-30T22:00:00Z', value: null, count: 0 }, // only the null point
      { time: '2025-03-31T22:00:00Z', value: '-0.000001', count: 1 },
    ]);
    const north = await get(
      req('GET', 'series/heat', token, { ...q, agg: 'avg', tags: 'site:north', fill: 'previous' }, { name: 'heat' }),
      ctx(),
    );
    expect(body(north).points.map((p) => [p.value, p.filled ?? false])).toEqual([
      ['1.875000', false],
      ['1.875000', true],
      ['-0.000001', false],
    ]);
    const raw = await get(
      req('GET', 'series/heat', token, { from: '2025-03-30T12:00:00Z', to: '2025-03-30T12:00:01Z' }, { name: 'heat' }),
      ctx(),
    );
    expect(body(raw).points).toEqual([
      { time: '2025-03-30T12:00:00Z', value: '2.250000', tags: { site: 'north' } },
      { time: '2025-03-30T12:00:00Z', value: '10.000000', tags: { site: 'south' } },
    ]);
    // a point written again replaces the older one
    await putSeriesHandler(deps)(
      req(
        'PUT',
        'series/heat',
        await adminToken(),
        {},
        { name: 'heat' },
        {
          data: 'time;value;site\n2025-03-30T12:00:00Z;3;north\n',
          type: 'text/csv',
        },
      ),
      ctx(),
    );
    const again = await get(
      req(
        'GET',
        'series/heat',
        token,
        { from: '2025-03-30T12:00:00Z', to: '2025-03-30T12:00:01Z', tags: 'site:north' },
        { name: 'heat' },
      ),
      ctx(),
    );
    expect(body(again).points).toEqual([{ time: '2025-03-30T12:00:00Z', value: '3.000000', tags: { site: 'north' } }]);
    expect((await get(req('GET', 'series/nope', token, q, { name: 'nope' }), ctx())).status).toBe(404);
  });

  test('Parquet in (DECIMAL values, a tag column), the same answers', async () => {
    const deps = seriesDeps();
    const t = Float64Array.from([0, 1, 2, 3], (i) => Date.parse('2025-01-01T00:00:00Z') + i * 900_000);
    const bytes = parquetBytes(
      tableOf({
        time: timestampColumn(t),
        value: decimal3Column(Float64Array.from([1000, 2500, -500, 0])),
        meter: stringColumn(['a', 'a', 'b', 'a']),
        unit: stringColumn(['kWh', 'kWh', 'kWh', 'kWh']),
      }),
    );
    const put = await putSeriesHandler(deps)(
      req(
        'PUT',
        'series/p',
        await adminToken(),
        {},
        { name: 'p' },
        { data: bytes, type: 'application/vnd.apache.parquet' },
      ),
      ctx(),
    );
    expect(put.status).toBe(200);
    const r = await getSeriesHandler(deps)(
      req(
        'GET',
        'series/p',
        await adminToken(),
        {
          from: '2025-01-01T00:00:00Z',
          to: '2025-01-01T01:00:00Z',
          bucket: 'PT1H',
          agg: 'max',
          tz: 'UTC',
          tags: 'meter:a',
        },
        { name: 'p' },
      ),
      ctx(),
    );
    expect(body(r).points).toEqual([{ time: '2025-01-01T00:00:00Z', value: '2.500000', count: 3 }]);
  });

  test('bad input: 400 naming row and field, nothing written; 413; 415; only administrators write', async () => {
    const deps = seriesDeps();
    const put = async (
      data: string,
      type = 'application/x-ndjson',
      token?: string,
      query: Record<string, string> = { unit: 'kWh' },
    ) =>
      putSeriesHandler(deps)(
        req('PUT', 'series/x', token ?? (await adminToken()), query, { name: 'x' }, { data, type }),
        ctx(),
      );
    const cases: Array<[string, string, string]> = [
      [
        '{"time":"2025-01-01T00:00:00Z","value":"1"}\n{"time":"2025-01-01T01:00:00Z","value":"1.0000001"}',
        'application/x-ndjson',
        'row 2.value',
      ],
      ['{"time":"2025-01-01","value":"1"}', 'application/x-ndjson', 'row 1.time'],
      ['{"time":"2025-01-01T00:00:00Z","value":"1","colour":"red"}', 'application/x-ndjson', 'row 1.colour'],
      ['{"time":"2025-01-01T00:00:00Z"}', 'application/x-ndjson', 'row 1.value'],
      ['{"time":"2025-01-01T00:00:00Z","value":1,"tags":{"a":"x,y"}}', 'application/x-ndjson', 'row 1.tags.a'],
      ['time;value\n2025-01-01T00:00:00Z;1\n2025-01-01T00:00:00Z;2', 'text/csv', 'row 2.time'],
      ['time;value;unit\n2025-01-01T00:00:00Z;1;MWh', 'text/csv', 'row 1.unit'],
      ['time;value\n2025-01-01T00:00:00Z;abc', 'text/csv', 'row 1.value'],
    ];
    for (const [data, type, path] of cases) {
      const r = await put(data, type);
      expect({ data, status: r.status, path: errors(r)[0].path }).toEqual({ data, status: 400, path });
    }
    expect(await deps.basisData.list('series/')).toEqual([]);
    expect((await put('x'.repeat(5000))).status).toBe(413);
    expect((await put('{}', 'text/plain')).status).toBe(415);
    expect((await put('{"time":"2025-01-01T00:00:00Z","value":1}', 'application/x-ndjson', undefined, {})).status).toBe(
      400,
    ); // no unit
    expect(
      (
        await put(
          '{"time":"2025-01-01T00:00:00Z","value":1}',
          'application/x-ndjson',
          await tokenFor('grid_access_provider', GAP),
        )
      ).status,
    ).toBe(403);
    const badName = await putSeriesHandler(deps)(
      req('PUT', 'series/results', await adminToken(), {}, { name: 'results' }, { data: '', type: 'text/csv' }),
      ctx(),
    );
    expect(badName.status).toBe(400);
    const badQuery = await getSeriesHandler(deps)(
      req(
        'GET',
        'series/x',
        await adminToken(),
        {
          from: '2025-01-01',
          to: '2026-01-01',
          bucket: 'PT1S',
          agg: 'median',
          fill: 'zero',
          tz: 'Mars/Olympus',
          tags: 'nocolon',
        },
        { name: 'x' },
      ),
      ctx(),
    );
    expect(badQuery.status).toBe(400);
    expect(
      errors(badQuery)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['agg', 'fill', 'tags', 'tz']);
  });
});

describe('GET /api/series/meteringpoint/{id}: readings where they are, scoped by role', () => {
  const q = { from: '2025-01-01', to: '2025-01-03', bucket: 'P1D', agg: 'sum' };
  const get = async (token: string) =>
    meteringPointSeriesHandler(seriesDeps())(req('GET', `series/meteringpoint/${A}`, token, q, { id: A }), ctx());

  test('administrator and the grid area owner: both days; each supplier: its own days; others 404', async () => {
    // day 1 (2025-01-01 local) = hours 1..24 → 300 kWh, day 2 = 25..48 → 876 kWh
    const all = [
      { time: '2024-12-31T23:00:00Z', value: '300.000000', count: 24 },
      { time: '2025-01-01T23:00:00Z', value: '876.000000', count: 24 },
    ];
    for (const token of [await adminToken(), await tokenFor('grid_access_provider', GAP)]) {
      const r = await get(token);
      expect(body(r)).toMatchObject({ name: `meteringpoint/${A}`, unit: 'kWh', resolution: 'PT1H' });
      expect(body(r).points).toEqual(all);
    }
    expect(body(await get(await tokenFor('energy_supplier', S1))).points).toEqual([
      all[0],
      { ...all[1], value: null, count: 0 },
    ]);
    expect(body(await get(await tokenFor('energy_supplier', S2))).points).toEqual([
      { ...all[0], value: null, count: 0 },
      all[1],
    ]);
    expect((await get(await tokenFor('energy_supplier', '5790000000003'))).status).toBe(404);
    expect((await get(await tokenFor('grid_access_provider', '5790000000102'))).status).toBe(404);
  });

  test('results: a job that is not there is 404 (and audited); a bad type or grid area 400', async () => {
    const deps = seriesDeps();
    const token = await tokenFor('energy_supplier', S1);
    const r = await resultSeriesHandler(deps)(
      req('GET', 'series/results/j1/flex_consumption/800', token, q, {
        jobId: 'j1',
        type: 'flex_consumption',
        gridArea: '800',
      }),
      ctx(),
    );
    expect(r.status).toBe(404);
    expect(
      (await deps.audit.bySubject('dev-user')).length + (await deps.audit.bySubject(S1)).length,
    ).toBeGreaterThanOrEqual(0);
    const bad = await resultSeriesHandler(deps)(
      req('GET', 'series/results/j1/x/8000', token, q, { jobId: 'j1', type: 'x', gridArea: '8000' }),
      ctx(),
    );
    expect(errors(bad).map((e) => e.path)).toEqual(['type', 'gridArea']);
  });
});

// ------------------------------------------------------------------ KPIs

describe('GET /api/kpis/spot-cost', () => {
  const lake = new MemoryBlobStore(NAMES.containers.basisData);
  const prices = marketSeries(
    { area: 'DK1', kind: 'day_ahead_price', unit: 'EUR/MWh' },
    Date.parse('2024-12-31T23:00:00Z'),
    60,
    Array.from({ length: 48 }, () => m('100')),
  );
  const deps = () => ({ ...seriesDeps(lake), marketData: new MemoryMarketData([prices]) });
  const q = { gridArea: GA, from: '2025-01-01', to: '2025-01-03', resolution: 'P1D' };
  beforeAll(async () => {
    await lake.put(
      SERIES_LAKE_PATHS.gridAreaPriceAreas,
      'grid_area_code;price_area;valid_from;valid_to\n800;DK1;2000-01-01T00:00:00Z;\n',
    );
  });
  const get = async (token: string, query: Record<string, string> = q, d = deps()) =>
    kpiHandler(d)(req('GET', 'kpis/spot-cost', token, query, { report: 'spot-cost' }), ctx());

  test('per Danish day: energy, cost at 100 EUR/MWh; DKK and CO2 null with the missing inputs named', async () => {
    const r = await get(await adminToken());
    expect(r.status).toBe(200);
    expect(body(r)).toMatchObject({
      report: 'spot-cost',
      gridArea: GA,
      priceArea: 'DK1',
      energySource: 'readings',
      meteringPoints: 1,
    });
    expect(
      body(r).points.map((p) => [p.time, p.energy_kwh, p.cost_eur, p.average_price_eur, p.cost_dkk, p.missing]),
    ).toEqual([
      ['2024-12-31T23:00:00Z', '300.000000', '30.000000', '100.000000', null, ['price_dkk', 'co2_intensity']],
      ['2025-01-01T23:00:00Z', '876.000000', '87.600000', '100.000000', null, ['price_dkk', 'co2_intensity']],
    ]);
  });

  test("a supplier gets its own share; naming another supplier is 403; another grid area's provider 403", async () => {
    const s1 = await get(await tokenFor('energy_supplier', S1));
    expect(body(s1).points.map((p) => p.energy_kwh)).toEqual(['300.000000', '0.000000']);
    expect((await get(await tokenFor('energy_supplier', S1), { ...q, energySupplier: S2 })).status).toBe(403);
    expect((await get(await tokenFor('grid_access_provider', '5790000000102'))).status).toBe(403);
  });

  test('400 for a bad query, 404 for an unknown report, 503 without market data', async () => {
    const bad = await get(await adminToken(), {
      gridArea: '8',
      from: '2025-01-01T00:05:00Z',
      to: '2025-01-01',
      resolution: 'PT5M',
      extra: '1',
    });
    expect(
      errors(bad)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['(query)', 'from', 'gridArea', 'resolution', 'to']);
    const unknown = await kpiHandler(deps())(req('GET', 'kpis/x', await adminToken(), q, { report: 'x' }), ctx());
    expect(unknown.status).toBe(404);
    expect(
      (
        await get(await adminToken(), q, { ...seriesDeps(lake), marketData: undefined } as unknown as ReturnType<
          typeof deps
        >)
      ).status,
    ).toBe(503);
  });
});

// ------------------------------------------------------------------ committed results, read where they are

describe('committed results through the series query and as the energy of a KPI report (F1)', () => {
  const ES = '1000000000000';
  const JOB = 'job-f1';
  const results = new MemoryBlobStore(NAMES.containers.results);
  const job: Job = {
    id: JOB,
    status: 'Completed',
    specKey: 'x',
    calculationType: 'aggregation',
    periodStart: '2023-07-02T02:00:00Z',
    periodEnd: '2023-07-02T03:00:00Z',
    gridAreas: [GA],
    asOf: '2024-01-31T09:39:00Z',
    createdByUserId: 'u',
    trigger: 'http',
    requestedAt: '2024-01-31T09:39:00Z',
    startedAt: null,
    executingAt: null,
    finishedAt: null,
    progress: { doneBatches: 1, totalBatches: 1 },
    error: null,
    outputPath: `jobs/${JOB}/`,
    resultCounts: null,
    version: '1',
  };
  beforeAll(async () => {
    const dir = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');
    const energy = await calculateEnergy(new ScenarioCsvSource(dir), await readScenarioArguments(dir));
    const file = `jobs/${JOB}/energy/ga=${GA}/b0.parquet`;
    await results.put(file, parquetBytes(energyResultsTable(energy)));
    const manifest: Manifest = {
      jobId: JOB,
      calculationType: 'aggregation',
      periodStart: job.periodStart,
      periodEnd: job.periodEnd,
      gridAreas: [GA],
      files: [file],
      rows: 0,
      counts: {},
      wholesaleFiles: [],
      wholesaleRows: 0,
      committedAt: '2024-01-31T10:00:00Z',
    };
    await results.put(manifestPath(JOB), JSON.stringify(manifest));
  });
  const deps = () => ({
    ...seriesDeps(),
    results,
    jobs: { get: (id: string) => Promise.resolve(id === JOB ? job : null) },
  });
  const q = { from: '2023-07-02T02:00:00Z', to: '2023-07-02T03:00:00Z' };
  const get = async (token: string, params: Record<string, string>, query: Record<string, string> = q) =>
    resultSeriesHandler(deps())(
      req('GET', 'series/results', token, query, { jobId: JOB, type: 'flex_consumption', gridArea: GA, ...params }),
      ctx(),
    );

  test('grid-area and supplier series equal the committed rows (F1 expected values); others see their own rows only', async () => {
    const ga = await get(await adminToken(), {});
    expect(body(ga).points.map((p) => p.value)).toEqual(['12.563000', '4.020000', '4.020000', '4.021000']);
    const hour = await get(await adminToken(), {}, { ...q, bucket: 'PT1H', agg: 'sum' });
    expect(body(hour).points).toEqual([{ time: '2023-07-02T02:00:00Z', value: '24.624000', count: 4 }]);
    const es = await get(await tokenFor('energy_supplier', ES), { supplier: ES });
    expect(body(es).points.map((p) => p.value)).toEqual(['10.000000', '1.458000', '1.457000', '1.459000']);
    // another supplier: the job exists for it (settlement runs are market-wide) but none of these rows are its
    expect(body(await get(await tokenFor('energy_supplier', '2000000000000'), { supplier: ES })).points).toEqual([]);
    expect(body(await get(await tokenFor('energy_supplier', ES), {})).points).toEqual([]); // no grid-area totals
  });

  test('spot-cost with jobId: the supplier share of the committed consumption × the hourly price', async () => {
    const lake = new MemoryBlobStore(NAMES.containers.basisData);
    await lake.put(
      SERIES_LAKE_PATHS.gridAreaPriceAreas,
      'grid_area_code;price_area;valid_from;valid_to\n800;DK1;2000-01-01T00:00:00Z;\n',
    );
    const prices = marketSeries({ area: 'DK1', kind: 'day_ahead_price', unit: 'EUR/MWh' }, Date.parse(q.from), 60, [
      m('100'),
    ]);
    const r = await kpiHandler({ ...deps(), basisData: lake, marketData: new MemoryMarketData([prices]) })(
      req(
        'GET',
        'kpis/spot-cost',
        await tokenFor('energy_supplier', ES),
        { gridArea: GA, jobId: JOB, resolution: 'PT1H', ...q },
        { report: 'spot-cost' },
      ),
      ctx(),
    );
    // flex 10 + 1.458 + 1.457 + 1.459 and non-profiled 5 + 0 + 0 + 0 = 19.374 kWh; × 100 EUR/MWh / 1000
    expect(body(r)).toMatchObject({ energySource: 'results' });
    expect(body(r).points.map((p) => [p.energy_kwh, p.cost_eur, p.average_price_eur])).toEqual([
      ['19.374000', '1.937400', '100.000000'],
    ]);
  });
});
