/** Runs the AuditLog contract against TableAuditLog on Azurite and the in-memory fake. */
import { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { TableAuditLog } from '../../shared/audit/table-audit-log';
import { auditLogContract } from './audit-log.contract';

auditLogContract('MemoryAuditLog', () => Promise.resolve(new MemoryAuditLog()));

describe('TableAuditLog (Azurite)', () => {
  let az: AzuriteInstance;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az?.stop();
  });
  let seq = 0;
  auditLogContract('TableAuditLog', async () => {
    const table = `Audit${process.pid}x${++seq}`; // letters and digits only
    const log = new TableAuditLog(
      TableClient.fromConnectionString(az.connectionString, table, { allowInsecureConnection: true }),
    );
    await log.ensureTable();
    return log;
  });

  it('only ever creates entities (no update, upsert or delete calls in the adapter)', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(require.resolve('../../shared/audit/table-audit-log.ts'), 'utf8');
    expect(source).toContain('createEntity');
    expect(source).not.toMatch(/\.(updateEntity|upsertEntity|deleteEntity|submitTransaction|deleteTable)\(/);
  });
});
