/**
 * The OpenTelemetry SDK for the local host and tests: no exporter endpoint, spans kept in memory
 * (the most recent MAX_SPANS, so a long-running host does not grow without bound) and metrics
 * collected on demand. Registering it installs the AsyncLocalStorage context manager and the W3C
 * propagator, so active spans follow async work as they do under Azure Monitor's SDK.
 *
 * The OTel API accepts one global provider per process; `inProcessTelemetry()` registers once and
 * hands back the same instance to every later caller (several hosts in one test file share it).
 */
import { metrics, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { MeterProvider, MetricReader, DataPointType } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export const MAX_SPANS = 20_000;

/** Keeps the most recent finished spans. */
class RecentSpans implements SpanExporter {
  private kept: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.kept.push(...spans);
    if (this.kept.length > MAX_SPANS) this.kept.splice(0, this.kept.length - MAX_SPANS);
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  all(): ReadableSpan[] {
    return [...this.kept];
  }
  clear(): void {
    this.kept = [];
  }
}

/** A pull reader: metrics are read when someone asks (a test, an operator's dump), not pushed anywhere. */
class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One data point of a metric: a counter's or up-down counter's sum, or a histogram's count and sum. */
export interface MetricPoint {
  attributes: Attributes;
  value: number;
  /** Histograms: how many values were recorded (value is their sum). */
  count?: number;
}

export interface InProcessTelemetry {
  /** Finished spans, oldest first (the most recent MAX_SPANS). */
  spans(): ReadableSpan[];
  /** The current points of metric `name` (cumulative since start). */
  metric(name: string): Promise<MetricPoint[]>;
  clearSpans(): void;
}

let instance: InProcessTelemetry | null = null;

export function inProcessTelemetry(): InProcessTelemetry {
  if (instance) return instance;
  const spans = new RecentSpans();
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  tracerProvider.register();
  const reader = new OnDemandReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  instance = {
    spans: () => spans.all(),
    clearSpans: () => spans.clear(),
    async metric(name) {
      const { resourceMetrics } = await reader.collect();
      const out: MetricPoint[] = [];
      for (const scope of resourceMetrics.scopeMetrics)
        for (const m of scope.metrics) {
          if (m.descriptor.name !== name) continue;
          if (m.dataPointType === DataPointType.HISTOGRAM)
            for (const p of m.dataPoints)
              out.push({ attributes: p.attributes, value: p.value.sum ?? 0, count: p.value.count });
          else if (m.dataPointType === DataPointType.SUM || m.dataPointType === DataPointType.GAUGE)
            for (const p of m.dataPoints) out.push({ attributes: p.attributes, value: p.value });
        }
      return out;
    },
  };
  return instance;
}
