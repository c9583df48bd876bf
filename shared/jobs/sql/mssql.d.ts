/**
 * Types for the part of `mssql` (v12, tedious driver) the job store uses. mssql ships no typings
 * and @types/mssql is not installed (no new packages); if it is added later, delete this file.
 * Shapes follow mssql/lib/base/{connection-pool,transaction,request}.js and lib/datatypes.js.
 */
declare module 'mssql' {
  /** What a type factory returns (`sql.NVarChar(50)`); opaque to callers. */
  export interface ISqlType {
    type: unknown;
    length?: number;
    scale?: number;
    precision?: number;
  }

  export interface IResult<T> {
    recordset: T[];
    recordsets: T[][];
    /** One entry per statement. */
    rowsAffected: number[];
  }

  export class Request {
    constructor(parent?: ConnectionPool | Transaction);
    input(name: string, type: ISqlType, value: unknown): this;
    /** Parameterised (sp_executesql when inputs are declared). */
    query<T = Record<string, unknown>>(command: string): Promise<IResult<T>>;
    /** Plain batch (no sp_executesql): for DDL scripts. */
    batch<T = Record<string, unknown>>(command: string): Promise<IResult<T>>;
  }

  export class Transaction {
    constructor(parent: ConnectionPool);
    begin(isolationLevel?: number): Promise<Transaction>;
    commit(): Promise<void>;
    rollback(): Promise<void>;
    request(): Request;
  }

  export interface config {
    server: string;
    database?: string;
    user?: string;
    password?: string;
    port?: number;
    options?: Record<string, unknown>;
    pool?: { max?: number; min?: number; idleTimeoutMillis?: number };
  }

  export class ConnectionPool {
    constructor(config: string | config);
    readonly connected: boolean;
    connect(): Promise<ConnectionPool>;
    close(): Promise<void>;
    request(): Request;
    transaction(): Transaction;
  }

  export class MSSQLError extends Error {
    code?: string;
  }

  export class RequestError extends MSSQLError {
    /** SQL Server error number, e.g. 2601 duplicate key in a unique index. */
    number?: number;
  }

  export const MAX: number;
  export const ISOLATION_LEVEL: {
    READ_UNCOMMITTED: number;
    READ_COMMITTED: number;
    REPEATABLE_READ: number;
    SERIALIZABLE: number;
    SNAPSHOT: number;
  };

  export function VarChar(length?: number): ISqlType;
  export function NVarChar(length?: number): ISqlType;
  export function Int(): ISqlType;
  export function BigInt(): ISqlType;
  export function Bit(): ISqlType;
  export function DateTime2(scale?: number): ISqlType;
  export function VarBinary(length?: number): ISqlType;
  export function Binary(length?: number): ISqlType;
}
