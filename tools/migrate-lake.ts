/**
 * Rewrites a basis-data lake into the grid-area layout (shared/basis-data/parquet/lake-layout.ts),
 * so settlement batches read only their grid area's share (issue 11). Idempotent: a lake already
 * in the layout is rewritten into the same layout (and its rows re-placed by its master data).
 *
 *   npx tsx tools/migrate-lake.ts --dir LAKE [--out NEW]      local folder (in place unless --out)
 *   npx tsx tools/migrate-lake.ts --container NAME             blob container, in place; connection
 *                                                              string from AZURE_STORAGE_CONNECTION_STRING
 *
 * A container is migrated with no settlement running (readers would briefly see points twice).
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateLakeContainer, migrateLakeDir } from '../shared/basis-data/parquet/migrate-layout';
import { AzureBlobStore } from '../shared/storage/azure-blob-store';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, out: { type: 'string' }, container: { type: 'string' } },
  });
  const tmp = await mkdtemp(join(tmpdir(), 'migrate-lake-'));
  try {
    if (values.dir) {
      const src = resolve(values.dir);
      // in place: written next to the lake (same file system), then swapped in
      const out = values.out ? resolve(values.out) : `${src}.migrating`;
      const r = await migrateLakeDir(src, out);
      if (!values.out) {
        await rename(src, `${src}.old`);
        await rename(out, src);
        await rm(`${src}.old`, { recursive: true, force: true });
      }
      console.log(`migrated ${r.points} points into ${r.files} time series files: ${values.out ?? src}`);
    } else if (values.container) {
      const cs = process.env.AZURE_STORAGE_CONNECTION_STRING;
      if (!cs) throw new TypeError('set AZURE_STORAGE_CONNECTION_STRING');
      const r = await migrateLakeContainer(AzureBlobStore.fromConnectionString(cs, values.container), tmp);
      console.log(`migrated ${r.points} points: ${r.uploaded} blobs written, ${r.deleted} old blobs deleted`);
    } else {
      console.error('usage: npx tsx tools/migrate-lake.ts --dir LAKE [--out NEW] | --container NAME');
      process.exitCode = 2;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
