/**
 * Basis data download round trip on Azurite: export a grid area of a job, download every file
 * through its SAS link with plain fetch, and compare the parsed CSV with rows typed by hand.
 */
import { join } from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { ValidationError } from '../../shared/basis-data/errors';
import { ScenarioCsvSource, readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { parseInstant } from '../../shared/domain/time';
import type { BasisDataSource, MeteringPointPeriod, TimeSeriesBatch } from '../../shared/basis-data/types';
import type { ChargeData } from '../../shared/basis-data/charges';
import { ByteWriter } from '../../shared/basis-data-export/byte-writer';
import {
  downloadLinks,
  InvalidExportStatusError,
  readExportStatus,
  runBasisDataExport,
  type BasisDataExportRequest,
  type BasisDataExportStatus,
} from '../../shared/basis-data-export';
import { parseScaled } from '../../shared/decimal/scaled';
import { QUALITY_CODE, type MeteringPointType, type Quality, type Resolution } from '../../shared/domain/codes';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import type { BlobStore } from '../../shared/storage/blob-store';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { stringMatching } from '../support/matchers';
import { promised as settle } from '../../shared/domain/promised';

const ms = (iso: string): number => {
  const t = parseInstant(iso);
  if (t === null) throw new Error(`bad instant ${iso}`);
  return t;
};

function period(
  id: string,
  type: MeteringPointType,
  gridArea: string,
  resolution: Resolution,
  from: string,
  to: string | null,
  extra: Partial<MeteringPointPeriod> = {},
): MeteringPointPeriod {
  return {
    meteringPointId: id,
    type,
    calculationType: null,
    settlementMethod: null,
    gridAreaCode: gridArea,
    resolution,
    fromGridAreaCode: null,
    toGridAreaCode: null,
    parentMeteringPointId: null,
    energySupplierId: null,
    balanceResponsiblePartyId: null,
    fromDate: ms(from),
    toDate: to === null ? null : ms(to),
    source: { file: 'memory', row: 0 },
    ...extra,
  };
}

interface Point {
  id: string;
  time: string;
  qty: string | null;
  quality: Quality;
  reg?: string;
}

/**
 * A source like the Parquet lake: small batches in one reused buffer (so the export must not
 * keep a batch), every row regardless of the range (sources need not filter rows).
 */
class MemorySource implements BasisDataSource {
  readonly description = 'memory';
  readonly ranges: Array<{ from: string; to: string }> = [];
  constructor(
    private readonly periods: MeteringPointPeriod[],
    private readonly points: Point[],
    private readonly bitemporal: boolean,
    private readonly batchSize = 3,
  ) {}

  readMeteringPointPeriods(): Promise<MeteringPointPeriod[]> {
    return Promise.resolve(this.periods);
  }
  readGridLossMeteringPointIds(): Promise<string[]> {
    return Promise.resolve([]);
  }
  readCharges(): Promise<ChargeData> {
    return Promise.resolve({ priceInformation: [], prices: [], links: [] });
  }
  forEachTimeSeriesBatch(
    dictionary: ReadonlyMap<string, number>,
    range: { from: number; to: number },
    onBatch: (b: TimeSeriesBatch) => void,
  ): Promise<void> {
    return settle(() => this.emitBatches(dictionary, range, onBatch));
  }
  private emitBatches(
    dictionary: ReadonlyMap<string, number>,
    range: { from: number; to: number },
    onBatch: (b: TimeSeriesBatch) => void,
  ): void {
    this.ranges.push({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() });
    const n = this.batchSize;
    const b: TimeSeriesBatch = {
      length: 0,
      mp: new Int32Array(n),
      time: new Float64Array(n),
      quantityMilli: new Float64Array(n),
      quality: new Uint8Array(n),
      registration: this.bitemporal ? new Float64Array(n) : null,
      file: 'memory-points',
      firstRow: 1,
    };
    for (let first = 0; first < this.points.length; first += n) {
      b.length = Math.min(n, this.points.length - first);
      b.firstRow = first + 1;
      for (let i = 0; i < b.length; i++) {
        const p = this.points[first + i];
        b.mp[i] = dictionary.get(p.id) ?? -1;
        b.time[i] = ms(p.time);
        b.quantityMilli[i] = p.qty === null ? 0 : parseScaled(p.qty, 3);
        b.quality[i] = QUALITY_CODE[p.quality];
        if (b.registration) b.registration[i] = ms(p.reg as string);
      }
      onBatch(b);
      b.mp.fill(-7); // the buffer is reused: anything kept from the last batch is now garbage
    }
  }
}

/** A fixed-width time series row: values at 1-based positions, every other cell empty. */
function row(id: string, type: string, start: string, columns: number, values: Record<number, string>): string {
  const cells = [id, type, start];
  for (let k = 1; k <= columns; k++) cells.push(values[k] ?? '');
  return cells.join(';');
}

const hourHeader = [
  'METERINGPOINTID;TYPEOFMP;STARTDATETIME',
  ...Array.from({ length: 25 }, (_, i) => `ENERGYQUANTITY${i + 1}`),
].join(';');
const quarterHeader = [
  'METERINGPOINTID;TYPEOFMP;STARTDATETIME',
  ...Array.from({ length: 100 }, (_, i) => `ENERGYQUANTITY${i + 1}`),
].join(';');
const MASTER_HEADER =
  'METERINGPOINTID;VALIDFROM;VALIDTO;GRIDAREA;TOGRIDAREA;FROMGRIDAREA;TYPEOFMP;SETTLEMENTMETHOD;ENERGYSUPPLIERID';

/** Lines of a downloaded file; checks the `\n` line ends (no `\r`, final newline). */
function lines(text: string): string[] {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.includes('\r')).toBe(false);
  return text.slice(0, -1).split('\n');
}

