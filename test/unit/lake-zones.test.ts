/** The lake's path scheme, partition pointer and source registry (issue 15). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakePathError, SourceRegistryError } from '../../shared/lake/errors';
import { PartitionStore } from '../../shared/lake/partition-store';
import {
  EXAMPLE_SOURCES_FILE,
  isDue,
  loadSourceRegistry,
  parseSourceRegistry,
  sourceUrl,
} from '../../shared/lake/source-registry';
import { addDays, curatedPath, operationalPath, rawPath, runStatePath } from '../../shared/lake/zones';
import { partitionRows } from '../../shared/lake/ingestion';
import { parseCsvColumns } from '../../shared/lake/records';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

describe('zone paths', () => {
  it('builds the three zones', () => {
    expect(rawPath('source_a', '2021-10-04')).toBe('raw/source_a/day=2021-10-04');
    expect(rawPath('stream-d', '2021-10-04', 7)).toBe('raw/stream-d/day=2021-10-04/hour=07');
    expect(curatedPath('weather_current', '2021-10-01')).toBe('curated/weather_current/date=2021-10-01');
    expect(operationalPath('weather_rolling', '2021-10-01', [['region', 'dk1']])).toBe(
      'operational/weather_rolling/date=2021-10-01/region=dk1',
    );
    expect(runStatePath('source_a', '2021-10-04')).toBe('_system/runs/source_a/day=2021-10-04.json');
  });

  it.each([
    () => rawPath('../x', '2021-10-04'),
    () => rawPath('a/b', '2021-10-04'),
    () => rawPath('Source', '2021-10-04'),
    () => rawPath('a', '2021-02-30'),
    () => rawPath('a', '2021-10-04/../..'),
    () => rawPath('a', '2021-10-04', 24),
    () => curatedPath('a', '2021-10-04', [['region', '../b']]),
    () => curatedPath('a', '2021-10-04', [['region', 'x/y']]),
    () => curatedPath('a', '2021-10-04', [['../k', 'v']]),
  ])('refuses a name that would leave its folder (%#)', (build) => {
    expect(build).toThrow(LakePathError);
  });

  it('moves days across month and leap-year ends', () => {
    expect(addDays('2021-10-04', -3)).toBe('2021-10-01');
    expect(addDays('2021-03-02', -3)).toBe('2021-02-27');
    expect(addDays('2024-03-02', -3)).toBe('2024-02-28');
    expect(addDays('2022-01-01', -1)).toBe('2021-12-31');
  });
});

describe('partition pointer', () => {
  it('a reader sees the old version until the pointer switches, and never an unfinished one', async () => {
    const blobs = new MemoryBlobStore('lake');
    const store = new PartitionStore(blobs);
    const p = curatedPath('x', '2021-10-01');
    const v1 = await store.replace(p, [{ name: 'part-0.parquet', bytes: Buffer.from('one') }]);
    // a writer that died after writing its files but before the pointer: invisible
    await blobs.put(`${p}/v=deadbeef/part-0.parquet`, 'half');
    expect((await store.read(p))?.files.get('part-0.parquet')?.toString()).toBe('one');
    const v2 = await store.replace(p, [{ name: 'part-0.parquet', bytes: Buffer.from('two') }]);
    expect(v2.changed).toBe(true);
    expect((await store.read(p))?.files.get('part-0.parquet')?.toString()).toBe('two');
    // the dead writer's folder is collected at the switch; the previous version stays
    expect((await blobs.list(`${p}/v=`)).map((f) => f.split('/')[3]).sort()).toEqual(
      [`v=${v1.version}`, `v=${v2.version}`].sort(),
    );
    // same bytes again: nothing written
    expect(await store.replace(p, [{ name: 'part-0.parquet', bytes: Buffer.from('two') }])).toEqual({
      version: v2.version,
      changed: false,
    });
    expect(await store.partitions('curated/')).toEqual([p]);
  });
});

const SOURCE = {
  name: 'source_a',
  kind: 'http',
  url: 'https://example.org/exports/{yyyymmdd}.csv',
  schedule: { cron: '0 15 3 * * *' },
  format: { type: 'csv', delimiter: ';' },
  partitionDate: { rule: 'lag', days: 3 },
};

function issuesOf(doc: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseSourceRegistry(doc, 'f.json', env);
  } catch (e) {
    if (e instanceof SourceRegistryError) return e.issues;
    throw e;
  }
  return [];
}

describe('source registry', () => {
  it('loads the shipped example (sources A and B) once its environment is set', () => {
    const sources = loadSourceRegistry(EXAMPLE_SOURCES_FILE, {
      SOURCE_A_BASE_URL: 'https://a.example.org',
      SOURCE_B_FTP_URL: 'ftp://u:p@b.example.org',
    });
    expect(sources.map((s) => [s.name, s.kind, s.dataset, s.partitionDate.rule])).toEqual([
      ['source_a', 'http', 'source_a', 'lag'],
      ['source_b', 'ftp', 'source_b', 'field'],
    ]);
    expect(sourceUrl(sources[0], '2021-10-04')).toBe('https://a.example.org/exports/20211004.csv');
    expect(sourceUrl(sources[1], '2021-10-04')).toBe('ftp://u:p@b.example.org/outgoing/b_2021-10-04.json');
    expect(() => loadSourceRegistry(EXAMPLE_SOURCES_FILE, {})).toThrow(
      /sources\[0\]\.url: environment variable SOURCE_A_BASE_URL is not set/,
    );
  });

  it('fails naming the field', () => {
    expect(issuesOf({ sources: [{ ...SOURCE, partitionDate: { rule: 'lag', days: -1 } }] })).toEqual([
      expect.stringMatching(/^sources\[0\]\.partitionDate\.days: /),
    ]);
    expect(issuesOf({ sources: [{ ...SOURCE, schedule: { cron: '0 3 * * *' } }] })).toEqual([
      'sources[0].schedule.cron: must be a 6-field NCRONTAB expression',
    ]);
    expect(issuesOf({ sources: [{ ...SOURCE, schedule: { cron: '0 0 3 * * *', everyDays: 14 } }] })).toEqual([
      'sources[0].schedule.anchorDay: everyDays > 1 needs anchorDay',
    ]);
    expect(issuesOf({ sources: [{ ...SOURCE, kind: 'ftp' }] })).toEqual([
      'sources[0].url: a ftp source needs a URL matching ^ftp:\\/\\/',
    ]);
    expect(issuesOf({ sources: [{ ...SOURCE, url: 'https://x/{date}' }] })).toEqual([
      'sources[0].url: unknown placeholder {date}',
    ]);
    expect(issuesOf({ sources: [SOURCE, { ...SOURCE, name: 'source_a' }] })).toEqual([
      'sources[1].name: duplicate source source_a',
    ]);
    expect(issuesOf({ sources: [{ ...SOURCE, name: '../etc' }] })[0]).toMatch(/^sources\[0\]\.name: /);
    expect(issuesOf({ sources: [{ ...SOURCE, colour: 'red' }] })[0]).toMatch(/^sources\[0\]: .*colour/);
  });

  it('names the file when it is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reg-')), 'sources.json');
    writeFileSync(file, '{ "sources": [');
    expect(() => loadSourceRegistry(file, {})).toThrow(new RegExp(`invalid lake source registry ${file}`));
  });

  it('every 14 days from the anchor', () => {
    const [b] = parseSourceRegistry(
      { sources: [{ ...SOURCE, schedule: { cron: '0 0 4 * * *', everyDays: 14, anchorDay: '2021-01-04' } }] },
      'f',
    );
    expect(isDue(b, '2021-01-04')).toBe(true);
    expect(isDue(b, '2021-01-18')).toBe(true);
    expect(isDue(b, '2021-01-17')).toBe(false);
    expect(isDue(b, '2021-01-03')).toBe(false);
    expect(isDue(b, '2021-10-11')).toBe(true); // 280 days later
    expect(isDue(b, '2021-10-18')).toBe(false); // 287 days: NCRONTAB's */14 would have fired on day 15 and 29 instead
  });
});

