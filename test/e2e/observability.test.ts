/**
 * Observability through the local host (issue 17): one trace per job from the KickStartJob
 * request through the orchestration's activities (one span per batch) and the Service Bus send
 * to its consumers; structured log lines carrying the job id and trace id; a poison integration
 * event raising the dead-letter metric with its reason; GET /api/health.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { NAMES } from '../../shared/config/names';
import { INVALID_INTEGRATION_EVENT_REASON } from '../../shared/integration-events/subscriber';
import { addLogSink, type LogRecord } from '../../shared/telemetry/log';
import { METRICS } from '../../shared/telemetry/metrics';
import { adminFetch } from '../support/tokens';
import { HEALTH_CHECK_TIMEOUT_MS, type HealthAnswer } from '../../shared/health/health';

interface JobView {
  id: string;
  status: string;
  progress: { doneBatches: number; totalBatches: number };
}

async function waitFor<T>(probe: () => Promise<T | null> | T | null, what: string, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const D = NAMES.durable;

describe('observability on the local host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'obs-'));
  const data = generateSynthetic({
    seed: 17,
    meteringPoints: 120,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 2,
    periodStart: '2024-01-31T23:00:00Z',
  });
  let host: LocalHost;
  const lines: LogRecord[] = [];
  let removeSink: () => void = () => {};

  beforeAll(async () => {
    const lake = join(dir, 'lake');
    await writeSyntheticLake(lake, data);
    host = await startLocalHost({ port: 0, dataDir: join(dir, 'host'), timers: false, log: () => {} });
    removeSink = addLogSink((r) => lines.push(r));
    await uploadLake(lake, host.basisData);
  }, 60_000);
  afterAll(async () => {
    removeSink();
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job is one trace: request, every batch activity, the completion send and its consumers', async () => {
    const res = await adminFetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: new Date(data.args.periodStart).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        gridAreas: data.args.gridAreas,
      }),
    });
    expect(res.status).toBe(202);
    const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };
    const job = await waitFor(async () => {
      const j = (await (await adminFetch(statusUrl)).json()) as JobView;
      return j.status === 'Completed' || j.status === 'Failed' ? j : null;
    }, 'the job');
    expect(job.status).toBe('Completed');

    const request = host.telemetry
      .spans()
      .find((s) => s.name === 'POST /api/KickStartJob' && s.kind === SpanKind.SERVER);
    expect(request).toBeDefined();
    const traceId = request!.spanContext().traceId;
    const inTrace = (name: string, kind?: SpanKind): ReadableSpan[] =>
      host.telemetry
        .spans()
        .filter(
          (s) => s.spanContext().traceId === traceId && s.name === name && (kind === undefined || s.kind === kind),
        );

    // the consumers run after the job completed: wait for both senders' spans
    await waitFor(
      () => (inTrace('ResultSender process').length > 0 && inTrace('EsettSender process').length > 0 ? true : null),
      'the consumer spans',
    );

    const batches = inTrace(D.calculateBatchActivity);
    expect(batches).toHaveLength(job.progress.totalBatches);
    expect(batches.every((s) => s.attributes.jobId === jobId)).toBe(true);
    expect(new Set(batches.map((s) => s.attributes.batchId)).size).toBe(job.progress.totalBatches);
    // the activities' parent is the request span: the orchestration carried its context
    for (const s of [...batches, ...inTrace(D.planActivity), ...inTrace(D.commitActivity)])
      expect(s.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(inTrace(D.planActivity)).toHaveLength(1);
    expect(inTrace(D.commitActivity)).toHaveLength(1);
    const publish = inTrace(D.publishActivity);
    expect(publish).toHaveLength(1);

    // publish → send (producer, child of the publish activity) → consumers (children of the send)
    const send = inTrace(`send ${NAMES.serviceBus.domainEventsTopic}`, SpanKind.PRODUCER);
    expect(send).toHaveLength(1);
    expect(send[0].parentSpanContext?.spanId).toBe(publish[0].spanContext().spanId);
    for (const consumer of [...inTrace('ResultSender process'), ...inTrace('EsettSender process')]) {
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(consumer.parentSpanContext?.spanId).toBe(send[0].spanContext().spanId);
    }

    // structured log lines of the job carry its id and the trace id
    const jobLines = lines.filter((l) => l.jobId === jobId);
    expect(jobLines.length).toBeGreaterThan(0);
    expect(jobLines.every((l) => l.traceId === traceId)).toBe(true);
    expect(jobLines.some((l) => l.batchId !== undefined)).toBe(true);

    // batch metrics: one duration per batch, and none left in flight
    const durations = await host.telemetry.metric(METRICS.batchDuration);
    expect(durations.reduce((n, p) => n + (p.count ?? 0), 0)).toBeGreaterThanOrEqual(job.progress.totalBatches);
    const inFlight = await host.telemetry.metric(METRICS.batchesInFlight);
    expect(inFlight.reduce((n, p) => n + p.value, 0)).toBe(0);
  }, 150_000);

  it('a poison integration event raises the dead-letter metric with its reason', async () => {
    const deadLettered = async () =>
      (await host.telemetry.metric(METRICS.deadLetters))
        .filter((p) => p.attributes.reason === INVALID_INTEGRATION_EVENT_REASON)
        .reduce((n, p) => n + p.value, 0);
    const before = await deadLettered();
    await host.bus.send(
      { topic: NAMES.serviceBus.integrationEventsTopic },
      {
        messageId: 'poison-1',
        body: new Uint8Array([1, 2, 3]),
        applicationProperties: { MessageType: 'NoSuchEvent', EventId: 'poison-1' },
      },
    );
    await waitFor(async () => {
      const d = await host.bus.receiveDeadLettered(
        { topic: NAMES.serviceBus.integrationEventsTopic, subscription: NAMES.serviceBus.basisDataSubscription },
        1,
        200,
      );
      return d.length > 0 ? d : null;
    }, 'the dead letter');
    expect(await deadLettered()).toBe(before + 1);
    const points = (await host.telemetry.metric(METRICS.deadLetters)).filter(
      (p) => p.attributes.reason === INVALID_INTEGRATION_EVENT_REASON,
    );
    expect(points[0].attributes.function).toBe('IntegrationEventsSubscriber');
    // the line saying so names the event
    expect(lines.some((l) => l.eventId === 'poison-1' && l.level === 'warn')).toBe(true);
  }, 60_000);

  it('GET /api/health answers 200 while storage, job store and bus answer, 503 naming the storage checks while Azurite does not answer', async () => {
    // anonymous: no token
    const healthy = await fetch(`${host.url}/api/health`);
    expect(healthy.status).toBe(200);
    const body = (await healthy.json()) as HealthAnswer;
    expect(body.status).toBe('healthy');
    expect(Object.keys(body.checks).sort()).toEqual(['jobStore', 'serviceBus', 'storageBlob', 'storageTable']);
    expect(Object.values(body.checks).every((c) => c.status === 'ok')).toBe(true);

    // the host's own Azurite stops answering (frozen, so it can be resumed for a clean stop):
    // every storage-backed check fails, the bus still answers
    process.kill(host.azurite!.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const down = await fetch(`${host.url}/api/health`);
      expect(down.status).toBe(503);
      const answer = (await down.json()) as HealthAnswer;
      expect(answer.status).toBe('unhealthy');
      expect(answer.failing).toEqual(expect.arrayContaining(['storageBlob', 'storageTable', 'jobStore']));
      expect(answer.checks.serviceBus?.status).toBe('ok');
      // each check has its own timeout: the answer does not wait for the SDKs' retries
      expect(Date.now() - started).toBeLessThan(HEALTH_CHECK_TIMEOUT_MS + 2_000);
      // no error text, only the kind of failure
      expect(JSON.stringify(answer)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|devstoreaccount/);
    } finally {
      process.kill(host.azurite!.pid, 'SIGCONT');
    }
    // and healthy again once it answers
    await waitFor(
      async () => ((await fetch(`${host.url}/api/health`)).status === 200 ? true : null),
      'healthy again',
      30_000,
    );
  }, 60_000);
});
