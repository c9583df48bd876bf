import type { BlobStore } from '../../storage/blob-store';
import { jobOutputPath } from '../job-paths';

/**
 * Deletes every file a job wrote under `jobs/{id}/` (batch outputs, partials, the manifest). A
 * canceled job must leave no result files behind: a reader that skipped the status check, or a
 * later tool walking the container, would otherwise find results nobody committed.
 */
export async function discardJobOutputs(results: Pick<BlobStore, 'list' | 'delete'>, jobId: string): Promise<number> {
  const paths = await results.list(jobOutputPath(jobId));
  for (const p of paths) await results.delete(p);
  return paths.length;
}
