/**
 * One catalogued dataset: where it came from (the discoverer and how to fetch it again), who may
 * see it, and its profile. Ids are `<discoverer identifier>.<source id>` as in the reference.
 */
import type { Profile } from './profile/types';
import type { DatasetFormat } from './profile/readers';

/** How to fetch the bytes again (the reference's `materialize`). */
export type Materialize =
  | { kind: 'url'; url: string; format: DatasetFormat }
  /** A blob in one of the platform's containers (lake tables, results, uploads). */
  | { kind: 'blob'; container: string; path: string; format: DatasetFormat };

export interface DatasetMetadata {
  id: string;
  name: string;
  description?: string;
  /** The discoverer's identifier (`lake`, `energidataservice`, `ckan`, `upload`). */
  source: string;
  source_url?: string;
  license?: string;
  materialize: Materialize & { identifier: string; date: string };
  /** Uploads: the uploader's token subject; discovered datasets: null (everyone may see them). */
  owner: string | null;
  /** An upload becomes visible to every caller once its owner publishes it. */
  published: boolean;
}

export interface CatalogEntry extends DatasetMetadata {
  profile: Profile;
  indexed_at: string;
}

/** Who is searching: the token's subject. */
export interface Viewer {
  subject: string;
}

export const visibleTo = (e: DatasetMetadata, viewer: Viewer): boolean =>
  e.owner === null || e.published || e.owner === viewer.subject;

export const datasetId = (identifier: string, sourceId: string): string => `${identifier}.${sourceId}`;
