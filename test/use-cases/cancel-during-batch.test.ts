/**
 * A canceled job leaves no result files (issue 12): a batch activity already running when the job
 * is canceled (termination does not stop it) writes its outputs after the cancel's delete; it
 * finds the job Canceled after writing and deletes them itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadLake } from '../../local/upload-lake';
import { scenarioToLake } from '../../shared/basis-data/parquet/convert';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { JobCanceledError } from '../../shared/settlement/errors';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { cancelJob } from '../../shared/settlement/use-cases/cancel-job';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const F1 = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');

/** Cancels the job when the batch writes its first file (the cancel's delete then finds only that one). */
class CancelOnFirstPut extends MemoryBlobStore {
  onFirstPut: (() => Promise<unknown>) | null = null;
  override async put(path: string, data: Uint8Array | string, contentType?: string): Promise<void> {
    await super.put(path, data, contentType);
    const hook = this.onFirstPut;
    this.onFirstPut = null;
    if (hook) await hook();
  }
}

describe('cancel during a running batch', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cancel-batch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the batch deletes what it wrote after the cancel and throws JobCanceledError; nothing stays under jobs/{id}/', async () => {
    await scenarioToLake(F1, join(dir, 'lake'));
    const basisData = new MemoryBlobStore('basis-data');
    await uploadLake(join(dir, 'lake'), basisData);
    const jobs = new MemoryJobStore();
    const results = new CancelOnFirstPut('results');
    const now = new Date('2024-02-01T00:00:00Z');
    const { job } = await jobs.createOrGetActive(
      'job-1',
      {
        calculationType: 'aggregation',
        periodStart: '2023-07-02T02:00:00.000Z',
        periodEnd: '2023-07-02T03:00:00.000Z',
        gridAreas: ['800'],
        asOf: now.toISOString(),
        createdByUserId: 'u',
        trigger: 'test',
      },
      now,
    );
    for (const s of ['Started', 'Executing'] as const) await jobs.transition(job.id, s, now);
    let canceled: string | null = null;
    results.onFirstPut = async () => {
      const r = await cancelJob({ jobs, results, terminate: () => Promise.resolve(), clock: () => now }, job.id);
      canceled = r.kind;
    };
    const deps = {
      lake: new BlobLake(basisData, join(dir, 'cache')),
      events: new MemoryIntegrationEventStore(),
      jobs,
      results,
      quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
    };
    const batch = { id: 'b0', gridArea: '800', periodStart: job.periodStart, periodEnd: job.periodEnd };
    await expect(calculateBatch(deps, job.id, batch)).rejects.toThrow(JobCanceledError);
    expect(canceled).toBe('canceled');
    expect(await results.list('jobs/job-1/')).toEqual([]);
  });
});
