/**
 * W3C trace context (`traceparent` / `tracestate`) as plain data, so a trace can cross the
 * boundaries that carry only JSON or message properties: durable orchestration and activity
 * inputs (replayed from history, so the orchestrator never creates a span itself) and Service
 * Bus application properties. The propagator is used directly instead of the global one, so
 * the carrier is written the same way whether or not an SDK registered a propagator.
 */
import { context, ROOT_CONTEXT, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The W3C trace context of a span, as it travels in JSON inputs and message properties. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const propagator = new W3CTraceContextPropagator();

type Scalar = string | number | boolean;

const setter: TextMapSetter<Record<string, Scalar>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const v = carrier[key];
    return typeof v === 'string' ? v : undefined;
  },
};

/** The carrier of `ctx` (default: the active context); undefined when no sampled or valid span is in it. */
export function traceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  const out: Record<string, Scalar> = {};
  propagator.inject(ctx, out, setter);
  if (typeof out.traceparent !== 'string') return undefined;
  return typeof out.tracestate === 'string'
    ? { traceparent: out.traceparent, tracestate: out.tracestate }
    : { traceparent: out.traceparent };
}

/** A context whose remote parent is the one `carrier` names; `base` unchanged when it names none (or is malformed). */
export function contextFrom(carrier: object | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!carrier) return base;
  const ctx = propagator.extract(base, carrier, getter);
  return trace.getSpanContext(ctx) ? ctx : base;
}

/** `properties` plus the active context's traceparent/tracestate (replacing any they had). */
export function withTraceProperties(
  properties: Record<string, Scalar> | undefined,
  ctx: Context = context.active(),
): Record<string, Scalar> {
  const out: Record<string, Scalar> = { ...(properties ?? {}) };
  delete out.traceparent;
  delete out.tracestate;
  propagator.inject(ctx, out, setter);
  return out;
}

/** The trace carrier inside a JSON input (`{ trace: {traceparent, …} }`), if it has one. */
export function carrierOfInput(input: unknown): TraceCarrier | undefined {
  if (typeof input !== 'object' || input === null || !('trace' in input)) return undefined;
  const t = input.trace;
  if (typeof t !== 'object' || t === null) return undefined;
  const { traceparent, tracestate } = t as Record<string, unknown>;
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}
