/**
 * JobStore over Azure SQL (mssql/tedious). Schema: shared/jobs/sql/001_settlement_jobs.sql,
 * applied with applyMigrations (shared/jobs/sql/migrate.ts).
 *
 * - One row per job; `RowVersion` (rowversion, hex) is `Job.version`. Transitions read the row,
 *   validate with the shared rules (job-lifecycle.ts) and UPDATE … WHERE RowVersion = the value
 *   read; 0 rows means a concurrent write, so they re-read and re-validate.
 * - "One active job per spec key" is a filtered unique index (UX_SettlementJob_ActiveSpecKey,
 *   WHERE Status IN the active statuses). createOrGetActive just INSERTs: a concurrent or earlier
 *   active job makes the INSERT fail with 2601 and the store returns that job. No application
 *   lock, nothing to release: a job leaves the index in the UPDATE that makes it terminal.
 * - All statements are parameterised; instants are DATETIME2(3) UTC (mssql's default useUTC).
 */
import { Binary, ConnectionPool, DateTime2, Int, MAX, NVarChar, VarChar, type Request } from 'mssql';
import { ACTIVE_STATUSES, JOB_STATUSES, type Job, type JobProgress, type JobSpec, type JobStatus } from './job';
import {
  JobIdConflictError,
  JobNotFoundError,
  JobStoreContentionError,
  StoredJobInvalidError,
  type JobFilter,
  type JobStore,
  type JobUpdate,
} from './job-store';
import { applyMigrations } from './sql/migrate';
import { applyTransition, isValidJobId, listLimit, newJob, type JobData } from './job-lifecycle';

/** Optimistic-concurrency / dedupe retries; each conflict means another writer made progress. */
const MAX_ATTEMPTS = 20;
/** SQL Server error numbers the store reacts to. */
const DUPLICATE_KEY_IN_UNIQUE_INDEX = 2601; // the active-spec-key index
const PRIMARY_KEY_VIOLATION = 2627; // the job id
const DEADLOCK_VICTIM = 1205;

const COLUMNS = [
  'Id',
  'Status',
  'SpecKey',
  'CalculationType',
  'PeriodStart',
  'PeriodEnd',
  'GridAreas',
  'AsOf',
  'CreatedByUserId',
  '[Trigger]',
  'RequestedAt',
  'StartedAt',
  'ExecutingAt',
  'FinishedAt',
  'DoneBatches',
  'TotalBatches',
  'Error',
  'OutputPath',
  'ResultCounts',
  'RowVersion',
];
const SELECT_COLUMNS = COLUMNS.join(', ');
const INSERTED_COLUMNS = COLUMNS.map((c) => `inserted.${c}`).join(', ');
/** The active statuses as a SQL list; constants from job.ts, not user input. */
const ACTIVE_SQL = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');

interface JobRow {
  Id: string;
  Status: string;
  SpecKey: string;
  CalculationType: string;
  PeriodStart: Date;
  PeriodEnd: Date;
  GridAreas: string;
  AsOf: Date;
  CreatedByUserId: string;
  Trigger: string;
  RequestedAt: Date;
  StartedAt: Date | null;
  ExecutingAt: Date | null;
  FinishedAt: Date | null;
  DoneBatches: number;
  TotalBatches: number;
  Error: string | null;
  OutputPath: string | null;
  ResultCounts: string | null;
  RowVersion: Buffer;
}

export class SqlJobStore implements JobStore {
  constructor(private readonly pool: ConnectionPool) {}

  /**
   * Opens a pool from an ADO-style connection string, e.g.
   * `Server=tcp:x.database.windows.net,1433;Database=settlement;Authentication=Active Directory Integrated;Encrypt=true`
   * (mssql maps "Active Directory Integrated" without client secrets to DefaultAzureCredential).
   */
  static async connect(connectionString: string): Promise<SqlJobStore> {
    const pool = new ConnectionPool(connectionString);
    await pool.connect();
    return new SqlJobStore(pool);
  }

  /** Applies the pending schema migrations (shared/jobs/sql/*.sql); the counterpart of TableJobStore.ensureTables. */
  async ensureSchema(): Promise<string[]> {
    return applyMigrations(this.pool);
  }

