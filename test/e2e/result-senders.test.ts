/**
 * Result senders end to end through the local host: a completed aggregation job's
 * calculation-completed event makes the ResultSender store one RSM-014 document per result and
 * receiver and notify MessageHub (DataAvailable), and the EsettSender one eSett document per grid
 * area; a redelivered event sends nothing twice; a bundle request is answered with a working
 * link; the basis data export of a grid area is served through time-limited links.
 */
import { adminFetch } from '../support/tokens';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { NAMES } from '../../shared/config/names';
import { integrationEventMessage } from '../../shared/integration-events/encode';
import { esettSchemaSet } from '../../shared/market-documents/esett';
import {
  decodeBundleResponse,
  decodeDataAvailable,
  encodeBundleRequest,
} from '../../shared/market-documents/message-hub/contracts';
import { buildRsm014Documents } from '../../shared/market-documents/rsm014';
import { validateAgainstXsd } from '../../shared/market-documents/xsd-validator';
import { itWithCimSchemas, rsm014Schemas } from '../support/cim-schemas';
import { calculationCompletedMessage, decodeCalculationCompleted } from '../../shared/messaging/calculation-completed';
import type { ReceivedMessage } from '../../shared/messaging/bus';
import { readResults } from '../../shared/results/committed-results';

const SB = NAMES.serviceBus;

async function waitFor<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Drains a queue (completing what it reads) until it stays empty for `quietMs`. */
async function drain(host: LocalHost, queue: string, quietMs = 1500): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for (;;) {
    const got = await host.bus.receive({ queue }, 100, quietMs);
    if (got.length === 0) return out;
    for (const m of got) await m.complete();
    out.push(...got);
  }
}