describe('partition date', () => {
  const cols = parseCsvColumns('t;v\n2021-10-01T23:30:00-01:00;1\n2021-10-01;2\n2021-10-03T00:00:00Z;3\n', ';', 'u');
  it('lag: everything in the ingestion day minus the lag', () => {
    const [a] = parseSourceRegistry({ sources: [SOURCE] }, 'f');
    expect([...partitionRows(a, '2021-10-04', cols, 'u')]).toEqual([['2021-10-01', null]]);
  });
  it('field: each row by its own UTC date', () => {
    const [b] = parseSourceRegistry({ sources: [{ ...SOURCE, partitionDate: { rule: 'field', field: 't' } }] }, 'f');
    expect([...partitionRows(b, '2021-10-04', cols, 'u')]).toEqual([
      ['2021-10-02', [0]],
      ['2021-10-01', [1]],
      ['2021-10-03', [2]],
    ]);
    const [c] = parseSourceRegistry({ sources: [{ ...SOURCE, partitionDate: { rule: 'field', field: 'v' } }] }, 'f');
    expect(() => partitionRows(c, '2021-10-04', cols, 'u')).toThrow(
      'u: row 1: v: "1" is not an ISO-8601 instant or date',
    );
  });
  it('ingestion: the ingestion day', () => {
    const [d] = parseSourceRegistry({ sources: [{ ...SOURCE, partitionDate: { rule: 'ingestion' } }] }, 'f');
    expect([...partitionRows(d, '2021-10-04', cols, 'u')]).toEqual([['2021-10-04', null]]);
  });
});
