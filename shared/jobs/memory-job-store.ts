/**
 * JobStore in memory: the same rules as the Table and SQL stores (shared/jobs/job-lifecycle.ts),
 * passing the same contract suite (test/contracts/job-store.contract.ts), for use-case tests and
 * the local host when no storage emulator runs. Nothing survives the process.
 *
 * Concurrency: every method first yields (like a round trip, so concurrent callers interleave as
 * they would against a database), then reads, validates and writes without awaiting in between,
 * so each call is atomic. The spec-key lock is an index from active spec key to job id, updated
 * in the same step as the job: createOrGetActive registers exactly one job per active spec, and a
 * job reaching a terminal status frees its spec key.
 */
import type { Job, JobProgress, JobSpec, JobStatus } from './job';
import { applyTransition, isActive, isValidJobId, listLimit, newJob, newestFirst, type JobData } from './job-lifecycle';
import { JobIdConflictError, JobNotFoundError, type JobFilter, type JobStore, type JobUpdate } from './job-store';

interface StoredJob {
  data: JobData;
  version: string;
}

export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, StoredJob>();
  /** Active spec key → id of the job holding it. */
  private readonly activeBySpec = new Map<string, string>();
  private versions = 0;

  async createOrGetActive(id: string, spec: JobSpec, now: Date): Promise<{ job: Job; created: boolean }> {
    const fresh = newJob(id, spec, now);
    await roundTrip();
    // A retried request (same id) gets its job back; another spec under that id is a caller bug.
    const same = this.jobs.get(id);
    if (same) {
      if (same.data.specKey !== fresh.specKey) {
        throw new JobIdConflictError(id, same.data.specKey, fresh.specKey);
      }
      return { job: this.view(same), created: false };
    }
    const holder = this.activeBySpec.get(fresh.specKey);
    if (holder !== undefined) return { job: this.view(this.mustGet(holder)), created: false };
    const stored = this.write(fresh);
    return { job: this.view(stored), created: true };
  }

  async get(id: string): Promise<Job | null> {
    await roundTrip();
    const stored = isValidJobId(id) ? this.jobs.get(id) : undefined;
    return stored ? this.view(stored) : null;
  }

  async list(filter: JobFilter): Promise<Job[]> {
    const limit = listLimit(filter.limit);
    await roundTrip();
    return [...this.jobs.values()]
      .filter((j) => filter.status === undefined || j.data.status === filter.status)
      .filter((j) => filter.calculationType === undefined || j.data.calculationType === filter.calculationType)
      .map((j) => this.view(j))
      .sort(newestFirst)
      .slice(0, limit);
  }

  async transition(id: string, status: JobStatus, now: Date, update?: JobUpdate): Promise<Job> {
    await roundTrip();
    const current = this.mustGet(id);
    const next = applyTransition(current.data, status, now, update);
    if (!next) return this.view(current);
    return this.view(this.write(next));
  }

  async setProgress(id: string, progress: JobProgress): Promise<void> {
    await roundTrip();
    const current = this.mustGet(id);
    this.write({ ...current.data, progress: { ...progress } });
  }

  /** Stores `data` under a new version and keeps the active-spec index in step with its status. */
  private write(data: JobData): StoredJob {
    const stored: StoredJob = { data: clone(data), version: (++this.versions).toString(16).padStart(8, '0') };
    this.jobs.set(data.id, stored);
    if (isActive(data.status)) this.activeBySpec.set(data.specKey, data.id);
    else if (this.activeBySpec.get(data.specKey) === data.id) this.activeBySpec.delete(data.specKey);
    return stored;
  }

  private mustGet(id: string): StoredJob {
    const stored = isValidJobId(id) ? this.jobs.get(id) : undefined;
    if (!stored) throw new JobNotFoundError(id);
    return stored;
  }

  /** A copy: callers cannot change the stored job through what they were given. */
  private view(stored: StoredJob): Job {
    return { ...clone(stored.data), version: stored.version };
  }
}

/** Lets other calls run, as a request to a real store would. */
function roundTrip(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function clone(j: JobData): JobData {
  return {
    ...j,
    gridAreas: [...j.gridAreas],
    progress: { ...j.progress },
    resultCounts: j.resultCounts === null ? null : { ...j.resultCounts },
  };
}
