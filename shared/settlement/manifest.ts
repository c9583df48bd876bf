/** A job's commit record: until `_manifest.json` exists, none of the job's results are visible. */
import type { BlobStore } from '../storage/blob-store';
import { manifestPath } from './job-paths';

export interface Manifest {
  jobId: string;
  calculationType: string;
  periodStart: string;
  periodEnd: string;
  gridAreas: string[];
  files: string[];
  rows: number;
  counts: Record<string, number>;
  wholesaleFiles: string[];
  wholesaleRows: number;
  /** One BatchBasisData file per batch (absent in manifests written before it existed). */
  basisDataFiles?: string[];
  committedAt: string;
}

/** The job's manifest, or null before the job is committed. */
export async function readManifest(results: Pick<BlobStore, 'get'>, jobId: string): Promise<Manifest | null> {
  const bytes = await results.get(manifestPath(jobId));
  return bytes ? (JSON.parse(bytes.toString('utf8')) as Manifest) : null;
}
