/**
 * GET /api/jobs/{a}/diff/{b} (issue 17) on the handler invoked directly: the JSON contract, the
 * CSV stream, filters, the caller's scope (a supplier sees only its own series, a grid access
 * provider only its grid areas, a job that is not the caller's is 404), 409 naming the job that
 * is not Completed, 400 with the issue list. Jobs are committed by hand (manifest + result files
 * written with the engine's Parquet writer) so every difference is known exactly.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { buildDeps } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import { jobDiffHandler } from '../../functions/http/job-diff';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { parquetBytes } from '../../shared/basis-data/parquet/arrow-io';
import { loadSettings } from '../../shared/config/settings';
import { QBIT_ACTIVE, QBIT_MEASURED } from '../../shared/domain/codes';
import { InvariantError } from '../../shared/domain/errors';
import type { jobDiffSchema } from '../../shared/http-api/job-diff';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { JobSpec } from '../../shared/jobs/job';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { energyResultsTable } from '../../shared/results/energy-parquet';
import type { SeriesMeta } from '../../shared/results/energy-results';
import { manifestPath } from '../../shared/settlement/job-paths';
import type { Manifest } from '../../shared/settlement/manifest';
import { wholesaleTable } from '../../shared/results/wholesale-output';
import { WholesaleRows, type WholesaleSeries } from '../../shared/results/wholesale-results';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { adminToken, tokenFor } from '../support/tokens';
import type { z } from 'zod';

type DiffBody = z.output<typeof jobDiffSchema>;

const ES_A = '5790000000011';
const ES_B = '5790000000012';
const BRP = '5790000000021';
const GAP = '5790000000031'; // owns 801
const SLOTS = 24;
const PERIOD_START = Date.parse('2024-01-31T23:00:00Z');
const HOUR = 3_600_000;

const SPEC: JobSpec = {
  calculationType: 'balance_fixing',
  periodStart: '2024-01-31T23:00:00.000Z',
  periodEnd: '2024-02-01T23:00:00.000Z',
  gridAreas: ['800', '801', '802'],
  asOf: '2024-02-03T06:00:00.000Z',
  createdByUserId: 'u',
  trigger: 'test',
};

const meta = (ga: string, type: SeriesMeta['timeSeriesType'], es: string | null, brp: string | null): SeriesMeta => ({
  timeSeriesType: type,
  aggregationLevel: es ? 'energy_supplier' : brp ? 'balance_responsible_party' : 'grid_area',
  gridAreaCode: ga,
  neighborGridAreaCode: null,
  energySupplierId: es,
  balanceResponsiblePartyId: brp,
  meteringPointId: null,
  resultId: `${type}-${ga}-${es}-${brp}`,
});

/** Job A's value of a series' slot in milli-kWh; job B moves some (see `changes`). */
const base = (k: number, ga: string, s: number) => (k + 1) * 1000 * s + Number(ga);

/** One grid area's result file; `change` gives job B's deltas and the series it lacks. */
function gridAreaFile(jobId: string, ga: string, change?: (k: number, s: number) => number | null): Uint8Array {
  const all = [
    meta(ga, 'production', null, null),
    meta(ga, 'non_profiled_consumption', ES_A, BRP),
    meta(ga, 'non_profiled_consumption', ES_B, BRP),
    meta(ga, 'flex_consumption', ES_B, null),
  ];
  const values = all.map((_, k) =>
    Float64Array.from({ length: SLOTS }, (_, s) => base(k, ga, s) + (change ? (change(k, s) ?? 0) : 0)),
  );
  const kept = all.map((_, k) => k).filter((k) => !change || change(k, -1) !== null);
  return parquetBytes(
    energyResultsTable({
      calculationId: jobId,
      calculationType: 'balance_fixing',
      resolution: 'PT1H',
      periodStart: PERIOD_START,
      slotMs: HOUR,
      nSlots: SLOTS,
      series: kept.map((k) => all[k]),
      values: kept.map((k) => values[k]),
      masks: kept.map(() => new Uint8Array(SLOTS).fill(QBIT_ACTIVE | QBIT_MEASURED)),
    }),
    10,
  );
}

