import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { hasFlatLayout, migrateLakeDir } from '../shared/basis-data/parquet/migrate-layout';
import type { BlobStore } from '../shared/storage/blob-store';

/**
 * Uploads a local Parquet lake folder into the basis-data container (same relative paths). A
 * folder in the flat pre-grid-area layout is rewritten into the grid-area layout first
 * (shared/basis-data/parquet/lake-layout.ts), so the container always has the layout batches scope by.
 */
export async function uploadLake(localDir: string, store: BlobStore): Promise<number> {
  if (await hasFlatLayout(localDir)) {
    const tmp = await mkdtemp(join(tmpdir(), 'lake-migrate-'));
    try {
      await migrateLakeDir(localDir, join(tmp, 'lake'));
      return await uploadDir(join(tmp, 'lake'), store);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return uploadDir(localDir, store);
}

async function uploadDir(localDir: string, store: BlobStore): Promise<number> {
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