// Autumn DST: local 2023-10-29 is 25 hours (2023-10-28T22:00Z – 2023-10-29T23:00Z), 10-30 is 24.
const A = '571313100000000001'; // E17 PT1H in 800
const B = '571313100000000002'; // E18 PT15M in 800, supplier changes at the second local midnight
const C = '571313100000000003'; // E20 located in 801, 800 → 801: part of 800's exchange
const D = '571313100000000004'; // E17 in 801: not 800's
const F = '571313100000000006'; // E17 in 800, ended when the job starts
const G = '571313100000000007'; // E20 801 → 802, located in 801: not 800's
const H = '571313100000000008'; // child D01 in 800 from the second day, without readings
const DAY1 = '2023-10-28T22:00:00Z';
const DAY2 = '2023-10-29T23:00:00Z';
const AS_OF = '2023-11-05T00:00:00Z';

const autumnPeriods = [
  period(A, 'E17', '800', 'PT1H', '2023-09-30T22:00:00Z', null, {
    settlementMethod: 'E02',
    energySupplierId: '5790000000001',
    balanceResponsiblePartyId: '5799000000001',
  }),
  period(B, 'E18', '800', 'PT15M', '2023-09-30T22:00:00Z', DAY2, {
    energySupplierId: '5790000000001',
    balanceResponsiblePartyId: '5799000000001',
  }),
  period(B, 'E18', '800', 'PT15M', DAY2, null, {
    energySupplierId: '5790000000002',
    balanceResponsiblePartyId: '5799000000001',
  }),
  period(C, 'E20', '801', 'PT1H', '2023-09-30T22:00:00Z', null, { fromGridAreaCode: '800', toGridAreaCode: '801' }),
  period(D, 'E17', '801', 'PT1H', '2023-09-30T22:00:00Z', null, {
    settlementMethod: 'D01',
    energySupplierId: '5790000000001',
    balanceResponsiblePartyId: '5799000000001',
  }),
  period(F, 'E17', '800', 'PT1H', '2023-09-30T22:00:00Z', DAY1, {
    settlementMethod: 'E02',
    energySupplierId: '5790000000001',
    balanceResponsiblePartyId: '5799000000001',
  }),
  period(G, 'E20', '801', 'PT1H', '2023-09-30T22:00:00Z', null, { fromGridAreaCode: '801', toGridAreaCode: '802' }),
  period(H, 'D01', '800', 'PT1H', DAY2, null, { parentMeteringPointId: A }),
];

