/**
 * commitJob is idempotent: the commit activity runs at least once, so a retry after a crash
 * between the manifest write and the Completed transition, or a replayed activity on a
 * Completed job, returns the first manifest and leaves the job Completed.
 */
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import type { BatchOutput } from '../../shared/settlement/batch';
import { manifestPath } from '../../shared/settlement/job-paths';
import { readManifest } from '../../shared/settlement/manifest';
import { commitJob, type CommitJobDeps } from '../../shared/settlement/use-cases/commit-job';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const T1 = new Date('2024-02-01T06:00:00Z');
const T2 = new Date('2024-02-01T07:00:00Z');

async function setup(): Promise<{
  deps: CommitJobDeps & { jobs: MemoryJobStore };
  outputs: BatchOutput[];
  now: { t: Date };
}> {
  const jobs = new MemoryJobStore();
  const results = new MemoryBlobStore('results');
  const now = { t: T1 };
  await jobs.createOrGetActive(
    'job-1',
    {
      calculationType: 'balance_fixing',
      periodStart: '2024-01-31T23:00:00.000Z',
      periodEnd: '2024-02-01T23:00:00.000Z',
      gridAreas: ['800', '801'],
      asOf: '2024-02-01T00:00:00.000Z',
      createdByUserId: 'u',
      trigger: 'test',
    },
    T1,
  );
  for (const s of ['Started', 'Executing'] as const) await jobs.transition('job-1', s, T1);
  const outputs: BatchOutput[] = ['800', '801'].map((ga) => ({
    batchId: `${ga}-0`,
    path: `jobs/job-1/energy/${ga}-0.parquet`,
    rows: 5,
    counts: { grid_loss: 5 },
  }));
  for (const o of outputs) await results.put(o.path, 'parquet');
  return { deps: { jobs, results, clock: () => now.t }, outputs, now };
}

describe('commitJob', () => {
  it('a second commit of a Completed job returns the first manifest; no second committedAt', async () => {
    const { deps, outputs, now } = await setup();
    const first = await commitJob(deps, 'job-1', outputs);
    expect(first).toMatchObject({ rows: 10, committedAt: T1.toISOString() });
    const job = await deps.jobs.get('job-1');
    now.t = T2;
    const again = await commitJob(deps, 'job-1', outputs);
    expect(again).toEqual(first);
    expect(await readManifest(deps.results, 'job-1')).toEqual(first);
    const after = await deps.jobs.get('job-1');
    expect(after).toMatchObject({ status: 'Completed', finishedAt: T1.toISOString() });
    expect(after?.resultCounts).toEqual(job?.resultCounts);
  });

  it('a crash after the manifest write, before the transition: the retry completes the job with that manifest', async () => {
    const { deps, outputs, now } = await setup();
    // the first attempt wrote the manifest, then the transition never happened
    const crashing: CommitJobDeps = {
      ...deps,
      jobs: {
        get: (id) => deps.jobs.get(id),
        transition: () => Promise.reject(new Error('host died')),
      },
    };
    await expect(commitJob(crashing, 'job-1', outputs)).rejects.toThrow('host died');
    const written = await readManifest(deps.results, 'job-1');
    expect(written?.committedAt).toBe(T1.toISOString());
    expect(await deps.jobs.get('job-1')).toMatchObject({ status: 'Executing' });

    now.t = T2;
    const retried = await commitJob(deps, 'job-1', outputs);
    expect(retried).toEqual(written);
    expect(await deps.jobs.get('job-1')).toMatchObject({
      status: 'Completed',
      outputPath: 'jobs/job-1/',
      resultCounts: { grid_loss: 10 },
      progress: { doneBatches: 2, totalBatches: 2 },
    });
    expect(JSON.parse((await deps.results.get(manifestPath('job-1')))!.toString('utf8'))).toEqual(written);
  });
});
