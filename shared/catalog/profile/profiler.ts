/**
 * The dataset profiler (issue 16): bytes in, metadata document out. Pure — no I/O but the
 * parquet-wasm decode — and deterministic: the same bytes give the same document, keyed by their
 * sha256 (`content_hash`), so a re-announced, unchanged dataset need not be profiled again.
 *
 * Sampling rule: every row is counted and every cell feeds the distinct-count sketch (Parquet:
 * the row count comes from the file and the sketch sees the profiled rows only); when a file
 * has more than SAMPLE_ROWS rows, the type, statistics and coverage rules run on every ⌈n / SAMPLE_ROWS⌉-th
 * row (row 0, k, 2k, …) — a fixed stride, not a random draw, so the profile stays deterministic
 * and a file sorted by time still spans its whole period. The domain's spatial keys (grid areas,
 * price areas, regions) are then collected from every row, since one rare area matters to search.
 */
import { createHash } from 'node:crypto';
import { localParts } from '../../domain/local-time';
import { isEic, isGln, isGsrn, priceAreaOf, regionOf, unitFromName } from './energy-ids';
import { readDataset, type Cell, type DatasetFormat, type DatasetInput } from './readers';
import { coverageRanges } from './ranges';
import { HyperLogLog } from './sketch';
import { regularStep, temporalResolution } from './temporal';
import type { ColumnProfile, Profile, SemanticType, SpatialCoverage, StructuralType, TemporalCoverage } from './types';
import {
  isInteger,
  isUrl,
  nameTokens,
  parseDate,
  parseNumber,
  parsePoint,
  parseQuantity,
  parseYyyymmdd,
  wordCount,
} from './values';

export const SAMPLE_ROWS = 20_000;
/** A type holds when at least this share of the non-empty values fit it (the reference's MAX_UNCLEAN = 0.02). */
export const TYPE_THRESHOLD = 0.98;
const CATEGORICAL_MAX_RATIO = 0.1;
const FREE_TEXT_MIN_WORDS = 4;
const FREE_TEXT_SHARE = 0.5;
const SAMPLE_OUT_ROWS = 10;
const SAMPLE_CELL_CHARS = 140;
/** Elasticsearch floats overflow beyond this; the reference ignores such values and so do we. */
const MAX_FLOAT = 3.4e38;
const MAX_KEY_VALUES = 1000;
const COPENHAGEN = 'Europe/Copenhagen';

const BOOLEAN_VALUES = new Set(['0', '1', 'true', 'false', 'y', 'n', 'yes', 'no', 't', 'f']);
const LAT_WORDS = new Set(['lat', 'latitude', 'breddegrad']);
const LON_WORDS = new Set(['lon', 'lng', 'long', 'longitude', 'længdegrad']);
const GRID_AREA_NAME = /grid.?area|gridarea|net.?area|netomr|netvirksomhed|grid.?company|^ga$|_ga$/i;

/** A wall-clock column of the Danish market (EDS's HourDK/TimeDK, *_local): read as Europe/Copenhagen. */
const isLocalTimeColumn = (tokens: readonly string[]): boolean =>
  tokens.length > 1 && ['dk', 'local', 'lokal'].includes(tokens[tokens.length - 1]);

const share = (n: number, of: number): boolean => of > 0 && n >= TYPE_THRESHOLD * of;
const round = (x: number, digits = 6): number => Number(x.toPrecision(digits + 2));

/**
 * A Copenhagen wall-clock column: the autumn hour that happens twice is written twice with the
 * same label; the first is read as summer time, a repeat of it (in file order) as the second,
 * winter-time occurrence — so an hourly local series stays hourly across the change.
 */
function localInstants(values: readonly Cell[]): Array<number | null> {
  const seenAmbiguous = new Set<number>();
  return values.map((v) => {
    if (v === null) return null;
    const t = parseDate(v, true);
    if (t === null) return null;
    const later = t + 3_600_000;
    const ambiguous = sameWallClock(t, later);
    if (!ambiguous) return t;
    if (seenAmbiguous.has(t)) return later;
    seenAmbiguous.add(t);
    return t;
  });
}

