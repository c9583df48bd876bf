/**
 * The app's metrics (OpenTelemetry meter). Instruments are created from the global meter
 * provider at first use and again when the provider changes: the OTel API has no proxy meter,
 * so an instrument made before the host registered its SDK would stay a no-op forever.
 * Names (also in README "Observability" and infra/kusto/operator-dashboards.kql):
 */
import { metrics, type Counter, type Histogram, type MeterProvider, type UpDownCounter } from '@opentelemetry/api';
import { INSTRUMENTATION_NAME } from './tracing';

export const METRICS = {
  /** Seconds one settlement batch took (calculate + write), by calculationType. */
  batchDuration: 'settlement.batch.duration',
  /** Time series points per second of one batch, by calculationType. */
  batchPointsPerSecond: 'settlement.batch.points_per_second',
  /** Time series points read by batches (its rate is the job's points/s). */
  batchPoints: 'settlement.batch.points',
  /** Settlement batch activities running now (this process). */
  batchesInFlight: 'settlement.batches.in_flight',
  /** Seconds from a job's request to its commit, by calculationType. */
  jobDuration: 'settlement.job.duration',
  /** Integration events appended to the event store (outcome stored | duplicate), by messageType. */
  eventsStored: 'settlement.integration_events.stored',
  /** Messages a handler dead-lettered, by reason and function. */
  deadLetters: 'settlement.messages.dead_lettered',
  /** Market documents sent (kind rsm014 | esett). */
  documentsSent: 'settlement.documents.sent',
  /** Time series rows ingested (POST /api/time-series). */
  ingestionRows: 'settlement.ingestion.rows',
  /** Rows per second of one ingestion request. */
  ingestionRowsPerSecond: 'settlement.ingestion.rows_per_second',
} as const;

interface Instruments {
  batchDuration: Histogram;
  batchPointsPerSecond: Histogram;
  batchPoints: Counter;
  batchesInFlight: UpDownCounter;
  jobDuration: Histogram;
  eventsStored: Counter;
  deadLetters: Counter;
  documentsSent: Counter;
  ingestionRows: Counter;
  ingestionRowsPerSecond: Histogram;
}

let cached: { provider: MeterProvider; instruments: Instruments } | null = null;

function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const m = provider.getMeter(INSTRUMENTATION_NAME);
  const made: Instruments = {
    batchDuration: m.createHistogram(METRICS.batchDuration, { unit: 's', description: 'seconds per settlement batch' }),
    batchPointsPerSecond: m.createHistogram(METRICS.batchPointsPerSecond, {
      unit: '{point}/s',
      description: 'time series points per second of a settlement batch',
    }),
    batchPoints: m.createCounter(METRICS.batchPoints, { unit: '{point}', description: 'points read by batches' }),
    batchesInFlight: m.createUpDownCounter(METRICS.batchesInFlight, {
      unit: '{batch}',
      description: 'settlement batches running',
    }),
    jobDuration: m.createHistogram(METRICS.jobDuration, { unit: 's', description: 'seconds from request to commit' }),
    eventsStored: m.createCounter(METRICS.eventsStored, { unit: '{event}', description: 'integration events stored' }),
    deadLetters: m.createCounter(METRICS.deadLetters, { unit: '{message}', description: 'messages dead-lettered' }),
    documentsSent: m.createCounter(METRICS.documentsSent, { unit: '{document}', description: 'documents sent' }),
    ingestionRows: m.createCounter(METRICS.ingestionRows, { unit: '{row}', description: 'time series rows ingested' }),
    ingestionRowsPerSecond: m.createHistogram(METRICS.ingestionRowsPerSecond, {
      unit: '{row}/s',
      description: 'rows per second of an ingestion request',
    }),
  };
  cached = { provider, instruments: made };
  return made;
}

/** Seconds since `startMs` (performance.now()), at least a microsecond so rates stay finite. */
function secondsSince(startMs: number): number {
  return Math.max(1e-6, (performance.now() - startMs) / 1000);
}

export const measure = {
  /** Counts a batch as running until the returned function is called (once). */
  batchStarted(): () => void {
    const i = instruments();
    i.batchesInFlight.add(1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      i.batchesInFlight.add(-1);
    };
  },
  batchDone(startMs: number, points: number, calculationType: string): void {
    const i = instruments();
    const seconds = secondsSince(startMs);
    const attributes = { calculationType };
    i.batchDuration.record(seconds, attributes);
    i.batchPoints.add(points, attributes);
    i.batchPointsPerSecond.record(points / seconds, attributes);
  },
  jobCommitted(seconds: number, calculationType: string): void {
    instruments().jobDuration.record(Math.max(0, seconds), { calculationType });
  },
  eventStored(messageType: string, outcome: 'stored' | 'duplicate'): void {
    instruments().eventsStored.add(1, { messageType, outcome });
  },
  deadLettered(reason: string, functionName: string): void {
    instruments().deadLetters.add(1, { reason, function: functionName });
  },
  documentsSent(kind: 'rsm014' | 'esett', count: number): void {
    if (count > 0) instruments().documentsSent.add(count, { kind });
  },
  ingested(startMs: number, rows: number): void {
    const i = instruments();
    i.ingestionRows.add(rows);
    i.ingestionRowsPerSecond.record(rows / secondsSince(startMs));
  },
};
