/**
 * End to end through the local host over HTTP against Azurite: KickStartJob → Completed →
 * committed results equal the CLI's for the same data; a host restart mid-job resumes it
 * without duplicate results.
 */
import { adminFetch } from '../support/tokens';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, writeScenarioCsv, type SyntheticData } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { ScenarioCsvSource } from '../../shared/basis-data/scenario-source';
import { scenarioToLake } from '../../shared/basis-data/parquet/convert';
import { readChargesCsv, writeChargesLake } from '../../shared/basis-data/charges';
import { lakeLayoutOf, ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { calculateWholesale } from '../../shared/calculation/wholesale/run';
import { WHOLESALE_RESULTS_CSV_HEADER, wholesaleResultRows } from '../../shared/results/wholesale-output';
import { WHOLESALE_RESULT_COLUMNS } from '../../shared/results/wholesale-results';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import { NAMES } from '../../shared/config/names';
import { decodeCalculationCompleted } from '../../shared/messaging/calculation-completed';
import { energyResultRows, ENERGY_RESULTS_CSV_HEADER } from '../../shared/results/energy-csv';
import { ENERGY_RESULT_COLUMNS } from '../../shared/results/energy-result-row';

interface JobView {
  id: string;
  status: string;
  progress: { doneBatches: number; totalBatches: number };
  error: string | null;
  outputPath: string | null;
  resultCounts: Record<string, number> | null;
}

async function waitFor(url: string, done: (j: JobView) => boolean, timeoutMs: number): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = (await (await adminFetch(url)).json()) as JobView;
    if (done(j)) return j;
    if (Date.now() > until) throw new Error(`timed out waiting; last status ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kickStart(host: LocalHost, data: SyntheticData): Promise<Response> {
  return adminFetch(`${host.url}/api/KickStartJob`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      processType: 'D04',
      beginTime: new Date(data.args.periodStart).toISOString(),
      endTime: new Date(data.args.periodEnd).toISOString(),
      gridAreas: data.args.gridAreas,
    }),
  });
}

describe('local host end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
  const data = generateSynthetic({
    seed: 11,
    meteringPoints: 300,
    gridAreas: 3,
    calculationGridAreas: 3,
    days: 2,
    periodStart: '2024-01-31T23:00:00Z',
  });
  const scenario = join(dir, 'scenario');
  const lake = join(dir, 'lake');

  beforeAll(async () => {
    writeScenarioCsv(scenario, data);
    await writeSyntheticLake(lake, data);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('KickStartJob over HTTP completes and its results equal the CLI calculation', async () => {
    const host = await startLocalHost({ port: 0, dataDir: join(dir, 'host1'), timers: false, log: () => {} });
    // the test's own subscription: the host's result sender consumes resultSenderSubscription, and a
    // receive there would race it for the one event
    host.bus.createSubscription(NAMES.serviceBus.domainEventsTopic, 'e2e-observer');
    try {
      await uploadLake(lake, host.basisData);
      const res = await kickStart(host, data);
      expect(res.status).toBe(202);
      const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };
      const job = await waitFor(statusUrl, (j) => j.status === 'Completed' || j.status === 'Failed', 90_000);
      expect(job).toMatchObject({ status: 'Completed', error: null, outputPath: `jobs/${jobId}/` });
      expect(job.progress.doneBatches).toBe(job.progress.totalBatches);

      const csv = await (await adminFetch(`${host.url}/api/jobs/${jobId}/results?format=csv`)).text();
      const lines = csv.trimEnd().split('\n');
      expect(lines[0]).toBe(ENERGY_RESULTS_CSV_HEADER);
      const cli = energyResultRows(
        await calculateEnergy(new ScenarioCsvSource(scenario), { ...data.args, calculationId: jobId }),
      );
      const expected = cli.map((r) => ENERGY_RESULT_COLUMNS.map((c) => r[c]).join(';')).sort();
      expect(lines.slice(1).sort()).toEqual(expected);
      const counts = Object.values(job.resultCounts ?? {}).reduce((a, b) => a + b, 0);
      expect(counts).toBe(expected.length);

      // JSON pages over HTTP, followed through their Link headers, give the CSV's rows in its order
      const paged: string[] = [];
      let next: string | null = `${host.url}/api/jobs/${jobId}/results?limit=${Math.ceil(expected.length / 3)}`;
      let pages = 0;
      while (next) {
        const page = await adminFetch(next);
        expect(page.status).toBe(200);
        const body = (await page.json()) as { results: Array<Record<string, string | string[]>> };
        // qualities are a JSON array here; the CSV contract writes them as a Python-style list
        for (const r of body.results)
          paged.push(
            ENERGY_RESULT_COLUMNS.map((c) =>
              c === 'quantity_qualities' ? `[${(r[c] as string[]).map((q) => `'${q}'`).join(', ')}]` : r[c],
            ).join(';'),
          );
        next = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
        pages++;
      }
      expect(pages).toBe(3);
      expect(paged).toEqual(lines.slice(1));

      const filtered = (await (
        await adminFetch(`${host.url}/api/jobs/${jobId}/results?type=grid_loss&gridArea=${data.args.gridAreas[0]}`)
      ).json()) as { count: number };
      expect(filtered.count).toBe(
        cli.filter((r) => r.time_series_type === 'grid_loss' && r.grid_area_code === data.args.gridAreas[0]).length,
      );

      const [event] = await host.bus.receive(
        { topic: NAMES.serviceBus.domainEventsTopic, subscription: 'e2e-observer' },
        1,
        2000,
      );
      expect(decodeCalculationCompleted(event.body)).toMatchObject({
        jobId,
        calculationType: 'balance_fixing',
        gridAreaCodes: data.args.gridAreas,
        outputPath: `jobs/${jobId}/`,
      });
      await event.complete();
    } finally {
      await host.stop();
    }
  });

  it('a restarted host resumes an in-flight job; results have no duplicates', async () => {
    const dataDir = join(dir, 'host2');
    // tiny batches so the job is still running when the host stops
    const env = { BATCH_MAX_POINTS: '8000', MAX_PARALLEL_BATCHES: '1' };
    const first = await startLocalHost({ port: 0, dataDir, timers: false, env, log: () => {} });
    let jobId = '';
    try {
      await uploadLake(lake, first.basisData);
      const res = await kickStart(first, data);
      jobId = ((await res.json()) as { jobId: string }).jobId;
      await waitFor(`${first.url}/api/jobs/${jobId}`, (j) => j.progress.doneBatches >= 2, 60_000);
    } finally {
      await first.stop();
    }
    const second = await startLocalHost({ port: 0, dataDir, timers: false, env, log: () => {} });
    try {
      const job = await waitFor(
        `${second.url}/api/jobs/${jobId}`,
        (j) => j.status === 'Completed' || j.status === 'Failed',
        120_000,
      );
      expect(job.status).toBe('Completed');
      const files = await second.results.list(`jobs/${jobId}/energy/`);
      expect(files.length).toBe(job.progress.totalBatches);
      const csv = await (await adminFetch(`${second.url}/api/jobs/${jobId}/results?format=csv`)).text();
      const rows = csv.trimEnd().split('\n').slice(1);
      expect(new Set(rows).size).toBe(rows.length);
      const cli = energyResultRows(
        await calculateEnergy(new ScenarioCsvSource(scenario), { ...data.args, calculationId: jobId }),
      );
      expect(rows.length).toBe(cli.length);
    } finally {
      await second.stop();
    }
  });

  it('a job whose calculation fails (no grid-loss metering points) ends Failed with the reason, after retries', async () => {
    const host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    try {
      const f1Lake = join(dir, 'f1-lake');
      await scenarioToLake(join(__dirname, '..', 'scenarios', 'f1-minimal-energy'), f1Lake);
      await uploadLake(f1Lake, host.basisData);
      // grid area 111 has a production metering point but no grid-loss metering points
      const res = await adminFetch(
        `${host.url}/api/KickStartJob?processType=D04&beginTime=2023-07-02T02:00:00Z&endTime=2023-07-02T03:00:00Z&gridAreas=111`,
      );
      expect(res.status).toBe(202);
      const { statusUrl } = (await res.json()) as { statusUrl: string };
      const job = await waitFor(statusUrl, (j) => j.status === 'Completed' || j.status === 'Failed', 60_000);
      expect(job.status).toBe('Failed');
      expect(job.error).toMatch(/grid area 111: missing positive grid loss/);
      expect(job.outputPath).toBeNull();
    } finally {
      await host.stop();
    }
  });

  it('a wholesale fixing (D05) job for a whole month calculates and commits wholesale results equal to the CLI', async () => {
    const host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    try {
      const f5 = join(__dirname, '..', 'scenarios-wholesale', 'f5-minimal-wholesale');
      const f5Lake = join(dir, 'f5-lake');
      await scenarioToLake(f5, f5Lake);
      await writeChargesLake(f5Lake, await readChargesCsv(f5), await lakeLayoutOf(f5Lake));
      await uploadLake(f5Lake, host.basisData);
      const res = await adminFetch(`${host.url}/api/KickStartJob`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          processType: 'D05',
          beginTime: '2023-01-31T23:00:00Z',
          endTime: '2023-02-28T23:00:00Z',
          gridAreas: ['800'],
        }),
      });
      expect(res.status).toBe(202);
      const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };
      const job = await waitFor(statusUrl, (j) => j.status === 'Completed' || j.status === 'Failed', 90_000);
      expect(job.status).toBe('Completed');
      const csv = await (await adminFetch(`${host.url}/api/jobs/${jobId}/results?kind=wholesale&format=csv`)).text();
      const lines = csv.trimEnd().split('\n');
      expect(lines[0]).toBe(WHOLESALE_RESULTS_CSV_HEADER);
      const args = {
        ...(await readScenarioArguments(f5)),
        calculationId: jobId,
        periodStart: Date.parse('2023-01-31T23:00:00Z'),
        periodEnd: Date.parse('2023-02-28T23:00:00Z'),
        allowPartialMonth: false,
      };
      const cli = wholesaleResultRows(await calculateWholesale(new ParquetLakeSource(f5Lake), args));
      expect(lines.slice(1).sort()).toEqual(cli.map((r) => WHOLESALE_RESULT_COLUMNS.map((c) => r[c]).join(';')).sort());
      expect(job.resultCounts?.wholesale_results).toBe(cli.length);
      const totals = (await (
        await adminFetch(`${host.url}/api/jobs/${jobId}/results?kind=wholesale&type=total_monthly_amount`)
      ).json()) as { count: number };
      expect(totals.count).toBe(cli.filter((r) => r.amount_type === 'total_monthly_amount').length);
    } finally {
      await host.stop();
    }
  });

  it('bulk ingestion over HTTP writes points into the lake the calculation reads', async () => {
    const host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    try {
      const body = [
        {
          metering_point_id: '571313170000000001',
          quantity: '1.250',
          quality: 'measured',
          observation_time: '2024-02-01T00:00:00Z',
          resolution: 'PT15M',
        },
        {
          metering_point_id: '571313170000000001',
          quantity: '',
          quality: 'missing',
          observation_time: '2024-02-01T00:15:00Z',
          resolution: 'PT15M',
        },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n');
      const res = await adminFetch(`${host.url}/api/time-series`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body,
      });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { points: number; files: string[] };
      expect(out.points).toBe(2);
      // no master data for the metering point yet: kept in the partition every lake view reads
      expect(await host.basisData.list('time_series_points/grid_area=unassigned/observation_date=2024-02-01/')).toEqual(
        out.files,
      );
      const bad = await adminFetch(`${host.url}/api/time-series`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: body.replace('571313170000000001', '5713'),
      });
      expect(bad.status).toBe(400);
      expect(await host.basisData.list('time_series_points/')).toEqual(out.files);
    } finally {
      await host.stop();
    }
  });
});
