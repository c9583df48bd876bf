/**
 * Progress of a long calculation for a person watching (the CLI prints it to stderr): phases
 * always, and while the time series are read at most one line per interval — a lake month
 * otherwise reads for many seconds in silence, and a line per batch would drown the terminal.
 */
import { localParts } from '../domain/local-time';
import { DAY_MS } from '../domain/time';
import type { BasisDataSource, TimeSeriesBatch } from './types';

export interface ProgressReporter {
  /** A phase begins or ends: always reported. */
  phase(message: string): void;
  /** A step inside a phase: reported when `intervalMs` passed since the last line. */
  tick(message: () => string): void;
}

export function progressReporter(
  write: (line: string) => void,
  opts: { intervalMs?: number; now?: () => number } = {},
): ProgressReporter {
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 1000;
  const t0 = now();
  let last = t0;
  const line = (m: string) => {
    last = now();
    write(`progress ${((last - t0) / 1000).toFixed(1)} s: ${m}`);
  };
  return {
    phase: line,
    tick(message) {
      if (now() - last >= interval) line(message()); // the message is built only when printed
    },
  };
}

/** A reporter that prints nothing (--quiet). */
export const silentProgress: ProgressReporter = { phase: () => {}, tick: () => {} };

const localDate = (ms: number) => {
  const p = localParts(ms);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
};

const millions = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : String(n));

/**
 * The source, reporting what it reads: master data and charges as phases, time series points
 * (count, files, the local day being read of the period's days) as throttled ticks.
 */
export function withProgress(source: BasisDataSource, progress: ProgressReporter): BasisDataSource {
  const timed = async <T>(what: string, read: () => Promise<T>, size: (t: T) => string): Promise<T> => {
    progress.phase(`reading ${what}`);
    const t = await read();
    progress.phase(`${what}: ${size(t)}`);
    return t;
  };
  return {
    description: source.description,
    byRegistrationTime: source.byRegistrationTime,
    readMeteringPointPeriods: () =>
      timed(
        'metering point periods',
        () => source.readMeteringPointPeriods(),
        (p) => `${p.length} periods`,
      ),
    readGridLossMeteringPointIds: () => source.readGridLossMeteringPointIds(),
    readCharges: () =>
      timed(
        'charges',
        () => source.readCharges(),
        () => 'read',
      ),
    async forEachTimeSeriesBatch(dictionary, range, onBatch) {
      const days = Math.max(1, Math.round((range.to - range.from) / DAY_MS));
      let points = 0;
      const files = new Set<string>();
      progress.phase(`reading time series of ${days} day(s)`);
      await source.forEachTimeSeriesBatch(dictionary, range, (batch: TimeSeriesBatch) => {
        onBatch(batch);
        points += batch.length;
        files.add(batch.file);
        const t = batch.length > 0 ? batch.time[0] : range.from;
        progress.tick(() => {
          const day = Math.min(days, Math.max(1, Math.floor((t - range.from) / DAY_MS) + 1));
          return `time series: ${millions(points)} points from ${files.size} file(s), day ${day}/${days} (${localDate(t)})`;
        });
      });
      progress.phase(`time series: ${millions(points)} points from ${files.size} file(s)`);
    },
  };
}
