import {
  ApiError,
  energyRows,
  getJson,
  request,
  type BasisData,
  type BasisDataExport,
  type EnergyRow,
  type Job,
} from './api';
import { mountChart, destroyCharts, type ChartSeries } from './chart';
import { h, replace, replaceKeepingFocus, table, utc } from './dom';
import { downloadFromApi } from './download';
import { ACTIVE, progress, statusBadge } from './format';

/** The four charts of a grid area and the time series types each draws. */
export const CHART_GROUPS = [
  {
    id: 'consumption',
    title: 'Consumption',
    types: ['non_profiled_consumption', 'flex_consumption', 'total_consumption'],
  },
  { id: 'production', title: 'Production', types: ['production'] },
  { id: 'exchange', title: 'Exchange', types: ['net_exchange_per_ga', 'net_exchange_per_neighboring_ga'] },
  { id: 'grid-loss', title: 'Grid loss', types: ['grid_loss', 'positive_grid_loss', 'negative_grid_loss'] },
] as const;

/** Drill-down: the grid area's totals, or one supplier's / BRP's rows. */
type Level = 'grid_area' | 'energy_supplier' | 'balance_responsible_party';
const LEVEL_LABELS: Record<Level, string> = {
  grid_area: 'Grid area totals',
  energy_supplier: 'Energy supplier',
  balance_responsible_party: 'Balance responsible party',
};

const POLL_MS = 2000;

/** Levels drawn as a grid area's own series: its totals, per neighbour, and its grid-loss metering points. */
const GRID_AREA_LEVELS = ['grid_area', 'neighbor_grid_area', 'metering_point'];

/**
 * One chart line per series of the drill-down: a grid area's series (a line per neighbour and per
 * grid-loss metering point), or one supplier's (a line per BRP it has) or one BRP's.
 */
