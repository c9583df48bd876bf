/** GET /api/health's handler with probes that succeed, fail and hang. */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { healthHandler } from '../../functions/http/health';
import type { HealthAnswer, HealthProbes } from '../../shared/health/health';

const ok = () => Promise.resolve();
const call = async (probes: HealthProbes, timeoutMs = 200) => {
  const res = await healthHandler(() => probes, timeoutMs)(
    new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }),
    new InvocationContext({ functionName: 'Health' }),
  );
  return { status: res.status, body: res.jsonBody as HealthAnswer, headers: res.headers as Record<string, string> };
};

describe('health handler', () => {
  it('200 healthy when every probe answers', async () => {
    const r = await call({ storageBlob: ok, storageTable: ok, jobStore: ok, serviceBus: ok });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('healthy');
    expect(r.body.failing).toBeUndefined();
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('503 naming the failing check, without its error text', async () => {
    const r = await call({
      storageBlob: () =>
        Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:443 (stsecret.blob.core.windows.net)')),
      storageTable: ok,
      jobStore: ok,
      serviceBus: ok,
    });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({
      status: 'unhealthy',
      failing: ['storageBlob'],
      checks: { storageBlob: { status: 'failed', error: 'unreachable' }, jobStore: { status: 'ok' } },
    });
    expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|stsecret/);
  });

  it('a hanging dependency fails its check at the timeout; the others still report', async () => {
    const started = Date.now();
    const r = await call({ storageBlob: ok, serviceBus: () => new Promise<void>(() => {}) }, 150);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(r.status).toBe(503);
    expect(r.body.failing).toEqual(['serviceBus']);
    expect(r.body.checks.serviceBus).toMatchObject({ status: 'failed', error: 'timeout' });
    expect(r.body.checks.storageBlob?.status).toBe('ok');
  });
});
