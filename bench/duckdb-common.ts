/**
 * Helpers shared by the DuckDB formulations (bench/duckdb-energy.ts, bench/duckdb-wholesale.ts):
 * SQL literals, an in-memory database with the session settings both rely on, JS value
 * conversion, and the grid-loss coverage check both perform the same way.
 */
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { JS } from '@duckdb/node-api';
import type { CalculationArguments } from '../shared/basis-data/types';
import { CalculationError } from '../shared/basis-data/errors';

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function sqlPath(p: string): string {
  return sqlString(p.split(path.sep).join('/'));
}

export async function openDb(
  threads: number | undefined,
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const options: Record<string, string> = {};
  if (threads !== undefined) options.threads = String(threads);
  const instance = await DuckDBInstance.create(':memory:', options);
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  await conn.run('SET preserve_insertion_order = false');
  return { instance, conn };
}

export async function checkGridLossCoverage(conn: DuckDBConnection, args: CalculationArguments): Promise<void> {
  const rows = (await conn.runAndReadAll(`SELECT ga, mp_type, ok FROM gl_cover`)).getRowsJS();
  const ok = new Set(rows.filter((r) => r[2] === true).map((r) => `${text(r[0])}|${text(r[1])}`));
  for (const ga of args.gridAreas) {
    for (const type of ['E17', 'E18']) {
      if (!ok.has(`${ga}|${type}`)) {
        throw new CalculationError(
          `grid area ${ga}: missing positive or negative grid loss metering points (no ${type} grid-loss metering point covering the whole calculation period)`,
        );
      }
    }
  }
}

type Scalar = Exclude<JS, JS[] | { [key: string]: JS }>;

function isScalar(v: JS): v is Scalar {
  return v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array;
}

/**
 * A scalar DuckDB value (VARCHAR, number, boolean, timestamp, blob; NULL as 'null') as `String` would
 * render it. Lists and structs never reach the columns read here; they are refused rather than
 * rendered as '[object Object]'.
 */
export function text(v: JS): string {
  if (isScalar(v)) return String(v);
  throw new TypeError(`expected a scalar value, got a ${Array.isArray(v) ? 'list' : 'struct'}`);
}

export function str(v: JS): string {
  return v === null || v === undefined ? '' : text(v);
}

export function toBig(v: JS): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new TypeError(`expected an integer, got ${isScalar(v) ? String(v) : 'a list or struct'}`);
}
