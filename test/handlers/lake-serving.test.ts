/**
 * The lake's serving routes (issue 15) through the app's own registration: GET /api/datasets/{name}
 * (date ranges, region filter, JSON pages with a cursor, CSV, Parquet, unknown names and
 * traversal attempts) and GET /api/regions/{id}/summary (values equal to the operational rows,
 * the cache invalidated by a replaced and by a new partition). The data is written by the lake's
 * own writers (weather against a loopback Open-Meteo, the stream's compaction).
 */
import * as arrow from 'apache-arrow';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import type { FunctionRegistry, HttpHandler } from '../../functions/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import type { PartitionStore } from '../../shared/lake/partition-store';
import { parquetToTable } from '../../shared/lake/records';
import { tableCells } from '../../shared/lake/serving/cells';
import type { RegionSummary } from '../../shared/lake/serving/region-summary';
import { operationalPath } from '../../shared/lake/zones';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { FakeOpenMeteo, regionsFile, streamEvents, weatherHour } from '../support/lake-serving-data';
import { adminToken, tokenFor } from '../support/tokens';

let meteo: FakeOpenMeteo;
let now = new Date('2024-03-02T12:00:00Z');
let http: Record<string, HttpHandler>;
let partitions: PartitionStore;
let TOKEN = '';

function compose(env: Record<string, string> = {}) {
  const deps = buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
      WEATHER_REGIONS_FILE: regionsFile(),
      LAKE_PAGE_MAX_ROWS: '100',
      ...env,
    }),
    basisData: new MemoryBlobStore('basis'),
    results: new MemoryBlobStore('results'),
    jobs: new MemoryJobStore(),
    messages: new MemoryBlobStore('messages'),
    exports: new MemoryBlobStore('exports'),
    lake: new MemoryBlobStore('lake'),
    bus: () => {
      throw new Error('no Service Bus in this test');
    },
    integrationEvents: new MemoryIntegrationEventStore(),
    publishCompleted: () => Promise.resolve(),
    orchestrationClient: () => ({ start: () => Promise.resolve(), terminate: () => Promise.resolve() }),
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    clock: () => now,
  });
  const handlers: Record<string, HttpHandler> = {};
  const registry: FunctionRegistry = {
    http: (name, o) => void (handlers[name] = o.handler),
    timer: () => undefined,
    serviceBus: () => undefined,
    orchestration: () => undefined,
    activity: () => undefined,
  };
  registerFunctions(registry, deps);
  return { deps, handlers };
}

const get = (
  fn: string,
  path: string,
  params: Record<string, string>,
  opts: { token?: string; accept?: string } = {},
): Promise<HttpResponseInit> =>
  http[fn](
    new HttpRequest({
      method: 'GET',
      url: `http://localhost:7071/api/${path}`,
      params,
      headers: { authorization: `Bearer ${opts.token ?? TOKEN}`, ...(opts.accept ? { accept: opts.accept } : {}) },
    }),
    new InvocationContext({ functionName: 'test', logHandler: () => {} }),
  );

const dataset = (name: string, query: string, opts: { token?: string; accept?: string } = {}) =>
  get('Dataset', `datasets/${encodeURIComponent(name)}?${query}`, { name }, opts);
const summary = (id: string) => get('RegionSummary', `regions/${encodeURIComponent(id)}/summary`, { id });

type Page = {
  dataset: string;
  count: number;
  rows: Array<Record<string, string | number | null>>;
  nextCursor: string | null;
};
const page = (r: HttpResponseInit) => r.jsonBody as Page;

async function bodyBytes(r: HttpResponseInit): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of r.body as AsyncIterable<Uint8Array>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function operationalRows(dataset: string, date: string) {
  const read = await partitions.read(operationalPath(dataset, date));
  const cells = tableCells(parquetToTable(read!.files.get('part-0.parquet')!));
  return Array.from({ length: cells.rows }, (_, r) =>
    Object.fromEntries(cells.names.map((n, c) => [n, cells.columns[c][r]])),
  );
}

