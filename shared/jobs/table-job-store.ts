/**
 * JobStore over Azure Table storage (Azurite locally).
 *
 * Layout
 * - Jobs table: one entity per job, PartitionKey 'job', RowKey = job id. Jobs are few (a handful
 *   per day, each running for minutes), far below one partition's ~2,000 ops/s, and a single
 *   partition makes `list` one partition query instead of a table scan. Arrays/objects are JSON
 *   strings, instants ISO strings (they sort as text), and the entity etag is `Job.version`.
 * - Locks table: one entity per *active* spec key, PartitionKey 'lock', RowKey = sha256(specKey)
 *   (the spec key holds ':' and may grow with the grid-area list; a hash is a bounded, always
 *   valid key). It holds the id of the job that owns the spec key and a snapshot of that job.
 *
 * Lock protocol (createOrGetActive), the lock entity is the commit point:
 * 1. createEntity(lock) – only one caller can succeed (409 for the others).
 * 2. The winner then writes the job entity from the same data it put in the lock.
 * 3. A loser reads the lock and its holder: active → return it (created:false); terminal →
 *    delete the stale lock with its etag (412 = someone else changed it) and start over; missing
 *    → the holder is between steps 1 and 2 (or crashed there), so the loser writes the job from
 *    the lock's snapshot ("roll forward"; 409 = the winner was faster, fine) and returns it.
 *    Deleting a lock whose job is missing would be wrong: the winner would still write its job
 *    and two jobs for one spec key would be active.
 * A job reaching a terminal status deletes its lock (etag-conditional, only if it still names
 * that job); if that is lost (crash), step 3 cleans it up.
 */
