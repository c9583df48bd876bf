import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import * as arrow from 'apache-arrow';
import { adminToken } from '../support/tokens';
import { devAuthenticator } from '../../local/dev-issuer';
import { ingestTimeSeriesHandler } from '../../functions/http/time-series';
import { ValidationError } from '../../shared/basis-data/errors';
import { decimal3Column, parquetBytes, stringColumn, tableOf } from '../../shared/basis-data/parquet/arrow-io';
import { readTimeSeriesFile } from '../../shared/basis-data/parquet/lake';
import { ingestTimeSeries, type IngestFormat } from '../../shared/ingestion/time-series-ingestion';
import { LakeLayout } from '../../shared/basis-data/parquet/lake-layout';
import type { BlobStore } from '../../shared/storage/blob-store';
import type { AzuriteInstance } from '../../local/azurite';
import { startAzurite, testInfra, type TestInfra } from '../support/local-infra';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const NOW = new Date('2024-03-01T12:34:56.789Z');
const A = '571313180000000001';
const B = '571313180000000002';

interface Pt {
  id: string;
  quantity: string | null;
  quality: string;
  time: string;
  resolution: string;
}

/**
 * Master data as of now: A a consumption metering point of 804 from 2023-11-02 (its earlier points
 * go with that nearest period), B an exchange metering point of 805 (its points in exchange files).
 */
const LAYOUT = new LakeLayout([
  { meteringPointId: A, type: 'E17', gridAreaCode: '804', fromDate: Date.parse('2023-11-02T00:00:00Z'), toDate: null },
  { meteringPointId: B, type: 'E20', gridAreaCode: '805', fromDate: 0, toDate: null },
]);
const layout = () => Promise.resolve(LAYOUT);

/** Two UTC dates, both resolutions, a null quantity, negative and whole quantities. */
const POINTS: Pt[] = [
  { id: A, quantity: '1.234', quality: 'measured', time: '2023-11-01T23:00:00Z', resolution: 'PT15M' },
  { id: A, quantity: '-0.5', quality: 'estimated', time: '2023-11-01T23:15:00Z', resolution: 'PT15M' },
  { id: B, quantity: null, quality: 'missing', time: '2023-11-01T22:00:00Z', resolution: 'PT1H' },
  { id: B, quantity: '42', quality: 'calculated', time: '2023-11-02T00:00:00Z', resolution: 'PT1H' },
  { id: A, quantity: '999999.999', quality: 'measured', time: '2023-11-02T00:00:00Z', resolution: 'PT15M' },
];

const ndjson = (pts: Pt[]) =>
  pts
    .map((p) =>
      JSON.stringify({
        metering_point_id: p.id,
        quantity: p.quantity,
        quality: p.quality,
        observation_time: p.time,
        resolution: p.resolution,
      }),
    )
    .join('\n') + '\n';
const csv = (pts: Pt[]) =>
  [
    'metering_point_id;quantity;quality;observation_time;resolution',
    ...pts.map((p) => `${p.id};${p.quantity ?? ''};${p.quality};${p.time};${p.resolution}`),
  ].join('\n') + '\n';

function timestamps(texts: string[]): arrow.Data {
  return arrow.makeData({
    type: new arrow.TimestampMicrosecond('UTC'),
    length: texts.length,
    data: BigInt64Array.from(texts, (t) => BigInt(Date.parse(t)) * 1000n),
  });
}

function milliOf(q: string | null): number {
  if (q === null) return 0;
  const [i, f = ''] = q.replace('-', '').split('.');
  const v = Number(i) * 1000 + Number(f.padEnd(3, '0'));
  return q.startsWith('-') ? -v : v;
}

function parquet(pts: Pt[], opts: { stringQuantity?: boolean; drop?: string; quantity?: arrow.Data } = {}): Uint8Array {
  const cols: Record<string, arrow.Data> = {
    metering_point_id: stringColumn(pts.map((p) => p.id)),
    quantity:
      opts.quantity ??
      (opts.stringQuantity
        ? stringColumn(pts.map((p) => p.quantity))
        : decimal3Column(
            Float64Array.from(pts, (p) => milliOf(p.quantity)),
            Uint8Array.from(pts, (p) => (p.quantity === null ? 1 : 0)),
          )),
    quality: stringColumn(pts.map((p) => p.quality)),
    observation_time: timestamps(pts.map((p) => p.time)),
    resolution: stringColumn(pts.map((p) => p.resolution)),
  };
  if (opts.drop) delete cols[opts.drop];
  return parquetBytes(tableOf(cols));
}

