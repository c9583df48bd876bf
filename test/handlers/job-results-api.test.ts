/**
 * GET /api/jobs/{id}/results at real sizes (issues 12 and 13): JSON pages with a cursor, CSV /
 * NDJSON / Parquet streams, qualities as JSON arrays, kind=wholesale of an energy job, bounded
 * reading (a page or a stream's first chunk reads only the files it needs), audit of streams —
 * on the handler invoked directly and over the local host's HTTP server.
 *
 * The job is committed by hand (manifest + result files written with the engine's own Parquet
 * writer) so its shape is exact: grid areas 800 and 801 with two batch files each, 802 with one,
 * small row groups so a page can stop inside a file.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { buildDeps } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import { registerFunctions } from '../../functions/app';
import { jobResultsHandler } from '../../functions/http/jobs';
import { devAuthenticator } from '../../local/dev-issuer';
import { startHttpServer } from '../../local/http-server';
import { LocalRegistry } from '../../local/registry';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { parquetBytes } from '../../shared/basis-data/parquet/arrow-io';
import { loadSettings } from '../../shared/config/settings';
import { formatQualities, QBIT_ACTIVE, QBIT_MEASURED, QBIT_MISSING, QUALITIES } from '../../shared/domain/codes';
import { InvariantError } from '../../shared/domain/errors';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { JobSpec } from '../../shared/jobs/job';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { readResults } from '../../shared/results/committed-results';
import { energyResultRowsFromParquet, energyResultsTable } from '../../shared/results/energy-parquet';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from '../../shared/results/energy-result-row';
import type { SeriesMeta } from '../../shared/results/energy-results';
import { readResultPage } from '../../shared/results/result-stream';
import { rowsToCsv } from '../../shared/results/results-csv';
import type { Manifest } from '../../shared/settlement/manifest';
import { manifestPath } from '../../shared/settlement/job-paths';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { adminToken, tokenFor } from '../support/tokens';

const JOB = 'results-api-job';
const ES_A = '5790000000011';
const ES_B = '5790000000012';
const BRP = '5790000000021';
const GAP = '5790000000031'; // owns 801
const ROW_GROUP = 40;
const SLOTS = 24;
const PERIOD_START = Date.parse('2024-01-31T23:00:00Z');

const SPEC: JobSpec = {
  calculationType: 'balance_fixing',
  periodStart: '2024-01-31T23:00:00.000Z',
  periodEnd: '2024-02-02T23:00:00.000Z',
  gridAreas: ['800', '801', '802'],
  asOf: '2024-02-03T06:00:00.000Z',
  createdByUserId: 'u',
  trigger: 'test',
};

/** Counts blob reads per path: which files a request opened. */
class CountingBlobStore extends MemoryBlobStore {
  reads: string[] = [];
  override get(path: string): Promise<Buffer | null> {
    this.reads.push(path);
    return super.get(path);
  }
  resultReads(): string[] {
    return this.reads.filter((p) => p.endsWith('.parquet'));
  }
}

const series = (
  ga: string,
  type: SeriesMeta['timeSeriesType'],
  es: string | null,
  brp: string | null,
  id: string,
): SeriesMeta => ({
  timeSeriesType: type,
  aggregationLevel: es ? 'energy_supplier' : brp ? 'balance_responsible_party' : 'grid_area',
  gridAreaCode: ga,
  neighborGridAreaCode: null,
  energySupplierId: es,
  balanceResponsiblePartyId: es ? brp : brp,
  meteringPointId: null,
  resultId: id,
});

