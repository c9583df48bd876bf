/**
 * Usage of `npm run lake` and `npm run events` (issue 13): `--help` on every subcommand, usage
 * errors (exit code 2) name what is missing, example events are valid protobuf events, and the
 * JSON form of events names the path of what is wrong.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLake } from '../../cli/lake';
import { runEvents } from '../../cli/events';
import { EventsFileError, parseEventsJson } from '../../shared/integration-events/json-form';
import { encodeIntegrationEvent } from '../../shared/integration-events/encode';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { ScenarioCsvSource } from '../../shared/basis-data/scenario-source';

async function run(
  f: (argv: string[], log: (s: string) => void, err: (s: string) => void) => Promise<number>,
  argv: string[],
) {
  let out = '';
  let err = '';
  const code = await f(
    argv,
    (s) => (out += s + '\n'),
    (s) => (err += s + '\n'),
  );
  return { code, out, err };
}

describe('npm run lake / npm run events usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
  const saved = { ...process.env };
  beforeEach(() => {
    // no storage or host from the environment: the usage errors must name the ways to give one
    delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    delete process.env.SETTLEMENT_HOST_URL;
  });
  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['generate', 'convert', 'upload', 'list', 'download'])('lake %s --help', async (cmd) => {
    const r = await run(runLake, [cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: npm run lake -- ${cmd}`);
  });

  it.each(['publish', 'example'])('events %s --help', async (cmd) => {
    const r = await run(runEvents, [cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: npm run events -- ${cmd}`);
  });

  it('usage errors name what is missing (exit code 2)', async () => {
    const cases: Array<[typeof runLake, string[], string]> = [
      [runLake, [], 'Usage: npm run lake -- <command>'],
      [runLake, ['frobnicate'], "unknown command 'frobnicate'"],
      [runLake, ['generate'], '--out DIR is required'],
      [runLake, ['generate', '--out', dir, '--days', 'two'], "--days: 'two' is not a positive integer"],
      [runLake, ['generate', '--out', __dirname], 'exists and is not a lake'],
      [runLake, ['convert', '--out', dir], '--scenario DIR required'],
      [runLake, ['upload'], 'DIR (the lake folder) is required'],
      [runLake, ['upload', dir, '--data-dir', dir], 'give --connection-string or AZURE_STORAGE_CONNECTION_STRING'],
      [runLake, ['download', '--container', 'market-messages'], '--prefix P, --out DIR required'],
      [runLake, ['list', '--container', 'nope', '--connection-string', 'x'], "--container: 'nope' is none of"],
      [runEvents, ['publish'], 'give exactly one of FILE or --example NAME'],
      [runEvents, ['publish', '--example', 'nope'], "--example: 'nope' is none of grid-area-owners"],
      [runEvents, ['publish', '--example', 'grid-area-owners', '--data-dir', dir], 'no running host'],
      [runEvents, ['example'], 'NAME is required'],
    ];
    for (const [f, argv, message] of cases) {
      const r = await run(f, argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain(message);
    }
  });

  it('example events print as a file that parses and encodes back', async () => {
    for (const name of ['grid-area-owners', 'metering-point-created', 'supplier-change', 'time-series']) {
      const r = await run(runEvents, ['example', name, '--grid-areas', '801,802', '--date', '2024-03-05']);
      expect(r.code).toBe(0);
      const events = parseEventsJson(r.out);
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) expect(encodeIntegrationEvent(e.event).messageType).toBe(e.event.messageType);
    }
    const owners = parseEventsJson(
      (await run(runEvents, ['example', 'grid-area-owners', '--grid-areas', '801,802'])).out,
    );
    expect(owners.map((o) => o.event)).toEqual([
      expect.objectContaining({
        messageType: 'GridAreaUpdated',
        gridAreaCode: '801',
        gridAccessProviderId: '5790001801001',
      }),
      expect.objectContaining({
        messageType: 'GridAreaUpdated',
        gridAreaCode: '802',
        gridAccessProviderId: '5790001802001',
      }),
    ]);
    const created = parseEventsJson(
      (await run(runEvents, ['example', 'metering-point-created', '--date', '2024-03-05'])).out,
    );
    // 2024-03-05 is a Danish local date: its midnight is 23:00 UTC the day before
    expect(created[0].event).toMatchObject({
      messageType: 'MeteringPointCreated',
      effectiveDate: Date.parse('2024-03-04T23:00:00Z'),
    });
  });

  it('the JSON form: arrays, NDJSON, content-derived ids; errors name the path; nothing published on a bad file', async () => {
    const e = {
      messageType: 'MeteringPointConnected',
      meteringPointId: '571313180000099991',
      effectiveDate: '2024-03-04T23:00:00Z',
    };
    const [a] = parseEventsJson(JSON.stringify([e]));
    const [b] = parseEventsJson(JSON.stringify(e) + '\n');
    expect(a).toEqual(b);
    expect(a.event).toEqual({ ...e, effectiveDate: Date.parse(e.effectiveDate) });
    expect(parseEventsJson(JSON.stringify({ ...e, eventId: 'mine' }))[0].eventId).toBe('mine');
    expect(() =>
      parseEventsJson(JSON.stringify([e, { ...e, effectiveDate: '2024-13-01' }, { ...e, extra: 1 }])),
    ).toThrow(EventsFileError);
    let issues: string[] = [];
    try {
      parseEventsJson(JSON.stringify([e, { ...e, effectiveDate: '2024-13-01' }, { messageType: 'Nope' }]));
    } catch (x) {
      issues = (x as EventsFileError).issues.map((i) => i.path);
    }
    expect(issues).toEqual(['[1].effectiveDate', '[2].messageType']);
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([e, { ...e, meteringPointId: '123' }]));
    // refused while encoding, before the host is even looked up
    const r = await run(runEvents, ['publish', file, '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nothing published');
    expect(r.err).toContain('[1] MeteringPointConnected.meteringPointId');
  });

  it('lake convert: a scenario becomes a lake with the same master data, and its owners an events file; bad input exit 1', async () => {
    const f1 = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');
    const out = join(dir, 'f1-lake');
    const r = await run(runLake, ['convert', '--scenario', f1, '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // the same periods (where each was read from and the order differ: the lake is by grid area)
    const rows = (ps: Awaited<ReturnType<ScenarioCsvSource['readMeteringPointPeriods']>>) =>
      ps.map(({ source: _source, ...p }) => JSON.stringify(p)).sort();
    const lakePeriods = rows(await new ParquetLakeSource(out).readMeteringPointPeriods());
    expect(lakePeriods.length).toBeGreaterThan(0);
    expect(lakePeriods).toEqual(rows(await new ScenarioCsvSource(f1).readMeteringPointPeriods()));
    const owners = parseEventsJson(readFileSync(join(out, 'grid-area-owners.events.json'), 'utf8'));
    expect(owners.map((o) => o.event.messageType)).toEqual(owners.map(() => 'GridAreaUpdated'));
    expect(owners.length).toBeGreaterThan(0);

    const broken = join(dir, 'broken');
    cpSync(f1, broken, { recursive: true });
    const points = join(broken, 'when', 'time_series_points.csv');
    const lines = readFileSync(points, 'utf8').split('\n');
    lines[2] = lines[2].replace(/\d{4}-\d{2}-\d{2}T[^;]*/, 'yesterday');
    writeFileSync(points, lines.join('\n'));
    const bad = await run(runLake, ['convert', '--scenario', broken, '--out', join(dir, 'broken-lake')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('time_series_points.csv');
    expect(bad.err).toContain('row 2');
    expect(existsSync(join(dir, 'broken-lake'))).toBe(false);
  });
});
