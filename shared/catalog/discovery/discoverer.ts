/**
 * The discoverer plugin contract (reference §A.3): a discoverer lists what its source holds and
 * announces each dataset; the catalog queues each for the profiler and, after a full run, deletes
 * the datasets of that source it no longer saw (reconciliation). On-query discovery is optional:
 * a discoverer that can search its source cheaply implements `onQuery`.
 *
 * Adding a discoverer is one file exporting a `Discoverer` plus one line in registry.ts.
 */
import type { Materialize } from '../dataset';

export interface Announcement {
  /** Stable within the source (the dataset id is `<identifier>.<sourceId>`). */
  sourceId: string;
  name: string;
  description?: string;
  source_url?: string;
  license?: string;
  materialize: Materialize;
}

export interface Discoverer {
  /** Short, stable, unique: the `source` of its datasets and the prefix of their ids. */
  readonly identifier: string;
  /** Ahead of time: every dataset the source holds now. */
  discover(): AsyncIterable<Announcement>;
  /**
   * On a query (POST /api/catalog/search with keywords): datasets of the source matching these
   * keywords, announced like the others. `signal` aborts when the search's time for discovery is
   * up: pass it to the source's requests.
   */
  onQuery?(keywords: readonly string[], signal?: AbortSignal): AsyncIterable<Announcement>;
}
