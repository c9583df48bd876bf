/**
 * A customer analysis run as a durable orchestration (issue 15): the run activity executes the
 * saved spec and records the final state itself; when it fails outright (storage down after its
 * retries, a bug), the orchestration records the run Failed so its status never stays Running.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import { failRun, runCustomerAnalysis } from '../../shared/lake/customers/run-analysis-use-case';
import type { LakeDeps } from '../../shared/lake/lake-deps';
import type { ActivityImpl } from '../../shared/settlement/activity-contracts';
import { callActivity, orchestratorInput } from './typed-activities';

const D = NAMES.durable;
const RETRY = new df.RetryOptions(1000, 3);

export const customerAnalysisOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = orchestratorInput(context, D.customerAnalysisOrchestrator);
  try {
    return yield* callActivity(context, D.customerAnalysisActivity, input, RETRY);
  } catch (e) {
    yield* callActivity(context, D.customerAnalysisFailedActivity, { ...input, error: (e as Error).message });
    return { status: 'Failed' };
  }
};

export function customerAnalysisActivities(lake: LakeDeps): {
  run: ActivityImpl<typeof D.customerAnalysisActivity>;
  fail: ActivityImpl<typeof D.customerAnalysisFailedActivity>;
} {
  return {
    run: (input) => runCustomerAnalysis(lake, input),
    fail: async (input) => {
      await failRun(lake, input, input.error);
      return null;
    },
  };
}