export function seriesOf(rows: EnergyRow[], types: readonly string[], level: Level, actor: string): ChartSeries[] {
  const lines = new Map<string, ChartSeries>();
  for (const r of rows) {
    if (!types.includes(r.time_series_type)) continue;
    if (level === 'grid_area' ? !GRID_AREA_LEVELS.includes(r.aggregation_level) : r.aggregation_level !== level)
      continue;
    if (level === 'energy_supplier' && r.energy_supplier_id !== actor) continue;
    if (level === 'balance_responsible_party' && r.balance_responsible_party_id !== actor) continue;
    const label = [
      r.time_series_type,
      r.neighbor_grid_area_code && `to ${r.neighbor_grid_area_code}`,
      r.metering_point_id && `MP ${r.metering_point_id}`,
      level === 'energy_supplier' && r.balance_responsible_party_id && `BRP ${r.balance_responsible_party_id}`,
    ]
      .filter(Boolean)
      .join(' ');
    let line = lines.get(label);
    if (!line) lines.set(label, (line = { label, points: [] }));
    line.points.push({ time: r.time, value: r.quantity });
  }
  return [...lines.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/** The job page: status (polled while running), downloads, charts, basis data. */
export function jobView(id: string, signal: AbortSignal): HTMLElement {
  const head = h('div', { 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  const rest = h('div');
  const view = h('section', {}, h('h1', {}, `Job ${id.slice(0, 8)}`), head, rest);
  let timer: number | undefined;
  let shownStatus: string | null = null;
  signal.addEventListener('abort', () => window.clearTimeout(timer));
  const load = async () => {
    try {
      const job = await getJson<Job>(`jobs/${encodeURIComponent(id)}`);
      if (signal.aborted) return;
      // polled while running: the Cancel button keeps the keyboard focus across redraws
      replaceKeepingFocus(
        head,
        summary(job, () => void load()),
      );
      if (job.status !== shownStatus) {
        shownStatus = job.status;
        destroyCharts();
        replace(rest);
        if (job.status === 'Completed') completed(job, rest, signal);
      }
      if (ACTIVE.has(job.status)) timer = window.setTimeout(() => void load(), POLL_MS);
    } catch (e) {
      if (signal.aborted) return;
      replace(
        head,
        h(
          'p',
          { class: 'error', role: 'alert' },
          e instanceof ApiError && e.status === 404 ? 'No such job.' : (e as Error).message,
        ),
      );
    }
  };
  void load();
  return view;
}

function summary(job: Job, reload: () => void): HTMLElement {
  const dl = h(
    'dl',
    { class: 'facts' },
    ...[
      ['Id', h('code', {}, job.id)],
      ['Status', statusBadge(job)],
      ['Progress', progress(job)],
      ['Type', job.calculationType],
      ['Period', `${utc(job.periodStart)} – ${utc(job.periodEnd)}`],
      ['Grid areas', job.gridAreas.join(', ')],
      ['As of', utc(job.asOf)],
      ['Requested', `${utc(job.requestedAt)} (${job.trigger})`],
      ['Finished', utc(job.finishedAt)],
      ...(job.resultCounts
        ? [
            [
              'Result rows',
              Object.entries(job.resultCounts)
                .map(([k, v]) => `${k} ${v}`)
                .join(', '),
            ] as const,
          ]
        : []),
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
  const error = job.error ? h('p', { class: 'error', role: 'alert' }, job.error) : null;
  const cancel = ACTIVE.has(job.status)
    ? h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'cancel-job',
          onclick: () => {
            if (!confirm(`Cancel job ${job.id}?`)) return;
            void request(`jobs/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' })
              .catch(() => undefined)
              .then(reload);
          },
        },
        'Cancel job',
      )
    : null;
  return h('div', { class: 'card' }, dl, error, cancel);
}

function completed(job: Job, root: HTMLElement, signal: AbortSignal): void {
  const charts = h('section', { 'aria-labelledby': 'charts-h' }, h('h2', { id: 'charts-h' }, 'Results over time'));
  const downloads = h('section', { 'aria-labelledby': 'downloads-h' }, h('h2', { id: 'downloads-h' }, 'Downloads'));
  const basis = h('section', { 'aria-labelledby': 'basis-h' }, h('h2', { id: 'basis-h' }, 'Basis data'));
  root.append(charts, downloads, basis);
  chartsSection(job, charts, signal);
  downloadsSection(job, downloads, signal);
  void basisSection(job, basis, signal);
}

function chartsSection(job: Job, root: HTMLElement, signal: AbortSignal): void {
  const gridArea = h('select', { id: 'chart-grid-area' }, ...job.gridAreas.map((g) => h('option', { value: g }, g)));
  const level = h(
    'select',
    { id: 'chart-level' },
    ...(Object.keys(LEVEL_LABELS) as Level[]).map((l) => h('option', { value: l }, LEVEL_LABELS[l])),
  );
  const actor = h('select', { id: 'chart-actor', disabled: true }, h('option', { value: '' }, '–'));
  const status = h('p', { class: 'help', 'aria-live': 'polite' });
  const out = h('div', { class: 'charts' });
  root.append(
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'field' }, h('label', { for: 'chart-grid-area' }, 'Grid area'), gridArea),
      h('div', { class: 'field' }, h('label', { for: 'chart-level' }, 'Drill down'), level),
      h('div', { class: 'field' }, h('label', { for: 'chart-actor' }, 'Actor'), actor),
    ),
    status,
    out,
  );
  const cache = new Map<string, Promise<EnergyRow[]>>();
  const rowsOf = (ga: string) => {
    let p = cache.get(ga);
    if (!p) {
      const types = CHART_GROUPS.flatMap((g) => g.types);
      p = Promise.all(types.map((t) => energyRows(job.id, ga, t))).then((all) => all.flat());
      cache.set(ga, p);
    }
    return p;
  };
  let generation = 0;
  const draw = async (resetActor: boolean) => {
    const mine = ++generation;
    status.textContent = `Loading grid area ${gridArea.value}…`;
    out.setAttribute('aria-busy', 'true');
    try {
      const rows = await rowsOf(gridArea.value);
      if (signal.aborted || mine !== generation) return;
      const lvl = level.value as Level;
      if (resetActor) {
        const key = lvl === 'energy_supplier' ? 'energy_supplier_id' : 'balance_responsible_party_id';
        const actors =
          lvl === 'grid_area'
            ? []
            : [...new Set(rows.filter((r) => r.aggregation_level === lvl).map((r) => r[key]))].sort();
        replace(
          actor,
          ...(actors.length ? actors.map((a) => h('option', { value: a }, a)) : [h('option', { value: '' }, '–')]),
        );
        actor.disabled = actors.length === 0;
      }
      destroyCharts();
      out.replaceChildren();
      for (const g of CHART_GROUPS) {
        const who =
          lvl === 'grid_area' ? `grid area ${gridArea.value}` : `${LEVEL_LABELS[lvl].toLowerCase()} ${actor.value}`;
        mountChart(out, {
          id: `${gridArea.value}:${g.id}`,
          title: `${g.title}, ${who}`,
          unit: 'kWh',
          series: seriesOf(rows, g.types, lvl, actor.value),
        });
      }
      status.textContent = `Grid area ${gridArea.value}: ${rows.length} result rows.`;
      out.setAttribute('aria-busy', 'false');
      out.setAttribute('data-loaded', `${gridArea.value}:${lvl}:${actor.value}`);
    } catch (e) {
      if (mine === generation) status.textContent = `Could not load the results: ${(e as Error).message}`;
    }
  };
  gridArea.addEventListener('change', () => void draw(true));
  level.addEventListener('change', () => void draw(true));
  actor.addEventListener('change', () => void draw(false));
  void draw(true);
}

function downloadsSection(job: Job, root: HTMLElement, signal: AbortSignal): void {
  const scope = h(
    'select',
    { id: 'download-grid-area' },
    h('option', { value: '' }, 'All grid areas'),
    ...job.gridAreas.map((g) => h('option', { value: g }, g)),
  );
  const status = h('p', { class: 'help', 'aria-live': 'polite' });
  const results = (kind: 'energy' | 'wholesale', format: 'csv' | 'parquet', accept: string) =>
    h(
      'button',
      {
        type: 'button',
        'data-download': kind === 'energy' ? format : `${kind}-${format}`,
        onclick: () => {
          const q = new URLSearchParams({ kind, format });
          if (scope.value) q.set('gridArea', scope.value);
          const name = `${kind}-results-${job.id}${scope.value ? `-${scope.value}` : ''}.${format}`;
          status.textContent = `Downloading ${name}…`;
          downloadFromApi(`jobs/${encodeURIComponent(job.id)}/results?${q}`, name, accept)
            .then(() => (status.textContent = `Downloaded ${name}.`))
            .catch((e: unknown) => (status.textContent = `Download failed: ${(e as Error).message}`));
        },
      },
      `${kind === 'energy' ? 'Energy' : 'Wholesale'} results ${format === 'csv' ? 'CSV' : 'Parquet'}`,
    );
  // aggregation and balance fixing calculate energy only; the wholesale types also amounts
  const wholesale = job.calculationType !== 'aggregation' && job.calculationType !== 'balance_fixing';
  const exports = h('div', { class: 'exports' });
  root.append(
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'field' }, h('label', { for: 'download-grid-area' }, 'Results of'), scope),
      results('energy', 'csv', 'text/csv'),
      results('energy', 'parquet', 'application/vnd.apache.parquet'),
      wholesale ? results('wholesale', 'csv', 'text/csv') : null,
      wholesale ? results('wholesale', 'parquet', 'application/vnd.apache.parquet') : null,
    ),
    status,
    h('h3', {}, 'Basis-data export (DH2 CSVs, read as of the job’s as-of)'),
    h(
      'div',
      { class: 'controls' },
      ...job.gridAreas.map((g) =>
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'data-export': g,
            onclick: () => void startExport(job, g, exports, signal),
          },
          `Export grid area ${g}`,
        ),
      ),
    ),
    exports,
  );
}

async function startExport(job: Job, gridArea: string, root: HTMLElement, signal: AbortSignal): Promise<void> {
  const box = h(
    'div',
    { class: 'card', 'aria-live': 'polite', 'data-export-status': gridArea },
    `Export of ${gridArea}: starting…`,
  );
  root.querySelector(`[data-export-status="${gridArea}"]`)?.remove();
  root.append(box);
  const base = `jobs/${encodeURIComponent(job.id)}/basis-data-exports`;
  try {
    await request(`${base}?gridArea=${gridArea}`, { method: 'POST' });
    for (;;) {
      if (signal.aborted) return;
      const state = await getJson<BasisDataExport>(`${base}/${gridArea}`);
      if (state.state === 'Completed') {
        replace(
          box,
          h('p', {}, `Export of ${gridArea} (as of ${utc(state.asOf)}), links valid for an hour:`),
          h(
            'ul',
            {},
            ...state.files.map((f) =>
              h('li', {}, h('a', { href: f.url, download: f.name, rel: 'noreferrer' }, f.name)),
            ),
          ),
        );
        return;
      }
      box.textContent = `Export of ${gridArea}: running…`;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } catch (e) {
    replace(box, h('p', { class: 'error' }, `Export of ${gridArea} failed: ${(e as Error).message}`));
  }
}

async function basisSection(job: Job, root: HTMLElement, signal: AbortSignal): Promise<void> {
  let data: BasisData;
  try {
    data = await getJson<BasisData>(`jobs/${encodeURIComponent(job.id)}/basis-data`);
  } catch (e) {
    root.append(h('p', { class: 'error' }, `Could not load the basis data: ${(e as Error).message}`));
    return;
  }
  if (signal.aborted) return;
  const events = [
    ...data.integrationEvents.masterData,
    ...data.integrationEvents.timeSeries,
    ...data.integrationEvents.charges,
  ].sort((a, b) => a.storedAt.localeCompare(b.storedAt));
  const MAX_PERIODS = 200;
  root.append(
    h(
      'dl',
      { class: 'facts', 'data-basis': '' },
      h('dt', {}, 'As of'),
      h('dd', { 'data-as-of': data.asOf ?? '' }, utc(data.asOf)),
      h('dt', {}, 'Batches'),
      h('dd', {}, String(data.batches.length)),
      h('dt', {}, 'Lake files'),
      h('dd', {}, String(data.lakeBlobs.length)),
      h('dt', {}, 'Integration events'),
      h('dd', { 'data-events': String(events.length) }, String(events.length)),
      h('dt', {}, 'Metering point periods'),
      h('dd', {}, String(data.meteringPointPeriods.length)),
    ),
    events.length
      ? table(
          'Integration events included (stored at or before the as-of)',
          ['Stored', 'Type', 'Event id'],
          events.map((e) => [utc(e.storedAt), e.messageType, h('code', {}, e.eventId)]),
          { 'data-basis-events': '' },
        )
      : h('p', {}, 'No integration events were included.'),
    h(
      'details',
      {},
      h('summary', {}, `Lake files (${data.lakeBlobs.length})`),
      table(
        'Lake blob versions read',
        ['Path', 'ETag'],
        data.lakeBlobs.map((b) => [b.path, h('code', {}, b.etag)]),
      ),
    ),
    h(
      'details',
      {},
      h(
        'summary',
        {},
        `Metering point periods (${data.meteringPointPeriods.length}${data.meteringPointPeriods.length > MAX_PERIODS ? `, first ${MAX_PERIODS} shown` : ''})`,
      ),
      table(
        'Metering point periods',
        ['Metering point', 'Type', 'Grid area', 'Supplier', 'BRP', 'From', 'To'],
        data.meteringPointPeriods
          .slice(0, MAX_PERIODS)
          .map((p) => [
            p.meteringPointId,
            p.type,
            p.gridAreaCode,
            p.energySupplierId ?? '',
            p.balanceResponsiblePartyId ?? '',
            utc(p.fromDate),
            utc(p.toDate),
          ]),
      ),
    ),
  );
}
