/**
 * Atomic partition replacement in the lake (issue 15). Blob storage without a rename we can rely
 * on in every host (Azurite has no hierarchical namespace, and a folder rename is not atomic for
 * readers listing it either), so a partition is versioned behind a pointer:
 *
 * ```
 * {partition}/v={version}/{file}   the files of one version, written first, never changed
 * {partition}/_current.json        the pointer: version + file list (+ sizes, hashes), written last
 * ```
 *
 * A single blob put is atomic, so a reader that goes through the pointer sees either the old or
 * the new version, never half of one; a writer that dies before the pointer leaves only an
 * unreferenced folder. The version id is a hash of the files (names + bytes), so a re-run that
 * produces the same bytes writes nothing and leaves the pointer as it is (idempotent), and a retry
 * after a crash rewrites identical files. After switching, versions older than the previous one
 * are deleted: the previous one stays for readers that took the pointer just before the switch.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../storage/blob-store';
import { InvariantError } from '../domain/errors';

export const POINTER_FILE = '_current.json';
const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_\-.=]{0,127}$/;

export interface PartitionFile {
  name: string;
  bytes: Uint8Array;
  contentType?: string;
}

export interface PartitionPointer {
  version: string;
  /** The version this one replaced (kept until the next switch), or null. */
  previous: string | null;
  files: Array<{ name: string; size: number; sha256: string }>;
  writtenAt: string;
  /** Small facts about the partition (rows, source URL, raw version it came from…). */
  meta: Record<string, string | number>;
}

export interface ReplaceResult {
  version: string;
  /** false: the partition already held exactly these files; nothing was written. */
  changed: boolean;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

export function versionOf(files: readonly PartitionFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    h.update(f.name).update('\0').update(sha256(f.bytes)).update('\0');
  }
  return h.digest('hex').slice(0, 20);
}

export class PartitionStore {
  constructor(
    readonly blobs: BlobStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async pointer(partition: string): Promise<PartitionPointer | null> {
    const bytes = await this.blobs.get(`${partition}/${POINTER_FILE}`);
    return bytes ? (JSON.parse(bytes.toString('utf8')) as PartitionPointer) : null;
  }

  /** Replaces the whole partition by `files` (see the module comment for why it is atomic). */
  async replace(
    partition: string,
    files: readonly PartitionFile[],
    meta: Record<string, string | number> = {},
  ): Promise<ReplaceResult> {
    if (files.length === 0) throw new InvariantError(`partition ${partition}: a version needs at least one file`);
    const names = new Set<string>();
    for (const f of files) {
      if (!FILE_NAME_RE.test(f.name) || names.has(f.name))
        throw new InvariantError(`partition ${partition}: bad or repeated file name ${JSON.stringify(f.name)}`);
      names.add(f.name);
    }
    const version = versionOf(files);
    const current = await this.pointer(partition);
    if (current?.version === version) return { version, changed: false };
    for (const f of files) await this.blobs.put(`${partition}/v=${version}/${f.name}`, f.bytes, f.contentType);
    const pointer: PartitionPointer = {
      version,
      previous: current?.version ?? null,
      files: files.map((f) => ({ name: f.name, size: f.bytes.length, sha256: sha256(f.bytes) })),
      writtenAt: this.clock().toISOString(),
      meta,
    };
    await this.blobs.put(`${partition}/${POINTER_FILE}`, JSON.stringify(pointer, null, 1), 'application/json');
    await this.collect(partition, new Set([version, pointer.previous ?? version]));
    return { version, changed: true };
  }

  /** The current version's files (name → bytes), or null when the partition was never written. */
  async read(partition: string): Promise<{ pointer: PartitionPointer; files: Map<string, Buffer> } | null> {
    const pointer = await this.pointer(partition);
    if (!pointer) return null;
    const files = new Map<string, Buffer>();
    for (const f of pointer.files) {
      const bytes = await this.blobs.get(`${partition}/v=${pointer.version}/${f.name}`);
      // the pointer names only files written before it; missing means someone deleted lake data
      if (!bytes) throw new InvariantError(`partition ${partition}: version ${pointer.version} lacks ${f.name}`);
      files.set(f.name, bytes);
    }
    return { pointer, files };
  }

  /** Partitions (folders holding a pointer) under a prefix, sorted. */
  async partitions(prefix: string): Promise<string[]> {
    const suffix = `/${POINTER_FILE}`;
    return (await this.blobs.list(prefix))
      .filter((p) => p.endsWith(suffix))
      .map((p) => p.slice(0, -suffix.length))
      .sort();
  }

  /** Deletes version folders of a partition other than `keep` (directly below it, not sub-partitions). */
  private async collect(partition: string, keep: Set<string>): Promise<void> {
    const prefix = `${partition}/v=`;
    for (const path of await this.blobs.list(prefix)) {
      const version = path.slice(prefix.length).split('/')[0];
      if (!keep.has(version)) await this.blobs.delete(path);
    }
  }
}