const sameWallClock = (a: number, b: number): boolean => {
  const [x, y] = [localParts(a), localParts(b)];
  return x.day === y.day && x.hour === y.hour && x.minute === y.minute;
};

interface ColumnWork {
  profile: ColumnProfile;
  /** Instants (ms) of a datetime column, per profiled row (null where not a date). */
  instants?: Array<number | null>;
  /** Numbers per profiled row (latitude/longitude pairing). */
  numbers?: Array<number | null>;
  local: boolean;
  latKey?: string;
  lonKey?: string;
}

function profileColumn(name: string, values: readonly Cell[], distinct: number): ColumnWork {
  const tokens = nameTokens(name);
  const total = values.length;
  const nonEmpty = values.filter((v): v is string => v !== null);
  const ne = nonEmpty.length;
  let ints = 0;
  let nums = 0;
  let quantities = 0;
  let urls = 0;
  let points = 0;
  const unitCounts = new Map<string, number>();
  for (const v of nonEmpty) {
    if (isInteger(v)) ints++;
    if (parseNumber(v) !== null) nums++;
    else {
      const q = parseQuantity(v);
      if (q) {
        quantities++;
        unitCounts.set(q.unit, (unitCounts.get(q.unit) ?? 0) + 1);
      }
    }
    if (isUrl(v)) urls++;
    if (parsePoint(v)) points++;
  }
  let structural: StructuralType;
  let clean: number;
  if (ne === 0) [structural, clean] = ['missing', 0];
  else if (share(ints, ne)) [structural, clean] = ['integer', ints];
  else if (share(nums, ne)) [structural, clean] = ['float', nums];
  else if (quantities > 0 && share(nums + quantities, ne)) [structural, clean] = ['float', nums + quantities];
  else if (share(points, ne)) [structural, clean] = ['geo_point', points];
  else [structural, clean] = ['text', ne];

  const semantic = new Set<SemanticType>();
  const all = (pred: (v: string) => boolean) => share(nonEmpty.filter(pred).length, ne);
  const local = isLocalTimeColumn(tokens);
  const exactDistinct = new Set(nonEmpty);

  if (ne > 0 && all((v) => BOOLEAN_VALUES.has(v.toLowerCase())) && exactDistinct.size <= 4) semantic.add('boolean');
  if (structural === 'text' && share(urls, ne)) semantic.add('url');
  if (all(isGsrn)) semantic.add('gsrn').add('identifier');
  else if (all(isGln)) semantic.add('gln').add('identifier');
  if (ne > 0 && structural === 'text' && all(isEic)) semantic.add('eic').add('identifier');
  if (ne > 0 && all((v) => priceAreaOf(v) !== null)) semantic.add('price_area');
  if (ne > 0 && all((v) => regionOf(v, tokens.includes('region')) !== null)) semantic.add('region');
  if (ne > 0 && GRID_AREA_NAME.test(name) && all((v) => /^\d{3}$/.test(v))) semantic.add('grid_area');

  // date-times: text parsed with the partial-date rule; integer years and YYYYMMDD integers
  let instants: Array<number | null> | undefined;
  if (structural === 'text' && !semantic.has('url')) {
    const parsed = local ? localInstants(values) : values.map((v) => (v === null ? null : parseDate(v)));
    if (share(parsed.filter((x) => x !== null).length, ne)) instants = parsed;
  } else if (structural === 'integer' && !semantic.has('boolean')) {
    if (
      tokens.some((t) => t === 'year' || t === 'år' || t === 'aar') &&
      all((v) => Number(v) >= 1000 && Number(v) <= 2999)
    )
      instants = values.map((v) => (v === null ? null : Date.UTC(Number(v), 0, 1)));
    else if (all((v) => parseYyyymmdd(v) !== null))
      instants = values.map((v) => (v === null ? null : parseYyyymmdd(v)));
  }
  if (instants) semantic.add('datetime');

  const isNumeric = (structural === 'integer' || structural === 'float') && !instants && !semantic.has('identifier');
  let unit: string | undefined;
  if (isNumeric) {
    unit =
      [...unitCounts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ??
      unitFromName(tokens) ??
      undefined;
    if (unit !== undefined) semantic.add('quantity');
  }
  const lastWord = tokens[tokens.length - 1];
  if (!semantic.has('identifier') && (structural === 'integer' || structural === 'text') && !instants) {
    const named =
      lastWord === 'id' || lastWord === 'identifier' || lastWord === 'mrid' || lastWord === 'gsrn' || /Id$/.test(name);
    const uniqueCodes =
      structural === 'text' &&
      !semantic.has('url') &&
      ne >= 10 &&
      exactDistinct.size === ne &&
      all((v) => !/\s/.test(v));
    if (named || uniqueCodes) semantic.add('identifier');
  }
  if (structural === 'text' && !instants && !semantic.has('url')) {
    if (nonEmpty.filter((v) => wordCount(v) >= FREE_TEXT_MIN_WORDS).length >= FREE_TEXT_SHARE * ne && ne > 0)
      semantic.add('free_text');
  }
  if (
    ne > 0 &&
    (structural === 'text' || structural === 'integer') &&
    !semantic.has('free_text') &&
    !semantic.has('identifier') &&
    !instants &&
    exactDistinct.size <= CATEGORICAL_MAX_RATIO * ne
  )
    semantic.add('categorical');

  // latitude/longitude candidates: named so and in range; paired (or dropped) in pairLatLon
  let numbers: Array<number | null> | undefined;
  let latKey: string | undefined;
  let lonKey: string | undefined;
  if (structural === 'integer' || structural === 'float') {
    numbers = values.map((v) => (v === null ? null : (parseNumber(v) ?? parseQuantity(v)?.value ?? null)));
    const latWord = tokens.find((t) => LAT_WORDS.has(t));
    const lonWord = tokens.find((t) => LON_WORDS.has(t));
    const inRange = (limit: number) => numbers!.every((x) => x === null || Math.abs(x) <= limit);
    const key = (word: string) => tokens.filter((t) => t !== word).join(' ');
    if (latWord && !lonWord && inRange(90)) latKey = key(latWord);
    if (lonWord && !latWord && inRange(180)) lonKey = key(lonWord);
  }

  const profile: ColumnProfile = {
    name,
    structural_type: structural,
    semantic_types: [],
    missing_values_ratio: total > 0 ? round((total - ne) / total) : 0,
    unclean_values_ratio: total > 0 ? round((ne - clean) / total) : 0,
    num_distinct_values: distinct,
  };
  if (isNumeric && numbers) {
    const xs = numbers.filter((x): x is number => x !== null && Math.abs(x) <= MAX_FLOAT);
    if (xs.length > 0) {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
      let min = Infinity;
      let max = -Infinity;
      for (const x of xs) [min, max] = [Math.min(min, x), Math.max(max, x)];
      Object.assign(profile, {
        mean: round(mean),
        stddev: round(Math.sqrt(variance)),
        min,
        max,
        coverage: coverageRanges(xs),
      });
    }
    if (unit !== undefined) profile.unit = unit;
  }
  if (semantic.has('categorical') || semantic.has('boolean')) {
    const counts = new Map<string, number>();
    for (const v of nonEmpty) counts.set(v, (counts.get(v) ?? 0) + 1);
    profile.top_values = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 5)
      .map(([value, count]) => ({ value, count }));
  }
  profile.semantic_types = [...semantic];
  return { profile, instants, numbers, local, latKey, lonKey };
}

