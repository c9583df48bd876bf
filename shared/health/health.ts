/**
 * GET /api/health: whether the app can reach what every job needs — Blob storage, Table storage,
 * the job store and the Service Bus. Each check is one cheap request with its own short timeout,
 * all run at once, so the answer comes within about one timeout even when a dependency hangs.
 * The answer names the checks and how each failed ('timeout' | 'unreachable'), never an error
 * text: messages can hold account host names or connection details, and the route is anonymous.
 */
import { z } from 'zod';

/** Longest wait for one check (a load balancer's probe must not pile up behind a hung dependency). */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

export const HEALTH_CHECK_NAMES = ['storageBlob', 'storageTable', 'jobStore', 'serviceBus'] as const;
export type HealthCheckName = (typeof HEALTH_CHECK_NAMES)[number];

/** One reachability probe: resolves when the dependency answered (any answer: reachable), rejects otherwise. */
export type HealthProbe = () => Promise<void>;

export type HealthProbes = Partial<Record<HealthCheckName, HealthProbe>>;

export const healthCheckResultSchema = z.object({
  status: z.enum(['ok', 'failed']),
  durationMs: z.number().int().nonnegative(),
  error: z.enum(['timeout', 'unreachable']).optional(),
});

export const healthAnswerSchema = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  /** The failing checks' names (unhealthy only). */
  failing: z.array(z.enum(HEALTH_CHECK_NAMES)).optional(),
  checks: z.partialRecord(z.enum(HEALTH_CHECK_NAMES), healthCheckResultSchema),
});
export type HealthAnswer = z.infer<typeof healthAnswerSchema>;
type CheckResult = z.infer<typeof healthCheckResultSchema>;

class HealthTimeoutError extends Error {
  constructor(readonly check: string) {
    super(`${check}: no answer in time`);
    this.name = 'HealthTimeoutError';
  }
}

async function run(name: HealthCheckName, probe: HealthProbe, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthTimeoutError(name)), timeoutMs);
  });
  try {
    // the probe's request is not cancelled on timeout (the SDKs take no signal here); it ends on its own
    await Promise.race([probe(), timeout]);
    return { status: 'ok', durationMs: Math.round(performance.now() - started) };
  } catch (e) {
    return {
      status: 'failed',
      durationMs: Math.round(performance.now() - started),
      error: e instanceof HealthTimeoutError ? 'timeout' : 'unreachable',
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every probe at once; healthy when all succeeded. */
export async function checkHealth(probes: HealthProbes, timeoutMs = HEALTH_CHECK_TIMEOUT_MS): Promise<HealthAnswer> {
  const names = HEALTH_CHECK_NAMES.filter((n) => probes[n] !== undefined);
  const results = await Promise.all(names.map((n) => run(n, probes[n] as HealthProbe, timeoutMs)));
  const checks: HealthAnswer['checks'] = {};
  names.forEach((n, i) => (checks[n] = results[i]));
  const failing = names.filter((_, i) => results[i].status === 'failed');
  return failing.length === 0 ? { status: 'healthy', checks } : { status: 'unhealthy', failing, checks };
}
