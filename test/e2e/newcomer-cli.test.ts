/**
 * A newcomer's own data on the local host (issue 13), through the CLIs as separate processes
 * against a local host started in this process: `lake generate` + `lake upload` and KickStartJob
 * finds the grid areas at once (also after a second upload adds one); `events publish` of the
 * generated GridAreaUpdated file makes a completed job's RSM-014 documents go to that owner; bad
 * events are refused before anything is published; the publish route is the local host's only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adminFetch, tokenFor } from '../support/tokens';
import { startLocalHost, type LocalHost } from '../../local/host';
import { LOCAL_PUBLISH_ROUTE } from '../../local/publish-route';
import { registerFunctions } from '../../functions/app';
import type { FunctionRegistry } from '../../functions/registry';
import { runLake } from '../../cli/lake';

const ROOT = resolve(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI as its own process (node + tsx, as npm run does), with the host's storage and URL in its environment. */
function cli(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

interface JobView {
  id: string;
  status: string;
  gridAreas: string[];
}

async function waitFor<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 40_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('newcomer CLIs against a running local host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'newcomer-cli-'));
  let host: LocalHost;
  let env: Record<string, string>;

  beforeAll(async () => {
    host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    env = { AZURE_STORAGE_CONNECTION_STRING: host.storageConnectionString, SETTLEMENT_HOST_URL: host.url };
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const kickStart = (gridAreas?: string[]) =>
    adminFetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'aggregation',
        beginTime: '2024-03-04T23:00:00Z',
        endTime: '2024-03-05T23:00:00Z',
        ...(gridAreas ? { gridAreas } : {}),
      }),
    });

  it('lake generate + upload: KickStartJob finds the grid areas at once, also after an upload adds one', async () => {
    // before any upload the catalog is empty; that answer must not be kept
    const before = await kickStart();
    expect(before.status).toBe(400);
    expect(JSON.stringify(await before.json())).toContain('no grid areas');

    const small = ['--metering-points', '40', '--days', '1', '--start', '2024-03-05', '--seed', '7'];
    const gen = await cli('cli/lake.ts', ['generate', '--out', join(dir, 'lake2'), '--grid-areas', '2', ...small]);
    expect(gen.stderr).toBe('');
    expect(gen.code).toBe(0);
    expect(gen.stdout).toContain('grid areas 800,801, period 2024-03-04T23:00:00Z – 2024-03-05T23:00:00Z');
    const up = await cli('cli/lake.ts', ['upload', join(dir, 'lake2')], env);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/uploaded \d+ files/);

    const first = await kickStart();
    expect(first.status).toBe(202);
    const job1 = (await (
      await adminFetch(((await first.json()) as { statusUrl: string }).statusUrl)
    ).json()) as JobView;
    expect(job1.gridAreas).toEqual(['800', '801']);

    // a non-empty catalog is cached, but keyed by the master-data blobs: a new upload is seen at once
    // (in process: the same command, a process start less on a shared machine)
    const gen3 = await runLake(['generate', '--out', join(dir, 'lake3'), '--grid-areas', '3', ...small], () => {});
    expect(gen3).toBe(0);
    expect((await cli('cli/lake.ts', ['upload', join(dir, 'lake3')], env)).code).toBe(0);
    const second = await kickStart(['802']);
    expect(second.status).toBe(202);
    await host.deps.knownGridAreas().then((areas) => expect([...areas].sort()).toEqual(['800', '801', '802']));
  });

  it('events publish of the generated owners: the ResultSender sends RSM-014 documents to the owner', async () => {
    const lake = join(dir, 'lake3');
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify([
        {
          messageType: 'GridAreaUpdated',
          gridAreaCode: '800',
          gridAreaName: 'x',
          gridAccessProviderId: 'not-a-gln',
          priceAreaCode: 'DK1',
          effectiveDate: '2020-01-01T00:00:00Z',
        },
      ]),
    );
    const refused = await cli('cli/events.ts', ['publish', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing published');
    expect(refused.stderr).toContain('gridAccessProviderId');
    expect(await host.deps.integrationEvents.readEvents('GridAreaUpdated', Number.MAX_SAFE_INTEGER)).toEqual([]);

    const published = await cli('cli/events.ts', ['publish', join(lake, 'grid-area-owners.events.json')], env);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/GridAreaUpdated grid-area-owner-800-5790001800001: stored at /);
    // the route answered only after the subscriber stored them: a job started now sees the owners
    const owners = await host.deps.integrationEvents.readEvents('GridAreaUpdated', Number.MAX_SAFE_INTEGER);
    expect(owners.map((o) => [o.gridAreaCode, o.gridAccessProviderId]).sort()).toEqual([
      ['800', '5790001800001'],
      ['801', '5790001801001'],
      ['802', '5790001802001'],
    ]);

    const res = await adminFetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: '2024-03-04T23:00:00Z',
        endTime: '2024-03-05T23:00:00Z',
        gridAreas: ['800'],
      }),
    });
    expect(res.status).toBe(202);
    const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };
    const job = await waitFor(async () => {
      const j = (await (await adminFetch(statusUrl)).json()) as JobView;
      return ['Completed', 'Failed', 'Canceled'].includes(j.status) ? j : null;
    }, 'the job');
    expect(job.status).toBe('Completed');
    const docs = await waitFor(async () => {
      const listed = await host.messages.list(`messages/${jobId}/5790001800001/`);
      const xml = listed.filter((p) => p.endsWith('.xml'));
      return xml.length > 0 ? xml : null;
    }, 'RSM-014 documents for the owner of 800');
    const doc = (await host.messages.get(docs[0]))?.toString('utf8') ?? '';
    expect(doc).toContain('NotifyAggregatedMeasureData_MarketDocument');
    expect(doc).toContain('5790001800001');

    // lake list / download reach the same documents
    const listed = await cli(
      'cli/lake.ts',
      ['list', '--container', 'market-messages', '--prefix', `messages/${jobId}/5790001800001/`],
      env,
    );
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(docs[0]);
  });

  it('the publish route needs an administrator and exists only on the local host', async () => {
    const url = `${host.url}/api/${LOCAL_PUBLISH_ROUTE}?messageType=GridAreaUpdated&eventId=x`;
    expect((await fetch(url, { method: 'POST', body: new Uint8Array() })).status).toBe(401);
    const supplier = await tokenFor('energy_supplier', '5790000000001');
    expect(
      (await fetch(url, { method: 'POST', body: new Uint8Array(), headers: { authorization: `Bearer ${supplier}` } }))
        .status,
    ).toBe(403);
    const empty = await adminFetch(url, { method: 'POST', body: new Uint8Array() });
    expect(empty.status).toBe(400);

    const routes: string[] = [];
    const recording: FunctionRegistry = {
      http: (_name, o) => void routes.push(o.route),
      timer: () => {},
      serviceBus: () => {},
      orchestration: () => {},
      activity: () => {},
    };
    registerFunctions(recording, host.deps);
    expect(routes).toContain('KickStartJob');
    expect(routes.filter((r) => r.startsWith('local/'))).toEqual([]);
  });
});
