import { AGGREGATION_LEVELS, TIME_SERIES_TYPES } from '../../../shared/domain/codes';
import { ApiError, getJson, type Diff, type Job, type SeriesKey } from './api';
import { mountChart } from './chart';
import { h, replace, table, utc } from './dom';

/** Rows of the movers table: the series that moved most. */
const MOVERS = 25;

export interface CompareQuery {
  a: string;
  b: string;
  gridArea: string;
  type: string;
  level: string;
}

/** Compare two jobs with GET /api/jobs/{a}/diff/{b}: chart of the differences over time, the biggest movers. */
export function compareView(query: CompareQuery, go: (q: CompareQuery) => void, signal: AbortSignal): HTMLElement {
  const jobA = h('select', { id: 'compare-a', name: 'a', required: true });
  const jobB = h('select', { id: 'compare-b', name: 'b', required: true });
  const gridArea = h('input', {
    id: 'compare-grid-area',
    name: 'gridArea',
    type: 'text',
    inputmode: 'numeric',
    placeholder: 'all',
    value: query.gridArea,
    'aria-describedby': 'compare-grid-area-help',
  });
  const type = h(
    'select',
    { id: 'compare-type', name: 'type' },
    h('option', { value: '' }, 'All types'),
    ...TIME_SERIES_TYPES.map((t) => h('option', { value: t, selected: t === query.type }, t)),
  );
  const level = h(
    'select',
    { id: 'compare-level', name: 'level' },
    h('option', { value: '' }, 'All levels'),
    ...AGGREGATION_LEVELS.map((l) => h('option', { value: l, selected: l === query.level }, l)),
  );
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'card controls',
      onsubmit: (e: Event) => {
        e.preventDefault();
        go({ a: jobA.value, b: jobB.value, gridArea: gridArea.value.trim(), type: type.value, level: level.value });
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'compare-a' }, 'Job A (before)'), jobA),
    h('div', { class: 'field' }, h('label', { for: 'compare-b' }, 'Job B (after)'), jobB),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'compare-grid-area' }, 'Grid area'),
      gridArea,
      h('p', { id: 'compare-grid-area-help', class: 'help' }, '3 digits; empty: all'),
    ),
    h('div', { class: 'field' }, h('label', { for: 'compare-type' }, 'Time series type'), type),
    h('div', { class: 'field' }, h('label', { for: 'compare-level' }, 'Level'), level),
    h('button', { type: 'submit' }, 'Compare'),
  );
  const view = h('section', {}, h('h1', {}, 'Compare two calculations'), form, out);

  void getJson<{ jobs: Job[] }>('jobs?status=Completed&limit=100')
    .then(({ jobs }) => {
      if (signal.aborted) return;
      const option = (j: Job, selected: string) =>
        h(
          'option',
          { value: j.id, selected: j.id === selected },
          `${j.id.slice(0, 8)} · ${j.calculationType} · ${utc(j.periodStart)} · as of ${utc(j.asOf)}`,
        );
      replace(jobA, ...jobs.map((j) => option(j, query.a || jobs[1]?.id || '')));
      replace(jobB, ...jobs.map((j) => option(j, query.b || jobs[0]?.id || '')));
    })
    .catch((e: unknown) => replace(out, h('p', { class: 'error', role: 'alert' }, (e as Error).message)));

  if (query.a && query.b) void show(query, out, signal);
  return view;
}

const keyLabel = (k: SeriesKey) =>
  [
    k.time_series_type,
    k.aggregation_level,
    k.grid_area_code,
    k.neighbor_grid_area_code && `neighbour ${k.neighbor_grid_area_code}`,
    k.energy_supplier_id && `supplier ${k.energy_supplier_id}`,
    k.balance_responsible_party_id && `BRP ${k.balance_responsible_party_id}`,
    k.metering_point_id && `MP ${k.metering_point_id}`,
  ]
    .filter(Boolean)
    .join(' · ');

