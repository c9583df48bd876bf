/**
 * One discovery run: every announcement becomes a profile request on the queue (the profiler
 * skips unchanged bytes by content hash), then datasets of the source that were not announced
 * are deleted from the index. A run that fails part-way deletes nothing (it did not see everything).
 */
import { datasetId, type DatasetMetadata } from '../dataset';
import type { CatalogIndex } from '../index/catalog-index';
import type { Announcement, Discoverer } from './discoverer';

export interface DiscoveryDeps {
  index: CatalogIndex;
  /** Puts a profile request on the discovered-datasets queue. */
  enqueue(meta: DatasetMetadata): Promise<void>;
  clock(): Date;
}

export const metadataOf = (identifier: string, a: Announcement, now: Date): DatasetMetadata => ({
  id: datasetId(identifier, a.sourceId),
  name: a.name,
  // the reference strips HTML from descriptions
  ...(a.description ? { description: a.description.replace(/<[^>]*>/g, '').trim() } : {}),
  source: identifier,
  ...(a.source_url ? { source_url: a.source_url } : {}),
  ...(a.license ? { license: a.license } : {}),
  materialize: { ...a.materialize, identifier, date: now.toISOString() },
  owner: null,
  published: true,
});

export async function runDiscovery(
  deps: DiscoveryDeps,
  discoverer: Discoverer,
): Promise<{ announced: number; deleted: string[] }> {
  const seen = new Set<string>();
  for await (const a of discoverer.discover()) {
    const meta = metadataOf(discoverer.identifier, a, deps.clock());
    if (seen.has(meta.id)) continue;
    seen.add(meta.id);
    await deps.enqueue(meta);
  }
  const deleted: string[] = [];
  for (const id of await deps.index.idsOfSource(discoverer.identifier))
    if (!seen.has(id)) {
      await deps.index.delete(id);
      deleted.push(id);
    }
  return { announced: seen.size, deleted };
}

/** On-query discovery: what the discoverers that support it find for these keywords, queued alike. */
export async function discoverOnQuery(
  deps: Omit<DiscoveryDeps, 'index'>,
  discoverers: readonly Discoverer[],
  keywords: readonly string[],
): Promise<number> {
  let n = 0;
  for (const d of discoverers) {
    if (!d.onQuery) continue;
    for await (const a of d.onQuery(keywords)) {
      await deps.enqueue(metadataOf(d.identifier, a, deps.clock()));
      n++;
    }
  }
  return n;
}
