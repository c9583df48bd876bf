/**
 * A bus send inside a trace: a PRODUCER span, and the message carries that span's context as
 * W3C `traceparent`/`tracestate` application properties, so the consumer continues the trace
 * (functions/traced-registry.ts). Both bus adapters send through this. Outside any trace (no
 * active span) the message is sent as given: no orphan spans, no properties added.
 */
import { context, trace } from '@opentelemetry/api';
import type { BusMessage, Destination } from '../messaging/bus';
import { withTraceProperties } from './trace-context';
import { inSpan, SpanKind } from './tracing';

export function sendTraced(
  to: Destination,
  message: BusMessage,
  send: (message: BusMessage) => Promise<void>,
): Promise<void> {
  if (!trace.getSpanContext(context.active())) return send(message);
  const entity = 'queue' in to ? to.queue : to.topic;
  return inSpan(
    `send ${entity}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'servicebus',
        'messaging.destination.name': entity,
        'messaging.message.id': message.messageId,
      },
    },
    () => send({ ...message, applicationProperties: withTraceProperties(message.applicationProperties) }),
  );
}
