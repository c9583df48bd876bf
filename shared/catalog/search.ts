/**
 * The catalog search (reference §A.4, adapted): keywords (AND across id^10, name^3, description,
 * column keywords — and, in this domain, a year keyword matches temporal coverage, a grid area /
 * price area / region keyword matches spatial coverage), column names, a temporal range
 * (intersects), a bounding box or a grid area / price area, sources and semantic types as filters.
 * Ranked by score; each hit says which parts of its profile matched. Pure, so the embedded index
 * and any test can use it; the Azure AI Search adapter maps the same query onto its own syntax.
 */
import { z } from 'zod';
import type { CatalogEntry } from './dataset';
import { SEMANTIC_TYPES } from './profile/types';
import { nameTokens, parseDate } from './profile/values';
import { priceAreaOf, regionOf } from './profile/energy-ids';

const dateText = z.string().refine((s) => parseDate(s) !== null, 'a date (2023, 2023-05, 2023-05-01T00:00Z, …)');

export const catalogQuerySchema = z
  .strictObject({
    keywords: z.union([z.string().max(500), z.array(z.string().max(100)).max(20)]).optional(),
    columns: z.array(z.string().min(1).max(200)).max(20).optional(),
    temporal: z
      .strictObject({
        start: dateText,
        end: dateText,
        granularity: z.enum(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second']).optional(),
      })
      .refine((t) => parseDate(t.start)! <= parseDate(t.end)!, {
        message: 'start must not be after end',
        path: ['end'],
      })
      .optional(),
    spatial: z
      .strictObject({
        bbox: z
          .strictObject({
            latitude1: z.number().min(-90).max(90),
            longitude1: z.number().min(-180).max(180),
            latitude2: z.number().min(-90).max(90),
            longitude2: z.number().min(-180).max(180),
          })
          .optional(),
        grid_area: z
          .string()
          .regex(/^\d{3}$/)
          .optional(),
        price_area: z
          .string()
          .refine((v) => priceAreaOf(v) !== null, 'a price area (DK1, DK2, DE-LU, SE3, …)')
          .optional(),
      })
      .refine((s) => s.bbox || s.grid_area || s.price_area, 'give bbox, grid_area or price_area')
      .optional(),
    source: z.array(z.string().min(1).max(100)).max(20).optional(),
    semantic_types: z
      .array(z.enum(SEMANTIC_TYPES as [string, ...string[]]))
      .max(20)
      .optional(),
    page: z.number().int().min(1).max(1000).default(1),
    size: z.number().int().min(1).max(100).default(20),
  })
  .meta({ description: 'A catalog search' });
export type CatalogQuery = z.infer<typeof catalogQuerySchema>;

export interface Highlight {
  /** Where in the document: `name`, `description`, `columns.<name>`, `temporal_coverage.<column>`, `spatial_coverage.<column>`. */
  path: string;
  /** What matched there (the keyword, the area, the overlapping period). */
  matched: string[];
}

export interface SearchHit {
  id: string;
  score: number;
  highlights: Highlight[];
}

const DAY = 86_400_000;

/** What a query matches in one entry, precomputed (the embedded index keeps one per dataset). */
export interface SearchDoc {
  id: string;
  source: string;
  idTokens: Set<string>;
  nameTokens: Set<string>;
  descriptionTokens: Set<string>;
  columns: Array<{ name: string; tokens: Set<string>; semantic: Set<string> }>;
  temporal: Array<{ column: string; ranges: Array<[number, number]>; resolution: string }>;
  areas: Array<{ column: string; type: string; values: Set<string> }>;
  boxes: Array<{ column: string; minLon: number; maxLon: number; minLat: number; maxLat: number }>;
}

const words = (s: string | undefined): Set<string> =>
  new Set(
    (s ?? '')
      .replace(/<[^>]*>/g, ' ')
      .split(/[^\p{L}\p{N}-]+/u)
      .flatMap((w) => [w.toLowerCase(), ...nameTokens(w)])
      .filter((w) => w !== ''),
  );

export function searchDoc(e: CatalogEntry): SearchDoc {
  const p = e.profile;
  return {
    id: e.id,
    source: e.source,
    idTokens: new Set([e.id.toLowerCase(), ...words(e.id)]),
    nameTokens: words(e.name),
    descriptionTokens: words(e.description),
    columns: p.columns.map((c) => ({
      name: c.name,
      tokens: new Set([c.name.toLowerCase(), ...nameTokens(c.name)]),
      semantic: new Set(c.semantic_types),
    })),
    temporal: p.temporal_coverage.map((t) => ({
      column: t.column_names.join(','),
      ranges: t.ranges.map((r): [number, number] => [Date.parse(r.gte), Date.parse(r.lte)]),
      resolution: t.temporal_resolution,
    })),
    areas: p.spatial_coverage.flatMap((s) =>
      'values' in s ? [{ column: s.column_names.join(','), type: s.type, values: new Set(s.values) }] : [],
    ),
    boxes: p.spatial_coverage.flatMap((s) =>
      'ranges' in s
        ? s.ranges.map((r) => {
            const [[minLon, maxLat], [maxLon, minLat]] = r.range.coordinates;
            return { column: s.column_names.join(','), minLon, maxLon, minLat, maxLat };
          })
        : [],
    ),
  };
}

export const keywordList = (k: CatalogQuery['keywords']): string[] =>
  (Array.isArray(k) ? k : (k ?? '').split(/\s+/)).map((w) => w.trim().toLowerCase()).filter((w) => w !== '');

/** End of the period a date string names: "2023" → the end of 2023, "2023-05" → the end of May. */
function periodEnd(s: string): number {
  const t = parseDate(s)!;
  const v = s.trim();
  if (/^\d{4}$/.test(v)) return Date.UTC(Number(v) + 1, 0, 1) - 1;
  if (/^\d{4}-\d{2}$/.test(v)) return Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)), 1) - 1;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return t + DAY - 1;
  return t;
}

