/**
 * One ingestion run of a source for one ingestion day (issue 15): download → raw partition →
 * curated partitions by the source's partition-date rule. Its state is a small JSON blob
 * (`_system/runs/{source}/day=….json`, zones.ts) written at every step, which makes a run
 *
 * - idempotent: a succeeded run is not repeated (unless forced, e.g. a corrected file);
 * - resumable: a run found `running` (its process died) reuses the raw version it had stored
 *   instead of downloading again, and finishes the curated partitions;
 * - retried: retryable failures (source down, 5xx, cut-off transfer) are tried `retry.attempts`
 *   times with doubling back-off, then the run is `failed` with the error (GET /api/lake/runs);
 * - never half-written: every partition is switched atomically (partition-store.ts), and the
 *   curated partitions of one run are keyed by its ingestion day, so a re-run replaces exactly
 *   what the earlier run of that day wrote (partitions it no longer produces are withdrawn).
 *
 * Two runs of the same (source, day) at the same moment are not excluded here: the timer fires
 * once per schedule and manual re-runs are admin actions; both would write identical versions.
 */
import { SourceFetchError, SourceFormatError } from './errors';
import type { PartitionStore } from './partition-store';
import { POINTER_FILE } from './partition-store';
import { columnsToParquet, parseDelivery, type Columns } from './records';
import type { SourceDefinition } from './source-registry';
import { sourceUrl } from './source-registry';
import { redactUrl, type SourceFetcher } from './source-fetch';
import { addDays, curatedPath, dayOf, rawPath, runStatePath } from './zones';
import { parseInstant } from '../domain/time';

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface RunState {
  source: string;
  day: string;
  status: RunStatus;
  /** Attempts over the run's whole life (all invocations). */
  attempts: number;
  url: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** Raw version stored by this run (set once the delivery is in the raw zone). */
  rawVersion: string | null;
  rawFile: string | null;
  curated: Array<{ path: string; version: string; rows: number }>;
}

export interface IngestionDeps {
  partitions: PartitionStore;
  fetch: SourceFetcher;
  clock: () => Date;
  /** Waits between attempts (tests pass a recorder). */
  sleep: (ms: number) => Promise<void>;
}

/** Curated sub-partition key holding the ingestion day a curated file came from. */
export const INGEST_DAY_KEY = 'ingest_day';

export async function readRunState(deps: Pick<IngestionDeps, 'partitions'>, source: string, day: string) {
  const bytes = await deps.partitions.blobs.get(runStatePath(source, day));
  return bytes ? (JSON.parse(bytes.toString('utf8')) as RunState) : null;
}

export async function listRunStates(deps: Pick<IngestionDeps, 'partitions'>, source: string): Promise<RunState[]> {
  const prefix = runStatePath(source, '2000-01-01').replace(/day=.*$/, '');
  const out: RunState[] = [];
  for (const path of await deps.partitions.blobs.list(prefix)) {
    const bytes = await deps.partitions.blobs.get(path);
    if (bytes) out.push(JSON.parse(bytes.toString('utf8')) as RunState);
  }
  return out.sort((a, b) => (a.day < b.day ? 1 : -1));
}

async function save(deps: IngestionDeps, state: RunState): Promise<void> {
  state.updatedAt = deps.clock().toISOString();
  await deps.partitions.blobs.put(
    runStatePath(state.source, state.day),
    JSON.stringify(state, null, 1),
    'application/json',
  );
}

/** Rows per curated date by the source's partition-date rule. */
export function partitionRows(
  source: SourceDefinition,
  day: string,
  cols: Columns,
  url: string,
): Map<string, number[] | null> {
  const rule = source.partitionDate;
  if (rule.rule === 'ingestion') return new Map([[day, null]]);
  if (rule.rule === 'lag') return new Map([[addDays(day, -rule.days), null]]);
  const c = cols.names.indexOf(rule.field);
  if (c < 0) throw new SourceFormatError(url, rule.field, 'the partition timestamp field is missing');
  const byDate = new Map<string, number[]>();
  const values = cols.values[c];
  for (let r = 0; r < cols.rows; r++) {
    const v = values[r];
    const ms = v === null ? null : /^\d{4}-\d{2}-\d{2}$/.test(v) ? parseInstant(`${v}T00:00:00Z`) : parseInstant(v);
    if (ms === null)
      throw new SourceFormatError(
        url,
        `row ${r + 1}: ${rule.field}`,
        `${JSON.stringify(v)} is not an ISO-8601 instant or date`,
      );
    const d = dayOf(ms);
    let rows = byDate.get(d);
    if (!rows) byDate.set(d, (rows = []));
    rows.push(r);
  }
  return byDate;
}

/**
 * A run left `running` longer than this lost its process (a run's steps take seconds to minutes):
 * the source's next tick resumes it. Shorter would race a run that is still working.
 */
export const STALE_RUN_MS = 60 * 60_000;

