/**
 * Time charts with uPlot, each followed by a data table built from the very arrays uPlot draws
 * (`u.data`): screen-reader and keyboard users get the numbers, and the browser tests compare
 * what is drawn with what the API answered. Cells show the API's exact decimal string; their
 * `data-value` is the number on the chart.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, table } from './dom';

export interface ChartSeries {
  label: string;
  /** The API's points: instant and exact decimal string. */
  points: Array<{ time: string; value: string }>;
}

/** Distinguishable on white, also for the common colour-vision deficiencies (Okabe–Ito). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Danish local time on the axis: the settlement periods are Danish days. */
const tzDate = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Europe/Copenhagen');

const pad = (n: number) => String(n).padStart(2, '0');
/** 24-hour Danish times on the x axis, the date under each midnight. */
const timeTicks = (_u: uPlot, splits: number[]) =>
  splits.map((s) => {
    const d = tzDate(s);
    const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return hm === '00:00' ? `${hm}\n${d.getDate()}/${d.getMonth() + 1}` : hm;
  });

const charts = new Set<uPlot>();

/** Removes the charts of a view being left (their resize observers with them). */
export function destroyCharts(): void {
  for (const u of charts) u.destroy();
  charts.clear();
}

/**
 * Draws `series` into `host` (already in the document, so its width is known) as one chart with
 * a data table. Returns the figure.
 */
export function mountChart(
  host: HTMLElement,
  spec: { id: string; title: string; unit: string; series: ChartSeries[] },
): HTMLElement {
  const drawable = spec.series.filter((s) => s.points.length > 0);
  const figure = h('figure', { class: 'chart', 'data-chart': spec.id }, h('figcaption', {}, spec.title));
  host.append(figure);
  if (drawable.length === 0) {
    figure.append(h('p', { class: 'empty' }, 'No results of these types here.'));
    return figure;
  }
  const times = [...new Set(drawable.flatMap((s) => s.points.map((p) => p.time)))].sort();
  const exact = drawable.map((s) => new Map(s.points.map((p) => [p.time, p.value])));
  const xs = times.map((t) => Date.parse(t) / 1000);
  const ys = exact.map((m) => times.map((t) => (m.has(t) ? Number(m.get(t)) : null)));
  const plot = h('div', {
    class: 'plot',
    role: 'img',
    'aria-label': `${spec.title}: ${drawable.map((s) => s.label).join(', ')} over time (${spec.unit}); the data table below lists the values`,
  });
  figure.append(plot);
  const width = () => Math.max(280, (figure.clientWidth || host.clientWidth || 600) - 4);
  const u = new uPlot(
    {
      width: width(),
      height: 240,
      tzDate,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [{ values: timeTicks }, { label: spec.unit, size: 70 }],
      series: [
        { label: 'time' },
        ...drawable.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
        })),
      ],
    },
    [xs, ...ys] as uPlot.AlignedData,
    plot,
  );
  charts.add(u);
  const resize = new ResizeObserver(() => u.setSize({ width: width(), height: 240 }));
  resize.observe(figure);
  const destroy = u.destroy.bind(u);
  u.destroy = () => {
    resize.disconnect();
    destroy();
  };

  // the table is read back from what uPlot holds, not from the inputs
  const drawnX = u.data[0];
  const rows = Array.from(drawnX, (x, j) => {
    const iso = new Date(x * 1000).toISOString().replace('.000Z', 'Z');
    return [
      h('time', { datetime: iso }, iso),
      ...drawable.map((s, i) => {
        const v = u.data[i + 1][j];
        const text = exact[i].get(times[j]) ?? '';
        return h(
          'span',
          { 'data-series': s.label, 'data-value': v === null || v === undefined ? '' : String(v) },
          text,
        );
      }),
    ];
  });
  const details = h(
    'details',
    { class: 'chart-data' },
    h('summary', {}, `Data table (${rows.length} times × ${drawable.length} series)`),
    table(`${spec.title} (${spec.unit})`, ['Time (UTC)', ...drawable.map((s) => s.label)], rows, {
      'data-chart-table': spec.id,
    }),
  );
  figure.append(details);
  return figure;
}