const add = (hl: Map<string, Set<string>> | null, path: string, what: string) => {
  if (hl === null) return;
  const s = hl.get(path) ?? new Set<string>();
  s.add(what);
  hl.set(path, s);
};

/** What scoring needs from a query, worked out once per search instead of once per document. */
export interface CompiledQuery {
  q: CatalogQuery;
  keywords: Array<{ kw: string; year: [number, number] | null; area: string }>;
  temporal: { from: number; to: number } | null;
  priceArea: string | null;
}

export function compileQuery(q: CatalogQuery): CompiledQuery {
  return {
    q,
    keywords: keywordList(q.keywords).map((kw) => ({
      kw,
      year: /^\d{4}$/.test(kw) ? [Date.UTC(Number(kw), 0, 1), Date.UTC(Number(kw) + 1, 0, 1) - 1] : null,
      area: priceAreaOf(kw) ?? regionOf(kw, false) ?? kw,
    })),
    temporal: q.temporal ? { from: parseDate(q.temporal.start)!, to: periodEnd(q.temporal.end) } : null,
    priceArea: q.spatial?.price_area ? priceAreaOf(q.spatial.price_area) : null,
  };
}

/**
 * Scores one document against the query: null when a filter or a keyword does not match. Weights:
 * id 10, name 3, column name 2, description 1, year-in-coverage 2, area key 2; temporal filters
 * add up to 3 by the share of the queried period covered, column-name filters 2 each.
 */
