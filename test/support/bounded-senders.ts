/**
 * Issue 12 "bounded work": a balance fixing month with millions of energy result rows runs
 * through the local host (Azurite on disk, the local Durable runtime, the in-process Service Bus
 * with the RSM-014 and eSett senders), while `GET /api/jobs/{id}` is polled every ~100 ms from
 * the job's start until both senders have logged their completion. The figures (rows, wall time,
 * max and p99 status latency, peak RSS of this process) come back to the test that asserts them.
 *
 * Settlement batches run in child processes (bench/scale-worker.ts, the same use case the
 * activity runs): in Azure a batch activity occupies a Functions worker for seconds of
 * synchronous engine work and the platform scales out, it does not share its event loop with
 * the HTTP function answering the status request. Everything else — the orchestrator, planning,
 * the commit, the publish and both completion consumers — runs in this process, next to the
 * HTTP functions, which is what the test is about.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ActivityHandler } from 'durable-functions';
import { writeSyntheticLake } from '../../bench/lake';
import type { ScaleWorkerInput, ScaleWorkerOutput } from '../../bench/scale-worker';
import { generateSynthetic } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { NAMES } from '../../shared/config/names';
import { integrationEventMessage } from '../../shared/integration-events/encode';
import { readManifest } from '../../shared/settlement/manifest';
import type { Batch } from '../../shared/settlement/batch';
import { adminFetch } from './tokens';

const ROOT = resolve(__dirname, '../..');

export interface BoundedSendersOptions {
  meteringPoints: number;
  /** Calculated grid areas (one more is generated as a non-calculated neighbour). */
  gridAreas: number;
  suppliersPerGridArea: number;
  days: number;
  /** Give up after this long (ms) from the job's start. */
  timeoutMs: number;
  /** BATCH_MAX_POINTS: small values cut each grid area into several batches (result files). */
  batchMaxPoints?: number;
  /** Runs against the host after the senders finished (and before it stops). */
  verify?: (host: LocalHost, jobId: string) => Promise<void>;
}

export interface BoundedSendersFigures {
  jobStatus: string;
  energyRows: number;
  batches: number;
  /** Job start → both senders logged completion. */
  wallSeconds: number;
  jobSeconds: number;
  statusRequests: number;
  maxStatusLatencyMs: number;
  p99StatusLatencyMs: number;
  medianStatusLatencyMs: number;
  /** Peak RSS of this process (the host with both senders; Azurite and the batches run apart). */
  peakRssMb: number;
  /** The slowest status requests: seconds after the start, latency, the job's status then. */
  slowest: Array<{ atSeconds: number; latencyMs: number; status: string }>;
  rsm014Documents: number;
  rsm014SentMarkers: number;
  esettDocuments: number;
  esettSentMarkers: number;
}

function runBatchProcess(input: ScaleWorkerInput): Promise<ScaleWorkerOutput> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'scale-worker.ts'), JSON.stringify(input)],
      { cwd: ROOT, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`batch ${input.batch.id} failed: ${stderr || err.message}`));
        else resolvePromise(JSON.parse(stdout.trim().split('\n').pop() as string) as ScaleWorkerOutput);
      },
    );
    // In Azure a batch runs on a scaled-out instance; here two of them share the machine's two
    // cores with the host. A lower scheduling priority keeps the stand-in for "another machine"
    // from taking the host's CPU time, which is not what the status latency is about.
    if (child.pid !== undefined) setPriority(child.pid, 10);
  });
}

/** The senders' completion lines as the local host prints them (shared/telemetry/log.ts readableLogLine). */
const SENDER_LOG = /^\[job (\S+)[^\]]*\] (RSM-014|eSett): (\d+) documents/;
const SENDER_OF = { 'RSM-014': 'ResultSender', eSett: 'EsettSender' } as const;

