/** The AuditLog contract (shared/audit/audit-log.ts): every adapter passes the same tests. */
import { AuditRecordExistsError, type AuditLog, type AuditRecord } from '../../shared/audit/audit-log';

const record = (id: string, subject: string, at: string, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  id,
  at,
  subject,
  roles: ['energy_supplier'],
  actorNumber: '5790000000001',
  operation: 'results',
  route: 'GET /api/jobs/{id}/results',
  jobId: 'job-1',
  filters: { kind: 'energy', gridArea: '800' },
  outcome: { status: 200, rows: 42 },
  ...extra,
});

export function auditLogContract(name: string, make: () => Promise<AuditLog>): void {
  describe(`${name}: AuditLog contract`, () => {
    it('stores every field and returns one subject’s records oldest first', async () => {
      const log = await make();
      const b = record('r-2', 'user/1#x?', '2024-01-01T10:00:02.000Z', {
        roles: ['grid_access_provider', 'energy_supplier'],
        actorNumber: null,
        operation: 'basis-data-export-status',
        filters: {},
        outcome: { status: 404 },
      });
      const a = record('r-1', 'user/1#x?', '2024-01-01T10:00:01.000Z');
      await log.append(b);
      await log.append(a);
      await log.append(record('r-3', 'someone-else', '2024-01-01T10:00:00.000Z'));
      expect(await log.bySubject('user/1#x?')).toEqual([a, b]);
      expect(await log.bySubject('nobody')).toEqual([]);
    });

    it('is append-only: a record is never overwritten', async () => {
      const log = await make();
      const first = record('same-id', 'u1', '2024-01-01T10:00:00.000Z');
      await log.append(first);
      await expect(
        log.append(record('same-id', 'u1', '2024-01-01T11:00:00.000Z', { outcome: { status: 403 } })),
      ).rejects.toBeInstanceOf(AuditRecordExistsError);
      expect(await log.bySubject('u1')).toEqual([first]);
    });

    it('does not keep a reference to the caller’s object', async () => {
      const log = await make();
      const r = record('r-m', 'u2', '2024-01-01T10:00:00.000Z');
      await log.append(r);
      r.filters.gridArea = 'tampered';
      expect((await log.bySubject('u2'))[0].filters.gridArea).toBe('800');
    });
  });
}
