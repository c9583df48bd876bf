/**
 * Energi Data Service (Energinet): its dataset list, `GET {base}/meta/dataset` — an array of
 * dataset descriptions, `{ datasetName, displayName?, description?, resolution?, columns? }`
 * (also accepted wrapped as `{ datasets: [...] }`). Each dataset is materialized as its newest
 * rows, `GET {base}/dataset/{name}?limit=N` (the API's `{ total, records }` envelope); the full
 * history is not copied, so the profile describes a recent window (stated in its description).
 * On a query the same list is filtered: a dataset matches when every keyword occurs in its name,
 * display name or description (case-insensitive) — the API has no search of its own.
 */
import type { Announcement, Discoverer } from './discoverer';

export const EDS_SAMPLE_LIMIT = 10_000;

interface EdsDataset {
  datasetName: string;
  displayName?: string;
  description?: string;
  resolution?: string;
}

export function energiDataServiceDiscoverer(opts: { baseUrl: string; fetch?: typeof fetch }): Discoverer {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/$/, '');
  async function* list(signal?: AbortSignal): AsyncIterable<EdsDataset> {
    const res = await doFetch(`${base}/meta/dataset`, {
      headers: { accept: 'application/json' },
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`Energi Data Service /meta/dataset: ${res.status}`);
    const body = (await res.json()) as EdsDataset[] | { datasets?: EdsDataset[] };
    for (const d of Array.isArray(body) ? body : (body.datasets ?? []))
      if (typeof d.datasetName === 'string' && /^[A-Za-z0-9_]+$/.test(d.datasetName)) yield d;
  }
  const announce = (d: EdsDataset): Announcement => ({
    sourceId: d.datasetName,
    name: d.displayName ?? d.datasetName,
    description: [
      d.description,
      d.resolution ? `Resolution ${d.resolution}.` : '',
      `Profiled from the newest ${EDS_SAMPLE_LIMIT} rows.`,
    ]
      .filter((s) => s)
      .join(' '),
    source_url: `https://www.energidataservice.dk/tso-electricity/${d.datasetName}`,
    materialize: {
      kind: 'url',
      url: `${base}/dataset/${d.datasetName}?limit=${EDS_SAMPLE_LIMIT}`,
      format: 'json',
    },
  });
  return {
    identifier: 'energidataservice',
    async *discover(): AsyncIterable<Announcement> {
      for await (const d of list()) yield announce(d);
    },
    async *onQuery(keywords, signal): AsyncIterable<Announcement> {
      const wanted = keywords.map((k) => k.toLowerCase());
      for await (const d of list(signal)) {
        const text = [d.datasetName, d.displayName ?? '', d.description ?? ''].join(' ').toLowerCase();
        if (wanted.every((k) => text.includes(k))) yield announce(d);
      }
    },
  };
}