/** One batch file of a grid area and day: 4 series × 24 hours, qualities varying by slot. */
function batchFile(ga: string, day: number): Uint8Array {
  const metas = [
    series(ga, 'production', null, null, `p-${ga}`),
    series(ga, 'non_profiled_consumption', ES_A, BRP, `a-${ga}`),
    series(ga, 'non_profiled_consumption', ES_B, BRP, `b-${ga}`),
    series(ga, 'flex_consumption', ES_B, null, `f-${ga}`),
  ];
  const table = energyResultsTable({
    calculationId: JOB,
    calculationType: 'balance_fixing',
    resolution: 'PT1H',
    periodStart: PERIOD_START + day * 86_400_000,
    slotMs: 3_600_000,
    nSlots: SLOTS,
    series: metas,
    values: metas.map((_, k) => Float64Array.from({ length: SLOTS }, (_, s) => (k + 1) * 1000 * s + Number(ga) + day)),
    masks: metas.map(() =>
      Uint8Array.from({ length: SLOTS }, (_, s) => QBIT_ACTIVE | QBIT_MEASURED | (s % 5 === 0 ? QBIT_MISSING : 0)),
    ),
  });
  return parquetBytes(table, ROW_GROUP);
}

const FILES: Array<{ ga: string; day: number; path: string }> = [
  { ga: '800', day: 0 },
  { ga: '800', day: 1 },
  { ga: '801', day: 0 },
  { ga: '801', day: 1 },
  { ga: '802', day: 0 },
].map((f) => ({ ...f, path: `jobs/${JOB}/energy/ga=${f.ga}/${f.ga}-${f.day}.parquet` }));
const ROWS_PER_FILE = 4 * SLOTS;

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

/** A JSON row back in the CSV contract (qualities array → the CSV string). */
const csvLineOfJson = (r: Record<string, unknown>) =>
  ENERGY_RESULT_COLUMNS.map((c) =>
    c === 'quantity_qualities'
      ? formatQualities(
          (r[c] as string[]).reduce((m, q) => m | (1 << QUALITIES.indexOf(q as (typeof QUALITIES)[number])), 0),
        )
      : String(r[c]),
  ).join(';');

async function bodyBytes(r: HttpResponseInit): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of r.body as AsyncIterable<Uint8Array>) parts.push(c);
  return Buffer.concat(parts);
}

