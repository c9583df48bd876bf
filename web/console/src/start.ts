import { ApiError, request, type Issue } from './api';
import { h } from './dom';

/** The KickStartJob fields the form has; an issue's path names one of them (`gridAreas.1` → gridAreas). */
const FIELDS = ['processType', 'settlementVersion', 'beginTime', 'endTime', 'gridAreas', 'asOf'] as const;
type Field = (typeof FIELDS)[number];

/**
 * The start form: POST /api/KickStartJob with the fields filled in. It validates nothing itself:
 * the API's 400 lists zod issues naming the field, shown next to it (one set of rules, the API's).
 */
export function startView(started: (jobId: string) => void): HTMLElement {
  const input = (id: Field, label: string, help: string, attrs: Record<string, string> = {}) => {
    const el = h('input', {
      id,
      name: id,
      type: 'text',
      autocomplete: 'off',
      'aria-describedby': `${id}-help`,
      ...attrs,
    });
    return {
      el,
      row: h(
        'div',
        { class: 'field', 'data-field': id },
        h('label', { for: id }, label),
        el,
        h('p', { id: `${id}-help`, class: 'help' }, help),
        h('p', { id: `${id}-error`, class: 'field-error', hidden: true }),
      ),
    };
  };
  const processType = h(
    'select',
    { id: 'processType', name: 'processType', 'aria-describedby': 'processType-help' },
    h('option', { value: 'D04' }, 'D04 balance fixing'),
    h('option', { value: 'D03' }, 'D03 aggregation'),
    h('option', { value: 'D05' }, 'D05 wholesale fixing'),
    h('option', { value: 'D32' }, 'D32 correction settlement'),
  );
  const version = h(
    'select',
    { id: 'settlementVersion', name: 'settlementVersion', 'aria-describedby': 'settlementVersion-help' },
    h('option', { value: '' }, '(none)'),
    h('option', { value: 'D01' }, 'D01 first correction'),
    h('option', { value: 'D02' }, 'D02 second correction'),
    h('option', { value: 'D03' }, 'D03 third correction'),
  );
  const selectRow = (id: Field, label: string, el: HTMLSelectElement, help: string) =>
    h(
      'div',
      { class: 'field', 'data-field': id },
      h('label', { for: id }, label),
      el,
      h('p', { id: `${id}-help`, class: 'help' }, help),
      h('p', { id: `${id}-error`, class: 'field-error', hidden: true }),
    );
  const begin = input(
    'beginTime',
    'Period start',
    'A Danish date (2024-02-01 = its local midnight) or an ISO instant.',
    {
      placeholder: '2024-02-01',
    },
  );
  const end = input('endTime', 'Period end (exclusive)', 'A Danish date or an ISO instant, after the start.', {
    placeholder: '2024-02-02',
  });
  const areas = input(
    'gridAreas',
    'Grid areas',
    'Comma-separated 3-digit codes; empty: every grid area in the basis data.',
    {
      placeholder: '800,801',
    },
  );
  const asOf = input('asOf', 'As of (optional)', 'System time of the basis data, an ISO instant; empty: now.', {
    placeholder: '2024-02-05T12:00:00Z',
  });
  const summary = h('div', { id: 'form-summary', role: 'alert', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit' }, 'Start calculation');

  const controls: Record<Field, HTMLInputElement | HTMLSelectElement> = {
    processType,
    settlementVersion: version,
    beginTime: begin.el,
    endTime: end.el,
    gridAreas: areas.el,
    asOf: asOf.el,
  };

  const clearErrors = () => {
    summary.replaceChildren();
    for (const f of FIELDS) {
      const err = document.getElementById(`${f}-error`);
      if (err) {
        err.hidden = true;
        err.textContent = '';
      }
      controls[f].removeAttribute('aria-invalid');
      controls[f].setAttribute('aria-describedby', `${f}-help`);
    }
  };

  const showIssues = (title: string, issues: Issue[]) => {
    const byField = new Map<Field, string[]>();
    const other: Issue[] = [];
    for (const i of issues) {
      const field = FIELDS.find((f) => i.path === f || i.path.startsWith(`${f}.`));
      if (field)
        byField.set(field, [...(byField.get(field) ?? []), i.path === field ? i.message : `${i.path}: ${i.message}`]);
      else other.push(i);
    }
    for (const [f, messages] of byField) {
      const err = document.getElementById(`${f}-error`);
      if (!err) continue;
      err.textContent = messages.join(' · ');
      err.hidden = false;
      controls[f].setAttribute('aria-invalid', 'true');
      controls[f].setAttribute('aria-describedby', `${f}-error ${f}-help`);
    }
    summary.replaceChildren(
      h(
        'div',
        { class: 'error' },
        h('p', {}, title),
        other.length ? h('ul', {}, ...other.map((i) => h('li', {}, `${i.path}: ${i.message}`))) : null,
      ),
    );
    const first = FIELDS.find((f) => byField.has(f));
    if (first) controls[first].focus();
  };

  const form = h(
    'form',
    {
      class: 'card',
      novalidate: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        clearErrors();
        const body: Record<string, string> = {};
        for (const f of FIELDS) {
          const v = controls[f].value.trim();
          if (v !== '') body[f] = v;
        }
        submit.disabled = true;
        void request('KickStartJob', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
          .then(async (res) => {
            const { jobId } = (await res.json()) as { jobId: string };
            started(jobId);
          })
          .catch((err: unknown) => {
            if (err instanceof ApiError && err.status === 409) {
              const running = err.body as { jobId?: string };
              summary.replaceChildren(
                h(
                  'div',
                  { class: 'error' },
                  h('p', {}, err.title),
                  running.jobId
                    ? h(
                        'p',
                        {},
                        h('a', { href: `#/jobs/${encodeURIComponent(running.jobId)}` }, 'Open the running job'),
                      )
                    : null,
                ),
              );
            } else if (err instanceof ApiError) showIssues(err.title, err.issues);
            else showIssues(`The request failed: ${(err as Error).message}`, []);
          })
          .finally(() => {
            submit.disabled = false;
          });
      },
    },
    selectRow('processType', 'Process type', processType, 'What to calculate.'),
    selectRow('settlementVersion', 'Settlement version', version, 'D32 only.'),
    begin.row,
    end.row,
    areas.row,
    asOf.row,
    summary,
    submit,
  );
  return h('section', {}, h('h1', {}, 'Start a calculation'), form);
}