const bodyOf = (format: IngestFormat, pts: Pt[]): Uint8Array =>
  format === 'parquet' ? parquet(pts) : Buffer.from(format === 'csv' ? csv(pts) : ndjson(pts));
const CONTENT_TYPE: Record<IngestFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

/** An administrator's bearer token (ingestion is the administrator's). */
let ADMIN = '';
beforeAll(async () => {
  ADMIN = await adminToken();
});
const post = (bytes: Uint8Array, contentType: string, query: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/time-series',
    body: { bytes },
    headers: { 'content-type': contentType, authorization: `Bearer ${ADMIN}` },
    query,
  });
const body = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

describe('bulk time series ingestion on Azurite', () => {
  let az: AzuriteInstance;
  let infra: TestInfra;
  let handler: ReturnType<typeof ingestTimeSeriesHandler>;

  beforeAll(async () => {
    az = await startAzurite();
    infra = await testInfra(az);
    handler = ingestTimeSeriesHandler({
      basisData: infra.basisData,
      clock: () => NOW,
      lakeLayout: layout,
      authenticator: devAuthenticator(),
    });
  });
  afterAll(async () => {
    await infra?.stop();
    await az?.stop();
  });

  /** Reads every written file back through the lake reader. */
  async function readBack(
    files: string[],
    dirName: string,
  ): Promise<
    Array<{ id: string; milli: number; quality: number; time: number; registration: number | null; file: string }>
  > {
    const dir = join(infra.tmp, dirName);
    await infra.basisData.downloadPrefix('time_series_points', join(dir, 'time_series_points'));
    const dictionary = new Map([
      [A, 0],
      [B, 1],
    ]);
    const out: Array<{
      id: string;
      milli: number;
      quality: number;
      time: number;
      registration: number | null;
      file: string;
    }> = [];
    for (const f of files) {
      await readTimeSeriesFile(join(dir, f), dir, dictionary, (b) => {
        for (let i = 0; i < b.length; i++) {
          out.push({
            id: [A, B][b.mp[i]],
            milli: b.quantityMilli[i],
            quality: b.quality[i],
            time: b.time[i],
            registration: b.registration ? b.registration[i] : null,
            file: f,
          });
        }
      });
    }
    return out;
  }

  const QUALITY_CODE: Record<string, number> = { missing: 0, estimated: 1, measured: 2, calculated: 3 };
  const key = (p: { id: string; time: number }) => `${p.id}@${p.time}`;

  for (const format of ['parquet', 'ndjson', 'csv'] as const) {
    it(`${format}: 200, one new file per UTC date, and the lake reads back the same points with registration_time = now`, async () => {
      const before = await infra.basisData.list('');
      const r = await handler(post(bodyOf(format, POINTS), CONTENT_TYPE[format]), ctx());
      expect(r.status).toBe(200);
      const files = body(r).files as string[];
      expect(body(r).points).toBe(POINTS.length);
      // one file per UTC date and grid area; the exchange metering point's points in exchange-* files
      expect(files).toHaveLength(4);
      const sorted = [...files].sort();
      expect(sorted[0]).toMatch(
        /^time_series_points\/grid_area=804\/observation_date=2023-11-01\/ingest-20240301T123456789Z-[0-9a-f-]{36}\.parquet$/,
      );
      expect(sorted[1]).toMatch(/^time_series_points\/grid_area=804\/observation_date=2023-11-02\/ingest-/);
      expect(sorted[2]).toMatch(/^time_series_points\/grid_area=805\/observation_date=2023-11-01\/exchange-ingest-/);
      expect(sorted[3]).toMatch(/^time_series_points\/grid_area=805\/observation_date=2023-11-02\/exchange-ingest-/);
      const after = await infra.basisData.list('');
      expect(after.filter((p) => !before.includes(p)).sort()).toEqual([...files].sort());

      const back = await readBack(files, `read-${format}`);
      const expected = POINTS.map((p) => ({
        id: p.id,
        milli: milliOf(p.quantity),
        quality: QUALITY_CODE[p.quality],
        time: Date.parse(p.time),
        registration: NOW.getTime(),
      }));
      const sortBy = <T extends { id: string; time: number }>(xs: T[]) =>
        [...xs].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sortBy(back).map(({ file: _f, ...rest }) => rest)).toEqual(sortBy(expected));
      for (const p of back) {
        expect(p.file).toContain(`observation_date=${new Date(p.time).toISOString().slice(0, 10)}`);
        expect(p.file).toContain(p.id === A ? 'grid_area=804/' : 'grid_area=805/');
      }
    });
  }

  it('parquet with a string quantity column and ?format= also ingests; the null quantity stays null in the file', async () => {
    const r = await handler(
      post(parquet(POINTS, { stringQuantity: true }), 'application/octet-stream', { format: 'parquet' }),
      ctx(),
    );
    expect(r.status).toBe(200);
    const files = body(r).files as string[];
    // B's null point of 2023-11-01 is in 805's exchange file of that date
    const file = files.find((f) => f.includes('grid_area=805/observation_date=2023-11-01/exchange-'));
    const blob = (await infra.basisData.get(file as string)) as Buffer;
    const { readParquet } = await import('parquet-wasm');
    const t = arrow.tableFromIPC(readParquet(new Uint8Array(blob)).intoIPCStream());
    const q = t.getChild('quantity') as arrow.Vector;
    const ids = t.getChild('metering_point_id') as arrow.Vector;
    const nullRow = [...Array(t.numRows).keys()].find((i) => ids.get(i) === B);
    expect(nullRow).toBeDefined();
    expect(q.get(nullRow as number)).toBeNull();
  });

  it('415 for an unknown format', async () => {
    expect((await handler(post(Buffer.from('x'), 'application/xml'), ctx())).status).toBe(415);
    expect((await handler(post(Buffer.from('x'), 'text/csv', { format: 'xlsx' }), ctx())).status).toBe(415);
  });

  const bad = (patch: Partial<Pt>, row = 2): Pt[] => POINTS.map((p, i) => (i === row - 1 ? { ...p, ...patch } : p));
  const cases: Array<{
    name: string;
    format: IngestFormat;
    body: () => Uint8Array;
    row: number | null;
    column: string | null;
    reason: RegExp;
  }> = [
    {
      name: 'missing column (parquet)',
      format: 'parquet',
      body: () => parquet(POINTS, { drop: 'resolution' }),
      row: null,
      column: 'resolution',
      reason: /missing/,
    },
    {
      name: 'wrong column name (csv)',
      format: 'csv',
      body: () => Buffer.from(csv(POINTS).replace('quantity;', 'qty;')),
      row: null,
      column: 'quantity',
      reason: /missing/,
    },
    {
      name: 'wrong column type (parquet)',
      format: 'parquet',
      body: () =>
        parquet(POINTS, {
          quantity: arrow.makeData({
            type: new arrow.Float64(),
            length: POINTS.length,
            data: new Float64Array(POINTS.length),
          }),
        }),
      row: null,
      column: 'quantity',
      reason: /DECIMAL/,
    },
    {
      name: 'missing key (ndjson)',
      format: 'ndjson',
      body: () => Buffer.from(ndjson(POINTS).replace(/"quality":"estimated",/, '')),
      row: 2,
      column: 'quality',
      reason: /required/,
    },
    ...(['parquet', 'ndjson', 'csv'] as const).flatMap((format) => [
      {
        name: `malformed GSRN (${format})`,
        format,
        body: () => bodyOf(format, bad({ id: '57131318000000001X' }, 3)),
        row: 3,
        column: 'metering_point_id',
        reason: /GSRN/,
      },
      {
        name: `misaligned timestamp (${format})`,
        format,
        body: () => bodyOf(format, bad({ time: '2023-11-01T22:15:00Z' }, 3)),
        row: 3,
        column: 'observation_time',
        reason: /aligned.*PT1H/,
      },
      {
        name: `unknown quality (${format})`,
        format,
        body: () => bodyOf(format, bad({ quality: 'guessed' }, 4)),
        row: 4,
        column: 'quality',
        reason: /unknown quality 'guessed'/,
      },
      {
        name: `unknown resolution (${format})`,
        format,
        body: () => bodyOf(format, bad({ resolution: 'P1D' }, 5)),
        row: 5,
        column: 'resolution',
        reason: /unknown resolution/,
      },
    ]),
    {
      name: 'quantity with 4 decimals (ndjson)',
      format: 'ndjson',
      body: () => bodyOf('ndjson', bad({ quantity: '1.2345' })),
      row: 2,
      column: 'quantity',
      reason: /more than 3 decimals/,
    },
    {
      name: 'quantity with 4 decimals (csv)',
      format: 'csv',
      body: () => bodyOf('csv', bad({ quantity: '0.0001' })),
      row: 2,
      column: 'quantity',
      reason: /more than 3 decimals/,
    },
    {
      name: 'quantity with 4 decimals (parquet string)',
      format: 'parquet',
      body: () => parquet(bad({ quantity: '1.2345' }), { stringQuantity: true }),
      row: 2,
      column: 'quantity',
      reason: /more than 3 decimals/,
    },
    {
      name: 'quantity beyond decimal(18,3) (csv)',
      format: 'csv',
      body: () => bodyOf('csv', bad({ quantity: '1234567890123456.5' })),
      row: 2,
      column: 'quantity',
      reason: /15 integer digits/,
    },
    {
      name: 'quantity beyond decimal(18,3) (ndjson)',
      format: 'ndjson',
      body: () => bodyOf('ndjson', bad({ quantity: '9999999999999999999' })),
      row: 2,
      column: 'quantity',
      reason: /15 integer digits/,
    },
    {
      name: 'quantity beyond decimal(18,3) (parquet decimal)',
      format: 'parquet',
      body: () => {
        const words = new Uint32Array(POINTS.length * 4);
        words[4 * 1 + 2] = 1; // row 2: 2^64 milli-units
        return parquet(POINTS, {
          quantity: arrow.makeData({ type: new arrow.Decimal(3, 38, 128), length: POINTS.length, data: words }),
        });
      },
      row: 2,
      column: 'quantity',
      reason: /exceeds decimal\(18,3\)/,
    },
    {
      name: 'not a decimal (csv)',
      format: 'csv',
      body: () => bodyOf('csv', bad({ quantity: '1,5' })),
      row: 2,
      column: 'quantity',
      reason: /not a decimal/,
    },
    {
      name: 'invalid JSON line',
      format: 'ndjson',
      body: () => Buffer.from(ndjson(POINTS).replace(/\n(?=[^\n]*\n[^\n]*\n$)/, '\n{"metering_point_id": \n')),
      row: 4,
      column: null,
      reason: /invalid JSON/,
    },
    {
      name: 'not a timestamp (ndjson)',
      format: 'ndjson',
      body: () => bodyOf('ndjson', bad({ time: 'yesterday' })),
      row: 2,
      column: 'observation_time',
      reason: /ISO-8601/,
    },
    {
      name: 'wrong field count (csv)',
      format: 'csv',
      body: () => Buffer.from(csv(POINTS) + `${A};1;measured\n`),
      row: 6,
      column: null,
      reason: /fields/,
    },
    {
      name: 'not Parquet',
      format: 'parquet',
      body: () => Buffer.from('PAR1 nonsense'),
      row: null,
      column: null,
      reason: /Parquet/,
    },
  ];

  for (const c of cases) {
    it(`rejects ${c.name}: ValidationError and 400 naming row and column, no blob written`, async () => {
      const before = await infra.basisData.list('');
      const bytes = c.body();
      const err = await ingestTimeSeries(bytes, c.format, infra.basisData, NOW, layout).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      const v = err as ValidationError;
      expect({ row: v.row, column: v.column }).toEqual({ row: c.row, column: c.column });
      expect(v.reason).toMatch(c.reason);

      const r = await handler(post(bytes, CONTENT_TYPE[c.format]), ctx());
      expect(r.status).toBe(400);
      const errors = body(r).errors as Array<{ path: string; message: string }>;
      const path = c.row !== null ? `row ${c.row}${c.column ? `.${c.column}` : ''}` : (c.column ?? '(body)');
      expect(errors).toEqual([{ path, message: v.reason }]);
      expect(await infra.basisData.list('')).toEqual(before);
    });
  }

  it('a failing later put deletes the files already written and rethrows', async () => {
    const before = await infra.basisData.list('');
    let puts = 0;
    const store: BlobStore = Object.assign(Object.create(infra.basisData) as BlobStore, {
      put: async (path: string, data: Uint8Array | string, contentType?: string): Promise<void> => {
        if (++puts === 2) {
          await new Promise((r) => setTimeout(r, 200)); // fail after the first one is stored
          throw new Error('storage unavailable');
        }
        await infra.basisData.put(path, data, contentType);
      },
    });
    await expect(ingestTimeSeries(bodyOf('csv', POINTS), 'csv', store, NOW, layout)).rejects.toThrow(
      'storage unavailable',
    );
    expect(puts).toBe(4); // every file of the request was put (concurrently); the second failed
    expect(await infra.basisData.list('')).toEqual(before);

    puts = 0;
    const failing = ingestTimeSeriesHandler({
      basisData: store,
      clock: () => NOW,
      lakeLayout: layout,
      authenticator: devAuthenticator(),
    });
    const r = await failing(post(bodyOf('ndjson', POINTS), CONTENT_TYPE.ndjson), ctx());
    expect(r.status).toBe(500);
    expect(await infra.basisData.list('')).toEqual(before);
  });
});
