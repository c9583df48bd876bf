import type { BasisDataSource } from '../basis-data/types';
import type { BlobStore } from '../storage/blob-store';

/** What to export: one grid area of one job. Instants are epoch milliseconds (UTC). */
export interface BasisDataExportRequest {
  /** Becomes a path segment: letters, digits, `.`, `_`, `-` (a uuid fits). */
  jobId: string;
  /** 3 digits. */
  gridArea: string;
  /** `[periodStart, periodEnd)`, both on whole hours (job periods are local midnights). */
  periodStart: number;
  periodEnd: number;
  /** System time of the bi-temporal selection: registrations after it are not known yet. */
  asOf: number;
}

export interface BasisDataExportDeps {
  source: BasisDataSource;
  store: BlobStore;
  /** Clock for `completedAt` (tests pin it). */
  now?: () => number;
  /**
   * Local days of time series held in memory at once (default 7). The source is read once per
   * window, restricted to the window's range, so memory stays bounded for a month of quarters.
   */
  windowDays?: number;
}

export interface ExportedFile {
  /** File name, e.g. `master_basis_data.csv`. */
  name: string;
  /** Path in the store. */
  path: string;
  /** Data rows (header excluded). */
  rows: number;
  /** Size in bytes, header included. */
  bytes: number;
}

/** `status.json`: written last, so its presence means every listed file is complete. */
export interface BasisDataExportStatus {
  jobId: string;
  gridArea: string;
  state: 'Completed';
  /** What the files represent (ISO UTC), so a reader need not look up the job. */
  periodStart: string;
  periodEnd: string;
  asOf: string;
  files: ExportedFile[];
  completedAt: string;
}

export interface DownloadLink {
  name: string;
  url: string;
  /** ISO UTC; the link is refused after it. */
  expiresOn: string;
}
