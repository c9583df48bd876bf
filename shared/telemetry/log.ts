/**
 * Structured logs: one JSON object per line with the fields an operator filters by — jobId,
 * batchId, eventId (and gridArea, messageId) — plus the active trace id, so a log line leads to
 * its trace and back. Fields set with `withLogFields` apply to every line written inside the
 * callback (an activity, a message handler), so the use cases need not pass ids around to log.
 *
 * Where lines go: sinks (`addLogSink`); with none, JSON lines on stdout (the Functions host
 * forwards a worker's stdout to Application Insights `traces`, where `parse_json(message)` reads
 * the fields). The local host adds a sink that prints readable lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { activeTraceIds } from './tracing';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The correlation fields; any other field is free-form. */
export interface LogFields {
  jobId?: string;
  batchId?: string;
  eventId?: string;
  gridArea?: string;
  messageId?: string;
  [field: string]: string | number | boolean | undefined;
}

export interface LogRecord extends LogFields {
  time: string;
  level: LogLevel;
  message: string;
  traceId?: string;
  spanId?: string;
}

export type LogSink = (record: LogRecord) => void;

const scope = new AsyncLocalStorage<LogFields>();
const sinks = new Set<LogSink>();

/** Runs `fn` with `fields` added to every log line written inside it (nested scopes add to the outer). */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return scope.run({ ...scope.getStore(), ...defined }, fn);
}

/** Adds a sink; returns its removal. While any sink is registered, stdout gets nothing. */
export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => {
    sinks.delete(sink);
  };
}

function write(level: LogLevel, message: string, fields?: LogFields): void {
  const record: LogRecord = {
    time: new Date().toISOString(),
    level,
    message,
    ...scope.getStore(),
    ...Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined)),
    ...activeTraceIds(),
  };
  if (sinks.size === 0) {
    const line = JSON.stringify(record);
    if (level === 'error' || level === 'warn') console.error(line);
    else console.log(line);
    return;
  }
  for (const sink of sinks) {
    try {
      sink(record);
    } catch {
      // a failing sink must not fail the work that logged
    }
  }
}

export const log = {
  debug: (message: string, fields?: LogFields) => write('debug', message, fields),
  info: (message: string, fields?: LogFields) => write('info', message, fields),
  warn: (message: string, fields?: LogFields) => write('warn', message, fields),
  error: (message: string, fields?: LogFields) => write('error', message, fields),
};

/** `[job 1b2c… batch 804-…] message (trace 4bf92f35)`: the local host's readable form of a record. */
export function readableLogLine(r: LogRecord): string {
  const { time: _t, level, message, traceId, spanId: _s, jobId, batchId, eventId, ...rest } = r;
  const ids = [jobId && `job ${jobId}`, batchId && `batch ${batchId}`, eventId && `event ${eventId}`].filter(Boolean);
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`);
  return [
    level === 'info' ? '' : `${level.toUpperCase()} `,
    ids.length > 0 ? `[${ids.join(' ')}] ` : '',
    message,
    extra.length > 0 ? ` ${extra.join(' ')}` : '',
    traceId ? ` (trace ${traceId.slice(0, 8)})` : '',
  ].join('');
}
