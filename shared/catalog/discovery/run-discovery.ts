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

/**
 * On-query discovery (reference §A.3 "on a query"): the discoverers that implement `onQuery` get
 * the search's keywords, all at once, for at most `deadlineMs`; what they announce before then is
 * queued for the profiler like any announcement (ids already in the index are skipped: the nightly
 * run refreshes those). The search itself does not wait for profiling: a later search finds what
 * was queued once the profiler has indexed it. A discoverer that fails or is cut off by the
 * deadline loses only its own later announcements.
 */
export async function discoverOnQuery(
  deps: Omit<DiscoveryDeps, 'index'> & { known?(id: string): Promise<boolean> },
  discoverers: readonly Discoverer[],
  keywords: readonly string[],
  opts: { deadlineMs?: number } = {},
): Promise<{ announced: string[]; failed: string[]; timedOut: boolean }> {
  const announced: string[] = [];
  const failed: string[] = [];
  const active = discoverers.filter((d) => d.onQuery !== undefined);
  if (keywords.length === 0 || active.length === 0) return { announced, failed, timedOut: false };
  const stop = new AbortController();
  let timedOut = false;
  const timer =
    opts.deadlineMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          stop.abort(new Error(`on-query discovery past ${opts.deadlineMs} ms`));
        }, opts.deadlineMs);
  const aborted = new Promise<'aborted'>((resolve) => stop.signal.addEventListener('abort', () => resolve('aborted')));
  const one = async (d: Discoverer) => {
    const it = d.onQuery!(keywords, stop.signal)[Symbol.asyncIterator]();
    try {
      for (;;) {
        // the deadline cuts a discoverer off even while it waits on its source
        const next = await Promise.race([it.next(), aborted]);
        if (next === 'aborted' || next.done) return;
        const meta = metadataOf(d.identifier, next.value, deps.clock());
        if (announced.includes(meta.id) || (await deps.known?.(meta.id))) continue;
        if (stop.signal.aborted) return;
        await deps.enqueue(meta);
        announced.push(meta.id);
      }
    } catch {
      if (!stop.signal.aborted) failed.push(d.identifier);
    } finally {
      // closes the source's pending request; a generator still awaiting settles on its own
      void it.return?.()?.catch(() => {});
    }
  };
  try {
    await Promise.all(active.map(one));
  } finally {
    if (timer) clearTimeout(timer);
    stop.abort();
  }
  return { announced, failed, timedOut };
}