/**
 * Job B against A: ES_A's consumption in 801 +0.250 kWh at 05:00 (local 06:00) and −0.001 at
 * 07:00; ES_B's flex consumption of 802 is missing in B. Nothing else moves.
 */
const CHANGES: Record<string, (k: number, s: number) => number | null> = {
  '800': () => 0,
  '801': (k, s) => (k === 1 && s === 6 ? 250 : k === 1 && s === 8 ? -1 : 0),
  '802': (k) => (k === 3 ? null : 0),
};

const tariff = (es: string, resultId: string): WholesaleSeries => ({
  amountType: 'amount_per_charge',
  gridArea: '801',
  energySupplierId: es,
  chargeOwnerId: '5790000000100',
  chargeCode: 'T-NET',
  chargeType: 'tariff',
  isTax: false,
  meteringPointType: 'consumption',
  settlementMethod: 'flex',
  resolution: 'PT1H',
  quantityUnit: 'kWh',
  resultId,
});

/** One grid area's wholesale file: two suppliers' hourly tariff amounts (`changed`: job W2's). */
function wholesaleFile(jobId: string, changed: boolean): Uint8Array {
  const rows = new WholesaleRows();
  const series = changed ? [tariff(ES_A, `${jobId}-a`)] : [tariff(ES_A, `${jobId}-a`), tariff(ES_B, `${jobId}-b`)];
  series.forEach((_, k) => {
    for (let h = 0; h < SLOTS; h++)
      rows.push(k, PERIOD_START + h * HOUR, 2000 + h, QBIT_MEASURED, 456_789, 913_578 + (changed && h === 4 ? 1 : 0));
  });
  return parquetBytes(wholesaleTable({ calculationId: jobId, calculationType: 'wholesale_fixing', series, rows }));
}

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

async function text(r: HttpResponseInit): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of r.body as AsyncIterable<Uint8Array>) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

