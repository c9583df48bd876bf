import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import type { OrchestrationClient } from '../../functions/registry';
import { scheduledSettlementHandler } from '../../functions/timers/scheduled-settlements';
import { NAMES } from '../../shared/config/names';
import { DEFAULT_SCHEDULE } from '../../shared/config/settings';
import { startAzurite, testDeps, testInfra, type TestInfra } from '../support/local-infra';
import type { AzuriteInstance } from '../../local/azurite';
import { promised as settle } from '../../shared/domain/promised';

const F1 = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');
const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

describe('scheduled settlements timer', () => {
  let az: AzuriteInstance;
  let infra: TestInfra;
  beforeAll(async () => {
    az = await startAzurite();
    infra = await testInfra(az, F1);
  });
  afterAll(async () => {
    await infra.stop();
    await az.stop();
  });

  it('starts the previous local day for all grid areas once, however often the tick fires', async () => {
    const started: string[] = [];
    const client: OrchestrationClient = {
      start: (name, id) =>
        settle(() => {
          expect(name).toBe(NAMES.durable.settlementOrchestrator);
          started.push(id);
        }),
      terminate: async () => {},
    };
    let now = new Date('2023-07-03T06:00:00Z');
    const deps = testDeps(infra, { orchestrationClient: () => client, clock: () => now });
    const tick = scheduledSettlementHandler(deps, DEFAULT_SCHEDULE[0]);
    const ctx = () =>
      new InvocationContext({ functionName: 'ScheduledSettlement-daily-balance-fixing', logHandler: () => {} });
    await tick(timer, ctx());
    await tick(timer, ctx()); // a repeated tick while the job runs
    expect(started).toHaveLength(1);
    const job = await infra.jobs.get(started[0]);
    expect(job).toMatchObject({
      calculationType: 'balance_fixing',
      periodStart: '2023-07-01T22:00:00.000Z',
      periodEnd: '2023-07-02T22:00:00.000Z',
      gridAreas: ['111', '800', '801', '802'],
      trigger: 'schedule:daily-balance-fixing',
    });
    // completed: still no second job for the same day
    for (const s of ['Started', 'Executing', 'Completed'] as const) await infra.jobs.transition(started[0], s, now);
    await tick(timer, ctx());
    expect(started).toHaveLength(1);
    // the next day is a new period
    now = new Date('2023-07-04T06:00:00Z');
    await tick(timer, ctx());
    expect(started).toHaveLength(2);
  });
});
