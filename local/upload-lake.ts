import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { BlobStore } from '../shared/storage/blob-store';

/** Uploads a local Parquet lake folder into the basis-data container (same relative paths). */
export async function uploadLake(localDir: string, store: BlobStore): Promise<number> {
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.parquet')) {
        await store.put(
          relative(localDir, p).split('\\').join('/'),
          await readFile(p),
          'application/vnd.apache.parquet',
        );
        n++;
      }
    }
  };
  await walk(localDir);
  return n;
}
