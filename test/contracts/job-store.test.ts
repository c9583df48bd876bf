/**
 * Runs the JobStore contract against every store: TableJobStore on Azurite and MemoryJobStore
 * (always), and SqlJobStore on the database in SQL_CONNECTION_STRING (only when set: there is no
 * SQL Server here, and the suite empties dbo.SettlementJob, so point it at a disposable database).
 */
import { TableClient, type TableEntity } from '@azure/data-tables';
import { createHash } from 'node:crypto';
import { ConnectionPool } from 'mssql';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { NAMES } from '../../shared/config/names';
import { specKey, type JobSpec } from '../../shared/jobs/job';
import { newJob } from '../../shared/jobs/job-lifecycle';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { applyMigrations, splitBatches } from '../../shared/jobs/sql/migrate';
import { SqlJobStore } from '../../shared/jobs/sql-job-store';
import { TableJobStore } from '../../shared/jobs/table-job-store';
import { jobStoreContract } from './job-store.contract';
import { anyString } from '../support/matchers';

const spec: JobSpec = {
  calculationType: 'balance_fixing',
  periodStart: '2023-10-31T23:00:00.000Z',
  periodEnd: '2023-11-30T23:00:00.000Z',
  gridAreas: ['800', '801'],
  asOf: '2023-12-05T08:00:00.000Z',
  createdByUserId: 'user-1',
  trigger: 'http',
};
const now = new Date('2024-01-01T10:00:00.000Z');

describe('TableJobStore (Azurite)', () => {
  let az: AzuriteInstance;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az?.stop();
  });

  /** Fresh tables per test (names: letters and digits only), so tests never see each other's rows. */
  let tableSeq = 0;
  async function freshTables(): Promise<{
    jobs: TableClient;
    locks: TableClient;
    store: TableJobStore;
    cleanup(): Promise<void>;
  }> {
    const n = `${process.pid}x${++tableSeq}`;
    const client = (name: string) =>
      TableClient.fromConnectionString(az.connectionString, name, { allowInsecureConnection: true });
    const jobs = client(`Jobs${n}`);
    const locks = client(`Locks${n}`);
    const store = new TableJobStore(jobs, locks);
    await store.ensureTables();
    return {
      jobs,
      locks,
      store,
      cleanup: async () => void (await Promise.all([jobs.deleteTable(), locks.deleteTable()])),
    };
  }

  jobStoreContract('JobStore contract', freshTables);

  describe('lock protocol', () => {
    const lockKey = createHash('sha256').update(specKey(spec), 'utf8').digest('hex');

    it('releases the spec lock when the job reaches a terminal status', async () => {
      const t = await freshTables();
      try {
        await t.store.createOrGetActive('job-1', spec, now);
        await expect(t.locks.getEntity('lock', lockKey)).resolves.toMatchObject({ jobId: 'job-1' });
        await t.store.transition('job-1', 'Canceled', now);
        await expect(t.locks.getEntity('lock', lockKey)).rejects.toMatchObject({ statusCode: 404 });
      } finally {
        await t.cleanup();
      }
    });

    it('replaces a lock left behind by a terminal job (lost release)', async () => {
      const t = await freshTables();
      try {
        await t.store.createOrGetActive('job-1', spec, now);
        await t.store.transition('job-1', 'Failed', now, { error: 'x' });
        // put the lock back as if the release after the status change had been lost
        await t.locks.createEntity<Record<string, string>>({
          partitionKey: 'lock',
          rowKey: lockKey,
          jobId: 'job-1',
          specKey: specKey(spec),
          job: '',
        });
        const next = await t.store.createOrGetActive('job-2', spec, now);
        expect(next).toMatchObject({ created: true, job: { id: 'job-2' } });
        await expect(t.locks.getEntity('lock', lockKey)).resolves.toMatchObject({ jobId: 'job-2' });
      } finally {
        await t.cleanup();
      }
    });

    it('rolls a job forward from its lock when its creator stopped between lock and job', async () => {
      const t = await freshTables();
      try {
        const orphan = newJob('job-1', spec, now);
        const lock: TableEntity<Record<string, string>> = {
          partitionKey: 'lock',
          rowKey: lockKey,
          jobId: 'job-1',
          specKey: orphan.specKey,
          job: JSON.stringify(orphan),
        };
        await t.locks.createEntity(lock);
        const other = await t.store.createOrGetActive('job-2', spec, new Date(now.getTime() + 1000));
        expect(other).toMatchObject({ created: false, job: { ...orphan, version: anyString() } });
        expect(await t.store.get('job-1')).toEqual(other.job);
        expect(await t.store.get('job-2')).toBeNull();
      } finally {
        await t.cleanup();
      }
    });

    it('a caller that finds the lock before its job exists returns that job, never a second one', async () => {
      const t = await freshTables();
      try {
        // hold the winner between "lock created" and "job written"
        const write = t.jobs.createEntity.bind(t.jobs);
        jest.spyOn(t.jobs, 'createEntity').mockImplementationOnce(async (entity, options) => {
          await new Promise((r) => setTimeout(r, 300));
          return write(entity, options);
        });
        const winner = t.store.createOrGetActive('job-1', spec, now);
        for (let i = 0; i < 100; i++) {
          const lock = await t.locks.getEntity('lock', lockKey).catch(() => null);
          if (lock) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        const loser = await t.store.createOrGetActive('job-2', spec, now);
        expect(loser).toMatchObject({ created: false, job: { id: 'job-1', status: 'Requested' } });
        expect(await winner).toMatchObject({ created: true, job: { id: 'job-1' } });
        expect((await t.store.list({})).map((j) => j.id)).toEqual(['job-1']);
      } finally {
        await t.cleanup();
      }
    });

    it('drops a lock without a job or usable snapshot and registers the new job', async () => {
      const t = await freshTables();
      try {
        await t.locks.createEntity<Record<string, string>>({
          partitionKey: 'lock',
          rowKey: lockKey,
          jobId: 'ghost',
          specKey: specKey(spec),
          job: '{',
        });
        expect(await t.store.createOrGetActive('job-2', spec, now)).toMatchObject({
          created: true,
          job: { id: 'job-2' },
        });
      } finally {
        await t.cleanup();
      }
    });
  });

  it('fromConnectionString + ensureTables use the configured table names over http', async () => {
    const store = TableJobStore.fromConnectionString(az.connectionString);
    await store.ensureTables();
    await store.ensureTables(); // idempotent
    const { job } = await store.createOrGetActive('named-1', spec, now);
    const raw = TableClient.fromConnectionString(az.connectionString, NAMES.tables.jobs, {
      allowInsecureConnection: true,
    });
    await expect(raw.getEntity('job', 'named-1')).resolves.toMatchObject({ status: 'Requested', etag: job.version });
  });
});

