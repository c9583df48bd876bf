/**
 * Scheduled source ingestion into the lake zones (issue 15), against Azurite and loopback
 * sources: source A over HTTP (CSV, 3 days late), source B over FTP (JSON, partitioned by its
 * timestamp field). The real fetch / basic-ftp clients run against the fakes.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { PartitionStore } from '../../shared/lake/partition-store';
import { parseSourceRegistry, type SourceDefinition } from '../../shared/lake/source-registry';
import { fetchSource } from '../../shared/lake/source-fetch';
import { runIngestion, readRunState, listRunStates, type IngestionDeps } from '../../shared/lake/ingestion';
import { parquetToTable } from '../../shared/lake/records';
import { curatedPath, rawPath, runStatePath } from '../../shared/lake/zones';
import {
  startFakeFtpSource,
  startFakeHttpSource,
  type FakeFtpSource,
  type FakeHttpSource,
} from '../support/fake-sources';

let az: AzuriteInstance;
let http: FakeHttpSource;
let ftp: FakeFtpSource;
let ftpRoot: string;
let n = 0;

beforeAll(async () => {
  az = await startAzurite();
  http = await startFakeHttpSource();
  ftpRoot = mkdtempSync(join(tmpdir(), 'lake-ftp-'));
  mkdirSync(join(ftpRoot, 'outgoing'));
  ftp = await startFakeFtpSource(ftpRoot);
});
afterAll(async () => {
  await ftp?.close();
  await http?.close();
  await az?.stop();
  rmSync(ftpRoot, { recursive: true, force: true });
});

async function lake(): Promise<{ deps: IngestionDeps; sleeps: number[]; store: PartitionStore }> {
  const blobs = AzureBlobStore.fromConnectionString(az.connectionString, `lake-${++n}`);
  await blobs.ensureContainer();
  const store = new PartitionStore(blobs, () => new Date('2021-10-04T03:15:00Z'));
  const sleeps: number[] = [];
  return {
    store,
    sleeps,
    deps: {
      partitions: store,
      fetch: fetchSource,
      clock: () => new Date('2021-10-04T03:15:00Z'),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    },
  };
}

function registry(): { a: SourceDefinition; b: SourceDefinition } {
  const [a, b] = parseSourceRegistry(
    {
      sources: [
        {
          name: 'source_a',
          kind: 'http',
          url: '{env:A_URL}/exports/{yyyymmdd}.csv',
          schedule: { cron: '0 15 3 * * *' },
          format: { type: 'csv', delimiter: ';' },
          partitionDate: { rule: 'lag', days: 3 },
          retry: { attempts: 3, backoffMs: 100 },
          timeoutMs: 5000,
        },
        {
          name: 'source_b',
          kind: 'ftp',
          url: '{env:B_URL}/outgoing/b_{day}.json',
          schedule: { cron: '0 30 4 * * *', everyDays: 14, anchorDay: '2021-01-04' },
          format: { type: 'json', recordsPath: 'records' },
          partitionDate: { rule: 'field', field: 'timestamp' },
          retry: { attempts: 2, backoffMs: 50 },
          timeoutMs: 5000,
        },
      ],
    },
    'test',
    { A_URL: http.baseUrl, B_URL: ftp.baseUrl },
  );
  return { a, b };
}

async function curatedRows(store: PartitionStore, path: string): Promise<Array<Record<string, string | null>>> {
  const read = await store.read(path);
  if (!read) throw new Error(`no partition ${path}`);
  return parquetToTable(read.files.get('part-0.parquet') as Buffer)
    .toArray()
    .map((r: object) => ({ ...r }));
}

const A_CSV = 'metering_point;quantity;quality\n571313180000000001;1.250;A04\n"5713131800000;00002";0.001;A03\n';

describe('source A (HTTP, CSV, 3 days late)', () => {
  it('lands raw day=2021-10-04 byte for byte and curated in date=2021-10-01; a second run is a no-op', async () => {
    const { deps, store } = await lake();
    const { a } = registry();
    http.script('/exports/20211004.csv', { status: 200, body: A_CSV, contentType: 'text/csv' });
    const state = await runIngestion(deps, a, '2021-10-04');
    expect(state).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      error: null,
      source: 'source_a',
      day: '2021-10-04',
    });
    const raw = await store.read(rawPath('source_a', '2021-10-04'));
    expect(raw?.files.get('20211004.csv')?.toString('utf8')).toBe(A_CSV);
    expect(state.curated).toEqual([
      {
        path: 'curated/source_a/date=2021-10-01/ingest_day=2021-10-04',
        version: expect.any(String) as unknown,
        rows: 2,
      },
    ]);
    expect(await curatedRows(store, curatedPath('source_a', '2021-10-01', [['ingest_day', '2021-10-04']]))).toEqual([
      { metering_point: '571313180000000001', quantity: '1.250', quality: 'A04' },
      { metering_point: '5713131800000;00002', quantity: '0.001', quality: 'A03' },
    ]);
    // nothing in the curated zone under the ingestion day itself
    expect(await store.partitions('curated/source_a/date=2021-10-04')).toEqual([]);

    const before = http.requests.length;
    const again = await runIngestion(deps, a, '2021-10-04');
    expect(again).toEqual(state);
    expect(http.requests.length).toBe(before);
  });

  it('retries a 503 with back-off and succeeds', async () => {
    const { deps, sleeps } = await lake();
    const { a } = registry();
    http.script(
      '/exports/20211005.csv',
      { status: 503, body: 'busy' },
      { status: 200, body: A_CSV, contentType: 'text/csv' },
    );
    const state = await runIngestion(deps, a, '2021-10-05');
    expect(state).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    expect(sleeps).toEqual([100]);
  });

  it('a source that is down: retried with doubling back-off, then failed with the URL, nothing written', async () => {
    const { deps, sleeps, store } = await lake();
    const down = await startFakeHttpSource();
    await down.close(); // its port now refuses connections
    const [a] = parseSourceRegistry(
      {
        sources: [{ ...JSON.parse(JSON.stringify(rawA())), url: `${down.baseUrl}/exports/{yyyymmdd}.csv` }],
      },
      'test',
    );
    const state = await runIngestion(deps, a, '2021-10-06');
    expect(state.status).toBe('failed');
    expect(state.attempts).toBe(3);
    expect(state.error).toContain(`${down.baseUrl}/exports/20211006.csv: not reachable`);
    expect(sleeps).toEqual([100, 200]);
    expect(await store.blobs.list('raw/')).toEqual([]);
    expect(await store.blobs.list('curated/')).toEqual([]);
    expect(await readRunState(deps, 'source_a', '2021-10-06')).toEqual(state);
  });

  it('a transfer cut off mid-file is never stored; the retry stores the whole file', async () => {
    const { deps, store } = await lake();
    const { a } = registry();
    http.script(
      '/exports/20211007.csv',
      { truncate: true, body: A_CSV, sendBytes: 40 },
      { status: 200, body: A_CSV, contentType: 'text/csv' },
    );
    const state = await runIngestion(deps, a, '2021-10-07');
    expect(state).toMatchObject({ status: 'succeeded', attempts: 2 });
    const raw = await store.read(rawPath('source_a', '2021-10-07'));
    expect(raw?.files.get('20211007.csv')?.toString('utf8')).toBe(A_CSV);
    // one version only: the cut-off attempt wrote nothing
    expect(new Set((await store.blobs.list('raw/')).map((p) => p.split('/')[3]))).toEqual(
      new Set(['_current.json', `v=${raw?.pointer.version}`]),
    );
  });

  it('a malformed delivery fails at once (no retry), naming URL and row; nothing curated', async () => {
    const { deps, sleeps, store } = await lake();
    const { a } = registry();
    http.script('/exports/20211008.csv', { status: 200, body: 'metering_point;quantity;quality\n1;2\n' });
    const state = await runIngestion(deps, a, '2021-10-08');
    expect(state).toMatchObject({ status: 'failed', attempts: 1 });
    expect(state.error).toBe(`${http.baseUrl}/exports/20211008.csv: row 2: expected 3 fields, found 2`);
    expect(sleeps).toEqual([]);
    expect(await store.blobs.list('curated/')).toEqual([]);
  });

  it('a file that changed: a forced re-run replaces raw and curated atomically, keeping one previous version', async () => {
    const { deps, store } = await lake();
    const { a } = registry();
    const corrected = A_CSV.replace('1.250', '1.300');
    http.script('/exports/20211009.csv', { status: 200, body: A_CSV });
    const first = await runIngestion(deps, a, '2021-10-09');
    http.script('/exports/20211009.csv', { status: 200, body: corrected });
    expect(await runIngestion(deps, a, '2021-10-09')).toEqual(first); // not forced: untouched
    const second = await runIngestion(deps, a, '2021-10-09', { force: true });
    expect(second.status).toBe('succeeded');
    expect(second.rawVersion).not.toBe(first.rawVersion);
    const cur = curatedPath('source_a', '2021-10-06', [['ingest_day', '2021-10-09']]);
    expect((await curatedRows(store, cur))[0].quantity).toBe('1.300');
    const pointer = await store.pointer(rawPath('source_a', '2021-10-09'));
    expect(pointer).toMatchObject({ version: second.rawVersion, previous: first.rawVersion });
    // the previous raw version is still readable (a reader holding the old pointer finishes)
    expect(
      (await store.blobs.get(`${rawPath('source_a', '2021-10-09')}/v=${first.rawVersion}/20211009.csv`))?.toString(),
    ).toBe(A_CSV);
    // a third version drops the first
    http.script('/exports/20211009.csv', { status: 200, body: corrected.replace('0.001', '0.002') });
    await runIngestion(deps, a, '2021-10-09', { force: true });
    expect(await store.blobs.list(`${rawPath('source_a', '2021-10-09')}/v=${first.rawVersion}/`)).toEqual([]);
  });

  it('resumes a run whose process died after storing raw, without downloading again', async () => {
    const { deps, store } = await lake();
    const { a } = registry();
    http.script('/exports/20211010.csv', { status: 200, body: A_CSV });
    const done = await runIngestion(deps, a, '2021-10-10');
    // what a crash between the raw switch and the curated switch leaves: state running, raw stored
    await store.blobs.delete(`${done.curated[0].path}/_current.json`);
    await store.blobs.put(
      runStatePath('source_a', '2021-10-10'),
      JSON.stringify({ ...done, status: 'running', curated: [], finishedAt: null }),
    );
    http.script('/exports/20211010.csv', { status: 500, body: 'would fail if asked' });
    const before = http.requests.length;
    const resumed = await runIngestion(deps, a, '2021-10-10');
    expect(resumed).toMatchObject({ status: 'succeeded', rawVersion: done.rawVersion, attempts: 2 });
    expect(http.requests.length).toBe(before);
    expect(await curatedRows(store, done.curated[0].path)).toHaveLength(2);
  });
});

function rawA() {
  return {
    name: 'source_a',
    kind: 'http',
    url: 'http://unused/{day}',
    schedule: { cron: '0 15 3 * * *' },
    format: { type: 'csv', delimiter: ';' },
    partitionDate: { rule: 'lag', days: 3 },
    retry: { attempts: 3, backoffMs: 100 },
    timeoutMs: 5000,
  };
}

const bJson = (rows: Array<[string, string]>) =>
  JSON.stringify({
    generated: '2021-10-18T04:00:00Z',
    records: rows.map(([timestamp, price]) => ({ timestamp, price: { value: price, unit: 'DKK/MWh' }, tags: ['x'] })),
  });

describe('source B (FTP, JSON, partitioned by its timestamp field)', () => {
  it('splits a delivery by each record’s UTC date; credentials never reach the state', async () => {
    const { deps, store } = await lake();
    const { b } = registry();
    writeFileSync(
      join(ftpRoot, 'outgoing', 'b_2021-10-18.json'),
      bJson([
        ['2021-10-05T23:30:00+02:00', '501.25'], // UTC 2021-10-05 21:30
        ['2021-10-06T00:30:00+02:00', '499.00'], // UTC 2021-10-05 22:30
        ['2021-10-06T02:30:00+02:00', '480.10'], // UTC 2021-10-06 00:30
        ['2021-10-07', '470.00'],
      ]),
    );
    const state = await runIngestion(deps, b, '2021-10-18');
    expect(state.status).toBe('succeeded');
    expect(state.url).toMatch(/^ftp:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/outgoing\/b_2021-10-18\.json$/);
    expect(JSON.stringify(await store.blobs.get(runStatePath('source_b', '2021-10-18')))).not.toContain('secret');
    expect(state.curated.map((c) => [c.path, c.rows])).toEqual([
      ['curated/source_b/date=2021-10-05/ingest_day=2021-10-18', 2],
      ['curated/source_b/date=2021-10-06/ingest_day=2021-10-18', 1],
      ['curated/source_b/date=2021-10-07/ingest_day=2021-10-18', 1],
    ]);
    expect(await curatedRows(store, state.curated[0].path)).toEqual([
      { timestamp: '2021-10-05T23:30:00+02:00', 'price.value': '501.25', 'price.unit': 'DKK/MWh', tags: '["x"]' },
      { timestamp: '2021-10-06T00:30:00+02:00', 'price.value': '499.00', 'price.unit': 'DKK/MWh', tags: '["x"]' },
    ]);
  });

  it('a file cut off by the FTP server is retried, then the run fails naming the byte counts', async () => {
    const { deps, store, sleeps } = await lake();
    const { b } = registry();
    writeFileSync(join(ftpRoot, 'outgoing', 'b_2021-11-01.json'), bJson([['2021-10-20T00:00:00Z', '1.5']]));
    ftp.truncated.add('outgoing/b_2021-11-01.json');
    const state = await runIngestion(deps, b, '2021-11-01');
    expect(state).toMatchObject({ status: 'failed', attempts: 2 });
    expect(state.error).toMatch(/transfer ended early: \d+ of \d+ bytes$/);
    expect(sleeps).toEqual([50]);
    expect(await store.blobs.list('raw/')).toEqual([]);
    // the host recovers: a re-run of the failed day downloads again and succeeds
    ftp.truncated.delete('outgoing/b_2021-11-01.json');
    const again = await runIngestion(deps, b, '2021-11-01');
    expect(again).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('a missing file (550) fails without retrying', async () => {
    const { deps, sleeps } = await lake();
    const { b } = registry();
    const state = await runIngestion(deps, b, '2021-11-15');
    expect(state).toMatchObject({ status: 'failed', attempts: 1 });
    expect(state.error).toContain('no file');
    expect(sleeps).toEqual([]);
  });

  it('a corrected delivery that no longer covers a date withdraws that day’s rows there', async () => {
    const { deps, store } = await lake();
    const { b } = registry();
    const file = join(ftpRoot, 'outgoing', 'b_2021-11-29.json');
    writeFileSync(
      file,
      bJson([
        ['2021-11-20T10:00:00Z', '1'],
        ['2021-11-21T10:00:00Z', '2'],
      ]),
    );
    await runIngestion(deps, b, '2021-11-29');
    writeFileSync(file, bJson([['2021-11-21T10:00:00Z', '2.5']]));
    const state = await runIngestion(deps, b, '2021-11-29', { force: true });
    expect(state.curated.map((c) => c.path)).toEqual(['curated/source_b/date=2021-11-21/ingest_day=2021-11-29']);
    expect(await store.partitions('curated/source_b/')).toEqual([
      'curated/source_b/date=2021-11-21/ingest_day=2021-11-29',
    ]);
    expect(await listRunStates(deps, 'source_b')).toHaveLength(1);
  });

  it('wrong credentials: not reachable, retried, failed', async () => {
    const { deps } = await lake();
    const [b] = parseSourceRegistry(
      {
        sources: [
          {
            name: 'source_b',
            kind: 'ftp',
            url: `${ftp.baseUrl.replace(':secret@', ':wrong@')}/outgoing/b_{day}.json`,
            schedule: { cron: '0 30 4 * * *' },
            format: { type: 'json' },
            partitionDate: { rule: 'ingestion' },
            retry: { attempts: 2, backoffMs: 1 },
          },
        ],
      },
      'test',
    );
    const state = await runIngestion(deps, b, '2021-10-18');
    expect(state).toMatchObject({ status: 'failed', attempts: 2 });
    expect(state.error).toContain('not reachable');
    expect(state.error).not.toContain('wrong');
  });
});