describe('calculation diff API (handler)', () => {
  let deps: AppDeps;
  let audit: MemoryAuditLog;
  let tokens: Record<'admin' | 'gap' | 'esA' | 'gapElsewhere', string>;

  beforeAll(async () => {
    const results = new MemoryBlobStore('results');
    audit = new MemoryAuditLog();
    const jobs = new MemoryJobStore();
    const now = new Date('2024-02-03T06:00:00Z');
    const commit = async (jobId: string, changed: boolean) => {
      await jobs.createOrGetActive(jobId, SPEC, now);
      for (const s of ['Started', 'Executing', 'Completed'] as const) await jobs.transition(jobId, s, now);
      const files: string[] = [];
      for (const ga of SPEC.gridAreas) {
        const path = `jobs/${jobId}/energy/ga=${ga}/${ga}-0.parquet`;
        await results.put(path, gridAreaFile(jobId, ga, changed ? CHANGES[ga] : undefined));
        files.push(path);
      }
      const manifest: Manifest = {
        jobId,
        calculationType: 'balance_fixing',
        periodStart: SPEC.periodStart,
        periodEnd: SPEC.periodEnd,
        gridAreas: SPEC.gridAreas,
        files,
        rows: 0,
        counts: {},
        wholesaleFiles: [],
        wholesaleRows: 0,
        committedAt: now.toISOString(),
      };
      await results.put(manifestPath(jobId), JSON.stringify(manifest));
    };
    await commit('job-a', false);
    await commit('job-b', true);
    // a wholesale pair: job W2 charges ES_A's tariff 0.000001 DKK more at 03:00, ES_B's tariff is gone
    for (const [jobId, changed] of [
      ['w1', false],
      ['w2', true],
    ] as const) {
      await jobs.createOrGetActive(jobId, { ...SPEC, calculationType: 'wholesale_fixing', gridAreas: ['801'] }, now);
      for (const st of ['Started', 'Executing', 'Completed'] as const) await jobs.transition(jobId, st, now);
      const path = `jobs/${jobId}/wholesale/ga=801/801-0.parquet`;
      await results.put(path, wholesaleFile(jobId, changed));
      const manifest: Manifest = {
        jobId,
        calculationType: 'wholesale_fixing',
        periodStart: SPEC.periodStart,
        periodEnd: SPEC.periodEnd,
        gridAreas: ['801'],
        files: [],
        rows: 0,
        counts: {},
        wholesaleFiles: [path],
        wholesaleRows: 0,
        committedAt: now.toISOString(),
      };
      await results.put(manifestPath(jobId), JSON.stringify(manifest));
    }
    await jobs.createOrGetActive('job-running', { ...SPEC, gridAreas: ['801'] }, now);
    await jobs.transition('job-running', 'Started', now);
    deps = {
      ...buildDeps({
        settings: loadSettings({
          STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
          SETTLEMENT_SCHEDULE: '[]',
          AUTH_DEV_ISSUER: 'true',
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
      gridAreaOwnership: () =>
        Promise.resolve({
          ownedIn: (job, actor) =>
            new Set(job.gridAreas.filter((ga) => (actor === GAP && ga === '801') || (actor === 'x' && ga === '809'))),
        }),
    };
    tokens = {
      admin: await adminToken(),
      gap: await tokenFor('grid_access_provider', GAP),
      esA: await tokenFor('energy_supplier', ES_A),
      gapElsewhere: await tokenFor('grid_access_provider', '5790000000099'),
    };
  });

  const call = (a: string, b: string, query: Record<string, string> = {}, token = tokens.admin) =>
    jobDiffHandler(deps)(
      new HttpRequest({
        method: 'GET',
        url: `http://localhost:7071/api/jobs/${a}/diff/${b}?${new URLSearchParams(query).toString()}`,
        query,
        params: { a, b },
        headers: { authorization: `Bearer ${token}` },
      }),
      ctx(),
    );
  const body = (r: HttpResponseInit) => r.jsonBody as DiffBody;

  it('finds exactly the moved series and slots, with the JSON contract', async () => {
    const r = await call('job-a', 'job-b');
    expect(r.status).toBe(200);
    const d = body(r);
    expect(d).toMatchObject({
      jobA: 'job-a',
      jobB: 'job-b',
      kind: 'energy',
      unit: 'kWh',
      filters: { type: null, gridArea: null, level: null },
      seriesCount: 12,
      changedSeriesCount: 2,
    });
    // ES_B's flex series of 802 is in A only: Σ over its 24 hours of 4000·s + 802 milli-kWh
    const onlyA = Array.from({ length: SLOTS }, (_, s) => base(3, '802', s)).reduce((x, y) => x + y, 0);
    expect(d.sumAbsDifference).toBe(((251 + onlyA) / 1000).toFixed(3));
    expect(d.series[0]).toEqual({
      key: {
        time_series_type: 'flex_consumption',
        aggregation_level: 'energy_supplier',
        grid_area_code: '802',
        neighbor_grid_area_code: null,
        energy_supplier_id: ES_B,
        balance_responsible_party_id: null,
        metering_point_id: null,
      },
      presence: 'onlyA',
      slots: 24,
      changedSlots: 24,
      totalA: (onlyA / 1000).toFixed(3),
      totalB: '0.000',
      sumAbsDifference: (onlyA / 1000).toFixed(3),
      maxAbsDifference: (base(3, '802', 23) / 1000).toFixed(3),
      maxAt: '2024-02-01T22:00:00Z',
    });
    const es801 = Array.from({ length: SLOTS }, (_, s) => base(1, '801', s)).reduce((x, y) => x + y, 0);
    expect(d.series[1]).toMatchObject({
      key: { grid_area_code: '801', energy_supplier_id: ES_A, time_series_type: 'non_profiled_consumption' },
      presence: 'both',
      slots: 24,
      changedSlots: 2,
      totalA: (es801 / 1000).toFixed(3),
      totalB: ((es801 + 249) / 1000).toFixed(3),
      sumAbsDifference: '0.251',
      maxAbsDifference: '0.250',
      maxAt: '2024-02-01T05:00:00Z',
    });
    expect(d.series.slice(2).every((s) => s.sumAbsDifference === '0.000' && s.presence === 'both')).toBe(true);
    expect(d.gridAreas).toEqual([
      { gridArea: '800', sumAbsDifference: '0.000', changedSeries: 0 },
      { gridArea: '801', sumAbsDifference: '0.251', changedSeries: 1 },
      { gridArea: '802', sumAbsDifference: (onlyA / 1000).toFixed(3), changedSeries: 1 },
    ]);
    expect(d.actors.slice(0, 2)).toEqual([
      { role: 'energy_supplier', actorId: ES_B, sumAbsDifference: (onlyA / 1000).toFixed(3), changedSeries: 1 },
      { role: 'balance_responsible_party', actorId: BRP, sumAbsDifference: '0.251', changedSeries: 1 },
    ]);
    expect(d.timeline).toHaveLength(SLOTS);
    expect(d.timeline[6]).toEqual({
      time: '2024-02-01T05:00:00Z',
      sumAbsDifference: ((250 + base(3, '802', 6)) / 1000).toFixed(3),
    });
    // limit and the filters
    expect(body(await call('job-a', 'job-b', { limit: '1' })).series).toHaveLength(1);
    const filtered = body(await call('job-a', 'job-b', { type: 'non_profiled_consumption', gridArea: '801' }));
    expect(filtered).toMatchObject({
      filters: { type: 'non_profiled_consumption', gridArea: '801', level: null },
      seriesCount: 2,
      changedSeriesCount: 1,
      sumAbsDifference: '0.251',
    });
    expect(body(await call('job-a', 'job-b', { level: 'grid_area' }))).toMatchObject({
      seriesCount: 3,
      changedSeriesCount: 0,
    });
    // the same job twice: nothing moved
    expect(body(await call('job-a', 'job-a'))).toMatchObject({ changedSeriesCount: 0, sumAbsDifference: '0.000' });
  });

  it('streams CSV: one line per series, every series, grid area by grid area', async () => {
    const r = await call('job-a', 'job-b', { format: 'csv', limit: '1' });
    expect(r.status).toBe(200);
    expect((r.headers as Record<string, string>)['content-type']).toBe('text/csv; charset=utf-8');
    const lines = (await text(r)).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'time_series_type;aggregation_level;grid_area_code;neighbor_grid_area_code;energy_supplier_id;balance_responsible_party_id;metering_point_id;presence;slots;changed_slots;total_a;total_b;sum_abs_difference;max_abs_difference;max_at',
    );
    expect(lines).toHaveLength(13);
    expect(lines.slice(1).map((l) => l.split(';')[2])).toEqual(['800', '801', '802'].flatMap((ga) => [ga, ga, ga, ga]));
    const es801 = Array.from({ length: SLOTS }, (_, s) => base(1, '801', s)).reduce((x, y) => x + y, 0);
    expect(lines).toContain(
      `non_profiled_consumption;energy_supplier;801;;${ES_A};${BRP};;both;24;2;${(es801 / 1000).toFixed(3)};${((es801 + 249) / 1000).toFixed(3)};0.251;0.250;2024-02-01T05:00:00Z`,
    );
  });

  it("applies the caller's scope like the results API; a job that is not the caller's is 404", async () => {
    const es = body(await call('job-a', 'job-b', {}, tokens.esA));
    expect(es.seriesCount).toBe(3); // ES_A's consumption in each grid area, no grid-area totals
    expect(es.series.every((s) => s.key.energy_supplier_id === ES_A)).toBe(true);
    expect(es).toMatchObject({ changedSeriesCount: 1, sumAbsDifference: '0.251' });
    expect(es.actors.map((a) => a.actorId).sort()).toEqual([BRP, ES_A].sort());
    const gap = body(await call('job-a', 'job-b', {}, tokens.gap));
    expect(gap.seriesCount).toBe(4);
    expect(gap.gridAreas.map((g) => g.gridArea)).toEqual(['801']);
    const hidden = await call('job-a', 'job-b', {}, tokens.gapElsewhere);
    expect(hidden.status).toBe(404);
    expect((hidden.jsonBody as { title: string }).title).toBe('job job-a and job job-b not found');
    expect((await call('job-a', 'no-such-job')).status).toBe(404);
    const records = await audit.bySubject(`dev-energy_supplier-${ES_A}`);
    expect(records.some((x) => x.operation === 'diff' && x.jobId === 'job-a' && x.filters.b === 'job-b')).toBe(true);
  });

  it('409 names the job that is not Completed; 400 lists the bad parameters', async () => {
    const r = await call('job-running', 'job-b');
    expect(r.status).toBe(409);
    expect(r.jsonBody).toMatchObject({
      title: 'job job-running has no committed results (status Started)',
      errors: [{ path: 'a', message: 'job job-running is Started; a diff needs two Completed jobs' }],
    });
    const bad = await call('job-a', 'job-b', { kind: 'gas', limit: '1001', gridArea: '8', format: 'xml' });
    expect(bad.status).toBe(400);
    expect((bad.jsonBody as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual([
      'format',
      'gridArea',
      'kind',
      'limit',
    ]);
    const type = await call('job-a', 'job-b', { type: 'amount_per_charge' });
    expect(type.jsonBody).toMatchObject({
      errors: [{ path: 'type', message: "unknown time series type 'amount_per_charge'" }],
    });
    const wholesale = await call('job-a', 'job-b', { kind: 'wholesale' });
    expect(wholesale.status).toBe(400);
    expect(wholesale.jsonBody).toMatchObject({ errors: [{ path: 'kind' }] });
  });

  it('compares wholesale amounts (DKK, 6 decimals) with their quantities, in the supplier scope too', async () => {
    const d = body(await call('w1', 'w2', { kind: 'wholesale' }));
    expect(d).toMatchObject({ kind: 'wholesale', unit: 'DKK', seriesCount: 2, changedSeriesCount: 2 });
    const total = (24 * 913_578) / 1e6;
    expect(d.series[0]).toMatchObject({
      key: {
        amount_type: 'amount_per_charge',
        grid_area_code: '801',
        energy_supplier_id: ES_B,
        charge_owner_id: '5790000000100',
        charge_code: 'T-NET',
        charge_type: 'tariff',
        is_tax: 'false',
        metering_point_type: 'consumption',
        settlement_method: 'flex',
        resolution: 'PT1H',
        quantity_unit: 'kWh',
      },
      presence: 'onlyA',
      totalA: total.toFixed(6),
      totalB: '0.000000',
      quantity: { totalA: ((24 * 2000 + 276) / 1000).toFixed(3), totalB: '0.000', changedSlots: 24 },
    });
    expect(d.series[1]).toMatchObject({
      key: { energy_supplier_id: ES_A },
      presence: 'both',
      changedSlots: 1,
      sumAbsDifference: '0.000001',
      maxAbsDifference: '0.000001',
      maxAt: '2024-02-01T03:00:00Z',
      quantity: { sumAbsDifference: '0.000', changedSlots: 0 },
    });
    expect(d.actors.map((a) => a.role)).toEqual(['energy_supplier', 'energy_supplier']);
    const own = body(await call('w1', 'w2', { kind: 'wholesale' }, tokens.esA));
    expect(own).toMatchObject({ seriesCount: 1, sumAbsDifference: '0.000001' });
    expect((await call('w1', 'w2', { kind: 'wholesale', level: 'grid_area' })).status).toBe(400);
    expect((await call('w1', 'w2', { kind: 'wholesale', type: 'total_monthly_amount' })).jsonBody).toMatchObject({
      seriesCount: 0,
      series: [],
    });
  });
});
