/**
 * infra/bicep/README.md lists every blob container, table, topic, subscription and queue that
 * main.bicep creates. The table is compared with the template's own lists (resolved through
 * names.json, i.e. NAMES): a resource added to or dropped from main.bicep, or a renamed one,
 * fails here until the table says so.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NAMES } from '../../shared/config/names';

const INFRA = resolve(__dirname, '../../infra/bicep');
const MAIN = readFileSync(join(INFRA, 'main.bicep'), 'utf8');
const README = readFileSync(join(INFRA, 'README.md'), 'utf8');

type Kind = 'container' | 'table' | 'topic' | 'subscription' | 'queue';
interface Resource {
  kind: Kind;
  name: string;
}

/** `names.a.b` → NAMES.a.b (failing on a reference NAMES lacks). */
function resolveName(ref: string): string {
  const [, group, key] = /^names\.(\w+)\.(\w+)$/.exec(ref) ?? [];
  const groupObject = (NAMES as unknown as Record<string, Record<string, string> | undefined>)[group];
  const value = groupObject?.[key];
  if (value === undefined) throw new Error(`main.bicep refers to ${ref}, which NAMES does not have`);
  return value;
}

/** The body of `var NAME = [ … ]` (bracket-balanced). */
function arrayVar(name: string): string {
  const start = MAIN.indexOf(`var ${name} = [`);
  if (start < 0) throw new Error(`main.bicep has no var ${name}`);
  let depth = 0;
  for (let i = MAIN.indexOf('[', start); i < MAIN.length; i++) {
    if (MAIN[i] === '[') depth++;
    if (MAIN[i] === ']' && --depth === 0) return MAIN.slice(MAIN.indexOf('[', start) + 1, i);
  }
  throw new Error(`var ${name} is not closed`);
}

const refs = (body: string): string[] => [...body.matchAll(/names\.\w+\.\w+/g)].map((m) => m[0]);

/** What main.bicep creates, read from the lists it passes to its modules. */
function createdByTemplate(): Resource[] {
  const out: Resource[] = [];
  for (const r of refs(arrayVar('blobContainerNames'))) out.push({ kind: 'container', name: resolveName(r) });
  for (const r of refs(arrayVar('lakeContainerNames'))) out.push({ kind: 'container', name: resolveName(r) });
  const deployment = /var deploymentContainerName = '([^']+)'/.exec(MAIN)?.[1];
  if (!deployment) throw new Error('main.bicep has no deploymentContainerName');
  out.push({ kind: 'container', name: deployment });
  for (const r of refs(arrayVar('tableNames'))) out.push({ kind: 'table', name: resolveName(r) });
  for (const r of refs(arrayVar('serviceBusQueues'))) out.push({ kind: 'queue', name: resolveName(r) });
  // topics: `name: names…` followed by its `subscriptions: [ … ]`
  const topics = arrayVar('serviceBusTopics');
  for (const m of topics.matchAll(/name:\s*(names\.\w+\.\w+)\s*subscriptions:\s*\[([^\]]*)\]/g)) {
    const topic = resolveName(m[1]);
    out.push({ kind: 'topic', name: topic });
    for (const s of refs(m[2])) out.push({ kind: 'subscription', name: `${topic}/${resolveName(s)}` });
  }
  return out;
}

/** Rows of the README's "Containers, tables, topics and queues" table. */
function tableRows(): Array<Resource & { key: string }> {
  const section = README.split('### Containers, tables, topics and queues')[1]?.split('\n### ')[0] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\| (container|table|topic|subscription|queue) \|/.test(l))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return { kind: cells[1] as Kind, name: cells[2].replace(/`/g, ''), key: cells[3] };
    });
}

const byKindAndName = (a: Resource, b: Resource): number =>
  a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind.localeCompare(b.kind);

describe('infra README: the table of containers, tables, topics and queues', () => {
  test('lists exactly what main.bicep creates', () => {
    const created = createdByTemplate().sort(byKindAndName);
    expect(created.length).toBeGreaterThan(15);
    expect(new Set(created.map((r) => r.kind))).toEqual(
      new Set<Kind>(['container', 'table', 'topic', 'subscription', 'queue']),
    );
    const listed = tableRows()
      .map(({ kind, name }) => ({ kind, name }))
      .sort(byKindAndName);
    expect(listed).toEqual(created);
  });

  test('every row names its NAMES key, and the key holds that name', () => {
    for (const row of tableRows()) {
      const key = /^`(\w+)\.(\w+)`$/.exec(row.key);
      if (row.kind === 'container' && row.key.startsWith('—')) {
        expect(row.name).toBe('app-package'); // the one name that is main.bicep's, not the app's
        continue;
      }
      expect({ row: row.name, key: row.key, matches: key !== null }).toEqual({
        row: row.name,
        key: row.key,
        matches: true,
      });
      const value = resolveName(`names.${key?.[1]}.${key?.[2]}`);
      expect({ key: row.key, value }).toEqual({ key: row.key, value: row.name.split('/').pop() });
    }
  });

  test('NAMES entries left out of the table are the ones main.bicep does not create', () => {
    const listed = new Set(tableRows().map((r) => r.key));
    const resourceKeys = [
      ...Object.keys(NAMES.containers).map((k) => `\`containers.${k}\``),
      ...Object.keys(NAMES.tables).map((k) => `\`tables.${k}\``),
    ];
    expect(resourceKeys.filter((k) => !listed.has(k))).toEqual(['`containers.durableLocal`']);
    expect(README).toMatch(/Not created by main\.bicep: `durable-local`/);
  });
});
