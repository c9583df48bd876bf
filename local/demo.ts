/**
 * `npm run demo`: the newcomer's tour. Generates a small basis-data set (4 grid areas, ~2,000
 * metering points, 2 days), uploads it to Azurite, starts the local host, calls KickStartJob over
 * HTTP, shows progress, prints a per-grid-area summary and ends with `job <id> Completed`.
 * Exit code 0 only when the job completed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../bench/lake';
import { generateSynthetic } from '../bench/synthetic';
import { NAMES } from '../shared/config/names';
import type { EnergyResultRow } from '../shared/results/energy-result-row';
import { decodeCalculationCompleted } from '../shared/messaging/calculation-completed';
import { startLocalHost } from './host';
import { uploadLake } from './upload-lake';

interface JobView {
  id: string;
  status: string;
  progress: { doneBatches: number; totalBatches: number };
  error: string | null;
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'settlement-demo-'));
  const host = await startLocalHost({ port: Number(process.env.DEMO_PORT ?? 7071), dataDir: null, timers: false, log: () => {} });
  try {
    console.log('1/5 generating basis data: 2,000 metering points, 4 grid areas, 2 days ...');
    const data = generateSynthetic({ seed: 2024, meteringPoints: 2000, gridAreas: 4, calculationGridAreas: 4, days: 2, periodStart: '2024-01-31T23:00:00Z' });
    const lakeDir = join(work, 'lake');
    const points = await writeSyntheticLake(lakeDir, data);
    console.log(`    ${points.toLocaleString('en')} time series points`);
    console.log('2/5 uploading the Parquet lake to Azurite (container basis-data) ...');
    const files = await uploadLake(lakeDir, host.basisData);
    console.log(`    ${files} files`);

    console.log(`3/5 POST ${host.url}/api/KickStartJob (balance fixing, all grid areas)`);
    const res = await fetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ processType: 'D04', beginTime: new Date(data.args.periodStart).toISOString(), endTime: new Date(data.args.periodEnd).toISOString(), gridAreas: data.args.gridAreas }),
    });
    const started = (await res.json()) as { jobId: string; statusUrl: string };
    console.log(`    ${res.status} job ${started.jobId}`);
    if (res.status !== 202) return 1;

    console.log('4/5 waiting for the job ...');
    let job: JobView;
    let last = '';
    for (;;) {
      job = (await (await fetch(started.statusUrl)).json()) as JobView;
      const line = `    ${job.status} ${job.progress.doneBatches}/${job.progress.totalBatches} batches`;
      if (line !== last) console.log(line);
      last = line;
      if (job.status === 'Completed' || job.status === 'Failed' || job.status === 'Canceled') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (job.status !== 'Completed') {
      console.log(`job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
      return 1;
    }
    const event = (await host.bus.receive({ topic: NAMES.serviceBus.domainEventsTopic, subscription: NAMES.serviceBus.resultSenderSubscription }, 1, 2000))[0];
    if (event) {
      const e = decodeCalculationCompleted(event.body);
      console.log(`    calculation-completed event: ${e.calculationType} ${e.gridAreaCodes.join(',')} → ${e.outputPath}`);
      await event.complete();
    }

    console.log('5/5 summary per grid area (kWh over the period)');
    const rows = ((await (await fetch(`${host.url}/api/jobs/${job.id}/results?format=json`)).json()) as { results: EnergyResultRow[] }).results;
    const sum = (ga: string, type: string) =>
      rows.filter((r) => r.grid_area_code === ga && r.time_series_type === type && r.aggregation_level === 'grid_area').reduce((s, r) => s + Math.round(Number(r.quantity) * 1000), 0) / 1000;
    const table = [['grid area', 'net exchange', 'production', 'consumption', 'grid loss']];
    for (const ga of data.args.gridAreas) {
      const consumption = Math.round((sum(ga, 'non_profiled_consumption') + sum(ga, 'flex_consumption')) * 1000) / 1000;
      table.push([ga, sum(ga, 'net_exchange_per_ga').toFixed(3), sum(ga, 'production').toFixed(3), consumption.toFixed(3), sum(ga, 'grid_loss').toFixed(3)]);
    }
    const w = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) console.log('    ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
    console.log(`job ${job.id} Completed`);
    return 0;
  } finally {
    await host.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