const R = '2023-10-30T00:00:00Z'; // registration of an uncorrected point
const autumnPoints: Point[] = [
  { id: A, time: '2023-10-28T21:00:00Z', qty: '50', quality: 'measured', reg: R }, // before the job
  { id: A, time: DAY1, qty: '1.5', quality: 'measured', reg: R }, // pos 1
  // pos 3 (local 02:00 CEST): corrected; the newest registration ≤ as-of wins, a later one is not known yet
  { id: A, time: '2023-10-29T00:00:00Z', qty: '9.999', quality: 'measured', reg: '2023-11-06T00:00:00Z' },
  { id: A, time: '2023-10-29T00:00:00Z', qty: '2', quality: 'measured', reg: '2023-11-01T00:00:00Z' },
  { id: A, time: '2023-10-29T00:00:00Z', qty: '1', quality: 'estimated', reg: '2023-10-30T00:00:00Z' },
  { id: A, time: '2023-10-29T01:00:00Z', qty: '0.004', quality: 'estimated', reg: R }, // pos 4: local 02:00 CET, the repeated hour
  { id: A, time: '2023-10-29T02:00:00Z', qty: null, quality: 'missing', reg: R }, // pos 5: missing → empty
  { id: A, time: '2023-10-29T22:00:00Z', qty: '1234567.891', quality: 'measured', reg: R }, // pos 25: the 25th hour
  { id: A, time: DAY2, qty: '0', quality: 'measured', reg: R }, // day 2 pos 1: a real zero
  { id: A, time: '2023-10-30T00:00:00Z', qty: '4', quality: 'measured', reg: '2023-10-31T00:00:00Z' }, // day 2 pos 2 ...
  { id: A, time: '2023-10-30T00:00:00Z', qty: '5', quality: 'measured', reg: AS_OF }, // ... corrected exactly at as-of: known
  { id: A, time: '2023-10-30T22:00:00Z', qty: '3.21', quality: 'calculated', reg: R }, // day 2 pos 24
  { id: A, time: '2023-10-30T23:00:00Z', qty: '77', quality: 'measured', reg: R }, // = job end: outside
  { id: B, time: DAY1, qty: '0.25', quality: 'measured', reg: R }, // pos 1
  { id: B, time: '2023-10-29T00:45:00Z', qty: '0.001', quality: 'measured', reg: R }, // pos 12
  { id: B, time: '2023-10-29T01:00:00Z', qty: '0.002', quality: 'measured', reg: R }, // pos 13
  { id: B, time: '2023-10-29T22:45:00Z', qty: '9.999', quality: 'measured', reg: R }, // pos 100
  { id: B, time: DAY2, qty: '1', quality: 'measured', reg: R }, // day 2 pos 1 (second period)
  { id: B, time: '2023-10-30T22:45:00Z', qty: '2', quality: 'measured', reg: R }, // day 2 pos 96
  { id: C, time: '2023-10-29T12:00:00Z', qty: '100', quality: 'measured', reg: R }, // pos 15
  { id: D, time: '2023-10-29T12:00:00Z', qty: '5', quality: 'measured', reg: R },
  { id: F, time: '2023-10-28T21:00:00Z', qty: '6', quality: 'measured', reg: R },
  { id: G, time: '2023-10-29T12:00:00Z', qty: '7', quality: 'measured', reg: R },
  { id: '571313100000000099', time: '2023-10-29T12:00:00Z', qty: '8', quality: 'measured', reg: R }, // no master data
];

const autumnRequest = (jobId: string): BasisDataExportRequest => ({
  jobId,
  gridArea: '800',
  periodStart: ms(DAY1),
  periodEnd: ms('2023-10-30T23:00:00Z'),
  asOf: ms(AS_OF),
});