async function show(q: CompareQuery, out: HTMLElement, signal: AbortSignal): Promise<void> {
  replace(out, h('p', {}, 'Comparing…'));
  const params = new URLSearchParams({ kind: 'energy' });
  if (q.gridArea) params.set('gridArea', q.gridArea);
  if (q.type) params.set('type', q.type);
  if (q.level) params.set('level', q.level);
  let diff: Diff;
  try {
    diff = await getJson<Diff>(`jobs/${encodeURIComponent(q.a)}/diff/${encodeURIComponent(q.b)}?${params}`);
  } catch (e) {
    if (signal.aborted) return;
    const issues = e instanceof ApiError ? e.issues.map((i) => h('li', {}, `${i.path}: ${i.message}`)) : [];
    replace(
      out,
      h(
        'div',
        { class: 'error', role: 'alert' },
        h('p', {}, (e as Error).message),
        issues.length ? h('ul', {}, issues) : null,
      ),
    );
    return;
  }
  if (signal.aborted) return;
  const movers = [...diff.series]
    .filter((s) => s.presence !== 'both' || Number(s.sumAbsDifference) !== 0)
    .sort((x, y) => Number(y.sumAbsDifference) - Number(x.sumAbsDifference))
    .slice(0, MOVERS);
  replace(
    out,
    h(
      'dl',
      { class: 'facts', 'data-diff-summary': '' },
      h('dt', {}, 'Series compared'),
      h('dd', { 'data-series-count': String(diff.seriesCount) }, String(diff.seriesCount)),
      h('dt', {}, 'Series changed'),
      h('dd', { 'data-changed': String(diff.changedSeriesCount) }, String(diff.changedSeriesCount)),
      h('dt', {}, 'Σ |B − A|'),
      h('dd', { 'data-sum-abs': diff.sumAbsDifference }, `${diff.sumAbsDifference} ${diff.unit}`),
    ),
  );
  const chartHost = h('div', { class: 'charts single' });
  out.append(h('h2', {}, 'Difference over time'), chartHost);
  mountChart(chartHost, {
    id: 'diff-timeline',
    title: 'Σ |B − A| per time slot',
    unit: diff.unit,
    series: [
      { label: 'sum_abs_difference', points: diff.timeline.map((t) => ({ time: t.time, value: t.sumAbsDifference })) },
    ],
  });
  out.append(
    h('h2', {}, 'Biggest movers'),
    movers.length
      ? table(
          `The ${movers.length} series that moved most`,
          ['Series', 'In', 'Σ |B − A|', 'Largest', 'At', 'Total A', 'Total B', 'Changed slots'],
          movers.map((s) => [
            keyLabel(s.key),
            s.presence === 'both' ? 'both' : s.presence === 'onlyA' ? 'A only' : 'B only',
            s.sumAbsDifference,
            s.maxAbsDifference,
            utc(s.maxAt),
            s.totalA ?? '–',
            s.totalB ?? '–',
            `${s.changedSlots}/${s.slots}`,
          ]),
          { 'data-movers': '' },
        )
      : h('p', {}, 'No series differ.'),
    h('h2', {}, 'By grid area'),
    table(
      'Differences per grid area',
      ['Grid area', 'Σ |B − A|', 'Changed series'],
      diff.gridAreas.map((g) => [g.gridArea, g.sumAbsDifference, String(g.changedSeries)]),
    ),
    h('h2', {}, 'By actor'),
    diff.actors.length
      ? table(
          'Differences per actor',
          ['Role', 'Actor', 'Σ |B − A|', 'Changed series'],
          [...diff.actors]
            .sort((x, y) => Number(y.sumAbsDifference) - Number(x.sumAbsDifference))
            .map((a) => [a.role, a.actorId, a.sumAbsDifference, String(a.changedSeries)]),
        )
      : h('p', {}, 'No actor’s series differ.'),
  );
}
