/**
 * AuditLog over Azure Table storage (Azurite locally). Append-only by construction: the adapter
 * only ever calls createEntity (which answers 409 for an existing key, so an entry cannot be
 * overwritten), never upsert/update/delete. In Azure the Function App's identity could still
 * delete rows; the README recommends storage immutability or export to a write-once sink.
 *
 * Layout: PartitionKey = the subject (encoded; one caller's history is one partition query),
 * RowKey = the record id.
 */
import { TableClient, odata, type RestError } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { NAMES } from '../config/names';
import { AuditRecordExistsError, type AuditLog, type AuditRecord } from './audit-log';

interface AuditEntity {
  partitionKey: string;
  rowKey: string;
  recordId: string;
  at: string;
  subject: string;
  roles: string;
  actorNumber: string;
  operation: string;
  route: string;
  jobId: string;
  filters: string;
  outcome: string;
}

/** Table keys may not contain / \\ # ? or control characters; the key is only matched, never decoded. */
const key = (s: string) => encodeURIComponent(s).replace(/%/g, '~');

export class TableAuditLog implements AuditLog {
  constructor(private readonly table: TableClient) {}

  static fromConnectionString(connectionString: string, tableName: string = NAMES.tables.auditLog): TableAuditLog {
    const probe = TableClient.fromConnectionString(connectionString, tableName);
    const client = probe.url.startsWith('http://')
      ? TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true })
      : probe;
    return new TableAuditLog(client);
  }

  /** Managed identity (needs "Storage Table Data Contributor"). */
  static fromAccount(
    accountName: string,
    credential: TokenCredential,
    tableName = NAMES.tables.auditLog,
  ): TableAuditLog {
    return new TableAuditLog(new TableClient(`https://${accountName}.table.core.windows.net`, tableName, credential));
  }

  async ensureTable(): Promise<void> {
    await this.table.createTable();
  }

  async append(r: AuditRecord): Promise<void> {
    const entity: AuditEntity = {
      partitionKey: key(r.subject),
      rowKey: key(r.id),
      recordId: r.id,
      at: r.at,
      subject: r.subject,
      roles: JSON.stringify(r.roles),
      actorNumber: r.actorNumber ?? '',
      operation: r.operation,
      route: r.route,
      jobId: r.jobId,
      filters: JSON.stringify(r.filters),
      outcome: JSON.stringify(r.outcome),
    };
    try {
      await this.table.createEntity(entity);
    } catch (e) {
      if ((e as RestError).statusCode === 409) throw new AuditRecordExistsError(r.id);
      throw e;
    }
  }

  async bySubject(subject: string): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for await (const e of this.table.listEntities<AuditEntity>({
      queryOptions: { filter: odata`PartitionKey eq ${key(subject)} and subject eq ${subject}` },
    }))
      out.push({
        id: e.recordId,
        at: e.at,
        subject: e.subject,
        roles: JSON.parse(e.roles) as AuditRecord['roles'],
        actorNumber: e.actorNumber === '' ? null : e.actorNumber,
        operation: e.operation as AuditRecord['operation'],
        route: e.route,
        jobId: e.jobId,
        filters: JSON.parse(e.filters) as Record<string, string>,
        outcome: JSON.parse(e.outcome) as AuditRecord['outcome'],
      });
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  }
}
