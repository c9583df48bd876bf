import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore } from './blob-store';
import { BlobNotFoundError } from './errors';

/**
 * `downloadPrefix` in terms of the port's own list and get, shared by every adapter: the files
 * keep their paths below the prefix; a blob deleted between listing and reading is an error.
 */
export async function downloadPrefixVia(
  store: Pick<BlobStore, 'container' | 'list' | 'get'>,
  prefix: string,
  localDir: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const name of await store.list(prefix)) {
    const bytes = await store.get(name);
    if (!bytes) throw new BlobNotFoundError(store.container, name); // deleted since it was listed
    const target = join(localDir, name.slice(prefix.length).replace(/^\//, ''));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    files.push(target);
  }
  return files;
}