describe('results API: pages, streams, formats', () => {
  let results: CountingBlobStore;
  let audit: MemoryAuditLog;
  let deps: AppDeps;
  let tokens: Record<'admin' | 'gap' | 'esA', string>;
  let allRows: EnergyResultRow[];

  beforeAll(async () => {
    results = new CountingBlobStore('results');
    audit = new MemoryAuditLog();
    const jobs = new MemoryJobStore();
    const now = new Date('2024-02-03T06:00:00Z');
    await jobs.createOrGetActive(JOB, SPEC, now);
    for (const s of ['Started', 'Executing', 'Completed'] as const) await jobs.transition(JOB, s, now);
    for (const f of FILES) await results.put(f.path, batchFile(f.ga, f.day));
    const manifest: Manifest = {
      jobId: JOB,
      calculationType: 'balance_fixing',
      periodStart: SPEC.periodStart,
      periodEnd: SPEC.periodEnd,
      gridAreas: SPEC.gridAreas,
      files: FILES.map((f) => f.path),
      rows: FILES.length * ROWS_PER_FILE,
      counts: {},
      wholesaleFiles: [],
      wholesaleRows: 0,
      committedAt: now.toISOString(),
    };
    await results.put(manifestPath(JOB), JSON.stringify(manifest));
    deps = {
      ...buildDeps({
        settings: loadSettings({
          STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
          SETTLEMENT_SCHEDULE: '[]',
          AUTH_DEV_ISSUER: 'true',
          RESULTS_PAGE_MAX_ROWS: '100',
        }),
        basisData: new MemoryBlobStore('basis'),
        results,
        jobs,
        messages: new MemoryBlobStore('messages'),
        exports: new MemoryBlobStore('exports'),
        marketData: new MemoryBlobStore('market-data'),
        bus: () => {
          throw new InvariantError('no Service Bus in this test');
        },
        integrationEvents: new MemoryIntegrationEventStore(),
        publishCompleted: () => Promise.resolve(),
        orchestrationClient: () => ({ start: () => Promise.resolve(), terminate: () => Promise.resolve() }),
        authenticator: devAuthenticator(),
        audit,
      }),
      gridAreaOwnership: () => Promise.resolve({ ownedIn: (_job, actor) => new Set(actor === GAP ? ['801'] : []) }),
    };
    tokens = {
      admin: await adminToken(),
      gap: await tokenFor('grid_access_provider', GAP),
      esA: await tokenFor('energy_supplier', ES_A),
    };
    allRows = (await readResults(results, JOB, {})) ?? [];
    expect(allRows).toHaveLength(FILES.length * ROWS_PER_FILE);
  });

  const call = (query: Record<string, string> = {}, token = tokens.admin, headers: Record<string, string> = {}) =>
    jobResultsHandler(deps)(
      new HttpRequest({
        method: 'GET',
        url: `http://localhost:7071/api/jobs/${JOB}/results?${new URLSearchParams(query).toString()}`,
        query,
        params: { id: JOB },
        headers: { authorization: `Bearer ${token}`, ...headers },
      }),
      ctx(),
    );
  const page = (r: HttpResponseInit) =>
    r.jsonBody as {
      jobId: string;
      kind: string;
      count: number;
      results: Array<Record<string, unknown>>;
      nextCursor: string | null;
    };

  /** Follows nextCursor from the first page to the last; checks the Link header on the way. */
  async function walk(query: Record<string, string>, token = tokens.admin) {
    const pages: ReturnType<typeof page>[] = [];
    let cursor: string | null = null;
    for (;;) {
      const r = await call(cursor ? { ...query, cursor } : query, token);
      expect(r.status).toBe(200);
      const p = page(r);
      pages.push(p);
      const link = (r.headers as Record<string, string>).link;
      if (p.nextCursor === null) {
        expect(link).toBeUndefined();
        return pages;
      }
      expect(link).toBe(
        `<http://localhost:7071/api/jobs/${JOB}/results?${new URLSearchParams({ ...query, cursor: p.nextCursor }).toString()}>; rel="next"`,
      );
      cursor = p.nextCursor;
      expect(pages.length).toBeLessThan(100);
    }
  }

  it('JSON pages: walking every page gives exactly the unpaged CSV rows, in order', async () => {
    const csv = await call({ format: 'csv' });
    const csvText = (await bodyBytes(csv)).toString('utf8');
    expect(csvText).toBe(rowsToCsv(allRows)); // byte-identical to the CSV contract
    const pages = await walk({ limit: '50' });
    expect(pages.map((p) => p.count)).toEqual([50, 50, 50, 50, 50, 50, 50, 50, 50, 30]);
    expect(pages.every((p) => p.jobId === JOB && p.kind === 'energy')).toBe(true);
    const lines = pages.flatMap((p) => p.results.map(csvLineOfJson));
    expect(lines).toEqual(csvText.trimEnd().split('\n').slice(1));
  });

  it('the default page is RESULTS_PAGE_MAX_ROWS rows; limit above it → 400 naming limit', async () => {
    const first = page(await call());
    expect(first.count).toBe(100);
    expect(first.nextCursor).not.toBeNull();
    for (const limit of ['0', '101', '-1', 'x', '1e3']) {
      const r = await call({ limit });
      expect({ limit, status: r.status }).toEqual({ limit, status: 400 });
      expect((r.jsonBody as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(['limit']);
    }
  });

  it('filtered and scoped pages equal the filtered CSV stream (supplier, grid access provider)', async () => {
    for (const [token, query] of [
      [tokens.esA, { type: 'non_profiled_consumption' }],
      [tokens.gap, {}],
      [tokens.admin, { gridArea: '801', type: 'production' }],
    ] as const) {
      const csvLines = (await bodyBytes(await call({ ...query, format: 'csv' }, token)))
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .slice(1);
      expect(csvLines.length).toBeGreaterThan(0);
      const pages = await walk({ ...query, limit: '7' }, token);
      expect(pages.flatMap((p) => p.results.map(csvLineOfJson))).toEqual(csvLines);
    }
    // the supplier's rows are its own only; the grid access provider's its grid area only
    const es = (await walk({ limit: '100' }, tokens.esA)).flatMap((p) => p.results);
    expect(es.length).toBe(5 * SLOTS);
    expect(es.every((r) => r.energy_supplier_id === ES_A)).toBe(true);
    const gap = (await walk({ limit: '100' }, tokens.gap)).flatMap((p) => p.results);
    expect(gap.length).toBe(2 * ROWS_PER_FILE);
    expect(gap.every((r) => r.grid_area_code === '801')).toBe(true);
  });

  it('a malformed, altered or foreign cursor → 400 naming cursor', async () => {
    const first = page(await call({ limit: '10' }));
    const cursor = first.nextCursor as string;
    const token = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...token, r: (token.r as number) + 1 })).toString('base64url');
    const otherFile = Buffer.from(JSON.stringify({ ...token, f: 99 })).toString('base64url');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ cursor: '!!!' }, /malformed/],
      [{ cursor: Buffer.from('{"f":1}').toString('base64url') }, /malformed/],
      [{ cursor: 'a'.repeat(300) }, /malformed/],
      [{ cursor: altered }, /altered/],
      [{ cursor: otherFile }, /altered/],
      [{ cursor, type: 'production' }, /another query/],
      [{ cursor, gridArea: '800' }, /another query/],
    ];
    for (const [query, message] of cases) {
      const r = await call({ limit: '10', ...query });
      expect(r.status).toBe(400);
      const errors = (r.jsonBody as { errors: Array<{ path: string; message: string }> }).errors;
      expect(errors.map((e) => e.path)).toEqual(['cursor']);
      expect(errors[0].message).toMatch(message);
    }
    // the same cursor with another limit is fine: a limit is not part of the query
    expect((await call({ limit: '5', cursor })).status).toBe(200);
  });

  it('quantity_qualities is a JSON array in JSON and NDJSON, the Python-style string in CSV', async () => {
    const rows = page(await call({ limit: '6' })).results;
    expect(rows[0].quantity_qualities).toEqual(['missing', 'measured']);
    expect(rows[1].quantity_qualities).toEqual(['measured']);
    const ndjson = (await bodyBytes(await call({ format: 'ndjson' }))).toString('utf8');
    expect(JSON.parse(ndjson.split('\n')[1]) as unknown).toMatchObject({ quantity_qualities: ['measured'] });
    const csv = (await bodyBytes(await call({ format: 'csv' }))).toString('utf8');
    expect(csv.split('\n')[1]).toContain(";['missing', 'measured'];");
  });

  it('CSV and NDJSON stream the rows; Accept chooses the format, format= wins over Accept', async () => {
    const ndjson = await call({}, tokens.admin, { accept: 'application/x-ndjson' });
    expect(ndjson.status).toBe(200);
    expect((ndjson.headers as Record<string, string>)['content-type']).toBe('application/x-ndjson');
    expect(Symbol.asyncIterator in (ndjson.body as object)).toBe(true);
    const lines = (await bodyBytes(ndjson)).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => csvLineOfJson(JSON.parse(l) as Record<string, unknown>))).toEqual(
      rowsToCsv(allRows).trimEnd().split('\n').slice(1),
    );
    const csv = await call({}, tokens.admin, { accept: 'application/json;q=0.5, text/csv' });
    expect((csv.headers as Record<string, string>)['content-type']).toBe('text/csv; charset=utf-8');
    expect((await bodyBytes(csv)).toString('utf8')).toBe(rowsToCsv(allRows));
    const json = await call({ format: 'json', limit: '1' }, tokens.admin, { accept: 'text/csv' });
    expect(page(json).count).toBe(1);
    for (const [query, path] of [
      [{ format: 'csv', limit: '10' }, 'limit'],
      [{ format: 'ndjson', cursor: 'abc' }, 'cursor'],
      [{ format: 'xml' }, 'format'],
    ] as const) {
      const r = await call(query);
      expect(r.status).toBe(400);
      expect((r.jsonBody as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual([path]);
    }
  });

  it('Parquet: the stored file when it answers exactly, the kept rows re-encoded otherwise', async () => {
    const parquet = (query: Record<string, string>, token = tokens.admin) =>
      call(query, token, { accept: 'application/vnd.apache.parquet' });
    const header = (r: HttpResponseInit, h: string) => (r.headers as Record<string, string>)[h];
    // 802 has one file and the administrator sees it whole
    const stored = await parquet({ gridArea: '802' });
    expect(stored.status).toBe(200);
    expect(header(stored, 'content-type')).toBe('application/vnd.apache.parquet');
    expect(header(stored, 'x-parquet-source')).toBe('stored');
    expect((await bodyBytes(stored)).equals((await results.get(FILES[4].path)) as Buffer)).toBe(true);
    // everything, a type filter, a supplier's rows: re-encoded, the same rows as the CSV
    for (const [query, token] of [
      [{}, tokens.admin],
      [{ gridArea: '802', type: 'production' }, tokens.admin],
      [{ format: 'parquet' }, tokens.esA],
      [{ gridArea: '801' }, tokens.gap],
    ] as const) {
      const r = await parquet(query, token);
      expect(r.status).toBe(200);
      expect(header(r, 'x-parquet-source')).toBe('re-encoded');
      const rows = energyResultRowsFromParquet(await bodyBytes(r));
      const { format: _f, ...rest } = query as Record<string, string>;
      expect(rows).toEqual(allRows.filter((x) => rowMatches(x, rest, token)));
    }
    // no kept row: still a valid Parquet file, with no rows
    const empty = await parquet({ type: 'grid_loss' });
    expect(energyResultRowsFromParquet(await bodyBytes(empty))).toEqual([]);
  });

  function rowMatches(r: EnergyResultRow, q: Record<string, string>, token: string): boolean {
    if (q.gridArea && r.grid_area_code !== q.gridArea) return false;
    if (q.type && r.time_series_type !== q.type) return false;
    if (token === tokens.esA) return r.energy_supplier_id === ES_A;
    if (token === tokens.gap) return r.grid_area_code === '801';
    return true;
  }

  it('kind=wholesale of an energy calculation → 400 saying so, naming kind', async () => {
    const r = await call({ kind: 'wholesale' });
    expect(r.status).toBe(400);
    const body = r.jsonBody as { title: string; errors: Array<{ path: string; message: string }> };
    expect(body.title).toBe(`job ${JOB} is an energy calculation of type balance_fixing: it has no wholesale results`);
    expect(body.errors.map((e) => e.path)).toEqual(['kind']);
  });

  it('bounded: a page reads only the files it needs and decodes only the row groups it needs', async () => {
    results.reads = [];
    const first = page(await call({ limit: '10' }));
    expect(first.count).toBe(10);
    expect(results.resultReads()).toEqual([FILES[0].path]);
    // a page starting in the fourth file opens no file before it
    let p = first;
    while (!(p.results[0]?.grid_area_code === '801' && results.resultReads().includes(FILES[3].path))) {
      results.reads = [];
      p = page(await call({ limit: '10', cursor: p.nextCursor as string }));
    }
    expect(results.resultReads().every((f) => f === FILES[2].path || f === FILES[3].path)).toBe(true);
    // decoded rows: one row group of the first file, not the 480 rows of the job
    let decoded = 0;
    const manifest = JSON.parse(((await results.get(manifestPath(JOB))) as Buffer).toString('utf8')) as Manifest;
    const r = await readResultPage(results, manifest, { kind: 'energy' }, { file: 0, row: 0 }, 10, {
      onDecoded: (_file, n) => (decoded += n),
    });
    expect(r.rows).toHaveLength(10);
    expect(decoded).toBe(ROW_GROUP);
    // from a cursor inside a file: the row groups before it are skipped
    decoded = 0;
    await readResultPage(results, manifest, { kind: 'energy' }, { file: 1, row: 85 }, 5, {
      onDecoded: (_file, n) => (decoded += n),
    });
    expect(decoded).toBe(ROWS_PER_FILE - 2 * ROW_GROUP);
  });

  it('bounded: a CSV stream starts before any result file is read and reads one file per step', async () => {
    results.reads = [];
    const r = await call({ format: 'csv' });
    const it = (r.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const header = await it.next();
    expect(Buffer.from(header.value as Uint8Array).toString('utf8')).toBe(ENERGY_RESULT_COLUMNS.join(';') + '\n');
    expect(results.resultReads()).toEqual([]);
    await it.next();
    expect(results.resultReads()).toEqual([FILES[0].path]);
    await it.return?.(undefined);
  });

  it("a grid access provider's stream never opens the files of other grid areas", async () => {
    results.reads = [];
    const r = await call({ format: 'ndjson' }, tokens.gap);
    const rows = (await bodyBytes(r)).toString('utf8').trimEnd().split('\n');
    expect(rows).toHaveLength(2 * ROWS_PER_FILE);
    expect(results.resultReads()).toEqual([FILES[2].path, FILES[3].path]);
  });

  it('audit: a page with its row count; a stream when it starts and when it ends, with the rows sent', async () => {
    const before = audit.all().length;
    await call({ limit: '3' }, tokens.esA);
    const csv = await call({ format: 'csv', type: 'non_profiled_consumption' }, tokens.esA);
    const mid = audit.all().slice(before);
    expect(mid.map((a) => a.outcome)).toEqual([{ status: 200, rows: 3 }, { status: 200 }]);
    await bodyBytes(csv);
    const records = audit.all().slice(before);
    expect(records).toHaveLength(3);
    expect(records[2]).toMatchObject({
      operation: 'results',
      jobId: JOB,
      filters: { format: 'csv', type: 'non_profiled_consumption', stream: 'completed' },
      outcome: { status: 200, rows: 5 * SLOTS },
    });
    // a stream the client stops: recorded as aborted with what was sent
    const stopped = await call({ format: 'csv' }, tokens.esA);
    const it = (stopped.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await it.next();
    await it.return?.(undefined);
    expect(audit.all().at(-1)).toMatchObject({ filters: { stream: 'aborted' }, outcome: { rows: 0 } });
  });

  describe('over the local host HTTP server', () => {
    let url = '';
    let close: () => Promise<void> = () => Promise.resolve();
    beforeAll(async () => {
      const registry = new LocalRegistry();
      registerFunctions(registry, deps);
      const s = await startHttpServer(registry, 0, () => {});
      url = s.url;
      close = () => new Promise((resolve) => s.server.close(() => resolve()));
    });
    afterAll(() => close());
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(path.startsWith('http') ? path : `${url}/api/${path}`, {
        headers: { authorization: `Bearer ${tokens.admin}`, ...headers },
      });

    it('a CSV stream and pages followed through their Link headers', async () => {
      const csv = await get(`jobs/${JOB}/results`, { accept: 'text/csv' });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('transfer-encoding')).toBe('chunked');
      expect(await csv.text()).toBe(rowsToCsv(allRows));
      const lines: string[] = [];
      let next: string | null = `${url}/api/jobs/${JOB}/results?limit=64`;
      while (next) {
        const r = await get(next);
        expect(r.status).toBe(200);
        const body = (await r.json()) as { results: Array<Record<string, unknown>> };
        lines.push(...body.results.map(csvLineOfJson));
        next = /^<([^>]+)>; rel="next"$/.exec(r.headers.get('link') ?? '')?.[1] ?? null;
      }
      expect(lines).toEqual(rowsToCsv(allRows).trimEnd().split('\n').slice(1));
      const parquet = await get(`jobs/${JOB}/results?gridArea=802`, { accept: 'application/vnd.apache.parquet' });
      expect(Buffer.from(await parquet.arrayBuffer()).equals((await results.get(FILES[4].path)) as Buffer)).toBe(true);
    });
  });
});