beforeAll(async () => {
  TOKEN = await adminToken();
  meteo = await new FakeOpenMeteo().start();
  const app = compose();
  http = app.handlers;
  partitions = app.deps.lake.partitions;
  await weatherHour(partitions, meteo, '2024-03-01T00:05:00Z', ['5.5', '7.25']);
  await weatherHour(partitions, meteo, '2024-03-01T01:05:00Z', ['6.5', '7.75']);
  await weatherHour(partitions, meteo, '2024-03-02T00:05:00Z', ['-1.125', '3']);
  await streamEvents(partitions, '2024-03-01T10:00:00Z', [
    { eventId: 'e1', region: 'dk1-aarhus', occurredAt: '2024-03-01T09:10:00Z', interest: '1.5' },
    { eventId: 'e2', region: 'dk2-copenhagen', occurredAt: '2024-03-01T09:20:00Z', interest: '2.25' },
    { eventId: 'e3', region: 'se3-stockholm', occurredAt: '2024-03-01T09:30:00Z', interest: '0.125' },
  ]);
  await streamEvents(partitions, '2024-03-02T08:00:00Z', [
    { eventId: 'e4', region: 'dk1-aarhus', occurredAt: '2024-03-02T07:00:00Z', interest: '4' },
    { eventId: 'e5', region: 'dk1-aarhus', occurredAt: '2024-03-02T07:30:00Z', interest: '0.5' },
  ]);
});
afterAll(() => meteo.close());

