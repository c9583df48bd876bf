/**
 * functions/traced-registry.ts with the in-process SDK: where each kind of handler's span takes
 * its parent from (timer: a new trace; activity: the input's carrier; message: its
 * traceparent property), the log fields it sets, and dead-letters counted with their reason.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { SpanKind } from '@opentelemetry/api';
import type { ActivityHandler } from 'durable-functions';
import { traced } from '../../functions/traced-registry';
import type { FunctionRegistry, ServiceBusHandler, TimerHandler } from '../../functions/registry';
import type { ReceivedMessage } from '../../shared/messaging/bus';
import { inProcessTelemetry } from '../../shared/telemetry/in-process-sdk';
import { addLogSink, log, type LogRecord } from '../../shared/telemetry/log';
import { METRICS } from '../../shared/telemetry/metrics';
import { traceCarrier, type TraceCarrier } from '../../shared/telemetry/trace-context';

const telemetry = inProcessTelemetry();

function capture() {
  const got: { timer?: TimerHandler; activity?: ActivityHandler; bus?: ServiceBusHandler } = {};
  const host: FunctionRegistry = {
    http: () => {},
    timer: (_n, o) => (got.timer = o.handler),
    serviceBus: (_n, o) => (got.bus = o.handler),
    orchestration: () => {},
    activity: (_n, h) => (got.activity = h),
  };
  return { registry: traced(host), got };
}

const TIMER: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

describe('traced registry', () => {
  const lines: LogRecord[] = [];
  const remove = addLogSink((r) => lines.push(r));
  afterAll(() => remove());
  beforeEach(() => {
    lines.length = 0;
    telemetry.clearSpans();
  });

  it('a timer tick starts a trace; what it starts carries that trace (the orchestration input carrier)', async () => {
    const { registry, got } = capture();
    let carrier: TraceCarrier | undefined;
    registry.timer('ScheduledSettlement-daily', {
      schedule: '0 0 3 * * *',
      handler: () => {
        carrier = traceCarrier();
        return Promise.resolve();
      },
    });
    await got.timer!(TIMER, new InvocationContext({ functionName: 'ScheduledSettlement-daily' }));
    const [span] = telemetry.spans();
    expect(span.name).toBe('timer ScheduledSettlement-daily');
    expect(span.parentSpanContext).toBeUndefined();
    expect(carrier?.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it("an activity's span is a child of its input's carrier, with jobId/batchId attributes and log fields", async () => {
    const { registry, got } = capture();
    registry.activity('CalculateSettlementBatch', () => {
      log.info('inside');
      return Promise.resolve({ ok: true });
    });
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const out: unknown = await got.activity!(
      { jobId: 'job-1', batch: { id: '804-20240131T23', gridArea: '804' }, trace: { traceparent: parent } },
      new InvocationContext({ functionName: 'CalculateSettlementBatch' }),
    );
    expect(out).toEqual({ ok: true });
    const [span] = telemetry.spans();
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.attributes).toMatchObject({ jobId: 'job-1', batchId: '804-20240131T23', gridArea: '804' });
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'inside',
        jobId: 'job-1',
        batchId: '804-20240131T23',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      }),
    ]);
  });

  it("a message continues its producer's trace; a dead-letter is counted with its reason", async () => {
    const { registry, got } = capture();
    registry.serviceBus('IntegrationEventsSubscriber', {
      source: { topic: 'integration-events', subscription: 'settlement-basis-data' },
      handler: (m) => m.deadLetter('InvalidIntegrationEvent', 'MessageType: unknown'),
    });
    let deadLettered: string | undefined;
    const message: ReceivedMessage = {
      messageId: 'm-1',
      body: new Uint8Array(),
      applicationProperties: {
        EventId: 'ev-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      deliveryCount: 1,
      complete: () => Promise.resolve(),
      abandon: () => Promise.resolve(),
      deadLetter: (reason) => {
        deadLettered = reason;
        return Promise.resolve();
      },
    };
    const before = (await telemetry.metric(METRICS.deadLetters)).reduce((n, p) => n + p.value, 0);
    await got.bus!(message, new InvocationContext({ functionName: 'IntegrationEventsSubscriber' }));
    expect(deadLettered).toBe('InvalidIntegrationEvent');
    const [span] = telemetry.spans();
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.attributes).toMatchObject({ eventId: 'ev-1', 'messaging.message.id': 'm-1' });
    const points = await telemetry.metric(METRICS.deadLetters);
    expect(points.reduce((n, p) => n + p.value, 0)).toBe(before + 1);
    expect(points.find((p) => p.attributes.reason === 'InvalidIntegrationEvent')?.attributes.function).toBe(
      'IntegrationEventsSubscriber',
    );
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ eventId: 'ev-1', reason: 'InvalidIntegrationEvent' });
  });
});