import { createHash } from 'node:crypto';
import { TableClient, odata, type RestError, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { NAMES } from '../config/names';
import { JOB_STATUSES, type Job, type JobProgress, type JobSpec, type JobStatus } from './job';
import {
  JobIdConflictError,
  JobNotFoundError,
  JobStoreContentionError,
  StoredJobInvalidError,
  type JobFilter,
  type JobStore,
  type JobUpdate,
} from './job-store';
import {
  applyTransition,
  isActive,
  isTerminal,
  isValidJobId,
  listLimit,
  newJob,
  newestFirst,
  type JobData,
} from './job-lifecycle';

const JOB_PARTITION = 'job';
const LOCK_PARTITION = 'lock';
/** Optimistic-concurrency retries; each conflict means another writer made progress, so a few suffice. */
const MAX_ATTEMPTS = 20;
/** A string property holds at most 64 KiB (32K UTF-16 units); keep error text (stack traces) below. */
const MAX_ERROR_CHARS = 30_000;

/** Job entity properties (besides partitionKey/rowKey); absent = null. */
interface JobEntity {
  status: string;
  specKey: string;
  calculationType: string;
  periodStart: string;
  periodEnd: string;
  /** JSON string[] */
  gridAreas: string;
  asOf: string;
  createdByUserId: string;
  trigger: string;
  requestedAt: string;
  startedAt?: string;
  executingAt?: string;
  finishedAt?: string;
  doneBatches: number;
  totalBatches: number;
  error?: string;
  outputPath?: string;
  /** JSON Record<string, number> */
  resultCounts?: string;
}

interface LockEntity {
  jobId: string;
  specKey: string;
  /** JSON JobData of the job as created, to roll its creation forward (see header). */
  job: string;
}

export class TableJobStore implements JobStore {
  constructor(
    private readonly jobs: TableClient,
    private readonly locks: TableClient,
  ) {}

  /** Account key or SAS connection string; Azurite's http endpoint needs `allowInsecureConnection`. */
  static fromConnectionString(connectionString: string): TableJobStore {
    const client = (table: string): TableClient => {
      const probe = TableClient.fromConnectionString(connectionString, table);
      return probe.url.startsWith('http://')
        ? TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true })
        : probe;
    };
    return new TableJobStore(client(NAMES.tables.jobs), client(NAMES.tables.jobLocks));
  }

  /** Managed identity / Entra ID (needs the "Storage Table Data Contributor" role). */
  static fromAccount(accountName: string, credential: TokenCredential): TableJobStore {
    const url = `https://${accountName}.table.core.windows.net`;
    return new TableJobStore(
      new TableClient(url, NAMES.tables.jobs, credential),
      new TableClient(url, NAMES.tables.jobLocks, credential),
    );
  }

  /** Creates both tables if missing (createTable tolerates an existing table). */
  async ensureTables(): Promise<void> {
    await Promise.all([this.jobs.createTable(), this.locks.createTable()]);
  }

  async createOrGetActive(id: string, spec: JobSpec, now: Date): Promise<{ job: Job; created: boolean }> {
    const fresh = newJob(id, spec, now);
    // A retried request (same id) gets its job back instead of a second registration.
    const same = await this.get(id);
    if (same) return { job: sameIdJob(same, fresh), created: false };

    const lockKey = lockRowKey(fresh.specKey);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const lock: TableEntity<LockEntity> = {
        partitionKey: LOCK_PARTITION,
        rowKey: lockKey,
        jobId: id,
        specKey: fresh.specKey,
        job: JSON.stringify(fresh),
      };
      try {
        await this.locks.createEntity(lock);
      } catch (e) {
        if (!hasStatus(e, 409)) throw e;
        const holder = await this.lockHolder(lockKey);
        // created:false even when the holder has our id: an earlier call with this id took the
        // lock (same answer as for a retried id that finds its job), as in the SQL store.
        if (holder) return { job: holder, created: false };
        continue; // stale lock removed (or vanished): try to take it
      }
      // We hold the lock: write the job. 409 = a concurrent caller already rolled it forward from
      // our lock's snapshot; the job is still ours.
      const job = await this.insertJob(fresh);
      return { job, created: true };
    }
    throw new JobStoreContentionError(
      id,
      'register',
      MAX_ATTEMPTS,
      `could not take the lock for spec ${fresh.specKey}`,
    );
  }

  async get(id: string): Promise<Job | null> {
    if (!isValidJobId(id)) return null; // cannot exist, and would not form a valid entity URL
    try {
      return fromEntity(await this.jobs.getEntity<JobEntity>(JOB_PARTITION, id));
    } catch (e) {
      if (hasStatus(e, 404)) return null;
      throw e;
    }
  }

  async list(filter: JobFilter): Promise<Job[]> {
    const limit = listLimit(filter.limit);
    if (limit === 0) return [];
    const clauses = [odata`PartitionKey eq ${JOB_PARTITION}`];
    if (filter.status !== undefined) clauses.push(odata`status eq ${filter.status}`);
    if (filter.calculationType !== undefined) clauses.push(odata`calculationType eq ${filter.calculationType}`);
    // Table storage returns entities in RowKey (= id) order, not by time, so the matching jobs are
    // sorted here; the job count is small (see header) and the status filter runs server-side.
    const all: Job[] = [];
    for await (const e of this.jobs.listEntities<JobEntity>({ queryOptions: { filter: clauses.join(' and ') } })) {
      all.push(fromEntity(e));
    }
    return all.sort(newestFirst).slice(0, limit);
  }

  async transition(id: string, status: JobStatus, now: Date, update?: JobUpdate): Promise<Job> {
    if (!isValidJobId(id)) throw new JobNotFoundError(id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) throw new JobNotFoundError(id);
      const next = applyTransition(current, status, now, update);
      if (!next) return current;
      let etag: string | undefined;
      try {
        ({ etag } = await this.jobs.updateEntity(toEntity(next), 'Replace', { etag: current.version }));
      } catch (e) {
        if (hasStatus(e, 412)) continue; // changed since we read it: re-read and re-validate
        if (hasStatus(e, 404)) throw new JobNotFoundError(id);
        throw e;
      }
      if (isTerminal(status)) {
        // Best effort: the status change is committed; a lock left behind is cleaned up by the
        // next createOrGetActive for this spec (its holder is terminal), so don't fail the call.
        await this.releaseLock(next).catch(() => undefined);
      }
      return { ...next, version: etag ?? (await this.mustGet(id)).version };
    }
    throw new JobStoreContentionError(id, 'transition', MAX_ATTEMPTS, `transition to ${status} kept conflicting`);
  }

  async setProgress(id: string, progress: JobProgress): Promise<void> {
    if (!isValidJobId(id)) throw new JobNotFoundError(id);
    // Merge with the default etag '*' (If-Match: *) touches only the two counters and fails with
    // 404 instead of inserting when the job does not exist.
    const patch: TableEntity<Pick<JobEntity, 'doneBatches' | 'totalBatches'>> = {
      partitionKey: JOB_PARTITION,
      rowKey: id,
      doneBatches: progress.doneBatches,
      totalBatches: progress.totalBatches,
    };
    try {
      await this.jobs.updateEntity(patch, 'Merge');
    } catch (e) {
      if (hasStatus(e, 404)) throw new JobNotFoundError(id);
      throw e;
    }
  }

  /**
   * The active job holding the lock, or null after removing a stale lock (or when the lock is
   * already gone), in which case the caller tries to take it again.
   */
  private async lockHolder(lockKey: string): Promise<Job | null> {
    let lock: TableEntityResult<LockEntity>;
    try {
      lock = await this.locks.getEntity<LockEntity>(LOCK_PARTITION, lockKey);
    } catch (e) {
      if (hasStatus(e, 404)) return null; // released meanwhile
      throw e;
    }
    let holder = await this.get(lock.jobId);
    if (!holder) {
      const snapshot = parseSnapshot(lock);
      // Lock without job: its creator is between "lock" and "job", or died there. Roll forward.
      if (snapshot) holder = await this.insertJob(snapshot);
    }
    if (holder && isActive(holder.status)) return holder;
    await this.deleteLock(lockKey, lock.etag); // holder finished (lock release lost) or unusable lock
    return null;
  }

  /** Inserts the job entity; if it already exists (rolled forward by someone else) returns the stored one. */
  private async insertJob(data: JobData): Promise<Job> {
    try {
      const { etag } = await this.jobs.createEntity(toEntity(data));
      return { ...data, version: etag ?? (await this.mustGet(data.id)).version };
    } catch (e) {
      if (!hasStatus(e, 409)) throw e;
      return this.mustGet(data.id);
    }
  }

  /** Deletes the lock of a job that reached a terminal status, unless it already names another job. */
  private async releaseLock(job: JobData): Promise<void> {
    const key = lockRowKey(job.specKey);
    try {
      const lock = await this.locks.getEntity<LockEntity>(LOCK_PARTITION, key);
      if (lock.jobId === job.id) await this.deleteLock(key, lock.etag);
    } catch (e) {
      if (!hasStatus(e, 404)) throw e;
    }
  }

  /** Etag-conditional: a lock that changed since it was read is someone else's and is kept. */
  private async deleteLock(key: string, etag: string): Promise<void> {
    try {
      await this.locks.deleteEntity(LOCK_PARTITION, key, { etag });
    } catch (e) {
      if (!hasStatus(e, 404) && !hasStatus(e, 412)) throw e;
    }
  }

  private async mustGet(id: string): Promise<Job> {
    const job = await this.get(id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  }
}

