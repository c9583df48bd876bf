/**
 * One settlement batch in its own process (bench/scale.ts): the same use case the
 * calculateBatchActivity runs, against the same Azurite, so this process's peak RSS is the
 * batch's own. Input: one JSON argument; output: one JSON line.
 */
import { NAMES } from '../shared/config/names';
import { loadSettings } from '../shared/config/settings';
import { BlobLake } from '../shared/basis-data/parquet/blob-lake';
import { TableIntegrationEventStore } from '../shared/integration-events/store/table-event-store';
import { TableJobStore } from '../shared/jobs/table-job-store';
import type { Batch, BatchOutput } from '../shared/settlement/batch';
import { calculateBatch } from '../shared/settlement/use-cases/calculate-batch';
import { AzureBlobStore } from '../shared/storage/azure-blob-store';

export interface ScaleWorkerInput {
  connectionString: string;
  jobId: string;
  batch: Batch;
  /** A fresh cache per batch: an instance in Azure starts without the blobs this batch needs. */
  cacheDir: string;
}

export interface ScaleWorkerOutput {
  output: BatchOutput;
  seconds: number;
  peakRssMb: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]) as ScaleWorkerInput;
  const cs = input.connectionString;
  // the settings a local host runs with (its dev token issuer included)
  const settings = loadSettings({
    ...process.env,
    [NAMES.settings.authDevIssuer]: 'true',
    [NAMES.settings.storageConnectionString]: cs,
  });
  const t0 = performance.now();
  const output = await calculateBatch(
    {
      lake: new BlobLake(AzureBlobStore.fromConnectionString(cs, NAMES.containers.basisData), input.cacheDir),
      events: TableIntegrationEventStore.fromConnectionString(cs),
      jobs: TableJobStore.fromConnectionString(cs),
      results: AzureBlobStore.fromConnectionString(cs, NAMES.containers.results),
      quarterlyTransition: settings.quarterlyTransition,
    },
    input.jobId,
    input.batch,
  );
  const result: ScaleWorkerOutput = {
    output,
    seconds: (performance.now() - t0) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(result));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
