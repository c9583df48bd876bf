/**
 * The two edges of the activity contract (shared/settlement/activity-contracts.ts) in the
 * durable-functions API. Orchestrator side: schedule an activity with its contract's input and
 * read its output as the contract types it (pure: builds tasks only, no I/O, replay-safe).
 * Registration side: an activity implemented against its contract becomes an ActivityHandler.
 */
import type { ActivityHandler, OrchestrationContext, RetryOptions, Task } from 'durable-functions';
import type {
  ActivityImpl,
  ActivityInput,
  ActivityName,
  ActivityOutput,
  OrchestratorInput,
  OrchestratorName,
} from '../../shared/settlement/activity-contracts';
import { carrierOfInput } from '../../shared/telemetry/trace-context';

/** The orchestration's input, as its contract types it. */
export function orchestratorInput<N extends OrchestratorName>(
  context: OrchestrationContext,
  _orchestrator: N,
): OrchestratorInput<N> {
  return context.df.getInput<OrchestratorInput<N>>();
}

/**
 * `input` with the orchestration's trace carrier (its input's `trace`, set by whoever started it:
 * functions/composition.ts), so the activity's span joins the trace of the request or timer that
 * started the job. Read from the orchestration input, which the history fixes: replay-safe.
 */
function withTrace<T>(context: OrchestrationContext, input: T): T {
  const trace = carrierOfInput(context.df.getInput());
  if (!trace || typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return { ...input, trace };
}

/** Schedules activity `name` (retried per `retry` when given). */
export function activityTask<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  retry?: RetryOptions,
): Task {
  const traced = withTrace(context, input);
  return retry ? context.df.callActivityWithRetry(name, retry, traced) : context.df.callActivity(name, traced);
}

/** Runs `task` (or reads an already finished one): its result as `T`, or its error thrown. */
export function* awaitTask<T>(task: Task): Generator<Task, T, unknown> {
  // the runtime hands back the JSON output the contract of whatever scheduled `task` types
  return (yield task) as T;
}

/**
 * The first of `tasks` to finish (succeeded or failed): `const done = yield* firstFinished(context, tasks)`.
 * A task that already finished is returned without Task.any: durable-functions' Task.any built over
 * a task that finished before it (e.g. two completions in one episode) never completes, and the
 * orchestration would hang. Which tasks have finished at this point of the replay is fixed by the
 * history, so this stays deterministic.
 */
export function* firstFinished(context: OrchestrationContext, tasks: readonly Task[]): Generator<Task, Task, unknown> {
  const finished = tasks.find((t) => t.isCompleted || t.isFaulted);
  if (finished) return finished;
  return yield* awaitTask<Task>(context.df.Task.any([...tasks]));
}

/** Runs activity `name`: `const out = yield* callActivity(context, name, input)`. */
export function* callActivity<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  retry?: RetryOptions,
): Generator<Task, ActivityOutput<N>, unknown> {
  // the runtime hands back the activity's JSON output: the contract is its type
  return (yield activityTask(context, name, input, retry)) as ActivityOutput<N>;
}

/**
 * Schedules orchestrator `name` as a sub-orchestration with its contract's input; its result (when
 * the task completes) is the contract's output. `instanceId` must be deterministic (replay).
 */
export function subOrchestrationTask<N extends OrchestratorName>(
  context: OrchestrationContext,
  name: N,
  input: OrchestratorInput<N>,
  instanceId: string,
): Task {
  return context.df.callSubOrchestrator(name, withTrace(context, input), instanceId);
}

/** Runs activity `name` once per input in parallel (Task.all); outputs in input order. */
export function* callActivities<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  inputs: ReadonlyArray<ActivityInput<N>>,
  retry?: RetryOptions,
): Generator<Task, Array<ActivityOutput<N>>, unknown> {
  return (yield context.df.Task.all(inputs.map((input) => activityTask(context, name, input, retry)))) as Array<
    ActivityOutput<N>
  >;
}

/** The registration edge: the runtime passes the input deserialized from the history, typed by the activity's contract. */
export function activityHandler<N extends ActivityName>(impl: ActivityImpl<N>): ActivityHandler {
  return (input: ActivityInput<N>) => impl(input);
}
