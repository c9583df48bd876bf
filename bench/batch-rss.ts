/**
 * Peak RSS of ONE settlement batch (the calculateBatch activity: energy + wholesale slice of one
 * grid area), to size BATCH_MAX_POINTS so a batch fits a 2 GB Flex Consumption instance.
 *
 *   npx tsx bench/batch-rss.ts gen <dir> --mps 20000 --days 31   # writes the lake (cached)
 *   npx tsx bench/batch-rss.ts run <dir>                         # one batch in a fresh process
 *
 * `run` prints `{"points":…,"seconds":…,"peakRssMb":…}`: the lake's points (one grid area, so all
 * of them are the batch's) and the process's peak RSS (getrusage maxRSS). The lake is read from
 * local disk through the same ParquetLakeSource a BlobLake view returns, so the figure excludes
 * the download but includes everything the calculation holds.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lakeLayoutOf, ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { MemoryIntegrationEventStore } from '../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../shared/jobs/memory-job-store';
import { calculateBatch } from '../shared/settlement/use-cases/calculate-batch';
import { MemoryBlobStore } from '../shared/storage/memory-blob-store';
import { writeSyntheticLake } from './lake';
import { generateCharges, writeChargesLake } from './synthetic-charges';
import { generateSynthetic } from './synthetic';

interface Meta {
  points: number;
  periodStart: string;
  periodEnd: string;
  gridArea: string;
}

async function gen(dir: string, mps: number, days: number): Promise<void> {
  if (existsSync(join(dir, 'meta.json'))) return;
  mkdirSync(dir, { recursive: true });
  const data = generateSynthetic({
    seed: 7,
    meteringPoints: mps,
    gridAreas: 1,
    calculationGridAreas: 1,
    days,
    periodStart: '2024-02-29T23:00:00Z', // March 2024: the 23-hour DST day included
    calculationType: 'wholesale_fixing',
  });
  const points = await writeSyntheticLake(join(dir, 'lake'), data);
  await writeChargesLake(
    join(dir, 'lake'),
    generateCharges(data, { seed: 7, linksPerMeteringPoint: 10 }),
    await lakeLayoutOf(join(dir, 'lake')),
  );
  const meta: Meta = {
    points,
    periodStart: new Date(data.args.periodStart).toISOString(),
    periodEnd: new Date(data.args.periodEnd).toISOString(),
    gridArea: data.args.gridAreas[0],
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

async function run(dir: string): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  const jobs = new MemoryJobStore();
  const { job } = await jobs.createOrGetActive(
    'rss',
    {
      calculationType: 'wholesale_fixing',
      periodStart: meta.periodStart,
      periodEnd: meta.periodEnd,
      gridAreas: [meta.gridArea],
      asOf: new Date().toISOString(),
      createdByUserId: 'bench',
      trigger: 'test',
    },
    new Date(),
  );
  const source = new ParquetLakeSource(join(dir, 'lake'));
  const t0 = performance.now();
  await calculateBatch(
    {
      lake: { view: () => Promise.resolve({ source, blobs: [], bytes: 0 }) },
      events: new MemoryIntegrationEventStore(),
      jobs,
      results: new MemoryBlobStore('results'),
      quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
    },
    job.id,
    { id: 'b', gridArea: meta.gridArea, periodStart: meta.periodStart, periodEnd: meta.periodEnd },
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({ points: meta.points, seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { mps: { type: 'string', default: '5000' }, days: { type: 'string', default: '31' } },
  });
  const [cmd, dir] = positionals;
  if (cmd === 'gen' && dir) await gen(dir, Number(values.mps), Number(values.days));
  else if (cmd === 'run' && dir) await run(dir);
  else {
    console.error('usage: batch-rss.ts gen <dir> [--mps N] [--days D] | run <dir>');
    process.exitCode = 2;
  }
}

void main();
