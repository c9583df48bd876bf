/**
 * A tiny forward-only migration runner for the job store's Azure SQL schema.
 *
 * - `NNN_name.sql` files are applied in file-name order, each in its own transaction together with
 *   its row in dbo.SchemaVersions, so a script is either fully applied and recorded or not at all.
 * - Idempotent: recorded scripts are skipped. A recorded script whose text changed since it was
 *   applied is an error (editing history would leave databases silently different).
 * - Several app instances may start at once: an exclusive application lock (sp_getapplock), held
 *   by each transaction, makes them apply scripts one after another; the loser sees the script
 *   recorded and skips it.
 * - Scripts may hold several batches separated by `GO` lines (CREATE INDEX after CREATE TABLE, or
 *   statements that must start a batch).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NVarChar, Transaction, VarChar, type ConnectionPool } from 'mssql';

/**
 * Where the .sql files live: next to this module. A build that compiles to dist/ must copy
 * shared/jobs/sql/*.sql alongside migrate.js (tsc does not), or pass `dir` explicitly.
 */
export const MIGRATIONS_DIR = __dirname;

const APP_LOCK = 'settlement-schema-migrations';
const MIGRATION_FILE = /^\d+_[\w-]+\.sql$/;

/** Takes the migration lock for the current transaction; fails instead of waiting forever. */
const LOCK_BATCH = `
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = N'${APP_LOCK}', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 60000;
IF @result < 0 THROW 50000, N'could not take the schema migration lock within 60 s', 1;`;

const VERSIONS_TABLE = `
IF OBJECT_ID(N'dbo.SchemaVersions', N'U') IS NULL
  CREATE TABLE dbo.SchemaVersions (
    ScriptName NVARCHAR(255) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT PK_SchemaVersions PRIMARY KEY,
    [Checksum] CHAR(64) NOT NULL,
    AppliedAt  DATETIME2(3) NOT NULL CONSTRAINT DF_SchemaVersions_AppliedAt DEFAULT (SYSUTCDATETIME())
  );`;

/** The migrations folder holds no `NNN_name.sql` script. */
export class NoMigrationsError extends Error {
  constructor(readonly dir: string) {
    super(`no migration scripts (NNN_name.sql) in ${dir}`);
    this.name = 'NoMigrationsError';
  }
}

/** A script recorded as applied has changed since: add a new script instead of editing history. */
export class MigrationChangedError extends Error {
  constructor(readonly scriptName: string) {
    super(`migration ${scriptName} was changed after it was applied; add a new script instead`);
    this.name = 'MigrationChangedError';
  }
}

export interface Migration {
  name: string;
  sql: string;
  /** sha256 of the script with line endings normalised (a CRLF checkout is not a change). */
  checksum: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const names = readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort();
  if (names.length === 0) throw new NoMigrationsError(dir);
  return names.map((name) => {
    const sql = readFileSync(join(dir, name), 'utf8').replace(/\r\n/g, '\n');
    return { name, sql, checksum: createHash('sha256').update(sql, 'utf8').digest('hex') };
  });
}

/** Splits a script on lines that hold only `GO` (the sqlcmd/SSMS batch separator). */
export function splitBatches(sql: string): string[] {
  return sql
    .split(/^[ \t]*GO[ \t]*(?:--[^\n]*)?$/gim)
    .map((b) => b.trim())
    .filter((b) => b.replace(/--[^\n]*/g, '').trim() !== '');
}

/** Applies the scripts not yet recorded in dbo.SchemaVersions; returns their names. */
export async function applyMigrations(pool: ConnectionPool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  await inTransaction(pool, async (tx) => {
    await tx.request().batch(LOCK_BATCH + VERSIONS_TABLE);
  });
  const applied: string[] = [];
  for (const m of migrations) {
    await inTransaction(pool, async (tx) => {
      await tx.request().batch(LOCK_BATCH);
      const done = await tx
        .request()
        .input('name', NVarChar(255), m.name)
        .query<{ Checksum: string }>('SELECT [Checksum] FROM dbo.SchemaVersions WHERE ScriptName = @name');
      if (done.recordset.length > 0) {
        if (done.recordset[0].Checksum !== m.checksum) {
          throw new MigrationChangedError(m.name);
        }
        return;
      }
      for (const batch of splitBatches(m.sql)) await tx.request().batch(batch);
      await tx
        .request()
        .input('name', NVarChar(255), m.name)
        .input('checksum', VarChar(64), m.checksum)
        .query('INSERT INTO dbo.SchemaVersions (ScriptName, [Checksum]) VALUES (@name, @checksum)');
      applied.push(m.name);
    });
  }
  return applied;
}

async function inTransaction(pool: ConnectionPool, work: (tx: Transaction) => Promise<void>): Promise<void> {
  const tx = new Transaction(pool);
  await tx.begin();
  try {
    await work(tx);
    await tx.commit();
  } catch (e) {
    // The server may already have rolled back (e.g. a doomed transaction); the original error matters.
    await tx.rollback().catch(() => undefined);
    throw e;
  }
}