describe('result senders through the local host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'senders-e2e-'));
  /** A stored RSM-014 document per receiver role (the first test), validated by the second. */
  let stored: Array<{ name: string; xml: string }> = [];
  const data = generateSynthetic({
    seed: 8,
    meteringPoints: 60,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 1,
    periodStart: '2024-03-04T23:00:00Z',
    quarterShare: 0,
    calculationType: 'aggregation',
  });
  let host: LocalHost;
  const owners: Record<string, string> = {
    [data.args.gridAreas[0]]: '5790000000011',
    [data.args.gridAreas[1]]: '5790000000012',
  };

  beforeAll(async () => {
    await writeSyntheticLake(join(dir, 'lake'), data);
    host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    await uploadLake(join(dir, 'lake'), host.basisData);
    for (const [ga, owner] of Object.entries(owners)) {
      await host.bus.send(
        { topic: SB.integrationEventsTopic },
        integrationEventMessage(`ga-${ga}`, {
          messageType: 'GridAreaUpdated',
          gridAreaCode: ga,
          gridAreaName: `GA ${ga}`,
          gridAccessProviderId: owner,
          priceAreaCode: 'DK1',
          effectiveDate: Date.parse('2020-01-01T00:00:00Z'),
        }),
      );
    }
    await waitFor(
      async () =>
        (await host.deps.integrationEvents.readEvents('GridAreaUpdated', Number.MAX_SAFE_INTEGER)).length === 2
          ? true
          : null,
      'grid area events',
    );
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores and announces every RSM-014 and eSett document once; bundle requests get a link; exports are downloadable', async () => {
    const res = await adminFetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D03',
        beginTime: new Date(data.args.periodStart).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        gridAreas: data.args.gridAreas,
      }),
    });
    expect(res.status).toBe(202);
    const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };
    await waitFor(
      async () =>
        ((await (await adminFetch(statusUrl)).json()) as { status: string }).status === 'Completed' ? true : null,
      'job',
    );

    // what the sender must produce, built independently from the committed results
    const rows = (await readResults(host.results, jobId, {})) ?? [];
    const expected = buildRsm014Documents(
      rows,
      {
        calculationId: jobId,
        calculationType: 'aggregation',
        periodStart: data.args.periodStart,
        periodEnd: data.args.periodEnd,
        createdAt: 0,
      },
      (ga) => owners[ga] ?? null,
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(new Set(expected.map((d) => d.receiver.role))).toEqual(new Set(['MDR', 'DDQ', 'DDK']));

    const notifications = await waitFor(async () => {
      const n = await host.messages.list(`messages/${jobId}/`);
      return n.filter((p) => p.endsWith('.xml.sent') && !p.includes('/esett/')).length === expected.length
        ? drain(host, SB.dataAvailableQueue)
        : null;
    }, 'all DataAvailable notifications');
    const decoded = notifications.map((m) => decodeDataAvailable(m.body));
    expect(decoded.map((n) => n.uuid).sort()).toEqual(expected.map((d) => d.documentId).sort());
    for (const n of decoded) {
      const doc = expected.find((d) => d.documentId === n.uuid);
      expect(n).toMatchObject({
        recipientId: doc?.receiver.id,
        recipientRole: doc?.receiver.role,
        messageType: 'NotifyAggregatedMeasureData',
        origin: 'Wholesale',
        supportsBundling: false,
        relativeWeight: 1,
        calculationId: jobId,
      });
    }
    // a stored document per role, validated against the official XSD below (~0.3 s each)
    const sample = ['MDR', 'DDQ', 'DDK'].map((role) => expected.find((d) => d.receiver.role === role)!);
    stored = await Promise.all(
      sample.map(async (d) => ({
        name: d.documentId,
        xml: (
          (await host.messages.get(`messages/${jobId}/${d.receiver.id}/${d.documentId}.xml`)) ?? Buffer.alloc(0)
        ).toString('utf8'),
      })),
    );
    expect(stored.map((d) => d.xml.length > 0)).toEqual([true, true, true]);

    // eSett: one document per grid area (aggregation is in scope), valid against our XSD
    const esett = await waitFor(async () => {
      const m = await drain(host, SB.esettQueue, 500);
      return m.length ? m : null;
    }, 'eSett documents');
    expect(esett.map((m) => m.applicationProperties?.GridArea).sort()).toEqual([...data.args.gridAreas].sort());
    const esettXml = esett.map((m) => ({ name: m.messageId, xml: Buffer.from(m.body).toString('utf8') }));
    for (const [name, r] of await validateAgainstXsd(esettSchemaSet(), esettXml))
      expect({ name, ...r }).toEqual({ name, valid: true, errors: [] });

    // a redelivered calculation-completed (a new message id, so duplicate detection does not drop it) sends nothing
    const completed = await host.bus.receive(
      { topic: SB.domainEventsTopic, subscription: SB.resultSenderSubscription },
      1,
      200,
    );
    expect(completed).toEqual([]); // the trigger consumed it
    const job = (await (await adminFetch(statusUrl)).json()) as { finishedAt: string };
    const event = {
      jobId,
      calculationType: 'aggregation' as const,
      periodStart: new Date(data.args.periodStart).toISOString(),
      periodEnd: new Date(data.args.periodEnd).toISOString(),
      gridAreaCodes: data.args.gridAreas,
      outputPath: `jobs/${jobId}/`,
      completedAt: job.finishedAt,
      version: 1,
    };
    await host.bus.send(
      { topic: SB.domainEventsTopic },
      { ...calculationCompletedMessage(event), messageId: `${jobId}-redelivered` },
    );
    expect(decodeCalculationCompleted(calculationCompletedMessage(event).body).jobId).toBe(jobId);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await drain(host, SB.dataAvailableQueue, 500)).toEqual([]);
    expect(await drain(host, SB.esettQueue, 500)).toEqual([]);

    // MessageHub asks for a bundle: the reply links to the stored document
    const wanted = expected[0];
    await host.bus.send(
      { queue: SB.bundleRequestQueue },
      {
        messageId: 'bundle-1',
        body: encodeBundleRequest({ idempotencyId: 'bundle-1', dataAvailableNotificationIds: [wanted.documentId] }),
      },
    );
    await host.bus.send(
      { queue: SB.bundleRequestQueue },
      {
        messageId: 'bundle-2',
        body: encodeBundleRequest({
          idempotencyId: 'bundle-2',
          dataAvailableNotificationIds: ['00000000-0000-0000-0000-000000000000'],
        }),
      },
    );
    const replies = await waitFor(async () => {
      const r = await host.bus.receive({ queue: SB.bundleReplyQueue }, 2, 1000);
      for (const m of r) await m.complete();
      return r.length ? r : null;
    }, 'bundle replies');
    const more = replies.length < 2 ? await host.bus.receive({ queue: SB.bundleReplyQueue }, 1, 2000) : [];
    const byId = new Map([...replies, ...more].map((m) => [m.messageId, decodeBundleResponse(m.body)]));
    const ok = byId.get('bundle-1');
    expect(ok).toMatchObject({ dataAvailableNotificationIds: [wanted.documentId], isErrorResponse: false });
    const downloaded = await (await fetch(ok?.contentUri ?? '')).text();
    expect(downloaded).toBe(
      ((await host.messages.get(`messages/${jobId}/${wanted.receiver.id}/${wanted.documentId}.xml`)) ?? '').toString(),
    );
    expect(byId.get('bundle-2')).toMatchObject({ isErrorResponse: true, errorReason: 'DatasetNotFound' });

    // basis data export of one grid area: 202, then links; a repeated request is served from the finished export
    const ga = data.args.gridAreas[0];
    const started = await adminFetch(`${host.url}/api/jobs/${jobId}/basis-data-exports?gridArea=${ga}`, {
      method: 'POST',
    });
    expect(started.status).toBe(202);
    const { statusUrl: exportUrl } = (await started.json()) as { statusUrl: string };
    const ready = await waitFor(async () => {
      const r = await adminFetch(exportUrl);
      return r.status === 200
        ? ((await r.json()) as { files: Array<{ name: string; url: string; expiresOn: string }> })
        : null;
    }, 'export');
    const master = ready.files.find((f) => f.name === 'master_basis_data.csv');
    const csv = await (await fetch(master?.url ?? '')).text();
    expect(csv.split('\n')[0]).toBe(
      'METERINGPOINTID;VALIDFROM;VALIDTO;GRIDAREA;TOGRIDAREA;FROMGRIDAREA;TYPEOFMP;SETTLEMENTMETHOD;ENERGYSUPPLIERID',
    );
    expect(csv.trimEnd().split('\n').length).toBeGreaterThan(10);
    const again = await adminFetch(`${host.url}/api/jobs/${jobId}/basis-data-exports?gridArea=${ga}`, {
      method: 'POST',
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { files: unknown[] }).files).toHaveLength(ready.files.length);
    const bad = await adminFetch(`${host.url}/api/jobs/${jobId}/basis-data-exports?gridArea=999`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('gridArea');
  }, 180_000);

  itWithCimSchemas()('the stored RSM-014 documents are valid against the official XSD', async () => {
    expect(stored).toHaveLength(3); // one per receiver role, read by the test above
    for (const [name, r] of await validateAgainstXsd(rsm014Schemas().set, stored))
      expect({ name, ...r }).toEqual({ name, valid: true, errors: [] });
  });
});
