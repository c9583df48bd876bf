/**
 * Spans through the OpenTelemetry API only: whichever SDK the host registered (Azure Monitor in
 * Azure, the in-memory one on the local host and in tests, none at all in unit tests) receives
 * them. Attribute names are the log field names (jobId, batchId, eventId, gridArea), so a job is
 * found by the same key in traces and in logs.
 */
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

export const INSTRUMENTATION_NAME = 'settlement-platform';

export { SpanKind };

/** The app's tracer (resolved per call: the global provider may be registered after this module loads). */
export function tracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_NAME);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context (default: the active one), e.g. from a message's or an input's trace carrier. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span, ended when `fn` settles; a thrown error is recorded on the
 * span (status ERROR) and rethrown.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        span.recordException(e instanceof Error ? e : String(e));
        span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

/** The active span's trace id and span id, when there is a valid span. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId };
}
