import type { InvocationContext, Timer } from '@azure/functions';
import type { ScheduleEntry } from '../../shared/config/settings';
import { periodLimitViolation } from '../../shared/settlement/period-limits';
import { alreadyScheduled, scheduledPeriod, scheduledSpec } from '../../shared/settlement/schedule';
import { startJob } from '../../shared/settlement/use-cases/start-job';
import { startJobDeps, type AppDeps } from '../deps';
import type { TimerHandler } from '../registry';
import { log } from '../../shared/telemetry/log';

/** One timer per schedule entry: starts the entry's settlement unless it already exists. */
export function scheduledSettlementHandler(deps: AppDeps, entry: ScheduleEntry): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const tick = deps.clock();
    // settings refuse a schedule the limit would always reject; this guards the tick itself,
    // before anything is read
    const period = scheduledPeriod(entry, tick);
    const tooLong = periodLimitViolation(entry.calculationType, period.start, period.end, deps.settings.periodLimits);
    if (tooLong) {
      log.error(`schedule ${entry.name}: not started: ${tooLong}`);
      return;
    }
    const spec = scheduledSpec(entry, tick, await deps.knownGridAreas());
    if (spec.gridAreas.length === 0) {
      log.warn(`schedule ${entry.name}: no grid areas in the basis data; nothing to settle`);
      return;
    }
    if (await alreadyScheduled(deps.jobs, spec)) {
      log.info(
        `schedule ${entry.name}: ${spec.calculationType} ${spec.periodStart}..${spec.periodEnd} already exists; not starting another`,
      );
      return;
    }
    const started = await startJob(startJobDeps(deps, context), deps.newId(), spec, tick);
    if (started.kind === 'alreadyActive') return;
    // the use case marked the job Failed; the invocation fails with what the start threw
    if (started.kind === 'startFailed') throw started.error;
    log.info(`schedule ${entry.name}: started`, { jobId: started.job.id });
  };
}
