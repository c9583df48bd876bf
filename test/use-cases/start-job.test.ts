/** The start-job use case over in-memory stand-ins for its two narrow ports. */
import { NAMES } from '../../shared/config/names';
import type { Job, JobSpec, JobStatus } from '../../shared/jobs/job';
import { applyTransition, newJob } from '../../shared/jobs/job-lifecycle';
import type { JobStore, JobUpdate } from '../../shared/jobs/job-store';
import type {
  OrchestratorInput,
  OrchestratorName,
  StartOrchestration,
} from '../../shared/settlement/activity-contracts';
import { startJob, type StartJobDeps } from '../../shared/settlement/use-cases/start-job';
import { promised as settle } from '../../shared/domain/promised';

const NOW = new Date('2024-02-01T06:00:00Z');
const LATER = new Date('2024-02-01T06:00:05Z');
const STALE_MS = 15 * 60_000;
const SPEC: JobSpec = {
  calculationType: 'balance_fixing',
  periodStart: '2024-01-31T23:00:00.000Z',
  periodEnd: '2024-02-01T23:00:00.000Z',
  gridAreas: ['800'],
  asOf: '2024-02-01T06:00:00.000Z',
  createdByUserId: 'u',
  trigger: 'test',
};

/** Only what startJob uses: one active job per spec key. */
class Jobs implements Pick<JobStore, 'createOrGetActive' | 'transition'> {
  readonly byId = new Map<string, Job>();
  createOrGetActive(id: string, spec: JobSpec, now: Date): Promise<{ job: Job; created: boolean }> {
    return settle(() => {
      const fresh = { ...newJob(id, spec, now), version: '1' };
      const active = [...this.byId.values()].find(
        (j) => j.specKey === fresh.specKey && ['Requested', 'Started', 'Executing'].includes(j.status),
      );
      if (active) return { job: active, created: false };
      this.byId.set(id, fresh);
      return { job: fresh, created: true };
    });
  }
  transition(id: string, status: JobStatus, now: Date, update?: JobUpdate): Promise<Job> {
    return settle(() => {
      const current = this.byId.get(id) as Job;
      const next = applyTransition(current, status, now, update);
      const job = next ? { ...next, version: String(Number(current.version) + 1) } : current;
      this.byId.set(id, job);
      return job;
    });
  }
}

function deps(startOrchestration: StartOrchestration): StartJobDeps & { jobs: Jobs } {
  return {
    jobs: new Jobs(),
    startOrchestration,
    maxParallelBatches: 3,
    staleRequestedAfterMs: STALE_MS,
    clock: () => LATER,
  };
}

describe('startJob', () => {
  it('registers the job and starts its settlement orchestration with the job id as instance id', async () => {
    const started: Array<{ name: OrchestratorName; id: string; input: OrchestratorInput<OrchestratorName> }> = [];
    const d = deps((name, id, input) => {
      started.push({ name, id, input });
      return Promise.resolve();
    });
    const r = await startJob(d, 'job-1', SPEC, NOW);
    expect(r).toMatchObject({
      kind: 'created',
      job: { id: 'job-1', status: 'Requested', requestedAt: NOW.toISOString() },
    });
    expect(started).toEqual([
      { name: NAMES.durable.settlementOrchestrator, id: 'job-1', input: { jobId: 'job-1', maxParallelBatches: 3 } },
    ]);
  });

  it('answers the active job for the same spec and starts nothing', async () => {
    let starts = 0;
    const d = deps(() => {
      starts++;
      return Promise.resolve();
    });
    await startJob(d, 'job-1', SPEC, NOW);
    const r = await startJob(d, 'job-2', SPEC, NOW);
    expect(r).toMatchObject({ kind: 'alreadyActive', job: { id: 'job-1' } });
    expect(starts).toBe(1);
    expect(d.jobs.byId.has('job-2')).toBe(false);
  });

  it('marks the job Failed when its orchestration cannot start, and hands back what the start threw', async () => {
    const boom = new Error('task hub unavailable');
    const d = deps(() => Promise.reject(boom));
    const r = await startJob(d, 'job-1', SPEC, NOW);
    expect(r).toMatchObject({
      kind: 'startFailed',
      error: boom,
      message: 'task hub unavailable',
      job: { id: 'job-1', status: 'Failed' },
    });
    expect(d.jobs.byId.get('job-1')).toMatchObject({
      status: 'Failed',
      finishedAt: LATER.toISOString(),
      error: 'could not start the orchestration: task hub unavailable',
    });
  });

  it('reproduces the stale Requested job: a process that died before starting blocked its spec with 409 forever; now it is failed and the spec starts anew', async () => {
    let starts = 0;
    const d = deps(() => {
      starts++;
      return Promise.resolve();
    });
    // the process died between registering and starting: a Requested job, no orchestration
    await d.jobs.createOrGetActive('orphan', SPEC, NOW);
    // within the allowance it is still taken as starting: 409 with that job
    const soon = new Date(NOW.getTime() + STALE_MS);
    expect(await startJob(d, 'job-2', SPEC, soon)).toMatchObject({ kind: 'alreadyActive', job: { id: 'orphan' } });
    expect(starts).toBe(0);
    // later: the orphan is Failed, naming why, and the new job is registered and started
    const later = new Date(NOW.getTime() + STALE_MS + 1);
    const r = await startJob(d, 'job-3', SPEC, later);
    expect(r).toMatchObject({ kind: 'created', job: { id: 'job-3', status: 'Requested' } });
    expect(starts).toBe(1);
    const orphan = d.jobs.byId.get('orphan');
    expect(orphan?.status).toBe('Failed');
    expect(orphan?.error).toMatch(/never started/);
  });

  it('leaves a job alone that started meanwhile (the orchestration won the race)', async () => {
    const d = deps(() => Promise.resolve());
    const { job } = await d.jobs.createOrGetActive('slow', SPEC, NOW);
    await d.jobs.transition(job.id, 'Started', NOW);
    const r = await startJob(d, 'job-2', SPEC, new Date(NOW.getTime() + 2 * STALE_MS));
    expect(r).toMatchObject({ kind: 'alreadyActive', job: { id: 'slow', status: 'Started' } });
  });
});
