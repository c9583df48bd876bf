/**
 * Issue 12 "bounded work", scaled down for `npm test` (the ≥ 5 M-row run is
 * test/heavy/bounded-senders.heavy.ts, `npm run test:heavy`): a balance fixing month of two grid
 * areas (~258 k energy result rows), each grid area cut into several batches so that every
 * result series spans several result files. The job completes and both senders deliver while
 * `GET /api/jobs/{id}` keeps answering within 1 s; the documents they stored — read one grid
 * area and chunk at a time — are exactly those the builders make from every row at once.
 */
import { buildEsettDocuments } from '../../shared/market-documents/esett';
import { ESETT_RECEIVER_FOLDER } from '../../shared/market-documents/esett/sender';
import { buildRsm014Documents } from '../../shared/market-documents/rsm014';
import { readResults } from '../../shared/results/committed-results';
import { readManifest } from '../../shared/settlement/manifest';
import { runBoundedSenders, type BoundedSendersFigures } from '../support/bounded-senders';
import { adminFetch } from '../support/tokens';
import type { LocalHost } from '../../local/host';

const CREATED = /<cim:createdDateTime>[^<]*<\/cim:createdDateTime>/;

async function sameDocumentsAsWholeJobBuild(host: LocalHost, jobId: string): Promise<void> {
  const manifest = await readManifest(host.results, jobId);
  const job = (await (await adminFetch(`${host.url}/api/jobs/${jobId}`)).json()) as { finishedAt: string };
  const rows = (await readResults(host.results, jobId, {})) ?? [];
  expect(rows.length).toBe(manifest?.rows);
  const period = { start: Date.parse(manifest!.periodStart), end: Date.parse(manifest!.periodEnd) };
  const owners = (ga: string) => `579000000${ga}1`;
  const rsm014 = buildRsm014Documents(
    rows,
    {
      calculationId: jobId,
      calculationType: 'balance_fixing',
      periodStart: period.start,
      periodEnd: period.end,
      createdAt: 0,
    },
    owners,
  );
  const stored = (await host.messages.list(`messages/${jobId}/`)).filter((p) => p.endsWith('.xml'));
  expect(stored.filter((p) => !p.includes(`/${ESETT_RECEIVER_FOLDER}/`)).sort()).toEqual(
    rsm014.map((d) => `messages/${jobId}/${d.receiver.id}/${d.documentId}.xml`).sort(),
  );
  // createdDateTime is the sender's clock; every other byte must match
  for (const d of rsm014) {
    const xml = (await host.messages.get(`messages/${jobId}/${d.receiver.id}/${d.documentId}.xml`))!.toString('utf8');
    expect(xml.replace(CREATED, '')).toBe(d.xml.replace(CREATED, ''));
  }
  const esett = buildEsettDocuments(
    rows,
    {
      calculationId: jobId,
      calculationType: 'balance_fixing',
      period: { start: manifest!.periodStart.replace('.000Z', 'Z'), end: manifest!.periodEnd.replace('.000Z', 'Z') },
      createdAt: job.finishedAt,
    },
    { receiver: host.deps.settings.esettReceiverId },
  );
  expect(esett.map((d) => d.gridAreaCode)).toEqual(manifest!.gridAreas);
  for (const d of esett) {
    const xml = (await host.messages.get(`messages/${jobId}/${ESETT_RECEIVER_FOLDER}/${d.documentId}.xml`))!;
    expect(xml.toString('utf8')).toBe(d.xml);
  }
}

describe('bounded completion consumers (issue 12), scaled down', () => {
  let f: BoundedSendersFigures;

  beforeAll(async () => {
    f = await runBoundedSenders({
      meteringPoints: 300,
      gridAreas: 2,
      suppliersPerGridArea: 4,
      days: 31,
      // ~4 batches per grid area: each result series has rows in several files
      batchMaxPoints: 150_000,
      timeoutMs: 600_000,
      verify: sameDocumentsAsWholeJobBuild,
    });
    console.log(JSON.stringify(f));
  }, 900_000);

  it('258,002 energy result rows in more result files than grid areas; the job completes', () => {
    expect(f.jobStatus).toBe('Completed');
    expect(f.energyRows).toBe(258_002);
    expect(f.batches).toBeGreaterThan(2);
  });

  it('both senders finish and every document they announced is stored and marked sent', () => {
    expect(f.rsm014Documents).toBe(124);
    expect(f.rsm014SentMarkers).toBe(124);
    expect(f.esettDocuments).toBe(2);
    expect(f.esettSentMarkers).toBe(2);
  });

  // In `npm test` this file shares 2 cores with another test file (Azurite, batch processes): a
  // request can wait seconds for CPU or for Azurite behind the senders' writes (measured at load
  // ~10: max 2.1 s, p99 1.7 s). What a sender holding the event loop would do instead — every
  // request during delivery waiting for it — shows in the median, and in a max of tens of seconds.
  // The hard "every request within 1 s" runs alone in `npm run test:heavy`.
  it('GET /api/jobs/{id} kept answering (median < 1 s, none over 10 s) from the job start until both senders finished', () => {
    expect(f.statusRequests).toBeGreaterThan(100);
    expect(f.medianStatusLatencyMs).toBeLessThan(1000);
    expect(f.maxStatusLatencyMs).toBeLessThan(10_000);
  });
});