export async function runBoundedSenders(o: BoundedSendersOptions): Promise<BoundedSendersFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'bounded-senders-'));
  const data = generateSynthetic({
    seed: 12,
    meteringPoints: o.meteringPoints,
    gridAreas: o.gridAreas + 1,
    calculationGridAreas: o.gridAreas,
    days: o.days,
    periodStart: '2024-02-29T23:00:00Z',
    calculationType: 'balance_fixing',
    suppliersPerGridArea: o.suppliersPerGridArea,
  });
  const senderDone = new Map<string, number>();
  let host: LocalHost | null = null;
  let cacheCounter = 0;
  const wrapActivity = (name: string, handler: ActivityHandler): ActivityHandler => {
    if (name !== NAMES.durable.calculateBatchActivity) return handler;
    return async (input: unknown) => {
      const { jobId, batch } = input as { jobId: string; batch: Batch };
      const cacheDir = join(dir, 'cache', String(++cacheCounter));
      const r = await runBatchProcess({
        connectionString: (host as LocalHost).storageConnectionString,
        jobId,
        batch,
        cacheDir,
      });
      // async: a synchronous rm of a batch's cache stalled this (the host's) event loop ~0.4 s
      await rm(cacheDir, { recursive: true, force: true });
      return r.output;
    };
  };
  try {
    await writeSyntheticLake(join(dir, 'lake'), data);
    host = await startLocalHost({
      port: 0,
      dataDir: join(dir, 'host'),
      timers: false,
      env: {
        [NAMES.settings.maxParallelBatches]: '2',
        ...(o.batchMaxPoints ? { [NAMES.settings.batchMaxPoints]: String(o.batchMaxPoints) } : {}),
      },
      wrapActivity,
      log: (line) => {
        const m = SENDER_LOG.exec(line);
        if (m) senderDone.set(SENDER_OF[m[2] as keyof typeof SENDER_OF], Number(m[3]));
      },
    });
    await uploadLake(join(dir, 'lake'), host.basisData);
    for (const ga of data.args.gridAreas)
      await host.bus.send(
        { topic: NAMES.serviceBus.integrationEventsTopic },
        integrationEventMessage(`ga-${ga}`, {
          messageType: 'GridAreaUpdated',
          gridAreaCode: ga,
          gridAreaName: `GA ${ga}`,
          gridAccessProviderId: `579000000${ga}1`,
          priceAreaCode: 'DK1',
          effectiveDate: Date.parse('2020-01-01T00:00:00Z'),
        }),
      );
    const owners = host.deps.integrationEvents;
    for (let i = 0; ; i++) {
      if ((await owners.readEvents('GridAreaUpdated', Number.MAX_SAFE_INTEGER)).length === data.args.gridAreas.length)
        break;
      if (i > 600) throw new Error('grid area owner events were not stored');
      await new Promise((r) => setTimeout(r, 100));
    }

    const t0 = performance.now();
    const res = await adminFetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: new Date(data.args.periodStart).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        gridAreas: data.args.gridAreas,
      }),
    });
    if (res.status !== 202) throw new Error(`KickStartJob answered ${res.status}: ${await res.text()}`);
    const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };

    const latencies: number[] = [];
    const timeline: Array<{ atSeconds: number; latencyMs: number; status: string }> = [];
    let peakRss = process.memoryUsage().rss;
    let status = '';
    let jobSeconds = NaN;
    while (senderDone.size < 2) {
      if (performance.now() - t0 > o.timeoutMs) break;
      const s0 = performance.now();
      const r = await adminFetch(statusUrl);
      const body = (await r.json()) as { status: string };
      latencies.push(performance.now() - s0);
      timeline.push({ atSeconds: (s0 - t0) / 1000, latencyMs: performance.now() - s0, status: body.status });
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (body.status !== status) {
        status = body.status;
        if (status === 'Completed') jobSeconds = (performance.now() - t0) / 1000;
        if (status === 'Failed' || status === 'Canceled') break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const manifest = await readManifest(host.results, jobId);
    const messages = await host.messages.list(`messages/${jobId}/`);
    const sent = messages.filter((p) => p.endsWith('.xml.sent'));
    latencies.sort((a, b) => a - b);
    if (o.verify && senderDone.size === 2) await o.verify(host, jobId);
    return {
      jobStatus: status,
      energyRows: manifest?.rows ?? 0,
      batches: manifest?.files.length ?? 0,
      wallSeconds,
      jobSeconds,
      statusRequests: latencies.length,
      maxStatusLatencyMs: latencies[latencies.length - 1] ?? NaN,
      p99StatusLatencyMs: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
      medianStatusLatencyMs: latencies[Math.floor(latencies.length / 2)] ?? NaN,
      peakRssMb: peakRss / 2 ** 20,
      slowest: timeline.sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 8),
      rsm014Documents: senderDone.get('ResultSender') ?? -1,
      rsm014SentMarkers: sent.filter((p) => !p.includes('/esett/')).length,
      esettDocuments: senderDone.get('EsettSender') ?? -1,
      esettSentMarkers: sent.filter((p) => p.includes('/esett/')).length,
    };
  } finally {
    await host?.stop();
    // best effort: a failed cleanup must not replace the error that ended the run
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      console.warn(`could not remove ${dir}: ${(e as Error).message}`);
    }
  }
}
