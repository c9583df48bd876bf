/**
 * The metadata document of one dataset (../shared/reference/catalog-smard-style.md §A.2), in
 * snake_case like the reference so its field names can be looked up there. Structural and
 * semantic types are short names here; the reference's schema.org URIs in comments.
 */

/** Integer, Float, Text, GeoCoordinates, MissingData. */
export type StructuralType = 'integer' | 'float' | 'text' | 'geo_point' | 'missing';

export type SemanticType =
  | 'boolean'
  | 'categorical' // schema.org Enumeration
  | 'identifier'
  | 'free_text'
  | 'datetime'
  | 'latitude'
  | 'longitude'
  | 'url'
  // this domain's own
  | 'gsrn' // metering point id
  | 'gln' // market party (GS1)
  | 'eic' // market party or area (ENTSO-E)
  | 'grid_area'
  | 'price_area'
  | 'region'
  | 'quantity';
export const SEMANTIC_TYPES: readonly SemanticType[] = [
  'boolean',
  'categorical',
  'identifier',
  'free_text',
  'datetime',
  'latitude',
  'longitude',
  'url',
  'gsrn',
  'gln',
  'eic',
  'grid_area',
  'price_area',
  'region',
  'quantity',
];

export interface NumericRange {
  gte: number;
  lte: number;
}

export type TemporalResolution = 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second';

export interface ColumnProfile {
  name: string;
  structural_type: StructuralType;
  semantic_types: SemanticType[];
  /** Empty cells / profiled rows. */
  missing_values_ratio: number;
  /** Non-empty cells that do not fit the structural type / profiled rows. */
  unclean_values_ratio: number;
  /** Distinct non-empty values: exact when every row was profiled, else a HyperLogLog estimate over every row. */
  num_distinct_values: number;
  /** Numeric columns (not identifiers): over the profiled rows. */
  mean?: number;
  stddev?: number;
  min?: number;
  max?: number;
  /** ≤ 3 ranges (1-D k-means, clusters under 1 % of the values dropped as outliers). */
  coverage?: NumericRange[];
  /** Quantities: the unit, from the values ("12 kWh") or the column name ("quantity_kwh", "SpotPriceDKK"). */
  unit?: string;
  /** Categorical columns: the most common values (≤ 5), most common first. */
  top_values?: Array<{ value: string; count: number }>;
}

export interface TemporalCoverage {
  type: 'datetime';
  column_names: string[];
  column_indexes: number[];
  /** ISO instants (the reference stores epoch seconds); ≤ 3 ranges. */
  ranges: Array<{ gte: string; lte: string }>;
  temporal_resolution: TemporalResolution;
  /** The regular step between instants when there is one (PT15M, PT1H, P1D); from the profiled rows. */
  step?: string;
  /** Wall-clock column read as Europe/Copenhagen (DST-aware). */
  local_time_zone?: string;
}

/** A GeoJSON-style envelope: [[min lon, max lat], [max lon, min lat]]. */
export interface Envelope {
  type: 'envelope';
  coordinates: [[number, number], [number, number]];
}

export type SpatialCoverage =
  | {
      type: 'latlong' | 'point';
      column_names: string[];
      column_indexes: number[];
      ranges: Array<{ range: Envelope }>;
      number: number;
    }
  | {
      /** This domain's spatial keys: the values present (sorted). */
      type: 'grid_area' | 'price_area' | 'region';
      column_names: string[];
      column_indexes: number[];
      values: string[];
    };

export interface Profile {
  /** sha256 of the bytes profiled: the same bytes always give the same profile (and are profiled once). */
  content_hash: string;
  format: 'csv' | 'parquet' | 'jsonl' | 'json';
  size: number;
  nb_rows: number;
  nb_profiled_rows: number;
  nb_columns: number;
  average_row_size: number;
  columns: ColumnProfile[];
  types: Array<'numerical' | 'categorical' | 'spatial' | 'temporal'>;
  nb_numerical_columns: number;
  nb_categorical_columns: number;
  nb_spatial_columns: number;
  nb_temporal_columns: number;
  temporal_coverage: TemporalCoverage[];
  spatial_coverage: SpatialCoverage[];
  /** Column names plus their tokens (punctuation and camelCase split), for keyword search. */
  attribute_keywords: string[];
  /** ≤ 10 rows picked deterministically from the content hash, in file order, cells ≤ 140 chars; CSV with a header. */
  sample: string;
}