function lockRowKey(specKey: string): string {
  return createHash('sha256').update(specKey, 'utf8').digest('hex');
}

/** HTTP status of a failed storage call (duck-typed: several copies of RestError may be loaded). */
function hasStatus(e: unknown, status: number): boolean {
  return typeof e === 'object' && e !== null && 'statusCode' in e && (e as RestError).statusCode === status;
}

/** An id is one registration: reusing it for another spec is a caller bug, not a dedupe. */
function sameIdJob(existing: Job, requested: JobData): Job {
  if (existing.specKey !== requested.specKey) {
    throw new JobIdConflictError(existing.id, existing.specKey, requested.specKey);
  }
  return existing;
}

function toEntity(j: JobData): TableEntity<JobEntity> {
  const e: TableEntity<JobEntity> = {
    partitionKey: JOB_PARTITION,
    rowKey: j.id,
    status: j.status,
    specKey: j.specKey,
    calculationType: j.calculationType,
    periodStart: j.periodStart,
    periodEnd: j.periodEnd,
    gridAreas: JSON.stringify(j.gridAreas),
    asOf: j.asOf,
    createdByUserId: j.createdByUserId,
    trigger: j.trigger,
    requestedAt: j.requestedAt,
    doneBatches: j.progress.doneBatches,
    totalBatches: j.progress.totalBatches,
  };
  // Table storage has no null: a property that is null is simply not written ('Replace' drops it).
  if (j.startedAt !== null) e.startedAt = j.startedAt;
  if (j.executingAt !== null) e.executingAt = j.executingAt;
  if (j.finishedAt !== null) e.finishedAt = j.finishedAt;
  if (j.error !== null)
    e.error = j.error.length > MAX_ERROR_CHARS ? `${j.error.slice(0, MAX_ERROR_CHARS)}… [truncated]` : j.error;
  if (j.outputPath !== null) e.outputPath = j.outputPath;
  if (j.resultCounts !== null) e.resultCounts = JSON.stringify(j.resultCounts);
  return e;
}