describe('GET /api/datasets/{name}', () => {
  it('serves a curated dataset by date range and region, decimals as exact text, partition keys first', async () => {
    const all = await dataset('weather_current', 'from=2024-03-01&to=2024-03-02');
    expect(all.status).toBe(200);
    const first = page(all);
    expect(first.count).toBe(6);
    expect(Object.keys(first.rows[0]).slice(0, 3)).toEqual(['date', 'hour', 'region']);
    const region = page(await dataset('weather_current', 'from=2024-03-01&to=2024-03-02&region=dk1-aarhus'));
    expect(region.rows.map((r) => [r.date, r.hour, r.region, r.temperature_2m])).toEqual([
      ['2024-03-01', '00', 'dk1-aarhus', '5.500'],
      ['2024-03-01', '01', 'dk1-aarhus', '6.500'],
      ['2024-03-02', '00', 'dk1-aarhus', '-1.125'],
    ]);
    expect(region.rows[0].observed_at).toBe('2024-03-01T00:00:00.000Z');
    expect(region.nextCursor).toBeNull();
    // one day only (to defaults to from)
    expect(page(await dataset('weather_current', 'from=2024-03-02')).rows.map((r) => r.region)).toEqual([
      'dk1-aarhus',
      'dk2-copenhagen',
    ]);
    // operational datasets and the stream's
    const interest = page(await dataset('market_interest_daily', 'from=2024-03-01&to=2024-03-02'));
    expect(interest.rows).toEqual([
      { date: '2024-03-01', region: 'dk1-aarhus', interest: '1.500', events: 1 },
      { date: '2024-03-01', region: 'dk2-copenhagen', interest: '2.250', events: 1 },
      { date: '2024-03-01', region: 'se3-stockholm', interest: '0.125', events: 1 },
      { date: '2024-03-02', region: 'dk1-aarhus', interest: '4.500', events: 2 },
    ]);
    expect(page(await dataset('regions', 'from=2024-03-02')).rows.map((r) => [r.region, r.first_seen])).toEqual([
      ['dk1-aarhus', '2024-03-01'],
      ['dk2-copenhagen', '2024-03-01'],
      ['se3-stockholm', '2024-03-01'],
    ]);
    // a range without partitions is an empty answer, not an error
    expect(page(await dataset('weather_rolling', 'from=2023-01-01&to=2023-01-31'))).toEqual({
      dataset: 'weather_rolling',
      count: 0,
      rows: [],
      nextCursor: null,
    });
  });

  it('pages JSON with a cursor (bounded by LAKE_PAGE_MAX_ROWS) and refuses altered, foreign and outdated cursors', async () => {
    const q = 'from=2024-03-01&to=2024-03-02';
    const whole: Page['rows'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await dataset('weather_forecast', `${q}&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      const p = page(r);
      expect(p.count).toBeLessThanOrEqual(50);
      if (p.nextCursor) expect(String((r.headers as Record<string, string>).link)).toContain('rel="next"');
      whole.push(...p.rows);
      cursor = p.nextCursor;
      pages++;
    } while (cursor && pages < 1000);
    // 3 issued hours × 2 regions × 168 forecast hours, each row once, in order
    expect(whole).toHaveLength(3 * 2 * 168);
    expect(new Set(whole.map((r) => `${r.date}|${r.issued_hour}|${r.region}|${r.time}`)).size).toBe(whole.length);
    expect(pages).toBe(Math.ceil(whole.length / 50));

    const p1 = page(await dataset('weather_current', `${q}&limit=2`));
    expect(p1.nextCursor).not.toBeNull();
    const cur = p1.nextCursor as string;
    const refused = async (query: string, message: RegExp) => {
      const r = await dataset('weather_current', query);
      expect(r.status).toBe(400);
      const errors = (r.jsonBody as { errors: Array<{ path: string; message: string }> }).errors;
      expect(errors[0].path).toBe('cursor');
      expect(errors[0].message).toMatch(message);
    };
    await refused(`${q}&cursor=${cur.slice(0, -2)}xy`, /malformed|altered/);
    await refused(`${q}&region=dk1-aarhus&cursor=${cur}`, /another query/);
    // a page larger than the setting → 400 naming limit
    const big = await dataset('weather_current', `${q}&limit=101`);
    expect(big.status).toBe(400);
    expect((big.jsonBody as { errors: Array<{ path: string }> }).errors[0].path).toBe('limit');
    // the partition the cursor points into is replaced (a re-run of that hour with other values)
    const p2 = page(await dataset('weather_current', `${q}&limit=3`));
    expect(p2.rows[2].hour).toBe('01');
    await weatherHour(partitions, meteo, '2024-03-01T01:05:00Z', ['6.5', '7.5']);
    await refused(`${q}&limit=3&cursor=${p2.nextCursor}`, /changed since/);
    await weatherHour(partitions, meteo, '2024-03-01T01:05:00Z', ['6.5', '7.75']);
  });

  it('streams CSV and Parquet (chosen by format or Accept) with the same rows as JSON', async () => {
    const q = 'from=2024-03-01&to=2024-03-02&region=dk2-copenhagen';
    const csv = await dataset('weather_current', `${q}&format=csv`);
    expect(csv.status).toBe(200);
    expect((csv.headers as Record<string, string>)['content-type']).toBe('text/csv');
    const lines = (await bodyBytes(csv)).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('date,hour,region,observed_at,temperature_2m,relative_humidity_2m,wind_speed_10m');
    expect(lines.slice(1)).toEqual([
      '2024-03-01,00,dk2-copenhagen,2024-03-01T00:00:00.000Z,7.250,80.000,12.500',
      '2024-03-01,01,dk2-copenhagen,2024-03-01T01:00:00.000Z,7.750,80.000,12.500',
      '2024-03-02,00,dk2-copenhagen,2024-03-02T00:00:00.000Z,3.000,80.000,12.500',
    ]);
    const pq = await dataset('weather_current', q, { accept: 'application/vnd.apache.parquet' });
    expect((pq.headers as Record<string, string>)['content-type']).toBe('application/vnd.apache.parquet');
    const table = parquetToTable(await bodyBytes(pq));
    expect(table.numRows).toBe(3);
    expect(arrow.DataType.isDecimal(table.schema.fields.find((f) => f.name === 'temperature_2m')!.type)).toBe(true);
    const json = page(await dataset('weather_current', q));
    const cells = tableCells(table);
    expect(
      Array.from({ length: 3 }, (_, r) => Object.fromEntries(cells.names.map((n, c) => [n, cells.columns[c][r]]))),
    ).toEqual(json.rows);
    // streams are whole: limit and cursor are JSON only
    const r = await dataset('weather_current', `${q}&format=csv&limit=2`);
    expect(r.status).toBe(400);
  });

  it('answers 404 for an unknown dataset or a path-like name, 400 with the issue list for bad parameters', async () => {
    for (const name of [
      'nope',
      '../customers',
      '..%2Fcustomers',
      'raw',
      'open_meteo',
      'customers/5790000000001/uploads/x',
    ]) {
      const r = await dataset(name, 'from=2024-03-01');
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.jsonBody)).toContain('weather_current'); // lists what is served
    }
    const bad = await dataset('weather_current', 'from=2024-02-30&to=2023-01-01&format=xml&region=../x');
    expect(bad.status).toBe(400);
    const paths = (bad.jsonBody as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['format', 'from', 'region']);
    const backwards = await dataset('weather_current', 'from=2024-03-02&to=2024-03-01');
    expect((backwards.jsonBody as { errors: Array<{ path: string; message: string }> }).errors).toEqual([
      { path: 'to', message: 'must not be before from' },
    ]);
    const tooLong = await dataset('weather_current', 'from=2023-01-01&to=2024-03-01');
    expect(tooLong.status).toBe(400);
    expect((await dataset('weather_current', '')).status).toBe(400); // from is required
    // every role may read public datasets; a token is required
    const supplier = await tokenFor('energy_supplier', '5790000000001');
    expect((await dataset('regions', 'from=2024-03-02', { token: supplier })).status).toBe(200);
    expect((await dataset('regions', 'from=2024-03-02', { token: 'x' })).status).toBe(401);
  });
});

describe('GET /api/regions/{id}/summary', () => {
  it("answers the region's metadata, latest averages and market interest exactly as the operational rows", async () => {
    const r = await summary('dk1-aarhus');
    expect(r.status).toBe(200);
    const s = r.jsonBody as RegionSummary;
    const rolling = (await operationalRows('weather_rolling', '2024-03-02')).filter((x) => x.region === 'dk1-aarhus');
    const strip = ({ region: _r, ...rest }: Record<string, unknown>) => rest;
    expect(s.weather).toEqual({
      date: '2024-03-02',
      sevenDays: strip(rolling.find((x) => x.window_days === 7)!),
      thirtyDays: strip(rolling.find((x) => x.window_days === 30)!),
    });
    // hand-computed: (5.5 + 6.5 − 1.125) / 3 = 3.625 → 3.63 (HALF_UP)
    expect(s.weather?.sevenDays?.temperature_2m_avg).toBe('3.63');
    expect(s.marketInterest).toEqual({ date: '2024-03-02', interest: '4.500', events: 2 });
    expect(s.metadata).toEqual({ firstSeen: '2024-03-01', name: 'Aarhus', latitude: 56.1567, longitude: 10.2108 });
    // a region without events on the latest day: 0; a stream-only region: no weather, no name
    const cph = (await summary('dk2-copenhagen')).jsonBody as RegionSummary;
    expect(cph.marketInterest).toEqual({ date: '2024-03-02', interest: '0.000', events: 0 });
    const sto = (await summary('se3-stockholm')).jsonBody as RegionSummary;
    expect(sto.weather).toBeNull();
    expect(sto.metadata).toEqual({ firstSeen: '2024-03-01' });
    expect((await summary('no-such-region')).status).toBe(404);
    expect((await summary('../x')).status).toBe(400);
  });

  it('is invalidated by a replaced partition and by a new day', async () => {
    const before = (await summary('dk1-aarhus')).jsonBody as RegionSummary;
    // cached: a second answer is the same object content
    expect((await summary('dk1-aarhus')).jsonBody).toEqual(before);
    await weatherHour(partitions, meteo, '2024-03-02T01:05:00Z', ['10', '3']);
    const after = (await summary('dk1-aarhus')).jsonBody as RegionSummary;
    // (5.5 + 6.5 − 1.125 + 10) / 4 = 5.21875 → 5.22
    expect(after.weather?.sevenDays?.temperature_2m_avg).toBe('5.22');
    expect(after.versions.weather_rolling).not.toBe(before.versions.weather_rolling);
    now = new Date('2024-03-03T09:00:00Z');
    await streamEvents(partitions, '2024-03-03T09:00:00Z', [
      { eventId: 'e6', region: 'dk1-aarhus', occurredAt: '2024-03-03T08:15:00Z', interest: '0.25' },
      { eventId: 'e7', region: 'no-one-yet', occurredAt: '2024-03-03T08:20:00Z', interest: '1' },
    ]);
    const next = (await summary('dk1-aarhus')).jsonBody as RegionSummary;
    expect(next.marketInterest).toEqual({ date: '2024-03-03', interest: '0.250', events: 1 });
    // a region first seen in the new day's partition is known at once
    expect(((await summary('no-one-yet')).jsonBody as RegionSummary).metadata).toEqual({
      firstSeen: '2024-03-03',
    });
  });
});
