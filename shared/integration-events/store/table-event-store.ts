/**
 * IntegrationEventStore over Azure Table storage (Azurite locally).
 *
 * Layout: one table, one entity per event.
 * - PartitionKey = message type. readMasterData is then one partition query per master-data type
 *   (four), never a table scan over the far more numerous time-series and charge events.
 * - RowKey = eventId, so the insert is the idempotency check: createEntity answers 409 for a
 *   redelivered event (same type, same id) → `stored: false`, and the stored entity is untouched.
 *   Nothing is ever updated (no upsert/update/delete calls): append-only.
 * - `body`: the protobuf bytes as an Edm.Binary property (base64 on the wire). A binary property
 *   holds at most 64 KiB, a string property only 32K UTF-16 characters (24 KiB of base64), so
 *   bodies are capped at 48 KiB (MAX_EVENT_BODY_BYTES) with a clear error before any request.
 * - `storedAt`: Edm.Int64 epoch ms (exact, filterable: `storedAt le <asOf>L`).
 */
import { NAMES } from '../../config/names';
import { TableClient, odata, type RestError, type TableEntity } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { IntegrationEventType } from '../events';
import type {
  AppendedEvent,
  IntegrationEventStore,
  ObservedRange,
  StoredIntegrationEvent,
  StoredMasterDataEvent,
} from './event-store';
import {
  DamagedStoredEventError,
  compareStored,
  observedPeriod,
  readMasterDataEvents,
  storedIntegrationEvent,
  validateAppend,
} from './stored-event';

/** Default table name (letters and digits only). */
export const INTEGRATION_EVENTS_TABLE = NAMES.tables.integrationEvents;

interface EventEntity {
  body: Uint8Array;
  /** The SDK writes and reads a bigint as Edm.Int64. */
  storedAt: bigint;
  /** TimeSeriesPointsReceived only: its observation period, so reads filter server-side. */
  periodStart?: bigint;
  periodEnd?: bigint;
  /** The publisher's OperationTimestamp (audit; not read by calculations). */
  operationTime?: bigint;
}

export class TableIntegrationEventStore implements IntegrationEventStore {
  constructor(private readonly table: TableClient) {}

  /** Account key or SAS connection string; Azurite's http endpoint needs `allowInsecureConnection`. */
  static fromConnectionString(
    connectionString: string,
    tableName: string = INTEGRATION_EVENTS_TABLE,
  ): TableIntegrationEventStore {
    const probe = TableClient.fromConnectionString(connectionString, tableName);
    const client = probe.url.startsWith('http://')
      ? TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true })
      : probe;
    return new TableIntegrationEventStore(client);
  }

  /** Managed identity / Entra ID (needs the "Storage Table Data Contributor" role). */
  static fromAccount(
    accountName: string,
    credential: TokenCredential,
    tableName: string = INTEGRATION_EVENTS_TABLE,
  ): TableIntegrationEventStore {
    return new TableIntegrationEventStore(
      new TableClient(`https://${accountName}.table.core.windows.net`, tableName, credential),
    );
  }

  /** One single-row query (GET /api/health): resolves when the table service answered. */
  async probe(): Promise<void> {
    const pages = this.table
      .listEntities({ queryOptions: { filter: "PartitionKey eq '~health'" } })
      .byPage({ maxPageSize: 1 });
    await pages.next();
  }

  /** Creates the table if missing (createTable tolerates an existing table). */
  async ensureTable(): Promise<void> {
    await this.table.createTable();
  }

  async append(e: AppendedEvent): Promise<{ stored: boolean }> {
    validateAppend(e);
    const period = observedPeriod(e.event);
    const entity: TableEntity<EventEntity> = {
      partitionKey: e.event.messageType,
      rowKey: e.eventId,
      body: new Uint8Array(e.body),
      storedAt: BigInt(e.storedAt),
      ...(period ? { periodStart: BigInt(period.from), periodEnd: BigInt(period.to) } : {}),
      ...(e.operationTime !== undefined ? { operationTime: BigInt(e.operationTime) } : {}),
    };
    try {
      await this.table.createEntity(entity);
      return { stored: true };
    } catch (error) {
      if (hasStatus(error, 409)) return { stored: false };
      throw error;
    }
  }

  readMasterData(asOf: number): Promise<StoredMasterDataEvent[]> {
    return readMasterDataEvents((type, at) => this.readEvents(type, at), asOf);
  }

  async readEvents<T extends IntegrationEventType>(
    messageType: T,
    asOf: number,
    observed?: ObservedRange,
  ): Promise<StoredIntegrationEvent<T>[]> {
    if (Number.isNaN(asOf)) throw new RangeError('asOf must be a number (epoch ms)');
    if (asOf < 0) return [];
    const bound = Number.isFinite(asOf) ? Math.floor(asOf) : Number.MAX_SAFE_INTEGER;
    let filter = `${odata`PartitionKey eq ${messageType}`} and storedAt le ${bound}L`;
    if (observed && messageType === 'TimeSeriesPointsReceived') {
      filter += ` and periodStart lt ${Math.ceil(observed.to)}L and periodEnd gt ${Math.floor(observed.from)}L`;
    }
    const out: StoredIntegrationEvent<T>[] = [];
    for await (const entity of this.table.listEntities<EventEntity>({ queryOptions: { filter } })) {
      const eventId = entity.rowKey;
      if (typeof eventId !== 'string') throw new DamagedStoredEventError(null, messageType, { kind: 'no-row-key' });
      const body = entity.body;
      if (!(body instanceof Uint8Array)) throw new DamagedStoredEventError(eventId, messageType, { kind: 'no-body' });
      out.push(storedIntegrationEvent(eventId, messageType, body, storedAtOf(entity.storedAt, eventId, messageType)));
    }
    return out.sort(compareStored);
  }

  /** Number of stored events of every type (tests, diagnostics; a full scan). */
  async countEvents(): Promise<number> {
    let n = 0;
    for await (const _ of this.table.listEntities({ queryOptions: { select: ['PartitionKey'] } })) n++;
    return n;
  }
}

function storedAtOf(value: unknown, eventId: string, messageType: string): number {
  // bigint (this SDK's Int64), or { value, type: 'Int64' } / a string from other SDK versions
  const raw = typeof value === 'object' && value !== null && 'value' in value ? value.value : value;
  const n = typeof raw === 'string' || typeof raw === 'bigint' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new DamagedStoredEventError(eventId, messageType, { kind: 'stored-at-not-integer', value: String(raw) });
  return n;
}

function hasStatus(e: unknown, status: number): boolean {
  return typeof e === 'object' && e !== null && 'statusCode' in e && (e as RestError).statusCode === status;
}