function fromEntity(e: TableEntityResult<JobEntity>): Job {
  if (e.rowKey === undefined) throw new StoredJobInvalidError(null, 'job entity without RowKey');
  return {
    id: e.rowKey,
    status: parseStatus(e.status, e.rowKey),
    specKey: e.specKey,
    calculationType: e.calculationType as Job['calculationType'],
    periodStart: e.periodStart,
    periodEnd: e.periodEnd,
    gridAreas: parseStringArray(e.gridAreas),
    asOf: e.asOf,
    createdByUserId: e.createdByUserId,
    trigger: e.trigger,
    requestedAt: e.requestedAt,
    startedAt: e.startedAt ?? null,
    executingAt: e.executingAt ?? null,
    finishedAt: e.finishedAt ?? null,
    progress: { doneBatches: e.doneBatches, totalBatches: e.totalBatches },
    error: e.error ?? null,
    outputPath: e.outputPath ?? null,
    resultCounts: e.resultCounts === undefined ? null : parseCounts(e.resultCounts),
    version: e.etag,
  };
}

function parseStatus(s: string, id: string): JobStatus {
  const status = JOB_STATUSES.find((x) => x === s);
  if (!status) throw new StoredJobInvalidError(id, `unknown status ${JSON.stringify(s)} in storage`);
  return status;
}

function parseStringArray(json: string): string[] {
  const v: unknown = JSON.parse(json);
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string'))
    throw new StoredJobInvalidError(null, `not a string array: ${json}`);
  return v;
}

function parseCounts(json: string): Record<string, number> {
  const v: unknown = JSON.parse(json);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new StoredJobInvalidError(null, `not a count record: ${json}`);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number') throw new StoredJobInvalidError(null, `not a count record: ${json}`);
    out[k] = n;
  }
  return out;
}

/** The lock's job snapshot, or null for a lock written without a usable one. */
function parseSnapshot(lock: LockEntity): JobData | null {
  try {
    const v: unknown = JSON.parse(lock.job);
    if (typeof v !== 'object' || v === null) return null;
    const d = v as JobData;
    return d.id === lock.jobId && d.status === 'Requested' && d.specKey === lock.specKey ? d : null;
  } catch {
    return null;
  }
}
