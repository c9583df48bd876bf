/**
 * Issue 15 serving end to end on the local host (Azurite, the local durable runtime, real HTTP):
 * weather and stream data written by the lake's writers into the host's lake container, then
 * GET /api/datasets/{name} (incl. traversal attempts in the raw URL), GET /api/regions/{id}/summary
 * (warm latency measured and printed), and a customer's upload → analysis → durable run → results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalHost, type LocalHost } from '../../local/host';
import { PartitionStore } from '../../shared/lake/partition-store';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { NAMES } from '../../shared/config/names';
import { FakeOpenMeteo, regionsFile, streamEvents, weatherHour } from '../support/lake-serving-data';
import { adminFetch, tokenFor } from '../support/tokens';

jest.setTimeout(180_000);

const OWNER = '5790000000001';
let host: LocalHost;
let meteo: FakeOpenMeteo;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lake-serving-e2e-'));
  meteo = await new FakeOpenMeteo().start();
  host = await startLocalHost({
    port: 0,
    dataDir: join(dir, 'host'),
    timers: false,
    serviceBusTriggers: false,
    log: () => {},
    env: { WEATHER_REGIONS_FILE: regionsFile() },
  });
  const lake = new PartitionStore(
    AzureBlobStore.fromConnectionString(host.storageConnectionString, NAMES.containers.lake),
  );
  const today = new Date().toISOString().slice(0, 10);
  await weatherHour(lake, meteo, `${today}T00:05:00Z`, ['5.5', '7.25']);
  await weatherHour(lake, meteo, `${today}T01:05:00Z`, ['6.5', '7.75']);
  await streamEvents(lake, `${today}T02:00:00Z`, [
    { eventId: 'e1', region: 'dk1-aarhus', occurredAt: `${today}T01:10:00Z`, interest: '1.5' },
    { eventId: 'e2', region: 'dk1-aarhus', occurredAt: `${today}T01:20:00Z`, interest: '2.25' },
  ]);
});
afterAll(async () => {
  await host?.stop();
  await meteo?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('datasets over HTTP: JSON, CSV, unknown names and traversal attempts', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const r = await adminFetch(`${host.url}/api/datasets/weather_current?from=${today}&region=dk1-aarhus`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { rows: Array<Record<string, unknown>> };
  expect(body.rows.map((x) => x.temperature_2m)).toEqual(['5.500', '6.500']);
  const csv = await adminFetch(`${host.url}/api/datasets/market_interest_daily?from=${today}&format=csv`);
  expect(await csv.text()).toBe(`date,region,interest,events\r\n${today},dk1-aarhus,3.750,2\r\n`);
  for (const path of [
    '..%2F..%2Fcustomers',
    '..%2Fraw%2Fopen_meteo',
    '%2E%2E',
    'weather_current%2F..%2F..%2F_system',
  ]) {
    const t = await adminFetch(`${host.url}/api/datasets/${path}?from=${today}`);
    expect(t.status).toBe(404);
  }
  // a path the URL parser normalises never reaches the function at all
  expect((await adminFetch(`${host.url}/api/datasets/../customers?from=${today}`)).status).toBe(404);
});

test('region summary over HTTP, warm latency measured (target ≤ 100 ms)', async () => {
  const url = `${host.url}/api/regions/dk1-aarhus/summary`;
  const first = await adminFetch(url);
  expect(first.status).toBe(200);
  const s = (await first.json()) as {
    marketInterest: { interest: string };
    weather: { sevenDays: Record<string, unknown> };
  };
  expect(s.marketInterest.interest).toBe('3.750');
  expect(s.weather.sevenDays.temperature_2m_avg).toBe('6.00');
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const r = await adminFetch(url);
    await r.arrayBuffer();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[10];
  console.log(
    `region summary warm over HTTP on Azurite: median ${median.toFixed(1)} ms, max ${times[19].toFixed(1)} ms`,
  );
  // measured 66 ms median on the 2-core dev machine under load; the guard leaves room for a busier CI
  expect(median).toBeLessThanOrEqual(200);
});

test("a customer's upload, analysis and durable run over HTTP; another customer gets 404", async () => {
  const owner = await tokenFor('energy_supplier', OWNER);
  const auth = { authorization: `Bearer ${owner}` };
  const up = await fetch(`${host.url}/api/customers/${OWNER}/uploads?name=meters`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'text/csv' },
    body: 'region;kwh\ndk1-aarhus;1.25\ndk1-aarhus;2.5\ndk2-copenhagen;4\n',
  });
  expect(up.status).toBe(201);
  const spec = {
    inputs: [{ as: 'm', upload: 'meters' }],
    groupBy: ['region'],
    aggregates: [
      { fn: 'sum', column: 'kwh', as: 'kwh' },
      { fn: 'count', as: 'n' },
    ],
  };
  const put = await fetch(`${host.url}/api/customers/${OWNER}/analyses/totals`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  expect(put.status).toBe(200);
  const started = await fetch(`${host.url}/api/customers/${OWNER}/analyses/totals/runs`, {
    method: 'POST',
    headers: auth,
  });
  expect(started.status).toBe(202);
  const { statusUrl } = (await started.json()) as { statusUrl: string };
  let status = '';
  for (let i = 0; i < 100 && status !== 'Completed' && status !== 'Failed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = ((await (await fetch(statusUrl, { headers: auth })).json()) as { status: string }).status;
  }
  expect(status).toBe('Completed');
  const res = await fetch(`${host.url}/api/customers/${OWNER}/analyses/totals/results`, { headers: auth });
  expect(((await res.json()) as { rows: unknown[] }).rows).toEqual([
    { region: 'dk1-aarhus', kwh: '3.75', n: 2 },
    { region: 'dk2-copenhagen', kwh: '4', n: 1 },
  ]);
  const other = await tokenFor('energy_supplier', '5790000000002');
  const refused = await fetch(`${host.url}/api/customers/${OWNER}/analyses/totals/results`, {
    headers: { authorization: `Bearer ${other}` },
  });
  expect(refused.status).toBe(404);
});
