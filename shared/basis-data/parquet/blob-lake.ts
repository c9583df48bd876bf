/**
 * The basis-data lake in Blob storage, read through a local file cache: the Parquet reader
 * wants files (parquet-wasm reads column chunks through Blob.slice), and batches of one job
 * read the same master data and partitions again, so each blob is downloaded once per etag.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { LAKE_TABLES, OBSERVATION_DATE_PARTITION, ParquetLakeSource, partitionDates } from './lake';
import { CHARGE_FILES } from '../charges';
import type { BlobStore } from '../../storage/blob-store';

export class BlobLake {
  private readonly root: string;

  constructor(
    private readonly store: BlobStore,
    cacheDir = join(tmpdir(), 'settlement-lake-cache'),
  ) {
    this.root = join(cacheDir, store.container);
  }

  /** Materializes master data and the partitions overlapping [from, to) locally; returns a lake source over them. */
  async source(range: { from: number; to: number }): Promise<ParquetLakeSource> {
    return (await this.view(range)).source;
  }

  /** Like source(), and also which blob versions the view holds (what a calculation read). */
  async view(range: {
    from: number;
    to: number;
  }): Promise<{ source: ParquetLakeSource; blobs: Array<{ path: string; etag: string }> }> {
    const prefixes = [
      `${LAKE_TABLES.periods}/`,
      `${LAKE_TABLES.gridLoss}/`,
      ...Object.values(CHARGE_FILES).map((t) => `${t}/`),
    ];
    for (const date of partitionDates(range.from, range.to))
      prefixes.push(`${LAKE_TABLES.points}/${OBSERVATION_DATE_PARTITION}=${date}/`);
    // cache key = etags of everything this view contains, so concurrent readers never see a mix
    const blobs = (await Promise.all(prefixes.map((p) => this.store.listDetailed(p)))).flat();
    const key = createHash('sha1')
      .update(blobs.map((b) => `${b.path}@${b.etag}`).join('\n'))
      .digest('hex')
      .slice(0, 16);
    const dir = join(this.root, 'views', key);
    if (!existsSync(join(dir, '.complete'))) {
      for (const b of blobs) {
        const file = join(this.root, 'blobs', b.path + '.' + b.etag.replace(/[^0-9A-Za-z]/g, ''));
        if (!existsSync(file)) {
          await mkdir(dirname(file), { recursive: true });
          const tmp = `${file}.${process.pid}.tmp`;
          await writeFile(tmp, (await this.store.get(b.path)) as Buffer);
          await rename(tmp, file);
        }
        const target = join(dir, b.path);
        await mkdir(dirname(target), { recursive: true });
        if (!existsSync(target)) await linkOrCopy(file, target);
      }
      // an empty container is an empty lake (no grid areas), not a broken one
      for (const t of Object.values(LAKE_TABLES)) await mkdir(join(dir, t), { recursive: true });
      await writeFile(join(dir, '.complete'), '');
    }
    return {
      source: new ParquetLakeSource(dir),
      blobs: blobs.map((b) => ({ path: b.path, etag: b.etag })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    };
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  const { link, copyFile } = await import('node:fs/promises');
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}
