/**
 * HistoryStore over Azure Table storage (Azurite locally), with a blob container for values too
 * big for a table property.
 *
 * Layout: one partition per instance (PartitionKey = instance id, escaped for key rules).
 * - RowKey 'instance': the instance record (status, name, execution id, times, historyLength,
 *   input / output / customStatus as JSON text; a sub-orchestration's parent link as
 *   parentInstanceId / parentExecutionId / parentTaskId).
 * - RowKey 'h.{executionId}.{startSeq, 10 digits}': one *segment* per append = the events one
 *   runtime step added (OrchestratorStarted, the messages it consumed, what it scheduled,
 *   OrchestratorCompleted, ...), as a JSON array. History is the concatenation of the segments in
 *   RowKey order, cut at the record's historyLength.
 *
 * Atomicity: an append is one entity-group transaction of two entities – upsert the segment row,
 * update the instance row with the etag the writer last saw. Either both land or neither, so a
 * reader never sees a half-written step, and a second runtime writing the same instance gets 412
 * (ConcurrencyError) instead of interleaving events.
 *
 * Size: a string property holds at most 64 KiB (32K UTF-16 units). Any value longer than
 * INLINE_MAX_CHARS (a big segment: a wide fan-out, a large activity result; or a large input /
 * output / custom status) goes to a blob in container `durable-local` under a fresh unique name
 * written *before* the transaction, and the row stores the blob name instead. A failed transaction
 * therefore only leaves an unreferenced blob, never a row pointing at a missing or foreign blob.
 * Blobs of a replaced execution are deleted when the id is started again.
 */
import { randomUUID } from 'node:crypto';
import {
  TableClient,
  odata,
  type TableEntity,
  type TableEntityResult,
  type TransactionAction,
} from '@azure/data-tables';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { NAMES } from '../../shared/config/names';
import { parseStoredEvent, type StoredEvent } from './events';
import {
  ConcurrencyError,
  type HistoryStore,
  type RuntimeStatus,
  type StoredInstance,
  type VersionedInstance,
} from './store';

/** Default table: one per task hub, like the Azure Storage backend's {hub}History/{hub}Instances. */
export const DEFAULT_HISTORY_TABLE = `${NAMES.durable.taskHub}LocalHistory`;
const INSTANCE_ROW = 'instance';
/** Below the 32K UTF-16 units of one string property, with room to spare. */
const INLINE_MAX_CHARS = 30_000;
const RUNTIME_STATUSES: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'Failed', 'Terminated'];

/** Stored properties of the instance row; `xBlob` = blob name holding x when x is too long. (Type aliases, not interfaces: transactions take Record-shaped entities.) */
type InstanceEntity = {
  instanceId: string;
  executionId: string;
  name: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  historyLength: number;
  input?: string;
  inputBlob?: string;
  output?: string;
  outputBlob?: string;
  customStatus?: string;
  customStatusBlob?: string;
  /** Sub-orchestrations: the parent link (store.ts ParentLink), flattened. */
  parentInstanceId?: string;
  parentExecutionId?: string;
  parentTaskId?: number;
};

type SegmentEntity = {
  startSeq: number;
  count: number;
  events?: string;
  eventsBlob?: string;
};

type PayloadField = 'input' | 'output' | 'customStatus' | 'events';

export class TableHistoryStore implements HistoryStore {
  private constructor(
    private readonly table: TableClient,
    private readonly container: ContainerClient,
  ) {}

