/**
 * Telemetry around every registration, the same under both hosts: each HTTP request, timer tick,
 * Service Bus message and activity runs in a span, with log fields (jobId, batchId, eventId, …)
 * for every line written inside it. Where a span's parent comes from:
 * - HTTP and timers: the invocation's trace context (Azure: the host's request/timer activity)
 *   or, locally, the request's `traceparent` header; else a new trace.
 * - Service Bus: the message's `traceparent`/`tracestate` application properties, written by
 *   the sender (shared/messaging adapters), so consumers continue the producer's trace.
 * - Activities: the `trace` carrier in the activity input, which the orchestration passes on from
 *   its own input (typed-activities.ts) — the orchestrator itself never starts a span, since it
 *   is replayed and must not do I/O or read the clock.
 * Orchestrations are registered unchanged.
 */
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { ROOT_CONTEXT, type Attributes } from '@opentelemetry/api';
import type { ReceivedMessage } from '../shared/messaging/bus';
import { carrierOfInput, contextFrom } from '../shared/telemetry/trace-context';
import { inSpan, SpanKind } from '../shared/telemetry/tracing';
import { log, withLogFields, type LogFields } from '../shared/telemetry/log';
import { measure } from '../shared/telemetry/metrics';
import type { FunctionRegistry } from './registry';

/** The host's trace context of an invocation (Azure sets it on every invocation; the local host does not). */
function invocationParent(context: InvocationContext, fallback?: Record<string, unknown>) {
  const tc = context.traceContext;
  if (tc?.traceParent) return contextFrom({ traceparent: tc.traceParent, tracestate: tc.traceState ?? undefined });
  return contextFrom(fallback);
}

/** The correlation ids an activity or orchestration input names (jobId, batch id and grid area). */
export function inputFields(input: unknown): LogFields {
  if (typeof input !== 'object' || input === null) return {};
  const o = input as Record<string, unknown>;
  const fields: LogFields = {};
  if (typeof o.jobId === 'string') fields.jobId = o.jobId;
  const batch = o.batch;
  if (typeof batch === 'object' && batch !== null) {
    const b = batch as Record<string, unknown>;
    if (typeof b.id === 'string') fields.batchId = b.id;
    if (typeof b.gridArea === 'string') fields.gridArea = b.gridArea;
  }
  if (typeof o.gridArea === 'string') fields.gridArea = o.gridArea;
  return fields;
}

function attributesOf(fields: LogFields): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** The message with its dead-lettering counted (metric with the reason) and logged; settles the original. */
function countingDeadLetters(message: ReceivedMessage, functionName: string): ReceivedMessage {
  return {
    messageId: message.messageId,
    body: message.body,
    contentType: message.contentType,
    subject: message.subject,
    applicationProperties: message.applicationProperties,
    deliveryCount: message.deliveryCount,
    complete: () => message.complete(),
    abandon: () => message.abandon(),
    async deadLetter(reason, description) {
      await message.deadLetter(reason, description);
      measure.deadLettered(reason, functionName);
      log.warn(`${functionName}: message dead-lettered: ${reason}${description ? `: ${description}` : ''}`, {
        reason,
      });
    },
  };
}

export function traced(registry: FunctionRegistry): FunctionRegistry {
  return {
    http(name, opts) {
      const handler = opts.handler;
      registry.http(name, {
        ...opts,
        handler: (request: HttpRequest, context: InvocationContext) =>
          inSpan(
            `${request.method} /api/${opts.route}`,
            {
              kind: SpanKind.SERVER,
              parent: invocationParent(context, {
                traceparent: request.headers.get('traceparent') ?? undefined,
                tracestate: request.headers.get('tracestate') ?? undefined,
              }),
              attributes: {
                'faas.name': name,
                'http.request.method': request.method,
                'http.route': `/api/${opts.route}`,
              },
            },
            async (span) => {
              const response = await handler(request, context);
              span.setAttribute('http.response.status_code', response.status ?? 200);
              return response;
            },
          ),
      });
    },
    timer(name, opts) {
      const handler = opts.handler;
      registry.timer(name, {
        ...opts,
        handler: (timer, context) =>
          inSpan(
            `timer ${name}`,
            { parent: invocationParent(context), attributes: { 'faas.name': name, 'faas.trigger': 'timer' } },
            () => handler(timer, context),
          ),
      });
    },
    serviceBus(name, opts) {
      const handler = opts.handler;
      const destination =
        'queue' in opts.source ? opts.source.queue : `${opts.source.topic}/${opts.source.subscription}`;
      registry.serviceBus(name, {
        ...opts,
        handler: (message, context) => {
          const eventId = message.applicationProperties?.EventId;
          const fields: LogFields = {
            messageId: message.messageId,
            ...(typeof eventId === 'string' ? { eventId } : {}),
          };
          return withLogFields(fields, () =>
            inSpan(
              `${name} process`,
              {
                kind: SpanKind.CONSUMER,
                // the producer's context (from the message) wins over the host's trigger activity
                parent: contextFrom(message.applicationProperties, invocationParent(context)),
                attributes: {
                  'faas.name': name,
                  'messaging.system': 'servicebus',
                  'messaging.destination.name': destination,
                  'messaging.message.id': message.messageId,
                  ...attributesOf(fields),
                },
              },
              () => handler(countingDeadLetters(message, name), context),
            ),
          );
        },
      });
    },
    orchestration: registry.orchestration.bind(registry),
    activity(name, handler) {
      registry.activity(name, (input: unknown, context: InvocationContext) => {
        const fields = inputFields(input);
        return withLogFields(fields, () =>
          inSpan(
            name,
            {
              parent: contextFrom(carrierOfInput(input), ROOT_CONTEXT),
              attributes: { 'faas.name': name, ...attributesOf(fields) },
            },
            // an activity's result is whatever the runtime serializes; awaited so the span covers it
            async () => (await handler(input, context)) as unknown,
          ),
        );
      });
    },
  };
}
