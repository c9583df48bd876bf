/**
 * Append-only audit log of reads of results, basis data and exports (issue 12): who read what,
 * when, and what came of it. Records are only ever created — an adapter must never update or
 * delete one, so an entry cannot be rewritten after the fact.
 */
import type { MarketRole } from '../auth/caller';

export interface AuditRecord {
  /** Unique id (the caller's invocation id is a good one); also the record's key. */
  id: string;
  /** When the read happened (ISO instant). */
  at: string;
  /** Token subject (oid/sub). */
  subject: string;
  roles: MarketRole[];
  actorNumber: string | null;
  /** What was read. */
  operation: 'results' | 'diff' | 'basis-data' | 'basis-data-export' | 'basis-data-export-status';
  /** e.g. `GET /api/jobs/{id}/results` */
  route: string;
  jobId: string;
  /** The request's filters (query and route parameters), as sent. */
  filters: Record<string, string>;
  /** HTTP status answered, and what it delivered (row count, file count). */
  outcome: { status: number; rows?: number; files?: number };
}

export interface AuditLog {
  /** Appends one record; throws if it cannot be stored (a read without its record must not succeed). */
  append(record: AuditRecord): Promise<void>;
  /** Records of one subject, oldest first (for reviews and tests). */
  bySubject(subject: string): Promise<AuditRecord[]>;
}

/** In-memory fake with the same contract (tests, handlers invoked directly). */
export class MemoryAuditLog implements AuditLog {
  private readonly records: AuditRecord[] = [];

  append(record: AuditRecord): Promise<void> {
    if (this.records.some((r) => r.id === record.id)) return Promise.reject(new AuditRecordExistsError(record.id));
    this.records.push(structuredClone(record));
    return Promise.resolve();
  }

  bySubject(subject: string): Promise<AuditRecord[]> {
    const found = this.records
      .filter((r) => r.subject === subject)
      .map((r) => structuredClone(r))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
    return Promise.resolve(found);
  }

  /** Every record (tests). */
  all(): AuditRecord[] {
    return this.records.map((r) => structuredClone(r));
  }
}

/** A record with this id exists: audit records are never overwritten. */
export class AuditRecordExistsError extends Error {
  constructor(readonly id: string) {
    super(`audit record ${id} already exists; audit records are never overwritten`);
    this.name = 'AuditRecordExistsError';
  }
}