describe('MemoryJobStore', () => {
  jobStoreContract('JobStore contract', () =>
    Promise.resolve({ store: new MemoryJobStore(), cleanup: () => Promise.resolve() }),
  );
});

/**
 * An in-memory stand-in for dbo.SettlementJob that answers exactly the statements SqlJobStore
 * sends (recognised by their shape) with SQL Server's semantics for them: atomic statements, a
 * PRIMARY KEY (2627), the filtered unique index on active spec keys (2601), rowversion bumped on
 * every write, `UPDATE … WHERE RowVersion = @version`. It is NOT SQL Server (no T-SQL is parsed or
 * checked): it lets the contract exercise the store's own logic — dedupe via error numbers,
 * optimistic retries, row mapping — on every run, while the real database runs only with
 * SQL_CONNECTION_STRING.
 */
type Row = Record<string, unknown> & { Id: string; Status: string; SpecKey: string; RowVersion: Buffer };
class FakeSettlementJobTable {
  readonly rows = new Map<string, Row>();
  private version = 0n;

  pool(): ConnectionPool {
    return { request: () => new FakeRequest(this) } as unknown as ConnectionPool;
  }

  nextVersion(): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(++this.version);
    return b;
  }
}

const ACTIVE = ['Requested', 'Started', 'Executing'];
const COLUMN_OF: Record<string, string> = {
  id: 'Id',
  status: 'Status',
  specKey: 'SpecKey',
  calculationType: 'CalculationType',
  periodStart: 'PeriodStart',
  periodEnd: 'PeriodEnd',
  gridAreas: 'GridAreas',
  asOf: 'AsOf',
  createdByUserId: 'CreatedByUserId',
  trigger: 'Trigger',
  requestedAt: 'RequestedAt',
  startedAt: 'StartedAt',
  executingAt: 'ExecutingAt',
  finishedAt: 'FinishedAt',
  doneBatches: 'DoneBatches',
  totalBatches: 'TotalBatches',
  error: 'Error',
  outputPath: 'OutputPath',
  resultCounts: 'ResultCounts',
};
const sqlError = (number: number): Error => Object.assign(new Error(`SQL error ${number}`), { number });

class FakeRequest {
  private readonly params = new Map<string, unknown>();
  constructor(private readonly table: FakeSettlementJobTable) {}

  input(name: string, _type: unknown, value: unknown): this {
    this.params.set(name, value);
    return this;
  }

