import { scheduledPeriod, scheduledSpec } from '../../shared/settlement/schedule';
import { DEFAULT_SCHEDULE, loadSettings, SettingsError } from '../../shared/config/settings';

const daily = DEFAULT_SCHEDULE[0];
const monthly = DEFAULT_SCHEDULE[1];

describe('scheduled settlements', () => {
  it('settles the previous local day, DST-correct', () => {
    const iso = (p: { start: number; end: number }) => [new Date(p.start).toISOString(), new Date(p.end).toISOString()];
    expect(iso(scheduledPeriod(daily, new Date('2024-02-10T06:00:00Z')))).toEqual([
      '2024-02-08T23:00:00.000Z',
      '2024-02-09T23:00:00.000Z',
    ]);
    // 2024-03-31 is the spring DST day in Copenhagen: 23 hours
    expect(iso(scheduledPeriod(daily, new Date('2024-04-01T06:00:00Z')))).toEqual([
      '2024-03-30T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z',
    ]);
  });

  it('settles the previous local month', () => {
    const p = scheduledPeriod(monthly, new Date('2024-03-05T07:00:00Z'));
    expect([new Date(p.start).toISOString(), new Date(p.end).toISOString()]).toEqual([
      '2024-01-31T23:00:00.000Z',
      '2024-02-29T23:00:00.000Z',
    ]);
    const jan = scheduledPeriod(monthly, new Date('2024-01-05T07:00:00Z'));
    expect(new Date(jan.start).toISOString()).toBe('2023-11-30T23:00:00.000Z');
  });

  it('builds a spec for all grid areas', () => {
    expect(scheduledSpec(daily, new Date('2024-02-10T06:00:00Z'), new Set(['801', '800']))).toMatchObject({
      calculationType: 'balance_fixing',
      gridAreas: ['800', '801'],
      trigger: 'schedule:daily-balance-fixing',
    });
  });
});

describe('settings', () => {
  it('validates every setting and names the bad ones', () => {
    expect(() => loadSettings({})).toThrow(SettingsError);
    expect(() => loadSettings({})).toThrow(
      /STORAGE_ACCOUNT_NAME: set STORAGE_ACCOUNT_NAME \(managed identity\) or STORAGE_CONNECTION_STRING/,
    );
    expect(() => loadSettings({ STORAGE_ACCOUNT_NAME: 'acct1', JOB_STORE: 'sql' })).toThrow(
      /SQL_CONNECTION_STRING: required when JOB_STORE=sql/,
    );
    expect(() => loadSettings({ STORAGE_ACCOUNT_NAME: 'acct1', SETTLEMENT_SCHEDULE: '[{"name":"x"}]' })).toThrow(
      /SETTLEMENT_SCHEDULE\.0\.cron/,
    );
    expect(() => loadSettings({ STORAGE_ACCOUNT_NAME: 'acct1', MAX_PARALLEL_BATCHES: '0' })).toThrow(
      /MAX_PARALLEL_BATCHES/,
    );
    const s = loadSettings({
      STORAGE_ACCOUNT_NAME: 'acct1',
      SERVICEBUS_FULLY_QUALIFIED_NAMESPACE: 'ns.servicebus.windows.net',
      AUTH_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
      AUTH_AUDIENCE: 'api://settlement',
      AUTH_JWKS_URL: 'https://login.microsoftonline.com/tenant/discovery/v2.0/keys',
    });
    expect(s).toMatchObject({
      storage: { kind: 'identity', accountName: 'acct1' },
      serviceBus: { kind: 'identity' },
      jobStore: { kind: 'table' },
      maxParallelBatches: 4,
      resultsPageMaxRows: 10_000,
    });
  });

  it('RESULTS_PAGE_MAX_ROWS: a whole number from 1 to 100,000', () => {
    const base = { STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_DEV_ISSUER: 'true' };
    expect(loadSettings({ ...base, RESULTS_PAGE_MAX_ROWS: '250' }).resultsPageMaxRows).toBe(250);
    for (const bad of ['0', '100001', '2.5', 'many'])
      expect(() => loadSettings({ ...base, RESULTS_PAGE_MAX_ROWS: bad })).toThrow(/RESULTS_PAGE_MAX_ROWS/);
  });
});

describe('local.settings.sample.json', () => {
  it('is accepted by the settings module (empty values count as unset)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sample = require('../../local.settings.sample.json') as { Values: Record<string, string> };
    const s = loadSettings(sample.Values);
    expect(s).toMatchObject({ storage: { kind: 'connectionString' }, serviceBus: null, jobStore: { kind: 'table' } });
    expect(s.schedule.map((e) => e.name)).toEqual(['daily-balance-fixing']);
  });
});