/**
 * Resumes the source's runs of earlier days whose process died (`running`, not updated for
 * STALE_RUN_MS): the timer only ever starts today's run, so without this a crash would leave a
 * past day half-ingested until an operator noticed. Failed runs are left to an operator (their
 * reason is known; repeating them blindly every tick would hammer a broken source).
 */
export async function resumeStaleRuns(
  deps: IngestionDeps,
  source: SourceDefinition,
  today: string,
): Promise<RunState[]> {
  const now = deps.clock().getTime();
  const resumed: RunState[] = [];
  for (const state of await listRunStates(deps, source.name)) {
    if (state.day === today || state.status !== 'running') continue;
    if (now - Date.parse(state.updatedAt) < STALE_RUN_MS) continue;
    resumed.push(await runIngestion(deps, source, state.day));
  }
  return resumed;
}

function fileName(url: string): string {
  const last = new URL(url).pathname.split('/').pop() ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}$/.test(last) ? last : 'delivery';
}

/**
 * Runs (or resumes) the ingestion of `source` for `day`. Never throws for a source's failure: the
 * returned (and stored) state says `failed` and why. Throws only when the lake itself fails.
 */
export async function runIngestion(
  deps: IngestionDeps,
  source: SourceDefinition,
  day: string,
  opts: { force?: boolean } = {},
): Promise<RunState> {
  const url = sourceUrl(source, day);
  const now = deps.clock().toISOString();
  const previous = await readRunState(deps, source.name, day);
  if (previous?.status === 'succeeded' && !opts.force) return previous;
  // resume only a run whose process died: a failed or forced one downloads again (fixed file)
  const resume = previous?.status === 'running' && !opts.force;
  const state: RunState = {
    source: source.name,
    day,
    status: 'running',
    attempts: previous?.attempts ?? 0,
    url: redactUrl(url),
    startedAt: resume && previous ? previous.startedAt : now,
    updatedAt: now,
    finishedAt: null,
    error: null,
    rawVersion: resume ? (previous?.rawVersion ?? null) : null,
    rawFile: resume ? (previous?.rawFile ?? null) : null,
    curated: previous?.curated ?? [],
  };
  const { attempts, backoffMs } = source.retry;
  for (let attempt = 1; ; attempt++) {
    state.attempts++;
    state.status = 'running';
    await save(deps, state);
    try {
      await attemptOnce(deps, source, day, url, state);
      state.status = 'succeeded';
      state.error = null;
      state.finishedAt = deps.clock().toISOString();
      await save(deps, state);
      return state;
    } catch (e) {
      const known = e instanceof SourceFetchError || e instanceof SourceFormatError;
      if (!known) throw e; // the lake itself failed: the host's retry/alerting handles it
      state.error = e.message;
      const retryable = e instanceof SourceFetchError && e.retryable;
      if (!retryable || attempt >= attempts) {
        state.status = 'failed';
        state.finishedAt = deps.clock().toISOString();
        await save(deps, state);
        return state;
      }
      await save(deps, state);
      await deps.sleep(backoffMs * 2 ** (attempt - 1));
    }
  }
}

async function attemptOnce(
  deps: IngestionDeps,
  source: SourceDefinition,
  day: string,
  url: string,
  state: RunState,
): Promise<void> {
  const raw = rawPath(source.name, day);
  let bytes: Buffer | null = null;
  if (state.rawVersion && state.rawFile) {
    const stored = await deps.partitions.read(raw);
    if (stored?.pointer.version === state.rawVersion) bytes = stored.files.get(state.rawFile) ?? null;
  }
  if (!bytes) {
    const delivery = await deps.fetch(url, source.timeoutMs);
    const name = fileName(url);
    const written = await deps.partitions.replace(
      raw,
      [{ name, bytes: delivery.bytes, contentType: delivery.contentType }],
      {
        source: source.name,
        url: state.url,
        receivedAt: deps.clock().toISOString(),
      },
    );
    bytes = delivery.bytes;
    state.rawVersion = written.version;
    state.rawFile = name;
    await save(deps, state);
  }
  const cols = parseDelivery(source, bytes, state.url);
  const byDate =
    cols.names.length === 0 ? new Map<string, number[] | null>() : partitionRows(source, day, cols, state.url);
  const curated: RunState['curated'] = [];
  for (const [date, rows] of [...byDate].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const path = curatedPath(source.dataset, date, [[INGEST_DAY_KEY, day]]);
    const n = rows ? rows.length : cols.rows;
    const written = await deps.partitions.replace(
      path,
      [{ name: 'part-0.parquet', bytes: columnsToParquet(cols, rows) }],
      {
        rows: n,
        source: source.name,
        rawVersion: state.rawVersion ?? '',
      },
    );
    curated.push({ path, version: written.version, rows: n });
  }
  // a corrected delivery may no longer hold some dates: withdraw this day's files there
  const kept = new Set(curated.map((c) => c.path));
  for (const old of state.curated)
    if (!kept.has(old.path)) await deps.partitions.blobs.delete(`${old.path}/${POINTER_FILE}`);
  state.curated = curated;
}