describe('basis data export (Azurite, SAS download)', () => {
  let az: AzuriteInstance;
  let store: AzureBlobStore;
  const now = () => ms('2024-01-02T03:04:05Z');

  beforeAll(async () => {
    az = await startAzurite();
    store = AzureBlobStore.fromConnectionString(az.connectionString, 'exports');
    await store.ensureContainer();
  });
  afterAll(async () => {
    await az.stop();
  });

  /** Every file of the export through its SAS link, with plain fetch. */
  async function download(status: BasisDataExportStatus): Promise<Record<string, Buffer>> {
    const links = await downloadLinks(status, store, Date.now(), 10 * 60_000);
    expect(links.map((l) => l.name)).toEqual(status.files.map((f) => f.name));
    const out: Record<string, Buffer> = {};
    for (const l of links) {
      const res = await fetch(l.url);
      expect(res.status).toBe(200);
      out[l.name] = Buffer.from(await res.arrayBuffer());
    }
    return out;
  }

  it('exports a DST day, the grid area only, and the newest registration at or before as-of', async () => {
    const status = await runBasisDataExport(
      { source: new MemorySource(autumnPeriods, autumnPoints, true), store, now },
      autumnRequest('job-autumn'),
    );
    const files = await download(status);

    expect(lines(files['master_basis_data.csv'].toString('utf8'))).toEqual([
      MASTER_HEADER,
      `${A};2023-10-28T22:00:00Z;2023-10-30T23:00:00Z;800;;;E17;E02;5790000000001`,
      `${B};2023-10-28T22:00:00Z;2023-10-29T23:00:00Z;800;;;E18;;5790000000001`,
      `${B};2023-10-29T23:00:00Z;2023-10-30T23:00:00Z;800;;;E18;;5790000000002`,
      `${C};2023-10-28T22:00:00Z;2023-10-30T23:00:00Z;801;801;800;E20;;`,
      `${H};2023-10-29T23:00:00Z;2023-10-30T23:00:00Z;800;;;D01;;`,
    ]);
    expect(lines(files['time_series_hour.csv'].toString('utf8'))).toEqual([
      hourHeader,
      row(A, 'E17', DAY1, 25, { 1: '1.500', 3: '2.000', 4: '0.004', 25: '1234567.891' }),
      row(C, 'E20', DAY1, 25, { 15: '100.000' }),
      row(A, 'E17', DAY2, 25, { 1: '0.000', 2: '5.000', 24: '3.210' }),
      row(C, 'E20', DAY2, 25, {}),
      row(H, 'D01', DAY2, 25, {}),
    ]);
    expect(lines(files['time_series_quarter.csv'].toString('utf8'))).toEqual([
      quarterHeader,
      row(B, 'E18', DAY1, 100, { 1: '0.250', 12: '0.001', 13: '0.002', 100: '9.999' }),
      row(B, 'E18', DAY2, 100, { 1: '1.000', 96: '2.000' }),
    ]);

    expect(status).toEqual({
      jobId: 'job-autumn',
      gridArea: '800',
      state: 'Completed',
      periodStart: DAY1,
      periodEnd: '2023-10-30T23:00:00Z',
      asOf: AS_OF,
      files: [
        {
          name: 'master_basis_data.csv',
          path: 'exports/job-autumn/ga=800/master_basis_data.csv',
          rows: 5,
          bytes: files['master_basis_data.csv'].length,
        },
        {
          name: 'time_series_quarter.csv',
          path: 'exports/job-autumn/ga=800/time_series_quarter.csv',
          rows: 2,
          bytes: files['time_series_quarter.csv'].length,
        },
        {
          name: 'time_series_hour.csv',
          path: 'exports/job-autumn/ga=800/time_series_hour.csv',
          rows: 5,
          bytes: files['time_series_hour.csv'].length,
        },
      ],
      completedAt: '2024-01-02T03:04:05Z',
    });
    expect(await readExportStatus(store, 'job-autumn', '800')).toEqual(status);
    expect(await readExportStatus(store, 'job-autumn', '801')).toBeNull();
  });

  it('gives the same bytes whatever the window of days held in memory', async () => {
    const whole = await runBasisDataExport(
      { source: new MemorySource(autumnPeriods, autumnPoints, true), store, now, windowDays: 7 },
      autumnRequest('job-w7'),
    );
    const source = new MemorySource(autumnPeriods, autumnPoints, true, 1);
    const daily = await runBasisDataExport({ source, store, now, windowDays: 1 }, autumnRequest('job-w1'));
    // one read per local day, each restricted to that day
    expect(source.ranges).toEqual([
      { from: '2023-10-28T22:00:00.000Z', to: '2023-10-29T23:00:00.000Z' },
      { from: '2023-10-29T23:00:00.000Z', to: '2023-10-30T23:00:00.000Z' },
    ]);
    const a = await download(whole);
    const b = await download(daily);
    for (const name of Object.keys(a)) expect(b[name].equals(a[name])).toBe(true);
    expect(b['time_series_hour.csv'].toString('utf8')).toContain('1234567.891');
  });

  it('exports the 23-hour spring DST day from a source without registration times', async () => {
    const X = '571313100000000011';
    const Y = '571313100000000012';
    const start = '2024-03-30T23:00:00Z'; // local 2024-03-31 00:00 CET; the day ends at 22:00Z (CEST)
    const periods = [
      period(X, 'E17', '800', 'PT1H', '2024-02-29T23:00:00Z', null, {
        settlementMethod: 'D01',
        energySupplierId: '5790000000001',
      }),
      period(Y, 'E18', '800', 'PT15M', '2024-02-29T23:00:00Z', null, { energySupplierId: '5790000000001' }),
    ];
    const points: Point[] = [
      { id: X, time: start, qty: '1', quality: 'measured' }, // pos 1
      { id: X, time: '2024-03-31T01:00:00Z', qty: '3', quality: 'measured' }, // pos 3 = local 03:00 (02:00 does not exist)
      { id: X, time: '2024-03-31T21:00:00Z', qty: '23', quality: 'measured' }, // pos 23, the last hour
      { id: Y, time: '2024-03-31T21:45:00Z', qty: '0.092', quality: 'measured' }, // pos 92, the last quarter
    ];
    const request = {
      jobId: 'job-spring',
      gridArea: '800',
      periodStart: ms(start),
      periodEnd: ms('2024-03-31T22:00:00Z'),
      asOf: ms('2024-04-10T00:00:00Z'),
    };
    const status = await runBasisDataExport({ source: new MemorySource(periods, points, false), store, now }, request);
    const files = await download(status);
    expect(lines(files['time_series_hour.csv'].toString('utf8'))).toEqual([
      hourHeader,
      row(X, 'E17', start, 25, { 1: '1.000', 3: '3.000', 23: '23.000' }),
    ]);
    expect(lines(files['time_series_quarter.csv'].toString('utf8'))).toEqual([
      quarterHeader,
      row(Y, 'E18', start, 100, { 92: '0.092' }),
    ]);

    // without registration times a second point for a slot is a duplicate, as in the calculation
    const duplicate = [...points, { id: X, time: '2024-03-31T01:00:00Z', qty: '4', quality: 'measured' as const }];
    await expect(
      runBasisDataExport({ source: new MemorySource(periods, duplicate, false), store, now }, request),
    ).rejects.toThrow(/row 5.*duplicate point for 2024-03-31T01:00:00Z/);
  });

  it('writes status.json last, and withdraws it when a re-run fails', async () => {
    const order: string[] = [];
    const recording: BlobStore = {
      container: store.container,
      put: async (path, data, type) => {
        order.push(`put ${path.split('/').pop()}`);
        await store.put(path, data, type);
      },
      get: (path) => store.get(path),
      exists: (path) => store.exists(path),
      list: (prefix) => store.list(prefix),
      listDetailed: (prefix) => store.listDetailed(prefix),
      delete: async (path) => {
        order.push(`delete ${path.split('/').pop()}`);
        await store.delete(path);
      },
      downloadPrefix: (prefix, dir) => store.downloadPrefix(prefix, dir),
    };
    await runBasisDataExport(
      { source: new MemorySource(autumnPeriods, autumnPoints, true), store: recording, now },
      autumnRequest('job-rerun'),
    );
    expect(order[0]).toBe('delete status.json');
    expect(order.slice(1, 4).sort()).toEqual([
      'put master_basis_data.csv',
      'put time_series_hour.csv',
      'put time_series_quarter.csv',
    ]);
    expect(order[4]).toBe('put status.json');
    expect(order).toHaveLength(5);
    expect(await readExportStatus(store, 'job-rerun', '800')).not.toBeNull();

    // a point off the hour of a PT1H metering point: bad basis data, the re-run fails
    const bad = [
      ...autumnPoints,
      { id: A, time: '2023-10-29T03:30:00Z', qty: '1', quality: 'measured' as const, reg: R },
    ];
    const failed = runBasisDataExport(
      { source: new MemorySource(autumnPeriods, bad, true), store: recording, now },
      autumnRequest('job-rerun'),
    );
    await expect(failed).rejects.toThrow(ValidationError);
    await expect(failed).rejects.toThrow(/not aligned/);
    expect(await readExportStatus(store, 'job-rerun', '800')).toBeNull();
  });

  it('links expire, and refuse anything but the export files', async () => {
    const status = await runBasisDataExport(
      { source: new MemorySource(autumnPeriods, autumnPoints, true), store, now },
      autumnRequest('job-links'),
    );
    const t = ms('2030-01-01T00:00:00Z') + 999;
    const future = await downloadLinks(status, store, t, 3_600_000);
    expect(future.map((l) => l.expiresOn)).toEqual([
      '2030-01-01T01:00:00Z',
      '2030-01-01T01:00:00Z',
      '2030-01-01T01:00:00Z',
    ]);
    expect(new URL(future[0].url).searchParams.get('se')).toBe('2030-01-01T01:00:00Z');
    const expired = await downloadLinks(status, store, Date.now() - 2 * 3_600_000, 3_600_000);
    for (const l of expired) expect((await fetch(l.url)).status).toBe(403);
    const gone = { ...status, files: [{ ...status.files[0], name: 'x.csv', path: 'exports/job-links/ga=800/x.csv' }] };
    const [absent] = await downloadLinks(gone, store, Date.now(), 60_000);
    expect((await fetch(absent.url)).status).toBe(404);
    await expect(downloadLinks(status, store, Date.now(), 0)).rejects.toThrow(RangeError);
  });

  it('refuses ids that would escape the export folder', async () => {
    const source = new MemorySource(autumnPeriods, autumnPoints, true);
    await expect(
      runBasisDataExport({ source, store, now }, { ...autumnRequest('../jobs'), jobId: '../jobs' }),
    ).rejects.toThrow(RangeError);
    await expect(
      runBasisDataExport({ source, store, now }, { ...autumnRequest('job'), gridArea: '80/0' }),
    ).rejects.toThrow(RangeError);
    await expect(readExportStatus(store, 'a/b', '800')).rejects.toThrow(RangeError);
  });

  describe('reference scenarios through ScenarioCsvSource', () => {
    const scenario = (name: string) => join(__dirname, '..', 'scenarios', name);

    it('bitemporal-as-of: the as-of decides which correction is exported', async () => {
      const dir = scenario('bitemporal-as-of');
      const args = await readScenarioArguments(dir);
      const base = { gridArea: '760', periodStart: args.periodStart, periodEnd: args.periodEnd };
      const day = '2022-04-30T22:00:00Z'; // local 2022-05-01; 00:00Z is position 3
      const exportAt = async (jobId: string, asOf: number) => {
        const status = await runBasisDataExport(
          { source: new ScenarioCsvSource(dir), store, now },
          { ...base, jobId, asOf },
        );
        return lines((await download(status))['time_series_hour.csv'].toString('utf8'));
      };
      expect(await exportAt('job-asof', args.asOf)).toEqual([
        hourHeader,
        row('170000000000760101', 'E17', day, 25, { 3: '7.000', 4: '6.000' }),
        row('170000000007601000', 'E17', day, 25, {}),
        row('180000000000760001', 'E18', day, 25, { 3: '3.000' }),
        row('180000000007601000', 'E18', day, 25, {}),
        row('200000000000760001', 'E20', day, 25, { 3: '20.000', 4: '20.000' }),
      ]);
      expect(await exportAt('job-later', ms('2022-05-20T00:00:00Z'))).toEqual([
        hourHeader,
        row('170000000000760101', 'E17', day, 25, { 3: '9.000', 4: '6.000' }),
        row('170000000007601000', 'E17', day, 25, {}),
        row('180000000000760001', 'E18', day, 25, { 3: '3.000', 4: '8.000' }),
        row('180000000007601000', 'E18', day, 25, {}),
        row('200000000000760001', 'E20', day, 25, { 3: '20.000', 4: '20.000' }),
      ]);
    });

    it('f1-minimal-energy: every metering point of 800 and its exchange, none of 111', async () => {
      const dir = scenario('f1-minimal-energy');
      const args = await readScenarioArguments(dir);
      const status = await runBasisDataExport(
        { source: new ScenarioCsvSource(dir), store, now },
        { jobId: 'job-f1', gridArea: '800', periodStart: args.periodStart, periodEnd: args.periodEnd, asOf: args.asOf },
      );
      const files = await download(status);
      const master = lines(files['master_basis_data.csv'].toString('utf8'));
      expect(master).toHaveLength(1 + 16);
      expect(master).toContain('200000000000000002;2023-07-02T02:00:00Z;2023-07-02T03:00:00Z;802;800;802;E20;;');
      expect(master).toContain('090011100000180001;2023-07-02T02:00:00Z;2023-07-02T03:00:00Z;800;;;D09;;');
      expect(master.some((l) => l.includes('0000000111;'))).toBe(false);
      const day = '2023-07-01T22:00:00Z'; // 02:00Z is local 04:00: hour 5, quarters 17-20
      const hour = lines(files['time_series_hour.csv'].toString('utf8'));
      expect(hour).toHaveLength(1 + 9);
      expect(hour).toContain(row('200000000000000002', 'E20', day, 25, { 5: '20.003' }));
      expect(hour).toContain(row('090011100000180001', 'D09', day, 25, { 5: '100000.000' }));
      const quarter = lines(files['time_series_quarter.csv'].toString('utf8'));
      expect(quarter).toHaveLength(1 + 7);
      expect(quarter).toContain(row('170000001500000101', 'E17', day, 100, { 17: '5.000', 18: '0.000' }));
      expect(status.files.map((f) => f.rows)).toEqual([16, 7, 9]);
    });
  });
});

