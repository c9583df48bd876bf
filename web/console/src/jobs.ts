import { getJson, type Job } from './api';
import { h, replace, replaceKeepingFocus, table, utc } from './dom';
import { ACTIVE, progress, statusBadge } from './format';

/** How often the list is refreshed while it is shown (live status and progress). */
const POLL_MS = 2000;

/** The job list: GET /api/jobs, newest first, polled while the view is open. */
export function jobsView(signal: AbortSignal, highlight: string | null): HTMLElement {
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading jobs…'));
  const updated = h('p', { class: 'help' });
  const view = h(
    'section',
    {},
    h('h1', {}, 'Settlement jobs'),
    h('p', {}, h('a', { href: '#/start', class: 'button' }, 'Start a calculation')),
    updated,
    body,
  );
  let timer: number | undefined;
  const load = async () => {
    try {
      const { jobs } = await getJson<{ jobs: Job[] }>('jobs?limit=50');
      if (signal.aborted) return;
      // the list is redrawn every poll: a keyboard user's focus (a job link) stays where it was
      replaceKeepingFocus(body, render(jobs, highlight));
      body.setAttribute('aria-busy', 'false');
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshed every ${POLL_MS / 1000} s.`;
    } catch (e) {
      if (signal.aborted) return;
      replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load the jobs: ${(e as Error).message}`));
    }
    if (!signal.aborted) timer = window.setTimeout(() => void load(), POLL_MS);
  };
  signal.addEventListener('abort', () => window.clearTimeout(timer));
  void load();
  return view;
}

function render(jobs: Job[], highlight: string | null): HTMLElement {
  if (jobs.length === 0) return h('p', {}, 'No jobs yet.');
  const t = table(
    'Jobs, newest first',
    ['Job', 'Status', 'Progress', 'Type', 'Period', 'Grid areas', 'Requested'],
    jobs.map((j) => [
      h('a', { href: `#/jobs/${encodeURIComponent(j.id)}`, id: `job-link-${j.id}` }, j.id.slice(0, 8)),
      statusBadge(j),
      ACTIVE.has(j.status) || j.progress.totalBatches > 0 ? progress(j) : '–',
      j.calculationType,
      `${utc(j.periodStart)} – ${utc(j.periodEnd)}`,
      j.gridAreas.join(', '),
      utc(j.requestedAt),
    ]),
    { class: 'jobs' },
    'jobs-table',
  );
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    tr.setAttribute('data-job-id', jobs[i].id);
    tr.setAttribute('data-job-status', jobs[i].status);
    if (jobs[i].id === highlight) tr.classList.add('highlight');
  });
  return t;
}