  /** Closes the pool (for stores made by `connect`; a pool passed in belongs to its owner). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  async createOrGetActive(id: string, spec: JobSpec, now: Date): Promise<{ job: Job; created: boolean }> {
    const fresh = newJob(id, spec, now);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const req = withJob(this.pool.request(), fresh);
        const r = await req.query<JobRow>(
          `INSERT INTO dbo.SettlementJob (Id, Status, SpecKey, SpecKeyHash, CalculationType, PeriodStart, PeriodEnd, GridAreas,
             AsOf, CreatedByUserId, [Trigger], RequestedAt, StartedAt, ExecutingAt, FinishedAt, DoneBatches, TotalBatches,
             Error, OutputPath, ResultCounts)
           OUTPUT ${INSERTED_COLUMNS}
           VALUES (@id, @status, @specKey, CAST(HASHBYTES('SHA2_256', @specKey) AS BINARY(32)), @calculationType, @periodStart,
             @periodEnd, @gridAreas, @asOf, @createdByUserId, @trigger, @requestedAt, @startedAt, @executingAt, @finishedAt,
             @doneBatches, @totalBatches, @error, @outputPath, @resultCounts)`,
        );
        return { job: fromRow(r.recordset[0]), created: true };
      } catch (e) {
        const n = sqlErrorNumbers(e);
        if (n.includes(PRIMARY_KEY_VIOLATION)) {
          // Same id again: a retried request gets its job back (another spec is a caller bug).
          const existing = await this.get(id);
          if (existing) {
            if (existing.specKey !== fresh.specKey) {
              throw new JobIdConflictError(id, existing.specKey, fresh.specKey);
            }
            return { job: existing, created: false };
          }
          continue;
        }
        if (n.includes(DUPLICATE_KEY_IN_UNIQUE_INDEX)) {
          // Another call wrote the active job (possibly an earlier call with this very id).
          const active = await this.activeFor(fresh.specKey);
          if (active) return { job: active, created: false };
          continue; // it finished between our INSERT and SELECT: try again
        }
        if (n.includes(DEADLOCK_VICTIM)) continue;
        throw e;
      }
    }
    throw new JobStoreContentionError(id, 'register', MAX_ATTEMPTS, `could not register spec ${fresh.specKey}`);
  }

  async get(id: string): Promise<Job | null> {
    if (!isValidJobId(id)) return null; // never stored; and longer than the NVARCHAR(128) parameter
    const r = await this.pool
      .request()
      .input('id', NVarChar(128), id)
      .query<JobRow>(`SELECT ${SELECT_COLUMNS} FROM dbo.SettlementJob WHERE Id = @id`);
    return r.recordset.length > 0 ? fromRow(r.recordset[0]) : null;
  }

  async list(filter: JobFilter): Promise<Job[]> {
    const limit = listLimit(filter.limit);
    if (limit === 0) return [];
    const req = this.pool.request().input('limit', Int(), limit);
    // Only fixed clauses are concatenated; the values are parameters.
    const where: string[] = [];
    if (filter.status !== undefined) {
      req.input('status', VarChar(16), filter.status);
      where.push('Status = @status');
    }
    if (filter.calculationType !== undefined) {
      req.input('calculationType', VarChar(64), filter.calculationType);
      where.push('CalculationType = @calculationType');
    }
    const r = await req.query<JobRow>(
      `SELECT TOP (@limit) ${SELECT_COLUMNS} FROM dbo.SettlementJob
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY RequestedAt DESC, Id DESC`,
    );
    return r.recordset.map(fromRow);
  }

  async transition(id: string, status: JobStatus, now: Date, update?: JobUpdate): Promise<Job> {
    if (!isValidJobId(id)) throw new JobNotFoundError(id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) throw new JobNotFoundError(id);
      const next = applyTransition(current, status, now, update);
      if (!next) return current;
      const r = await withJob(this.pool.request(), next)
        .input('version', Binary(8), Buffer.from(current.version, 'hex'))
        .query<JobRow>(
          `UPDATE dbo.SettlementJob
           SET Status = @status, StartedAt = @startedAt, ExecutingAt = @executingAt, FinishedAt = @finishedAt,
               DoneBatches = @doneBatches, TotalBatches = @totalBatches, Error = @error, OutputPath = @outputPath,
               ResultCounts = @resultCounts
           OUTPUT ${INSERTED_COLUMNS}
           WHERE Id = @id AND RowVersion = @version`,
        );
      if (r.recordset.length > 0) return fromRow(r.recordset[0]);
      // 0 rows: written (or deleted) since we read it; re-read and re-validate.
    }
    throw new JobStoreContentionError(id, 'transition', MAX_ATTEMPTS, `transition to ${status} kept conflicting`);
  }

  async setProgress(id: string, progress: JobProgress): Promise<void> {
    if (!isValidJobId(id)) throw new JobNotFoundError(id);
    const r = await this.pool
      .request()
      .input('id', NVarChar(128), id)
      .input('doneBatches', Int(), progress.doneBatches)
      .input('totalBatches', Int(), progress.totalBatches)
      .query('UPDATE dbo.SettlementJob SET DoneBatches = @doneBatches, TotalBatches = @totalBatches WHERE Id = @id');
    if ((r.rowsAffected[0] ?? 0) === 0) throw new JobNotFoundError(id);
  }

  private async activeFor(specKey: string): Promise<Job | null> {
    const r = await this.pool
      .request()
      .input('specKey', NVarChar(4000), specKey)
      .query<JobRow>(
        `SELECT ${SELECT_COLUMNS} FROM dbo.SettlementJob
         WHERE SpecKeyHash = CAST(HASHBYTES('SHA2_256', @specKey) AS BINARY(32)) AND SpecKey = @specKey
           AND Status IN (${ACTIVE_SQL})`,
      );
    return r.recordset.length > 0 ? fromRow(r.recordset[0]) : null;
  }
}

/** Declares every job column as a parameter (same names in INSERT and UPDATE). */
function withJob(req: Request, j: JobData): Request {
  return req
    .input('id', NVarChar(128), j.id)
    .input('status', VarChar(16), j.status)
    .input('specKey', NVarChar(4000), j.specKey)
    .input('calculationType', VarChar(64), j.calculationType)
    .input('periodStart', DateTime2(3), new Date(j.periodStart))
    .input('periodEnd', DateTime2(3), new Date(j.periodEnd))
    .input('gridAreas', NVarChar(MAX), JSON.stringify(j.gridAreas))
    .input('asOf', DateTime2(3), new Date(j.asOf))
    .input('createdByUserId', NVarChar(256), j.createdByUserId)
    .input('trigger', NVarChar(256), j.trigger)
    .input('requestedAt', DateTime2(3), new Date(j.requestedAt))
    .input('startedAt', DateTime2(3), j.startedAt === null ? null : new Date(j.startedAt))
    .input('executingAt', DateTime2(3), j.executingAt === null ? null : new Date(j.executingAt))
    .input('finishedAt', DateTime2(3), j.finishedAt === null ? null : new Date(j.finishedAt))
    .input('doneBatches', Int(), j.progress.doneBatches)
    .input('totalBatches', Int(), j.progress.totalBatches)
    .input('error', NVarChar(MAX), j.error)
    .input('outputPath', NVarChar(1024), j.outputPath)
    .input('resultCounts', NVarChar(MAX), j.resultCounts === null ? null : JSON.stringify(j.resultCounts));
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

function fromRow(r: JobRow): Job {
  const status = JOB_STATUSES.find((s) => s === r.Status);
  if (!status) throw new StoredJobInvalidError(r.Id, `unknown status ${JSON.stringify(r.Status)} in the database`);
  return {
    id: r.Id,
    status,
    specKey: r.SpecKey,
    calculationType: r.CalculationType as Job['calculationType'],
    periodStart: r.PeriodStart.toISOString(),
    periodEnd: r.PeriodEnd.toISOString(),
    gridAreas: JSON.parse(r.GridAreas) as string[],
    asOf: r.AsOf.toISOString(),
    createdByUserId: r.CreatedByUserId,
    trigger: r.Trigger,
    requestedAt: r.RequestedAt.toISOString(),
    startedAt: iso(r.StartedAt),
    executingAt: iso(r.ExecutingAt),
    finishedAt: iso(r.FinishedAt),
    progress: { doneBatches: r.DoneBatches, totalBatches: r.TotalBatches },
    error: r.Error,
    outputPath: r.OutputPath,
    resultCounts: r.ResultCounts === null ? null : (JSON.parse(r.ResultCounts) as Record<string, number>),
    version: r.RowVersion.toString('hex'),
  };
}

/** Error numbers of a failed request, including errors mssql reports as preceding the last one. */
function sqlErrorNumbers(e: unknown): number[] {
  const out: number[] = [];
  const visit = (x: unknown): void => {
    if (typeof x !== 'object' || x === null) return;
    if ('number' in x && typeof x.number === 'number') out.push(x.number);
    if ('precedingErrors' in x && Array.isArray(x.precedingErrors)) for (const p of x.precedingErrors) visit(p);
  };
  visit(e);
  return out;
}