describe('ByteWriter', () => {
  it('formats milli integers exactly with 3 decimals', () => {
    const w = new ByteWriter(4); // tiny, so it has to grow
    for (const v of [0, -0, 1, -5, 999, 1000, 1234567891, -1234567, 2 ** 53 - 1]) {
      w.milli(v);
      w.byte(0x3b);
    }
    expect(w.bytes().toString('utf8')).toBe(
      '0.000;0.000;0.001;-0.005;0.999;1.000;1234567.891;-1234.567;9007199254740.991;',
    );
    expect(() => w.milli(0.5)).toThrow(RangeError);
  });
});

describe('readExportStatus on a stored status it cannot trust', () => {
  const path = 'exports/job-1/ga=800/status.json';
  const refusal = async (store: BlobStore): Promise<unknown> =>
    readExportStatus(store, 'job-1', '800').then(
      () => undefined,
      (e: unknown) => e,
    );

  it('says which file and what is wrong with it', async () => {
    const store = new MemoryBlobStore('exports');
    await store.put(path, '{');
    expect(await refusal(store)).toBeInstanceOf(InvalidExportStatusError);
    expect(await refusal(store)).toMatchObject({
      path,
      problem: 'not-json',
      message: stringMatching(/^exports\/job-1\/ga=800\/status\.json is not JSON: /),
    });
    await store.put(path, JSON.stringify({ jobId: 'job-1' }));
    expect(await refusal(store)).toMatchObject({
      path,
      problem: 'not-a-status',
      message: stringMatching(/is not a basis data export status: /),
    });
    const other: BasisDataExportStatus = {
      jobId: 'job-2',
      gridArea: '801',
      state: 'Completed',
      periodStart: '2023-07-01T22:00:00Z',
      periodEnd: '2023-07-02T22:00:00Z',
      asOf: '2023-07-03T00:00:00Z',
      files: [],
      completedAt: '2023-07-03T00:00:00Z',
    };
    await store.put(path, JSON.stringify(other));
    expect(await refusal(store)).toMatchObject({
      path,
      problem: 'other-export',
      detail: 'job job-2, grid area 801',
      message: `${path} describes job job-2, grid area 801`,
    });
  });
});
