/**
 * The basis-data lake in Blob storage, read through a local file cache: the Parquet reader
 * wants files (parquet-wasm reads column chunks through Blob.slice), and batches of one job
 * read the same master data and partitions again, so each blob is downloaded once per etag.
 *
 * A view scoped to grid areas downloads only their share (layout: lake-layout.ts): their
 * time series partitions for the range's dates, the exchange files of the grid areas owning
 * exchange metering points from or to them, their master data and charge links, the exchange
 * master data and the small whole tables (grid loss list, charge prices). A lake in the flat
 * pre-grid-area layout is read whole by a scoped view too (correct, not scoped).
 */
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { LAKE_TABLES, OBSERVATION_DATE_PARTITION, ParquetLakeSource, partitionDates, exchangeOwners } from './lake';
import { EXCHANGE_FILE_PREFIX, GRID_AREA_PARTITION, gridAreaFolder, UNASSIGNED_GRID_AREA } from './lake-layout';
import { CHARGE_FILES } from '../charges';
import type { BlobStore } from '../../storage/blob-store';

/** Which grid areas a view is for; none = the whole lake (CLI, export, catalog). */
export interface LakeScope {
  gridAreas: readonly string[];
  /**
   * Grid areas whose exchange files to read besides those the lake's exchange master data names
   * (exchange metering points known only from integration events; basis-data-as-of.ts).
   */
  exchangeNeighbours?: readonly string[];
  /**
   * Whether to read the time series and charge links of metering points without lake master data
   * (`grid_area=unassigned`, lake-layout.ts; default true). They take part only when integration
   * events give such a metering point a period in the scope, so basisDataAsOf leaves them out
   * when no master-data event names a grid area of the scope. Their master data is always read.
   */
  unassigned?: boolean;
}

export interface LakeView {
  source: ParquetLakeSource;
  /** The blob versions the view holds (what a calculation read), sorted by path. */
  blobs: Array<{ path: string; etag: string }>;
  /** Sum of the sizes of those blobs: what the view read from Blob (before the local cache). */
  bytes: number;
}

type Listed = { path: string; etag: string; size: number };

/** Downloads at once per view: enough to hide per-blob latency, few enough for a small instance. */
const DOWNLOAD_CONCURRENCY = 8;

export class BlobLake {
  private readonly root: string;

  constructor(
    private readonly store: BlobStore,
    cacheDir = join(tmpdir(), 'settlement-lake-cache'),
  ) {
    this.root = join(cacheDir, store.container);
  }

  /** Materializes master data and the partitions overlapping [from, to) locally; returns a lake source over them. */
  async source(range: { from: number; to: number }, scope?: LakeScope): Promise<ParquetLakeSource> {
    return (await this.view(range, scope)).source;
  }

  /** Like source(), and also which blob versions the view holds and their total size. */
  async view(range: { from: number; to: number }, scope?: LakeScope): Promise<LakeView> {
    const blobs = scope ? await this.scopedBlobs(range, scope) : await this.allBlobs(range);
    // cache key = etags of everything this view contains, so concurrent readers never see a mix
    const key = createHash('sha1')
      .update(blobs.map((b) => `${b.path}@${b.etag}`).join('\n'))
      .digest('hex')
      .slice(0, 16);
    const dir = join(this.root, 'views', key);
    if (!existsSync(join(dir, '.complete'))) {
      await pool(blobs, DOWNLOAD_CONCURRENCY, async (b) => {
        const file = await this.cached(b);
        const target = join(dir, b.path);
        await mkdir(dirname(target), { recursive: true });
        if (!existsSync(target)) await linkOrCopy(file, target);
      });
      // an empty container is an empty lake (no grid areas), not a broken one
      for (const t of Object.values(LAKE_TABLES)) await mkdir(join(dir, t), { recursive: true });
      await writeFile(join(dir, '.complete'), '');
    }
    return {
      source: new ParquetLakeSource(dir),
      blobs: blobs.map((b) => ({ path: b.path, etag: b.etag })).sort((a, b) => (a.path < b.path ? -1 : 1)),
      bytes: blobs.reduce((s, b) => s + b.size, 0),
    };
  }

