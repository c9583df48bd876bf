/**
 * The one path scheme of the data lake's three zones (issue 15). Every writer and reader of the
 * lake container builds its paths here, so the layout can change in one place and code from other
 * branches (market data archived raw) can adopt it:
 *
 * ```
 * raw/{source}/day=YYYY-MM-DD[/hour=HH]/           exactly as received (bytes untouched)
 * curated/{dataset}/date=YYYY-MM-DD[/{sub}]/        converted to Parquet, flattened
 * operational/{dataset}/date=YYYY-MM-DD[/{sub}]/    business datasets (aggregates, serving copies)
 * ```
 *
 * A path built here is a *partition*: a folder that is only ever replaced as a whole through its
 * pointer (partition-store.ts), never edited file by file. Names (sources, datasets, sub-partition
 * keys and values) are checked against a strict pattern, so nothing from a request or a registry
 * file can add a `..`, a `/` or an empty segment to a path.
 */
import { LakePathError } from './errors';

export const ZONES = ['raw', 'curated', 'operational'] as const;
export type Zone = (typeof ZONES)[number];

/** Source and dataset names: lower-case words joined by `_` or `-` (they are folder names). */
export const LAKE_NAME_RE = /^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/;
/** Values of sub-partition keys (region ids, ingestion days): no separators, no dots at the start. */
const PARTITION_VALUE_RE = /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$/;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A UTC calendar day `YYYY-MM-DD`; throws LakePathError for anything else (incl. 2021-02-30). */
export function checkDay(day: string, what = 'day'): string {
  const m = DAY_RE.exec(day);
  if (!m || dayOf(Date.UTC(+m[1], +m[2] - 1, +m[3])) !== day)
    throw new LakePathError(what, `${JSON.stringify(day)} is not a calendar day YYYY-MM-DD`);
  return day;
}

/** The UTC day `YYYY-MM-DD` of an instant (epoch ms). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` moved by `days` calendar days (negative: earlier). */
export function addDays(day: string, days: number): string {
  checkDay(day);
  return dayOf(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${checkDay(to)}T00:00:00Z`) - Date.parse(`${checkDay(from)}T00:00:00Z`)) / 86_400_000);
}

export function checkName(name: string, what: string): string {
  if (!LAKE_NAME_RE.test(name))
    throw new LakePathError(what, `${JSON.stringify(name)} is not a lake name (${LAKE_NAME_RE.source})`);
  return name;
}

function checkHour(hour: number): string {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new LakePathError('hour', `${hour} is not an hour 0–23`);
  return String(hour).padStart(2, '0');
}

/** Extra partition levels below the date, in order, e.g. `[['region', 'dk1']]` → `region=dk1`. */
export type SubPartition = ReadonlyArray<readonly [key: string, value: string]>;

function subPath(sub: SubPartition): string {
  return sub
    .map(([k, v]) => {
      checkName(k, 'partition key');
      if (!PARTITION_VALUE_RE.test(v))
        throw new LakePathError(k, `${JSON.stringify(v)} is not a partition value (${PARTITION_VALUE_RE.source})`);
      return `/${k}=${v}`;
    })
    .join('');
}

/** The raw partition of what `source` delivered on `day` (the ingestion day), optionally one hour of it. */
export function rawPath(source: string, day: string, hour?: number): string {
  const base = `raw/${checkName(source, 'source')}/day=${checkDay(day)}`;
  return hour === undefined ? base : `${base}/hour=${checkHour(hour)}`;
}

/**
 * A raw partition of one piece of a day's delivery, e.g. one backfill request's answer:
 * `raw/{source}/day=D/region=r/year=y` (the day folder itself holds no pointer then).
 */
export function rawPartPath(source: string, day: string, sub: SubPartition): string {
  return `${rawPath(source, day)}${subPath(sub)}`;
}

/**
 * A curated dataset partitioned by year instead of date (`curated/{dataset}/year=YYYY`): long
 * daily histories (the weather backfill) are a few large files, not one small file per day.
 */
export function curatedYearPath(dataset: string, year: number): string {
  if (!Number.isInteger(year) || year < 1900 || year > 2999) throw new LakePathError('year', `${year} is not a year`);
  return `curated/${checkName(dataset, 'dataset')}/year=${year}`;
}

/** A curated dataset's partition for one (data) date, optionally refined by sub-partitions. */
export function curatedPath(dataset: string, date: string, sub: SubPartition = []): string {
  return `curated/${checkName(dataset, 'dataset')}/date=${checkDay(date, 'date')}${subPath(sub)}`;
}

/** An operational dataset's partition for one date, optionally refined by sub-partitions. */
export function operationalPath(dataset: string, date: string, sub: SubPartition = []): string {
  return `operational/${checkName(dataset, 'dataset')}/date=${checkDay(date, 'date')}${subPath(sub)}`;
}

/** The folder holding every partition of a dataset in a zone (for listing). */
export function datasetRoot(zone: Zone, dataset: string): string {
  return `${zone}/${checkName(dataset, zone === 'raw' ? 'source' : 'dataset')}/`;
}

/**
 * Lake bookkeeping that is not data: ingestion run states (`_system/runs/{source}/day=YYYY-MM-DD.json`).
 * Outside the three zones so that listing a zone lists only data.
 */
export function runStatePath(source: string, day: string): string {
  return `_system/runs/${checkName(source, 'source')}/day=${checkDay(day)}.json`;
}

/**
 * Backfill bookkeeping of a dataset (not data): `_system/backfills/{dataset}/{id}/{file}` (request,
 * result) and `_system/backfills/{dataset}/chunks/…` (the ledger of stored chunks).
 */
export function backfillPath(dataset: string, id: string, file: string): string {
  if (!PARTITION_VALUE_RE.test(id)) throw new LakePathError('id', `${JSON.stringify(id)} is not a backfill id`);
  return `_system/backfills/${checkName(dataset, 'dataset')}/${id}/${file}`;
}

export function backfillLedgerFolder(dataset: string): string {
  return `_system/backfills/${checkName(dataset, 'dataset')}/chunks/`;
}

/**
 * Customer areas (issue 15, Case 3/4): `customers/{customerId}/…`, outside the three zones so no
 * dataset listing or serving route can reach them. A customer id is a market actor number (GLN
 * 13 digits or EIC 16 characters: digits, upper-case letters, `-`), so it can never be `..` or
 * hold a `/`; names are lake names.
 */
export const CUSTOMER_ID_RE = /^(\d{13}|[0-9A-Z-]{16})$/;

export function checkCustomerId(customerId: string): string {
  if (!CUSTOMER_ID_RE.test(customerId))
    throw new LakePathError(
      'customerId',
      `${JSON.stringify(customerId)} is not a customer id (a GLN or EIC: ${CUSTOMER_ID_RE.source})`,
    );
  return customerId;
}

/** The partition of one upload: `customers/{customerId}/uploads/{name}`. */
export function customerUploadPath(customerId: string, name: string): string {
  return `customers/${checkCustomerId(customerId)}/uploads/${checkName(name, 'name')}`;
}

/** The folder of one saved analysis: `customers/{customerId}/analyses/{name}` (spec, runs, results). */
export function customerAnalysisPath(customerId: string, name: string): string {
  return `customers/${checkCustomerId(customerId)}/analyses/${checkName(name, 'name')}`;
}
