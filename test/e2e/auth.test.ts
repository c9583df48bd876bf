/**
 * Identity and roles end to end through the local host (issue 12, finding 5): 401/403, each
 * market role sees only its rows, a grid access provider only its grid areas, another actor's
 * job is 404, createdByUserId is the token subject, every read is audited, and a token printed by
 * `npm run token` in another process is accepted.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { NAMES } from '../../shared/config/names';
import { integrationEventMessage } from '../../shared/integration-events/encode';
import type { EnergyResultRow } from '../../shared/results/energy-result-row';
import { adminToken, tokenFor } from '../support/tokens';

/** A result row as the API's JSON and NDJSON give it: qualities as an array of names. */
type ApiRow = Omit<EnergyResultRow, 'quantity_qualities'> & { quantity_qualities: string[] };

const REPO = join(__dirname, '..', '..');
const GAP_A = '5790000000101';
const GAP_B = '5790000000102';

async function waitFor<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('identity and roles through the local host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-e2e-'));
  const data = generateSynthetic({
    seed: 12,
    meteringPoints: 150,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 1,
    periodStart: '2024-03-04T23:00:00Z',
    quarterShare: 0,
  });
  const [GA1, GA2] = data.args.gridAreas;
  let host: LocalHost;
  let admin: string;
  let jobId: string;
  let all: ApiRow[];

  const call = (path: string, token: string | null, init: RequestInit = {}) =>
    fetch(`${host.url}/api/${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const energy = async (token: string, query = '') => {
    // the whole result as NDJSON (JSON is paged; a role's rows are compared whole)
    const r = await call(`jobs/${jobId}/results?format=ndjson${query}`, token);
    expect(r.status).toBe(200);
    const text = await r.text();
    return text === ''
      ? []
      : text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as ApiRow);
  };

  beforeAll(async () => {
    await writeSyntheticLake(join(dir, 'lake'), data);
    host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    await uploadLake(join(dir, 'lake'), host.basisData);
    admin = await adminToken();
    // GA1 is GAP_A's, GA2 is GAP_B's (ownership from GridAreaUpdated, as the result sender routes)
    for (const [ga, owner] of [
      [GA1, GAP_A],
      [GA2, GAP_B],
    ])
      await host.bus.send(
        { topic: NAMES.serviceBus.integrationEventsTopic },
        integrationEventMessage(`ga-${ga}`, {
          messageType: 'GridAreaUpdated',
          gridAreaCode: ga,
          gridAreaName: `GA ${ga}`,
          gridAccessProviderId: owner,
          priceAreaCode: 'DK1',
          effectiveDate: Date.parse('2020-01-01T00:00:00Z'),
        }),
      );
    await waitFor(
      async () =>
        (await host.deps.integrationEvents.readEvents('GridAreaUpdated', Number.MAX_SAFE_INTEGER)).length === 2
          ? true
          : null,
      'grid area events',
    );
    const started = await call('KickStartJob', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: new Date(data.args.periodStart).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        gridAreas: [GA1, GA2],
      }),
    });
    expect(started.status).toBe(202);
    jobId = ((await started.json()) as { jobId: string }).jobId;
    await waitFor(async () => {
      const j = (await (await call(`jobs/${jobId}`, admin)).json()) as { status: string };
      return j.status === 'Completed' ? true : j.status === 'Failed' ? Promise.reject(new Error('job failed')) : null;
    }, 'job');
    all = await energy(admin);
  }, 180_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('401 with WWW-Authenticate: Bearer without a token or with an invalid one, on every route', async () => {
    const expired = await tokenFor('datahub_administrator', undefined, { expiresInSeconds: -3600 });
    for (const [path, method] of [
      ['jobs', 'GET'],
      [`jobs/${jobId}`, 'GET'],
      [`jobs/${jobId}/results`, 'GET'],
      [`jobs/${jobId}/basis-data`, 'GET'],
      [`jobs/${jobId}/cancel`, 'POST'],
      [`jobs/${jobId}/basis-data-exports?gridArea=${GA1}`, 'POST'],
      [`jobs/${jobId}/basis-data-exports/${GA1}`, 'GET'],
      ['KickStartJob', 'GET'],
      ['time-series', 'POST'],
    ]) {
      for (const token of [null, expired, 'garbage']) {
        const r = await call(path, token, { method });
        expect({ path, status: r.status }).toEqual({ path, status: 401 });
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_(request|token)"/);
      }
    }
  });

  it('GET /api/openapi.json is served without a token, through the local host HTTP server (issue 13)', async () => {
    const r = await call('openapi.json', null);
    expect(r.status).toBe(200);
    const spec = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/jobs/{id}/basis-data-exports/{gridArea}', '/api/time-series', '/api/KickStartJob']),
    );
  });

  it('403 for a role that may not call the function', async () => {
    const es = await tokenFor('energy_supplier', '5790000000001');
    const gap = await tokenFor('grid_access_provider', GAP_A);
    expect((await call('KickStartJob?processType=D04', es)).status).toBe(403);
    expect((await call(`jobs/${jobId}/cancel`, gap, { method: 'POST' })).status).toBe(403);
    expect((await call('time-series', gap, { method: 'POST', body: 'x' })).status).toBe(403);
    expect((await call(`jobs/${jobId}/basis-data-exports?gridArea=${GA1}`, es, { method: 'POST' })).status).toBe(403);
    expect((await call(`jobs/${jobId}/basis-data-exports/${GA1}`, es)).status).toBe(403);
    // a grid access provider may see the job (it owns GA1) but not export GA2
    expect((await call(`jobs/${jobId}/basis-data-exports?gridArea=${GA2}`, gap, { method: 'POST' })).status).toBe(403);
  });

  it("createdByUserId is the administrator token's subject; a body field is refused", async () => {
    expect((await host.deps.jobs.get(jobId))?.createdByUserId).toBe('dev-datahub_administrator-datahub');
    const r = await call('KickStartJob', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: new Date(data.args.periodStart).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        createdByUserId: 'someone-else',
      }),
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toContain('createdByUserId');
  });

  it('an energy supplier sees exactly its own rows, never grid-area totals', async () => {
    const suppliers = [...new Set(all.map((r) => r.energy_supplier_id).filter((s) => s !== ''))];
    expect(suppliers.length).toBeGreaterThan(1);
    const es = suppliers[0];
    const mine = await energy(await tokenFor('energy_supplier', es));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine).toEqual(all.filter((r) => r.energy_supplier_id === es));
    expect(mine.some((r) => r.aggregation_level === 'grid_area')).toBe(false);
    // the same holds with the caller's own filters applied on top
    const one = await energy(await tokenFor('energy_supplier', es), `&gridArea=${GA1}&type=non_profiled_consumption`);
    expect(one).toEqual(
      all.filter(
        (r) =>
          r.energy_supplier_id === es && r.grid_area_code === GA1 && r.time_series_type === 'non_profiled_consumption',
      ),
    );
  });

  it('a balance responsible party sees exactly the rows where it is the BRP', async () => {
    const brp = all.find((r) => r.balance_responsible_party_id !== '')?.balance_responsible_party_id ?? '';
    expect(brp).not.toBe('');
    const mine = await energy(await tokenFor('balance_responsible_party', brp));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine).toEqual(all.filter((r) => r.balance_responsible_party_id === brp));
  });

  it('a grid access provider sees its grid areas (incl. totals) and nothing of the others', async () => {
    const gap = await tokenFor('grid_access_provider', GAP_A);
    const mine = await energy(gap);
    expect(mine).toEqual(all.filter((r) => r.grid_area_code === GA1));
    expect(mine.some((r) => r.aggregation_level === 'grid_area')).toBe(true);
    expect(await energy(gap, `&gridArea=${GA2}`)).toEqual([]);
    const basis = (await (await call(`jobs/${jobId}/basis-data`, gap)).json()) as {
      meteringPointPeriods: Array<{
        gridAreaCode: string;
        fromGridAreaCode: string | null;
        toGridAreaCode: string | null;
      }>;
    };
    expect(basis.meteringPointPeriods.length).toBeGreaterThan(0);
    for (const p of basis.meteringPointPeriods)
      expect([p.gridAreaCode, p.fromGridAreaCode, p.toGridAreaCode]).toContain(GA1);
    // a balance fixing has no wholesale results: said so, not an empty list
    const wholesale = await call(`jobs/${jobId}/results?kind=wholesale`, gap);
    expect(wholesale.status).toBe(400);
    expect(((await wholesale.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual([
      'kind',
    ]);
  });

  it("another actor's job is 404 (as if it did not exist) and absent from the list", async () => {
    const stranger = await tokenFor('grid_access_provider', '5790000000999');
    for (const path of [`jobs/${jobId}`, `jobs/${jobId}/results`, `jobs/${jobId}/basis-data`])
      expect({ path, status: (await call(path, stranger)).status }).toEqual({ path, status: 404 });
    expect((await call(`jobs/${jobId}/basis-data-exports/${GA1}`, stranger)).status).toBe(404);
    const missing = await call('jobs/no-such-job', stranger);
    expect(missing.status).toBe(404);
    const list = (await (await call('jobs', stranger)).json()) as { jobs: Array<{ id: string }> };
    expect(list.jobs.map((j) => j.id)).not.toContain(jobId);
    const own = (await (await call('jobs', await tokenFor('grid_access_provider', GAP_A))).json()) as {
      jobs: Array<{ id: string; resultCounts?: unknown }>;
    };
    expect(own.jobs.find((j) => j.id === jobId)).toBeDefined();
    expect(own.jobs.find((j) => j.id === jobId)?.resultCounts).toBeUndefined();
  });

  it('every read of results and basis data is audited (who, role, actor, what, outcome)', async () => {
    const subject = 'audited-supplier-1';
    const es = all.find((r) => r.energy_supplier_id !== '')?.energy_supplier_id ?? '';
    const token = await tokenFor('energy_supplier', es, { subject });
    const page = await call(`jobs/${jobId}/results?format=json&gridArea=${GA1}`, token);
    expect(page.status).toBe(200);
    const { count } = (await page.json()) as { count: number };
    // a stream is audited as it starts and again, with the rows sent, when it ends
    const rows = await energy(token, `&gridArea=${GA1}`);
    expect(rows.length).toBe(count);
    expect((await call(`jobs/${jobId}/basis-data`, token)).status).toBe(200);
    const records = await host.audit.bySubject(subject);
    const who = { subject, roles: ['energy_supplier'], actorNumber: es, operation: 'results' };
    // records of the same millisecond are ordered by id: compare as a set
    expect(records).toHaveLength(4);
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ...who,
          route: 'GET /api/jobs/{id}/results',
          jobId,
          filters: { format: 'json', gridArea: GA1 },
          outcome: { status: 200, rows: count },
        }),
        expect.objectContaining({ ...who, filters: { format: 'ndjson', gridArea: GA1 }, outcome: { status: 200 } }),
        expect.objectContaining({
          ...who,
          filters: { format: 'ndjson', gridArea: GA1, stream: 'completed' },
          outcome: { status: 200, rows: rows.length },
        }),
        expect.objectContaining({
          operation: 'basis-data',
          jobId,
          outcome: expect.objectContaining({ status: 200 }) as unknown,
        }),
      ]),
    );
  });

  it('a token printed by `npm run token` in another process is accepted', async () => {
    const es = all.find((r) => r.energy_supplier_id !== '')?.energy_supplier_id ?? '';
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'token', '--', '--role', 'energy_supplier', '--actor', es],
      { cwd: REPO },
    );
    const token = stdout.trimEnd().split('\n').pop() ?? '';
    const mine = await energy(token);
    expect(mine).toEqual(all.filter((r) => r.energy_supplier_id === es));
    const help = await promisify(execFile)('npx', ['tsx', 'local/token.ts', '--help'], { cwd: REPO });
    for (const word of ['--role', '--actor', '--subject', '--expires', 'balance_responsible_party'])
      expect(help.stdout).toContain(word);
  });
});