export function scoreDoc(
  doc: SearchDoc,
  query: CatalogQuery | CompiledQuery,
  /** false: the score only (ranking every hit); the page's hits are scored again with highlights. */
  highlights = true,
): SearchHit | null {
  const c = 'q' in query ? query : compileQuery(query);
  const q = c.q;
  const hl = highlights ? new Map<string, Set<string>>() : null;
  let score = 0;
  if (q.source && !q.source.includes(doc.source)) return null;
  for (const st of q.semantic_types ?? []) {
    const col = doc.columns.find((x) => x.semantic.has(st));
    if (!col) return null;
    add(hl, `columns.${col.name}`, st);
    score += 1;
  }
  for (const { kw, year, area } of c.keywords) {
    let s = 0;
    if (doc.idTokens.has(kw)) s += 10;
    if (doc.nameTokens.has(kw)) {
      s += 3;
      add(hl, 'name', kw);
    }
    if (doc.descriptionTokens.has(kw)) {
      s += 1;
      add(hl, 'description', kw);
    }
    for (const col of doc.columns)
      if (col.tokens.has(kw)) {
        s += 2;
        add(hl, `columns.${col.name}`, kw);
      }
    if (year) {
      const [from, to] = year;
      for (const t of doc.temporal)
        if (t.ranges.some(([a, b]) => a <= to && b >= from)) {
          s += 2;
          add(hl, `temporal_coverage.${t.column}`, kw);
        }
    }
    for (const a of doc.areas)
      if (a.values.has(area)) {
        s += 2;
        add(hl, `spatial_coverage.${a.column}`, area);
      }
    if (s === 0) return null; // keywords are ANDed, like the reference's cross_fields/AND
    score += s;
  }
  for (const wanted of q.columns ?? []) {
    const w = wanted.toLowerCase();
    const col = doc.columns.find((x) => x.name.toLowerCase() === w || x.tokens.has(w));
    if (!col) return null;
    score += 2;
    add(hl, `columns.${col.name}`, wanted);
  }
  if (q.temporal && c.temporal) {
    const { from, to } = c.temporal;
    let best = 0;
    for (const t of doc.temporal) {
      if (q.temporal.granularity && t.resolution !== q.temporal.granularity) continue;
      let covered = 0;
      for (const [a, b] of t.ranges)
        covered += Math.max(0, Math.min(b, to) - Math.max(a, from) + (a <= to && b >= from ? 1 : 0));
      if (covered > 0) {
        best = Math.max(best, covered / Math.max(1, to - from + 1));
        add(hl, `temporal_coverage.${t.column}`, `${q.temporal.start}/${q.temporal.end}`);
      }
    }
    if (best === 0) return null;
    score += 1 + 2 * Math.min(1, best);
  }
  if (q.spatial) {
    const { bbox, grid_area, price_area } = q.spatial;
    let hit = false;
    if (grid_area)
      for (const a of doc.areas)
        if (a.type === 'grid_area' && a.values.has(grid_area)) {
          hit = true;
          add(hl, `spatial_coverage.${a.column}`, grid_area);
        }
    const pa = price_area ? c.priceArea : null;
    if (pa)
      for (const a of doc.areas)
        if (a.type === 'price_area' && a.values.has(pa)) {
          hit = true;
          add(hl, `spatial_coverage.${a.column}`, pa);
        }
    if (bbox) {
      const [minLat, maxLat] = [Math.min(bbox.latitude1, bbox.latitude2), Math.max(bbox.latitude1, bbox.latitude2)];
      const [minLon, maxLon] = [Math.min(bbox.longitude1, bbox.longitude2), Math.max(bbox.longitude1, bbox.longitude2)];
      for (const b of doc.boxes)
        if (b.minLat <= maxLat && b.maxLat >= minLat && b.minLon <= maxLon && b.maxLon >= minLon) {
          hit = true;
          add(hl, `spatial_coverage.${b.column}`, 'bbox');
        }
    }
    if (!hit) return null;
    score += 2;
  }
  return {
    id: doc.id,
    score: Number(score.toFixed(4)),
    highlights: hl ? [...hl.entries()].map(([path, m]) => ({ path, matched: [...m] })) : [],
  };
}