  /** Account-key connection string (Azurite's http endpoints allowed); creates table and container. */
  static async fromConnectionString(
    connectionString: string,
    tableName: string = DEFAULT_HISTORY_TABLE,
  ): Promise<TableHistoryStore> {
    const probe = TableClient.fromConnectionString(connectionString, tableName);
    const table = probe.url.startsWith('http://')
      ? TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true })
      : probe;
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
      NAMES.containers.durableLocal,
    );
    await Promise.all([table.createTable(), container.createIfNotExists()]);
    return new TableHistoryStore(table, container);
  }

  async getInstance(instanceId: string): Promise<VersionedInstance | null> {
    try {
      const row = await this.table.getEntity<InstanceEntity>(partitionKeyOf(instanceId), INSTANCE_ROW);
      return await this.toVersioned(row);
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  async listInstances(): Promise<VersionedInstance[]> {
    const out: VersionedInstance[] = [];
    for await (const row of this.table.listEntities<InstanceEntity>({
      queryOptions: { filter: odata`RowKey eq ${INSTANCE_ROW}` },
    })) {
      out.push(await this.toVersioned(row));
    }
    return out;
  }

  async createInstance(instance: StoredInstance, replaceVersion: string | null): Promise<string> {
    if (instance.historyLength !== 0) throw new Error('a new instance starts with an empty history');
    const pk = partitionKeyOf(instance.instanceId);
    const entity = await this.instanceEntity(instance);
    if (replaceVersion === null) {
      try {
        const res = await this.table.createEntity(entity);
        return res.etag ?? (await this.table.getEntity(pk, INSTANCE_ROW)).etag;
      } catch (e) {
        if (statusOf(e) === 409) throw new ConcurrencyError(`instance '${instance.instanceId}' already exists`);
        throw e;
      }
    }
    let previous: TableEntityResult<InstanceEntity>;
    try {
      previous = await this.table.getEntity<InstanceEntity>(pk, INSTANCE_ROW);
    } catch (e) {
      if (statusOf(e) === 404)
        throw new ConcurrencyError(`instance '${instance.instanceId}' vanished while being replaced`);
      throw e;
    }
    if (previous.etag !== replaceVersion)
      throw new ConcurrencyError(`instance '${instance.instanceId}' was changed concurrently`);
    let etag: string;
    try {
      etag =
        (await this.table.updateEntity(entity, 'Replace', { etag: replaceVersion })).etag ??
        (await this.table.getEntity(pk, INSTANCE_ROW)).etag;
    } catch (e) {
      if (isConflict(e)) throw new ConcurrencyError(`instance '${instance.instanceId}' was changed concurrently`);
      throw e;
    }
    await this.purgeExecution(pk, previous.executionId);
    return etag;
  }

  async append(instance: StoredInstance, events: readonly StoredEvent[], expectedVersion: string): Promise<string> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const pk = partitionKeyOf(instance.instanceId);
    const startSeq = instance.historyLength - events.length;
    const segment: TableEntity<SegmentEntity> = {
      partitionKey: pk,
      rowKey: segmentRowKey(instance.executionId, startSeq),
      startSeq,
      count: events.length,
    };
    await this.putPayload(
      segment,
      'events',
      JSON.stringify(events),
      `${pk}/${instance.executionId}/segments/${startSeq}-${randomUUID()}.json`,
    );
    const record = await this.instanceEntity(instance);
    const actions: TransactionAction[] = [
      ['upsert', segment, 'Replace'],
      ['update', record, 'Replace', { etag: expectedVersion }],
    ];
    try {
      const res = await this.table.submitTransaction(actions);
      const etag = res.getResponseForEntity(INSTANCE_ROW)?.etag;
      return etag ?? (await this.table.getEntity(pk, INSTANCE_ROW)).etag;
    } catch (e) {
      if (isConflict(e)) throw new ConcurrencyError(`instance '${instance.instanceId}' was changed concurrently`);
      throw e;
    }
  }

  async loadHistory(instance: StoredInstance): Promise<StoredEvent[]> {
    const pk = partitionKeyOf(instance.instanceId);
    const prefix = `h.${instance.executionId}.`;
    const rows: Array<TableEntityResult<SegmentEntity>> = [];
    const filter = odata`PartitionKey eq ${pk} and RowKey gt ${prefix} and RowKey lt ${prefix + '~'}`;
    for await (const row of this.table.listEntities<SegmentEntity>({ queryOptions: { filter } })) rows.push(row);
    rows.sort((a, b) => a.startSeq - b.startSeq);
    const history: StoredEvent[] = [];
    for (const row of rows) {
      if (row.startSeq >= instance.historyLength) break;
      if (row.startSeq !== history.length) {
        throw new Error(
          `history of '${instance.instanceId}' has a gap: segment starts at ${row.startSeq}, expected ${history.length}`,
        );
      }
      const text = await this.getPayload(row, 'events');
      const parsed: unknown = JSON.parse(text ?? '[]');
      if (!Array.isArray(parsed) || parsed.length !== row.count)
        throw new Error(`history segment ${row.rowKey} of '${instance.instanceId}' is malformed`);
      for (const e of parsed) history.push(parseStoredEvent(JSON.stringify(e)));
    }
    if (history.length < instance.historyLength) {
      throw new Error(
        `history of '${instance.instanceId}' has ${history.length} events, the record says ${instance.historyLength}`,
      );
    }
    return history.slice(0, instance.historyLength);
  }

  private async toVersioned(row: TableEntityResult<InstanceEntity>): Promise<VersionedInstance> {
    const status = row.runtimeStatus as RuntimeStatus;
    if (!RUNTIME_STATUSES.includes(status))
      throw new Error(`instance row ${row.partitionKey} has unknown status ${row.runtimeStatus}`);
    const instance: StoredInstance = {
      instanceId: row.instanceId,
      executionId: row.executionId,
      name: row.name,
      runtimeStatus: status,
      createdTime: row.createdTime,
      lastUpdatedTime: row.lastUpdatedTime,
      historyLength: row.historyLength,
    };
    const [input, output, customStatus] = await Promise.all([
      this.getPayload(row, 'input'),
      this.getPayload(row, 'output'),
      this.getPayload(row, 'customStatus'),
    ]);
    if (input !== undefined) instance.input = input;
    if (output !== undefined) instance.output = output;
    if (customStatus !== undefined) instance.customStatus = customStatus;
    if (
      typeof row.parentInstanceId === 'string' &&
      typeof row.parentExecutionId === 'string' &&
      typeof row.parentTaskId === 'number'
    ) {
      instance.parent = {
        instanceId: row.parentInstanceId,
        executionId: row.parentExecutionId,
        taskScheduledId: row.parentTaskId,
      };
    }
    return { instance, version: row.etag };
  }

  private async instanceEntity(i: StoredInstance): Promise<TableEntity<InstanceEntity>> {
    const pk = partitionKeyOf(i.instanceId);
    const entity: TableEntity<InstanceEntity> = {
      partitionKey: pk,
      rowKey: INSTANCE_ROW,
      instanceId: i.instanceId,
      executionId: i.executionId,
      name: i.name,
      runtimeStatus: i.runtimeStatus,
      createdTime: i.createdTime,
      lastUpdatedTime: i.lastUpdatedTime,
      historyLength: i.historyLength,
    };
    if (i.parent) {
      entity.parentInstanceId = i.parent.instanceId;
      entity.parentExecutionId = i.parent.executionId;
      entity.parentTaskId = i.parent.taskScheduledId;
    }
    const blob = (field: string): string => `${pk}/${i.executionId}/instance/${field}-${randomUUID()}.json`;
    await Promise.all([
      this.putPayload(entity, 'input', i.input, blob('input')),
      this.putPayload(entity, 'output', i.output, blob('output')),
      this.putPayload(entity, 'customStatus', i.customStatus, blob('customStatus')),
    ]);
    return entity;
  }

  private async putPayload(
    entity: Partial<Record<PayloadField | `${PayloadField}Blob`, unknown>>,
    field: PayloadField,
    value: string | undefined,
    blobName: string,
  ): Promise<void> {
    if (value === undefined) return;
    if (value.length <= INLINE_MAX_CHARS) {
      entity[field] = value;
      return;
    }
    const body = Buffer.from(value, 'utf8');
    await this.container
      .getBlockBlobClient(blobName)
      .upload(body, body.length, { blobHTTPHeaders: { blobContentType: 'application/json' } });
    entity[`${field}Blob`] = blobName;
  }

  private async getPayload(
    entity: Partial<Record<PayloadField | `${PayloadField}Blob`, unknown>>,
    field: PayloadField,
  ): Promise<string | undefined> {
    const inline = entity[field];
    if (typeof inline === 'string') return inline;
    const blobName = entity[`${field}Blob`];
    if (typeof blobName !== 'string') return undefined;
    return (await this.container.getBlockBlobClient(blobName).downloadToBuffer()).toString('utf8');
  }

  /** Deletes the segment rows and blobs of a replaced execution (best effort; they are unreachable anyway). */
  private async purgeExecution(pk: string, executionId: string): Promise<void> {
    const prefix = `h.${executionId}.`;
    const keys: string[] = [];
    const filter = odata`PartitionKey eq ${pk} and RowKey gt ${prefix} and RowKey lt ${prefix + '~'}`;
    for await (const row of this.table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
      if (typeof row.rowKey === 'string') keys.push(row.rowKey);
    }
    for (let i = 0; i < keys.length; i += 100) {
      await this.table.submitTransaction(
        keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }]),
      );
    }
    for await (const blob of this.container.listBlobsFlat({ prefix: `${pk}/${executionId}/` })) {
      await this.container.getBlockBlobClient(blob.name).deleteIfExists();
    }
  }
}

/** Table keys may not hold / \ # ? or control characters; escape those (and %) as %XX. */
export function partitionKeyOf(instanceId: string): string {
  return instanceId.replace(
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
    /[/\\#?%\u0000-\u001f\u007f-\u009f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

function segmentRowKey(executionId: string, startSeq: number): string {
  return `h.${executionId}.${String(startSeq).padStart(10, '0')}`;
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'statusCode' in e && typeof e.statusCode === 'number'
    ? e.statusCode
    : undefined;
}

/** 412 (etag mismatch) or 404 (row gone) on a conditional write; a failed transaction reports the failing operation's status. */
function isConflict(e: unknown): boolean {
  const s = statusOf(e);
  if (s === 412 || s === 404 || s === 409) return true;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  return /UpdateConditionNotSatisfied|ResourceNotFound|EntityAlreadyExists/i.test(code);
}
