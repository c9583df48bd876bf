/**
 * The registered discoverers. Adding one: write `my-source.ts` exporting a function that returns
 * a `Discoverer` (see ckan.ts for a paged HTTP source), then add one line below — with its
 * setting in shared/config/settings.ts when it needs a URL. Uploads need no discoverer: the upload
 * endpoint records them directly (catalog-service.ts).
 */
import type { BlobStore } from '../../storage/blob-store';
import { ckanDiscoverer } from './ckan';
import type { Discoverer } from './discoverer';
import { energiDataServiceDiscoverer } from './energi-data-service';
import { lakeDiscoverer } from './lake';

export interface DiscovererSettings {
  /** Energi Data Service API base; null: not crawled. */
  edsUrl: string | null;
  /** CKAN portal base; null: not crawled. */
  ckanUrl: string | null;
}

export function registeredDiscoverers(
  settings: DiscovererSettings,
  stores: { basisData: BlobStore; results: BlobStore },
  fetchImpl?: typeof fetch,
): Discoverer[] {
  return [
    lakeDiscoverer(stores),
    ...(settings.edsUrl ? [energiDataServiceDiscoverer({ baseUrl: settings.edsUrl, fetch: fetchImpl })] : []),
    ...(settings.ckanUrl ? [ckanDiscoverer({ baseUrl: settings.ckanUrl, fetch: fetchImpl })] : []),
  ];
}
