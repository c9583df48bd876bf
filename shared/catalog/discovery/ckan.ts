/**
 * A CKAN portal (e.g. a national open-data portal): `GET {base}/api/3/action/package_search?rows=&start=`,
 * paged until `result.count`. Each package becomes one dataset, materialized from its first
 * resource in a format the profiler reads (CSV, Parquet, JSON). `onQuery` passes the keywords as `q`.
 */
import type { DatasetFormat } from '../profile/readers';
import type { Announcement, Discoverer } from './discoverer';

const PAGE = 100;
const FORMATS: Record<string, DatasetFormat> = { csv: 'csv', parquet: 'parquet', json: 'json', jsonl: 'jsonl' };

interface CkanPackage {
  name: string;
  title?: string;
  notes?: string;
  license_title?: string;
  url?: string;
  resources?: Array<{ url?: string; format?: string }>;
}
interface CkanSearch {
  success: boolean;
  result: { count: number; results: CkanPackage[] };
}

export function ckanDiscoverer(opts: { identifier?: string; baseUrl: string; fetch?: typeof fetch }): Discoverer {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/$/, '');
  async function* search(q: string | null, signal?: AbortSignal): AsyncIterable<Announcement> {
    for (let start = 0; ; start += PAGE) {
      const url = `${base}/api/3/action/package_search?rows=${PAGE}&start=${start}${q ? `&q=${encodeURIComponent(q)}` : ''}`;
      const res = await doFetch(url, {
        headers: { accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
      });
      if (!res.ok) throw new Error(`CKAN package_search: ${res.status}`);
      const body = (await res.json()) as CkanSearch;
      if (!body.success) throw new Error('CKAN package_search: success=false');
      for (const p of body.result.results) {
        const resource = (p.resources ?? []).find((r) => r.url && FORMATS[(r.format ?? '').toLowerCase()]);
        if (!resource?.url) continue;
        yield {
          sourceId: p.name,
          name: p.title ?? p.name,
          ...(p.notes ? { description: p.notes } : {}),
          ...(p.license_title ? { license: p.license_title } : {}),
          source_url: `${base}/dataset/${p.name}`,
          materialize: { kind: 'url', url: resource.url, format: FORMATS[(resource.format ?? '').toLowerCase()] },
        };
      }
      if (body.result.results.length === 0 || start + PAGE >= body.result.count) return;
    }
  }
  return {
    identifier: opts.identifier ?? 'ckan',
    discover: () => search(null),
    onQuery: (keywords, signal) => search(keywords.join(' '), signal),
  };
}
