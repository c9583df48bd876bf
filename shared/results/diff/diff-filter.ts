/**
 * Which series a diff keeps on one side: the query's filters and the caller's row scope, decided
 * by the results API's own rule (result-stream.ts rowKeeper) on the series key — every column
 * that rule reads is a key column — so a diff shows exactly the series the caller's two results
 * reads would show.
 */
import type { RowScope } from '../../auth/access';
import { rowKeeper, type ResultKind } from '../result-stream';
import type { SeriesFilter } from './diff-kernel';
import { diffSpecOf } from './diff-spec';

export interface DiffQuery {
  kind: ResultKind;
  /** time_series_type (energy) or amount_type (wholesale) */
  type?: string;
  gridArea?: string;
  /** aggregation_level (energy) */
  level?: string;
}

export function seriesFilter(query: DiffQuery, scope?: RowScope): SeriesFilter {
  const keep = rowKeeper({ kind: query.kind, type: query.type, gridArea: query.gridArea, scope });
  const levelColumn = diffSpecOf(query.kind).levelColumn;
  const level = query.level;
  return (cell) => keep(cell) && (!level || levelColumn === null || cell(levelColumn) === level);
}
