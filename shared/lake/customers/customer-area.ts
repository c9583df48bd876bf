/**
 * A customer's area of the lake (issue 15, Case 3/4), `customers/{customerId}/…`:
 *
 * ```
 * uploads/{name}/_current.json, v=…/data.csv|data.parquet     an upload (replaced atomically)
 * analyses/{name}/spec.json                                   the saved spec
 * analyses/{name}/runs/{runId}.json                           a run's state (the spec it ran)
 * analyses/{name}/results/_current.json, v=…/part-0.parquet   the latest results (atomic)
 * ```
 *
 * Every path comes from zones.ts's customer helpers, which refuse an id or a name that could
 * leave its folder. Who may touch an area is decided here too (`mayUseArea`): its owner — the
 * caller whose actor number is the customer id — and administrators.
 */
import type { Caller } from '../../auth/caller';
import { isAdministrator } from '../../auth/caller';
import type { PartitionStore } from '../partition-store';
import { parseCsvColumns, parquetToTable } from '../records';
import { tableCells, type CellColumns } from '../serving/cells';
import { customerAnalysisPath, customerUploadPath } from '../zones';
import type { AnalysisSpec } from './analysis-spec';

export const mayUseArea = (caller: Caller, customerId: string): boolean =>
  isAdministrator(caller) || caller.actorNumber === customerId;

export type UploadFormat = 'csv' | 'parquet';

/** A file that cannot be read as its format says; nothing is stored. */
export class UnreadableUploadError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnreadableUploadError';
  }
}

/** CSV with `,` or `;` (whichever the header uses) or Parquet, decoded to cells. */
export function decodeUpload(bytes: Uint8Array, format: UploadFormat): CellColumns {
  if (format === 'parquet') {
    try {
      return tableCells(parquetToTable(bytes));
    } catch (e) {
      throw new UnreadableUploadError(`not a Parquet file: ${(e as Error).message}`);
    }
  }
  const text = Buffer.from(bytes).toString('utf8');
  const nl = text.indexOf('\n');
  const header = nl < 0 ? text : text.slice(0, nl);
  const delimiter = header.includes(';') && !header.includes(',') ? ';' : ',';
  try {
    const cols = parseCsvColumns(text, delimiter, 'upload');
    return { names: cols.names, columns: cols.values, rows: cols.rows };
  } catch (e) {
    throw new UnreadableUploadError((e as Error).message);
  }
}

export async function storeUpload(
  store: PartitionStore,
  customerId: string,
  name: string,
  bytes: Uint8Array,
  format: UploadFormat,
): Promise<{ name: string; format: UploadFormat; rows: number; columns: string[]; version: string }> {
  const cells = decodeUpload(bytes, format); // refused before anything is written
  const r = await store.replace(
    customerUploadPath(customerId, name),
    [{ name: `data.${format}`, bytes, contentType: format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet' }],
    { rows: cells.rows, format },
  );
  return { name, format, rows: cells.rows, columns: cells.names, version: r.version };
}

export async function readUpload(store: PartitionStore, customerId: string, name: string): Promise<CellColumns | null> {
  const read = await store.read(customerUploadPath(customerId, name));
  if (!read) return null;
  const [file, bytes] = [...read.files][0];
  return decodeUpload(bytes, file.endsWith('.parquet') ? 'parquet' : 'csv');
}

/** The names of the area's uploads. */
export async function uploadNames(store: PartitionStore, customerId: string): Promise<Set<string>> {
  const root = customerUploadPath(customerId, 'x').slice(0, -1); // `customers/{id}/uploads/`
  return new Set((await store.partitions(root)).map((p) => p.slice(root.length)).filter((n) => !n.includes('/')));
}

const specPath = (c: string, n: string) => `${customerAnalysisPath(c, n)}/spec.json`;
const runPath = (c: string, n: string, runId: string) => `${customerAnalysisPath(c, n)}/runs/${runId}.json`;
export const resultsPath = (c: string, n: string) => `${customerAnalysisPath(c, n)}/results`;

export async function saveSpec(
  store: PartitionStore,
  customerId: string,
  name: string,
  spec: AnalysisSpec,
): Promise<void> {
  await store.blobs.put(specPath(customerId, name), JSON.stringify(spec, null, 1), 'application/json');
}

export async function readSpec(store: PartitionStore, customerId: string, name: string): Promise<AnalysisSpec | null> {
  const b = await store.blobs.get(specPath(customerId, name));
  return b ? (JSON.parse(b.toString('utf8')) as AnalysisSpec) : null;
}

export interface AnalysisRun {
  runId: string;
  customerId: string;
  analysis: string;
  status: 'Running' | 'Completed' | 'Failed';
  requestedAt: string;
  finishedAt?: string;
  /** The spec as it was when the run was requested (a later PUT does not change a running run). */
  spec: AnalysisSpec;
  rows?: number;
  resultsVersion?: string;
  error?: string;
}

export async function writeRun(store: PartitionStore, run: AnalysisRun): Promise<void> {
  await store.blobs.put(
    runPath(run.customerId, run.analysis, run.runId),
    JSON.stringify(run, null, 1),
    'application/json',
  );
}

export async function readRun(
  store: PartitionStore,
  customerId: string,
  name: string,
  runId: string,
): Promise<AnalysisRun | null> {
  const b = await store.blobs.get(runPath(customerId, name, runId));
  return b ? (JSON.parse(b.toString('utf8')) as AnalysisRun) : null;
}

/** The latest results as cells with the run that wrote them, or null before the first completed run. */
export async function readResults(
  store: PartitionStore,
  customerId: string,
  name: string,
): Promise<{ runId: string; cells: CellColumns } | null> {
  const read = await store.read(resultsPath(customerId, name));
  if (!read) return null;
  const bytes = read.files.get('part-0.parquet');
  if (!bytes) return null;
  return { runId: String(read.pointer.meta.runId), cells: tableCells(parquetToTable(bytes)) };
}
