/**
 * Issue 12 "bounded work": the period length limit per calculation type. A 20-year balance
 * fixing was accepted and made the host unusable; now KickStartJob (GET query and POST body
 * take the same parser) refuses it with 400 naming endTime and the limit, settings validate
 * MAX_PERIOD_DAYS_ENERGY, and a scheduled tick outside the limit starts nothing.
 */
import { HttpRequest, InvocationContext, type Timer } from '@azure/functions';
import { buildDeps } from '../../functions/composition';
import { kickStartJobHandler } from '../../functions/http/kick-start-job';
import { scheduledSettlementHandler } from '../../functions/timers/scheduled-settlements';
import { adminToken } from '../support/tokens';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings, SettingsError, type ScheduleEntry } from '../../shared/config/settings';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { parseKickStartRequest } from '../../shared/settlement/kick-start-request';
import { periodLimitViolation, plusLocalDays } from '../../shared/settlement/period-limits';
import { addLogSink } from '../../shared/telemetry/log';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const ctx = {
  knownGridAreas: new Set(['800']),
  quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
  now: new Date('2026-01-10T12:00:00Z'),
  createdByUserId: 'subject-1',
  periodLimits: { maxEnergyDays: 31 },
};
const issues = (raw: Record<string, unknown>, limits = ctx.periodLimits) => {
  const r = parseKickStartRequest({ gridAreas: '800', ...raw }, { ...ctx, periodLimits: limits });
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

/** App deps on in-memory stores with MAX_PERIOD_DAYS_ENERGY=7; starting an orchestration fails the test. */
function memoryDeps() {
  const jobs = new MemoryJobStore();
  const store = new MemoryBlobStore('any');
  const deps = buildDeps({
    settings: {
      ...loadSettings({ STORAGE_CONNECTION_STRING: 'x', AUTH_DEV_ISSUER: 'true' }),
      periodLimits: { maxEnergyDays: 7 },
    },
    basisData: store,
    results: store,
    jobs,
    messages: store,
    exports: store,
    bus: () => {
      throw new Error('no bus in this test');
    },
    integrationEvents: new MemoryIntegrationEventStore(),
    publishCompleted: async () => {},
    orchestrationClient: () => ({
      start: () => Promise.reject(new Error('must not start')),
      terminate: async () => {},
    }),
    clock: () => new Date('2026-02-03T06:00:00Z'),
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
  });
  return { deps, jobs };
}

describe('period length limits', () => {
  it('refuses the 20-year D04 of the finding, naming endTime and the limit', () => {
    expect(issues({ processType: 'D04', beginTime: '2024-12-31T23:00:00Z', endTime: '2044-12-31T23:00:00Z' })).toEqual([
      'endTime: the period is 7305 days; balance_fixing covers at most 31 days (MAX_PERIOD_DAYS_ENERGY)',
    ]);
  });

  it('counts local days: 31 local days pass even across the autumn DST change (745 hours), one hour more does not', () => {
    const oct = { beginTime: '2025-09-30T22:00:00Z', endTime: '2025-10-31T23:00:00Z' }; // 1 Oct – 1 Nov local
    expect(Date.parse(oct.endTime) - Date.parse(oct.beginTime)).toBe(745 * 3_600_000);
    expect(issues({ processType: 'D03', ...oct })).toEqual([]);
    expect(issues({ processType: 'D03', ...oct, endTime: '2025-11-01T00:00:00Z' })).toEqual([
      'endTime: the period is 31.08 days; aggregation covers at most 31 days (MAX_PERIOD_DAYS_ENERGY)',
    ]);
    expect(plusLocalDays(Date.parse('2025-03-29T23:00:00Z'), 1)).toBe(Date.parse('2025-03-30T22:00:00Z')); // 23-hour day
  });

  it('follows the setting, and leaves wholesale types to their one-calendar-month rule', () => {
    const week = { processType: 'D04', beginTime: '2025-12-31T23:00:00Z', endTime: '2026-01-07T23:00:00Z' };
    expect(issues(week)).toEqual([]);
    expect(issues(week, { maxEnergyDays: 6 })).toEqual([
      'endTime: the period is 7 days; balance_fixing covers at most 6 days (MAX_PERIOD_DAYS_ENERGY)',
    ]);
    expect(periodLimitViolation('wholesale_fixing', 0, 400 * 86_400_000, { maxEnergyDays: 1 })).toBeNull();
    expect(issues({ processType: 'D05', beginTime: '2025-11-30T23:00:00Z', endTime: '2026-01-31T23:00:00Z' })).toEqual([
      'beginTime: wholesale_fixing must cover exactly one calendar month in Europe/Copenhagen (local midnight on the 1st to the 1st of the next month)',
    ]);
  });

  it('settings: default 31, validated, and a monthly energy schedule the limit would refuse is a settings error', () => {
    const base = { STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_DEV_ISSUER: 'true' };
    expect(loadSettings(base).periodLimits).toEqual({ maxEnergyDays: 31 });
    expect(loadSettings({ ...base, MAX_PERIOD_DAYS_ENERGY: '7' }).periodLimits).toEqual({ maxEnergyDays: 7 });
    expect(() => loadSettings({ ...base, MAX_PERIOD_DAYS_ENERGY: '0' })).toThrow(/MAX_PERIOD_DAYS_ENERGY/);
    expect(() => loadSettings({ ...base, MAX_PERIOD_DAYS_ENERGY: 'lots' })).toThrow(SettingsError);
    const monthly: ScheduleEntry = {
      name: 'monthly-bf',
      cron: '0 0 6 2 * *',
      calculationType: 'balance_fixing',
      period: 'previous-local-month',
      gridAreas: 'all',
    };
    expect(() =>
      loadSettings({ ...base, MAX_PERIOD_DAYS_ENERGY: '7', SETTLEMENT_SCHEDULE: JSON.stringify([monthly]) }),
    ).toThrow(/monthly-bf: a balance_fixing of the previous local month can be 31 days; MAX_PERIOD_DAYS_ENERGY is 7/);
    expect(loadSettings({ ...base, SETTLEMENT_SCHEDULE: JSON.stringify([monthly]) }).schedule).toEqual([monthly]);
  });

  it('KickStartJob GET and POST answer 400 naming endTime and the limit, and register nothing', async () => {
    const { deps, jobs } = memoryDeps();
    const handler = kickStartJobHandler(deps);
    const fields = { processType: 'D04', beginTime: '2025-12-31T23:00:00Z', endTime: '2045-12-31T23:00:00Z' };
    const headers = { authorization: `Bearer ${await adminToken()}` };
    const url = 'http://localhost:7071/api/KickStartJob';
    for (const request of [
      new HttpRequest({ method: 'GET', url, query: fields, headers }),
      new HttpRequest({
        method: 'POST',
        url,
        body: { string: JSON.stringify(fields) },
        headers: { ...headers, 'content-type': 'application/json' },
      }),
    ]) {
      const res = await handler(request, new InvocationContext({ functionName: 'KickStartJob', logHandler: () => {} }));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.jsonBody)).toContain(
        '{"path":"endTime","message":"the period is 7305 days; balance_fixing covers at most 7 days (MAX_PERIOD_DAYS_ENERGY)"}',
      );
    }
    expect(await jobs.list({ limit: 10 })).toEqual([]);
  });

  it('a scheduled tick whose period exceeds the limit starts nothing and says why', async () => {
    const { deps, jobs } = memoryDeps();
    const lines: string[] = [];
    // the handler logs through the structured logger (shared/telemetry/log.ts), not the context
    const context = new InvocationContext({ functionName: 'timer' });
    const removeSink = addLogSink((r) => lines.push(r.message));
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: '', next: '', lastUpdated: '' },
    };
    const entry: ScheduleEntry = {
      name: 'monthly-bf',
      cron: '0 0 6 2 * *',
      calculationType: 'balance_fixing',
      period: 'previous-local-month',
      gridAreas: ['800'],
    };
    await scheduledSettlementHandler(deps, entry)(timer, context).finally(removeSink);
    expect(lines).toEqual([
      'schedule monthly-bf: not started: the period is 31 days; balance_fixing covers at most 7 days (MAX_PERIOD_DAYS_ENERGY)',
    ]);
    expect(await jobs.list({ limit: 10 })).toEqual([]);
  });
});