  async query(sql: string): Promise<{ recordset: Row[]; rowsAffected: number[] }> {
    await new Promise((r) => setImmediate(r)); // a round trip: lets concurrent calls interleave
    const p = (k: string): unknown => this.params.get(k);
    const rows = this.table.rows;
    const copy = (r: Row): Row => ({ ...r });
    const result = (rs: Row[], n = rs.length) => ({ recordset: rs.map(copy), rowsAffected: [n] });
    const text = sql.replace(/\s+/g, ' ').trim();
    if (text.startsWith('INSERT INTO dbo.SettlementJob')) {
      const row = { RowVersion: this.table.nextVersion() } as Row;
      for (const [param, column] of Object.entries(COLUMN_OF)) row[column] = p(param) ?? null;
      if (rows.has(row.Id)) throw sqlError(2627);
      if (
        ACTIVE.includes(row.Status) &&
        [...rows.values()].some((r) => r.SpecKey === row.SpecKey && ACTIVE.includes(r.Status))
      )
        throw sqlError(2601);
      rows.set(row.Id, row);
      return result([row]);
    }
    if (text.startsWith('UPDATE dbo.SettlementJob SET Status')) {
      const row = rows.get(p('id') as string);
      if (!row || !row.RowVersion.equals(p('version') as Buffer)) return result([]);
      for (const c of [
        'status',
        'startedAt',
        'executingAt',
        'finishedAt',
        'doneBatches',
        'totalBatches',
        'error',
        'outputPath',
        'resultCounts',
      ]) {
        row[COLUMN_OF[c]] = p(c) ?? null;
      }
      row.RowVersion = this.table.nextVersion();
      return result([row]);
    }
    if (text.startsWith('UPDATE dbo.SettlementJob SET DoneBatches')) {
      const row = rows.get(p('id') as string);
      if (!row) return result([], 0);
      Object.assign(row, {
        DoneBatches: p('doneBatches'),
        TotalBatches: p('totalBatches'),
        RowVersion: this.table.nextVersion(),
      });
      return { recordset: [], rowsAffected: [1] };
    }
    if (/^SELECT .* WHERE Id = @id$/.test(text)) {
      const row = rows.get(p('id') as string);
      return result(row ? [row] : []);
    }
    if (
      /^SELECT .* WHERE SpecKeyHash = .* AND SpecKey = @specKey AND Status IN \('Requested', 'Started', 'Executing'\)$/.test(
        text,
      )
    ) {
      return result([...rows.values()].filter((r) => r.SpecKey === p('specKey') && ACTIVE.includes(r.Status)));
    }
    if (text.startsWith('SELECT TOP (@limit)') && text.endsWith('ORDER BY RequestedAt DESC, Id DESC')) {
      const time = (r: Row): number => (r.RequestedAt as Date).getTime();
      const listed = [...rows.values()]
        .filter((r) => !this.params.has('status') || r.Status === p('status'))
        .filter((r) => !this.params.has('calculationType') || r.CalculationType === p('calculationType'))
        .sort((a, b) => time(b) - time(a) || (a.Id < b.Id ? 1 : a.Id > b.Id ? -1 : 0))
        .slice(0, p('limit') as number);
      return result(listed);
    }
    throw new Error(`fake SQL table: unexpected statement ${text}`);
  }
}

describe('SqlJobStore over an in-memory fake of its statements (not SQL Server)', () => {
  jobStoreContract('JobStore contract', () =>
    Promise.resolve({
      store: new SqlJobStore(new FakeSettlementJobTable().pool()),
      cleanup: () => Promise.resolve(),
    }),
  );
});

const sqlConnectionString = process.env[NAMES.settings.sqlConnectionString];
if (sqlConnectionString) {
  describe('SqlJobStore (SQL_CONNECTION_STRING)', () => {
    let pool: ConnectionPool;
    beforeAll(async () => {
      pool = await new ConnectionPool(sqlConnectionString).connect();
      await applyMigrations(pool);
    });
    afterAll(async () => {
      await pool?.close();
    });

    it('applies the migrations idempotently, and connect() opens a working store', async () => {
      expect(await applyMigrations(pool)).toEqual([]);
      const store = await SqlJobStore.connect(sqlConnectionString);
      try {
        expect(await store.get('no-such-job')).toBeNull();
      } finally {
        await store.close();
      }
    });

    jobStoreContract('JobStore contract', async () => {
      await pool.request().batch('DELETE FROM dbo.SettlementJob');
      return { store: new SqlJobStore(pool), cleanup: () => Promise.resolve() };
    });
  });
} else {
  describe.skip('SqlJobStore (set SQL_CONNECTION_STRING to a disposable database to run)', () => {
    it('runs the JobStore contract against Azure SQL', () => undefined);
  });
}

describe('migration scripts', () => {
  it('split into batches on GO lines', () => {
    expect(
      splitBatches('CREATE TABLE a (x int);\nGO\n-- only a comment\ngo  \nCREATE INDEX i ON a (x);\n  GO -- end\n'),
    ).toEqual(['CREATE TABLE a (x int);', 'CREATE INDEX i ON a (x);']);
  });
});