  /** The local copy of one blob version, downloading it once. */
  private async cached(b: Listed): Promise<string> {
    const file = join(this.root, 'blobs', b.path + '.' + b.etag.replace(/[^0-9A-Za-z]/g, ''));
    if (!existsSync(file)) {
      await mkdir(dirname(file), { recursive: true });
      // unique per download: two batches of one process may fetch the same blob at once
      const tmp = `${file}.${randomUUID()}.tmp`;
      try {
        await writeFile(tmp, (await this.store.get(b.path)) as Buffer);
        await rename(tmp, file);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    return file;
  }

  private async list(prefixes: readonly string[]): Promise<Listed[]> {
    return (await Promise.all(prefixes.map((p) => this.store.listDetailed(p)))).flat();
  }

  /** Everything: master data, whole tables and every grid area's partitions of the dates. */
  private async allBlobs(range: { from: number; to: number }): Promise<Listed[]> {
    const blobs = await this.list([
      `${LAKE_TABLES.periods}/`,
      `${LAKE_TABLES.exchangeNeighbours}/`,
      `${LAKE_TABLES.gridLoss}/`,
      ...Object.values(CHARGE_FILES).map((t) => `${t}/`),
    ]);
    const dates = partitionDates(range.from, range.to);
    if (dates.length === 0) return blobs;
    const wanted = new Set(dates.map((d) => `${OBSERVATION_DATE_PARTITION}=${d}`));
    // grid-area layout: one listing of the table, filtered by date (grid areas are not known in advance)
    for (const b of await this.store.listDetailed(`${LAKE_TABLES.points}/`)) {
      const parts = b.path.split('/');
      const datePart = parts[1]?.startsWith(`${GRID_AREA_PARTITION}=`) ? parts[2] : parts[1];
      if (datePart !== undefined && wanted.has(datePart)) blobs.push(b);
    }
    return blobs;
  }

  private async scopedBlobs(range: { from: number; to: number }, scope: LakeScope): Promise<Listed[]> {
    const own = new Set([...scope.gridAreas, UNASSIGNED_GRID_AREA]);
    const readUnassigned = scope.unassigned ?? true;
    // whose exchange files to read: owners of exchange metering points from or to the scope
    const index = await this.store.listDetailed(`${LAKE_TABLES.exchangeNeighbours}/`);
    const neighbours = await exchangeOwners(await Promise.all(index.map((b) => this.cached(b))), own);
    for (const n of scope.exchangeNeighbours ?? []) neighbours.add(n);
    for (const g of own) neighbours.delete(g);
    const ownFolders = new Set([...own].map(gridAreaFolder));
    const neighbourFolders = new Set([...neighbours].map(gridAreaFolder));
    // partitioned tables: flat files (old layout, read whole), the scope's partition folders and
    // (master data) the neighbours' exchange files
    const inScope = (table: string, b: Listed): boolean => {
      const parts = b.path.slice(table.length + 1).split('/');
      return (
        parts.length === 1 ||
        ownFolders.has(parts[0]) ||
        (neighbourFolders.has(parts[0]) && parts[1].startsWith(EXCHANGE_FILE_PREFIX))
      );
    };
    const [periods, links, whole] = await Promise.all([
      this.store.listDetailed(`${LAKE_TABLES.periods}/`),
      this.store.listDetailed(`${CHARGE_FILES.links}/`),
      this.list([`${LAKE_TABLES.gridLoss}/`, `${CHARGE_FILES.priceInformation}/`, `${CHARGE_FILES.prices}/`]),
    ]);
    const blobs = [
      ...index,
      ...periods.filter((b) => inScope(LAKE_TABLES.periods, b)),
      ...links.filter(
        (b) =>
          inScope(CHARGE_FILES.links, b) &&
          (readUnassigned || !b.path.startsWith(`${CHARGE_FILES.links}/${gridAreaFolder(UNASSIGNED_GRID_AREA)}/`)),
      ),
      ...whole,
    ];

    const prefixes: string[] = [];
    for (const date of partitionDates(range.from, range.to)) {
      const part = `${OBSERVATION_DATE_PARTITION}=${date}`;
      prefixes.push(`${LAKE_TABLES.points}/${part}/`); // flat (old) layout: whole date, if present
      for (const g of own)
        if (g !== UNASSIGNED_GRID_AREA || readUnassigned)
          prefixes.push(`${LAKE_TABLES.points}/${gridAreaFolder(g)}/${part}/`);
      for (const n of neighbours)
        prefixes.push(`${LAKE_TABLES.points}/${gridAreaFolder(n)}/${part}/${EXCHANGE_FILE_PREFIX}`);
    }
    blobs.push(...(await this.list(prefixes)));
    return blobs;
  }
}

async function pool<T>(items: readonly T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await f(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
    return;
  } catch (e) {
    // a concurrent view of the same blobs linked it first: the same cached file, nothing to do
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
  }
  // no hard links (e.g. another file system): copy under a unique name and rename, so a concurrent
  // view that finds the target never reads a half-copied file
  const tmp = `${to}.${randomUUID()}.tmp`;
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
}
