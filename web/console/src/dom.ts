/** A small element builder: the console is plain DOM, no framework. */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the element's children. */
export function replace(el: Element, ...children: Array<Child | Child[]>): void {
  el.replaceChildren();
  append(el, ...children);
}

/**
 * Replaces a polled region's children without taking the keyboard focus away: the focused
 * element (found again by its id) is focused again in the new content.
 */
export function replaceKeepingFocus(el: Element, ...children: Array<Child | Child[]>): void {
  const active = document.activeElement;
  const id = active && el.contains(active) ? active.id : '';
  replace(el, ...children);
  if (id) document.getElementById(id)?.focus({ preventScroll: true });
}

/** A table: `head` labels, `rows` of cells (a cell may be a node); wrapped so it scrolls sideways on a phone. */
export function table(
  caption: string,
  head: string[],
  rows: Array<Array<Child>>,
  attrs: Attrs = {},
  wrapId?: string,
): HTMLDivElement {
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption, id: wrapId },
    h(
      'table',
      attrs,
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
    ),
  );
}

/** An ISO instant shown as `2024-02-01 00:00 UTC` (minutes; the API's instants are UTC). */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Focuses the page's heading after a view change, so keyboard and screen-reader users start there. */
export function focusHeading(root: Element): void {
  const heading = root.querySelector('h1');
  if (heading instanceof HTMLElement) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}
