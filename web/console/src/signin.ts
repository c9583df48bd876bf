import { session } from './api';
import { h } from './dom';

/** The sign-in view: a bearer token (and in Azure the function key), kept in sessionStorage. */
export function signInView(message: string | null, done: () => void): HTMLElement {
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname);
  const token = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help',
  });
  const key = h('input', { id: 'function-key', name: 'functionKey', type: 'password', autocomplete: 'off' });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const value = token.value.trim().replace(/^Bearer\s+/i, '');
        if (!value) return;
        session.signIn(value, key.value.trim());
        done();
      },
    },
    h('label', { for: 'token' }, 'Bearer token'),
    token,
    h(
      'p',
      { id: 'token-help', class: 'help' },
      'An Entra ID access token for this API (the same the API asks for in the Authorization header). It is kept in this tab only (sessionStorage).',
      local
        ? h(
            'span',
            {},
            ' On the local host, print one with ',
            h('code', {}, 'npm run -s token -- --role datahub_administrator | tail -1'),
            '.',
          )
        : null,
    ),
    local ? null : h('label', { for: 'function-key' }, 'Function key (Azure, optional)'),
    local ? null : key,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  return h(
    'section',
    {},
    h('h1', {}, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    form,
  );
}
