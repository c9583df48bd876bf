import { checkHealth, type HealthProbes } from '../../shared/health/health';
import { log } from '../../shared/telemetry/log';
import type { HttpHandler } from '../registry';
import { json } from './responses';

/**
 * GET /api/health — anonymous (no token, no function key): load balancers and Azure's health
 * check call it without credentials, and it answers only which checks passed. 200 healthy, 503
 * naming the failing checks; never cached.
 */
export function healthHandler(probes: () => HealthProbes, timeoutMs?: number): HttpHandler {
  return async () => {
    const answer = await checkHealth(probes(), timeoutMs);
    if (answer.status !== 'healthy') log.warn(`health: failing ${(answer.failing ?? []).join(', ')}`);
    return json(answer.status === 'healthy' ? 200 : 503, answer, { 'cache-control': 'no-store' });
  };
}
