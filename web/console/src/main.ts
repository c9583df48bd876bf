/**
 * The settlement console (issue 17): hash routes over the public HTTP API.
 *   #/jobs            job list (live)          #/start     start a calculation
 *   #/jobs/{id}       job page                 #/compare?a=&b=&gridArea=&type=&level=   compare two jobs
 */
import '../styles.css';
import { onUnauthorized, session } from './api';
import { destroyCharts } from './chart';
import { compareView } from './compare';
import { focusHeading, h, replace } from './dom';
import { jobView } from './job';
import { jobsView } from './jobs';
import { signInView } from './signin';
import { startView } from './start';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let current: AbortController | null = null;
let highlight: string | null = null;
let authMessage: string | null = null;

function renderNav(route: string): void {
  if (!session.token()) {
    replace(nav);
    return;
  }
  const link = (href: string, label: string, active: boolean) =>
    h('a', { href, 'aria-current': active ? 'page' : null }, label);
  replace(
    nav,
    link('#/jobs', 'Jobs', route === 'jobs' || route === 'job'),
    link('#/start', 'Start', route === 'start'),
    link('#/compare', 'Compare', route === 'compare'),
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: () => {
          session.signOut();
          render();
        },
      },
      'Sign out',
    ),
  );
}

function render(): void {
  current?.abort();
  destroyCharts();
  current = new AbortController();
  const signal = current.signal;
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  let route = parts[0] ?? 'jobs';
  if (!session.token()) route = 'signin';
  renderNav(route === 'jobs' && parts[1] ? 'job' : route);
  let view: HTMLElement;
  if (route === 'signin')
    view = signInView(authMessage, () => {
      authMessage = null;
      render();
    });
  else if (route === 'jobs' && parts[1]) view = jobView(decodeURIComponent(parts[1]), signal);
  else if (route === 'start')
    view = startView((jobId) => {
      highlight = jobId;
      location.hash = '#/jobs';
    });
  else if (route === 'compare') {
    const q = new URLSearchParams(search);
    view = compareView(
      {
        a: q.get('a') ?? '',
        b: q.get('b') ?? '',
        gridArea: q.get('gridArea') ?? '',
        type: q.get('type') ?? '',
        level: q.get('level') ?? '',
      },
      (next) => {
        const p = new URLSearchParams(Object.entries(next).filter(([, v]) => v !== ''));
        location.hash = `#/compare?${p}`;
      },
      signal,
    );
  } else view = jobsView(signal, highlight);
  replace(main, view);
  focusHeading(main);
}

onUnauthorized((message) => {
  // an expired or wrong token: back to the sign-in, saying why
  session.signOut();
  authMessage = `Signed out: the API refused the token (${message}). Sign in again.`;
  render();
});
window.addEventListener('hashchange', render);
render();
