/**
 * Basis data download: a job's basis data for one grid area as DH2-like CSV files in Blob
 * storage (opengeh-wholesale §2.7), a `status.json` written last, and time-limited links.
 *
 * Layout: `exports/{jobId}/ga={gridArea}/{master_basis_data,time_series_quarter,time_series_hour}.csv`
 * and `.../status.json`. Paths are deterministic, so a retried export overwrites.
 */
import { z } from 'zod';
import { HOUR_MS, formatInstant, parseInstant } from '../domain/time';
import type { BlobStore, UrlSigner } from '../storage/blob-store';
import { masterBasisDataCsv, selectExportPeriods } from './master-basis-data';
import { buildTimeSeriesCsvs } from './time-series';
import { InvalidExportStatusError } from './errors';
import type {
  BasisDataExportDeps,
  BasisDataExportRequest,
  BasisDataExportStatus,
  DownloadLink,
  ExportedFile,
} from './types';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';

export const MASTER_BASIS_DATA_FILE = 'master_basis_data.csv';
export const STATUS_FILE = 'status.json';
const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
const DEFAULT_WINDOW_DAYS = 7;

const JOB_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether a job's exports can be stored (its id is a safe path segment); the HTTP layer answers 404 otherwise. */
export const isExportableJobId = (jobId: string): boolean => JOB_ID_RE.test(jobId);

/** `exports/{jobId}/ga={gridArea}/`. Ids are checked: they become path segments. */
export function exportPrefix(jobId: string, gridArea: string): string {
  if (!JOB_ID_RE.test(jobId))
    throw new RangeError(`job id '${jobId}' is not usable in a path (letters, digits, '.', '_', '-')`);
  if (!GRID_AREA_CODE_RE.test(gridArea))
    throw new RangeError(`grid area '${gridArea}' is not a 3-digit grid area code`);
  return `exports/${jobId}/ga=${gridArea}/`;
}

export function exportStatusPath(jobId: string, gridArea: string): string {
  return exportPrefix(jobId, gridArea) + STATUS_FILE;
}

/**
 * Builds and stores the export, then writes `status.json`. Resolves with the status; rejects
 * (a ValidationError for bad basis data) without writing a status, so a failed or interrupted
 * export is never reported complete.
 */
export async function runBasisDataExport(
  deps: BasisDataExportDeps,
  request: BasisDataExportRequest,
): Promise<BasisDataExportStatus> {
  const { jobId, gridArea, periodStart, periodEnd, asOf } = request;
  const prefix = exportPrefix(jobId, gridArea);
  if (!Number.isSafeInteger(periodStart) || !Number.isSafeInteger(periodEnd) || periodStart >= periodEnd) {
    throw new RangeError(`period [${periodStart}, ${periodEnd}) is not a non-empty range of epoch milliseconds`);
  }
  // Whole hours: local days then start on whole hours too, so slots line up with the resolutions.
  if (periodStart % HOUR_MS !== 0 || periodEnd % HOUR_MS !== 0)
    throw new RangeError('period start and end must be whole hours');
  if (!Number.isFinite(asOf)) throw new RangeError('asOf must be epoch milliseconds');
  const windowDays = deps.windowDays ?? DEFAULT_WINDOW_DAYS;
  if (!Number.isInteger(windowDays) || windowDays < 1)
    throw new RangeError(`windowDays must be a positive integer, got ${windowDays}`);

  // A re-run overwrites the files; withdraw the previous status first, so it never vouches for
  // files that are half rewritten (or left from a run that then fails).
  const statusPath = prefix + STATUS_FILE;
  await deps.store.delete(statusPath);

  const selected = selectExportPeriods(await deps.source.readMeteringPointPeriods(), gridArea, periodStart, periodEnd);
  const master = masterBasisDataCsv(selected);
  const timeSeries = await buildTimeSeriesCsvs(deps.source, selected, request, windowDays);
  const outputs = [{ name: MASTER_BASIS_DATA_FILE, csv: master.csv, rows: master.rows }, ...timeSeries];

  const files: ExportedFile[] = outputs.map((o) => ({
    name: o.name,
    path: prefix + o.name,
    rows: o.rows,
    bytes: o.csv.length,
  }));
  await Promise.all(outputs.map((o, i) => deps.store.put(files[i].path, o.csv, CSV_CONTENT_TYPE)));

  const status: BasisDataExportStatus = {
    jobId,
    gridArea,
    state: 'Completed',
    periodStart: formatInstant(periodStart),
    periodEnd: formatInstant(periodEnd),
    asOf: formatInstant(asOf),
    files,
    completedAt: formatInstant((deps.now ?? Date.now)()),
  };
  // Last: its presence is the promise that every file above is complete.
  await deps.store.put(statusPath, JSON.stringify(status, null, 2), 'application/json');
  return status;
}

const isoInstant = z.string().refine((s) => parseInstant(s) !== null, 'not an ISO-8601 instant');
const statusSchema = z.object({
  jobId: z.string(),
  gridArea: z.string(),
  state: z.literal('Completed'),
  periodStart: isoInstant,
  periodEnd: isoInstant,
  asOf: isoInstant,
  files: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
    }),
  ),
  completedAt: isoInstant,
});

/** The export's status, or null while it does not exist (not started, running, or failed). */
export async function readExportStatus(
  store: BlobStore,
  jobId: string,
  gridArea: string,
): Promise<BasisDataExportStatus | null> {
  const path = exportStatusPath(jobId, gridArea);
  const raw = await store.get(path);
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new InvalidExportStatusError(path, 'not-json', (e as Error).message);
  }
  const parsed = statusSchema.safeParse(json);
  if (!parsed.success) throw new InvalidExportStatusError(path, 'not-a-status', parsed.error.message);
  if (parsed.data.jobId !== jobId || parsed.data.gridArea !== gridArea) {
    throw new InvalidExportStatusError(
      path,
      'other-export',
      `job ${parsed.data.jobId}, grid area ${parsed.data.gridArea}`,
    );
  }
  return parsed.data;
}

/**
 * Read-only links to every file of a completed export, valid for `ttlMs` from `now` (epoch ms).
 * The expiry is cut to whole seconds, the precision a SAS carries, so the reported expiresOn is
 * exactly when the service starts refusing the link.
 */
export async function downloadLinks(
  status: BasisDataExportStatus,
  signer: UrlSigner,
  now: number,
  ttlMs: number,
): Promise<DownloadLink[]> {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
  const expiresOn = new Date(Math.floor((now + ttlMs) / 1000) * 1000);
  return Promise.all(
    status.files.map(async (f) => ({
      name: f.name,
      url: await signer.signedReadUrl(f.path, expiresOn),
      expiresOn: formatInstant(expiresOn.getTime()),
    })),
  );
}