/** The reference's pairing: "pickup lat" goes with "pickup long"; a column without a partner loses the tag. */
function pairLatLon(work: ColumnWork[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const usedLon = new Set<number>();
  work.forEach((w, i) => {
    if (w.latKey === undefined) return;
    const j = work.findIndex((o, jj) => o.lonKey === w.latKey && !usedLon.has(jj));
    if (j >= 0) {
      usedLon.add(j);
      pairs.push([i, j]);
      w.profile.semantic_types.push('latitude');
      work[j].profile.semantic_types.push('longitude');
    }
  });
  return pairs;
}

const envelope = (lats: number[], lons: number[]) => ({
  range: {
    type: 'envelope' as const,
    coordinates: [
      [Math.min(...lons), Math.max(...lats)],
      [Math.max(...lons), Math.min(...lats)],
    ] as [[number, number], [number, number]],
  },
});

function csvCell(v: Cell): string {
  if (v === null) return '';
  const s = v.length > SAMPLE_CELL_CHARS ? v.slice(0, SAMPLE_CELL_CHARS) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** mulberry32, seeded from the content hash: the sample rows are the same for the same bytes. */
function seededRandom(seedHex: string): () => number {
  let a = parseInt(seedHex.slice(0, 8), 16) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const contentHash = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The same hash over a Blob, streamed (a file-backed Blob is never held whole). */
async function contentHashOf(input: DatasetInput): Promise<string> {
  if (input instanceof Uint8Array) return contentHash(input);
  const h = createHash('sha256');
  const reader = (input.stream() as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return h.digest('hex');
    h.update(value);
  }
}

/**
 * Profiles a dataset. `input` is its bytes, or a Blob (a Parquet file opened with fs.openAsBlob
 * is then read by ranges: only its metadata and sampled row groups, see readers.ts).
 */
export async function profileDataset(input: DatasetInput, format: DatasetFormat): Promise<Profile> {
  const hash = await contentHashOf(input);
  const byteLength = input instanceof Uint8Array ? input.byteLength : input.size;
  const source = await readDataset(input, format);
  const { columns } = source;
  if (columns.length === 0) throw new Error('the dataset has no columns');

  // pass 1: count rows, sketch distinct values of every cell (Parquet: the count is in the
  // metadata, and the sketch sees the profiled rows only — rendering every cell as text is what
  // would make a 20 M-row file slow)
  const sketches = columns.map(() => new HyperLogLog());
  let nbRows = 0;
  if (source.columnar) nbRows = source.columnar.rowCount;
  else
    for (const row of source.rows()) {
      nbRows++;
      row.forEach((v, i) => v !== null && sketches[i].add(v));
    }
  // pass 2: the profiled rows
  // a sampled Parquet file: the stride runs over the row groups read, not the whole file
  const readRows = source.columnar ? source.columnar.sampledRowCount : nbRows;
  const stride = Math.max(1, Math.ceil(readRows / SAMPLE_ROWS));
  const sampled: Cell[][] = [];
  if (source.columnar) {
    for (const row of source.columnar.everyNth(stride)) {
      sampled.push(row);
      row.forEach((v, i) => v !== null && sketches[i].add(v));
    }
  } else {
    let r = 0;
    for (const row of source.rows()) if (r++ % stride === 0) sampled.push(row);
  }
  const columnValues = columns.map((_, i) => sampled.map((row) => row[i]));

  const work = columns.map((name, i) => {
    const exact = stride === 1 && readRows === nbRows;
    const distinct = exact ? new Set(columnValues[i].filter((v) => v !== null)).size : sketches[i].estimate();
    return profileColumn(name, columnValues[i], distinct);
  });
  const latLonPairs = pairLatLon(work);

  // temporal coverage, one entry per date-time column
  const temporal: TemporalCoverage[] = [];
  work.forEach((w, i) => {
    if (!w.instants) return;
    const distinct = [...new Set(w.instants.filter((x): x is number => x !== null))].sort((a, b) => a - b);
    if (distinct.length === 0) return;
    const resolution = temporalResolution(distinct);
    const step = regularStep(distinct);
    const fine = resolution === 'hour' || resolution === 'minute' || resolution === 'second';
    temporal.push({
      type: 'datetime',
      column_names: [w.profile.name],
      column_indexes: [i],
      ranges: coverageRanges(distinct).map((rg) => ({
        gte: new Date(rg.gte).toISOString(),
        lte: new Date(rg.lte).toISOString(),
      })),
      temporal_resolution: resolution,
      ...(step !== undefined && (fine || (resolution === 'day' && step.startsWith('P') && !step.startsWith('PT')))
        ? { step }
        : {}),
      ...(w.local ? { local_time_zone: COPENHAGEN } : {}),
    });
  });

  // spatial coverage: lat/lon pairs and point columns as envelopes; the domain's keys as value lists
  const spatial: SpatialCoverage[] = [];
  for (const [i, j] of latLonPairs) {
    const lats: number[] = [];
    const lons: number[] = [];
    for (let k = 0; k < sampled.length; k++) {
      const [la, lo] = [work[i].numbers![k], work[j].numbers![k]];
      if (la !== null && lo !== null) {
        lats.push(la);
        lons.push(lo);
      }
    }
    if (lats.length > 0)
      spatial.push({
        type: 'latlong',
        column_names: [columns[i], columns[j]],
        column_indexes: [i, j],
        ranges: [envelope(lats, lons)],
        number: lats.length,
      });
  }
  work.forEach((w, i) => {
    if (w.profile.structural_type !== 'geo_point') return;
    const pts = columnValues[i].map((v) => (v === null ? null : parsePoint(v))).filter((p) => p !== null);
    if (pts.length > 0)
      spatial.push({
        type: 'point',
        column_names: [columns[i]],
        column_indexes: [i],
        ranges: [
          envelope(
            pts.map((p) => p.lat),
            pts.map((p) => p.lon),
          ),
        ],
        number: pts.length,
      });
  });
  const keyColumns: Array<{ i: number; type: 'grid_area' | 'price_area' | 'region'; values: Set<string> }> = [];
  work.forEach((w, i) => {
    for (const type of ['grid_area', 'price_area', 'region'] as const)
      if (w.profile.semantic_types.includes(type)) keyColumns.push({ i, type, values: new Set() });
  });
  if (keyColumns.length > 0) {
    // pass 3: every row, so an area present in a few rows only is still found
    const collect = (k: (typeof keyColumns)[number], v: Cell) => {
      if (v === null || k.values.size >= MAX_KEY_VALUES) return;
      const key =
        k.type === 'price_area'
          ? priceAreaOf(v)
          : k.type === 'region'
            ? regionOf(v, true)
            : /^\d{3}$/.test(v)
              ? v
              : null;
      if (key !== null) k.values.add(key);
    };
    if (source.columnar) {
      for (const k of keyColumns) for (const v of source.columnar.column(k.i)) collect(k, v);
    } else for (const row of source.rows()) for (const k of keyColumns) collect(k, row[k.i]);
    for (const k of keyColumns)
      spatial.push({ type: k.type, column_names: [columns[k.i]], column_indexes: [k.i], values: [...k.values].sort() });
  }

  // dataset types: each column counts once, temporal > spatial > categorical > numerical
  const SPATIAL: SemanticType[] = ['latitude', 'longitude', 'grid_area', 'price_area', 'region'];
  const kinds = work.map((w) => {
    const s = w.profile.semantic_types;
    if (s.includes('datetime')) return 'temporal';
    if (w.profile.structural_type === 'geo_point' || s.some((t) => SPATIAL.includes(t))) return 'spatial';
    if (s.includes('categorical') || s.includes('boolean')) return 'categorical';
    if ((w.profile.structural_type === 'integer' || w.profile.structural_type === 'float') && !s.includes('identifier'))
      return 'numerical';
    return null;
  });
  const count = (k: string) => kinds.filter((x) => x === k).length;

  const keywords: string[] = [];
  for (const c of columns) for (const t of [c, ...nameTokens(c)]) if (!keywords.includes(t)) keywords.push(t);

  const random = seededRandom(hash);
  const picks = new Set<number>();
  const want = Math.min(SAMPLE_OUT_ROWS, sampled.length);
  while (picks.size < want) picks.add(Math.floor(random() * sampled.length));
  const sampleRows = [...picks].sort((a, b) => a - b).map((k) => sampled[k]);
  const sample = [columns, ...sampleRows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';

  return {
    content_hash: hash,
    format,
    size: byteLength,
    nb_rows: nbRows,
    nb_profiled_rows: sampled.length,
    nb_columns: columns.length,
    average_row_size: nbRows > 0 ? round(byteLength / nbRows, 4) : 0,
    columns: work.map((w) => w.profile),
    types: (['numerical', 'categorical', 'spatial', 'temporal'] as const).filter((k) => count(k) > 0),
    nb_numerical_columns: count('numerical'),
    nb_categorical_columns: count('categorical'),
    nb_spatial_columns: count('spatial'),
    nb_temporal_columns: count('temporal'),
    temporal_coverage: temporal,
    spatial_coverage: spatial,
    attribute_keywords: keywords,
    sample,
  };
}
