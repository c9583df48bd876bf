/**
 * Data lake zones speed (issue 15), `npm run bench:lake -- [--json] [--events N] [--regions N] [--years N] [--latency MS] [--only compaction|backfill]`:
 *
 * 1. **Stream compaction**: a day of source D — N small events (default 1,000,000) written to
 *    `raw/stream_d/day=D/hour=HH/{eventId}.json` exactly as the consumer (storeRawEvent) writes
 *    them, incl. ~1 % received an hour late and ~0.5 % redelivered in a later hour — then the
 *    real hourly compaction (`compactHour`) for the 24 hours, which also rebuilds the daily
 *    aggregates (market_interest_daily, regions). Target ≤ 30 s.
 * 2. **Weather backfill**: `--years` (15) × `--regions` (20) daily history through the real
 *    orchestration on the local Durable runtime against a loopback Open-Meteo archive (answer
 *    delay `--latency` ms): time, requests, curated files and rows.
 *
 * Both on the in-memory blob store: the figures are the code's, not the storage's (Blob adds a
 * round trip per raw event, which is why the stream will need batched raw files at volume).
 */
import { weatherBackfillActivities, weatherBackfillOrchestrator } from '../functions/durable/weather-backfill';
import { activityHandler } from '../functions/durable/typed-activities';
import { LocalDurableRuntime, MemoryHistoryStore } from '../local/durable/runtime';
import { NAMES } from '../shared/config/names';
import { PartitionStore } from '../shared/lake/partition-store';
import { STREAM_SOURCE, compactHour } from '../shared/lake/stream/stream';
import {
  planWeatherChunks,
  weatherBackfillId,
  type WeatherBackfillResult,
} from '../shared/lake/weather/weather-backfill';
import { parquetToTable } from '../shared/lake/records';
import { rawPath } from '../shared/lake/zones';
import { MemoryBlobStore } from '../shared/storage/memory-blob-store';
import { FakeOpenMeteoArchive } from '../test/support/fake-open-meteo-archive';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : null;
})();
const asJson = process.argv.includes('--json');
const EVENTS = arg('events', 1_000_000);
const REGIONS = arg('regions', 20);
const YEARS = arg('years', 15);
const LATENCY = arg('latency', 0);
const DAY = '2026-03-10';
const STREAM_REGIONS = 50;

const log = (s: string) => {
  if (!asJson) console.error(s);
};

async function compactionBench() {
  const blobs = new MemoryBlobStore('lake');
  const partitions = new PartitionStore(blobs);
  const dayStart = Date.parse(`${DAY}T00:00:00Z`);
  const perHour = Math.ceil(EVENTS / 24);
  let written = 0;
  let late = 0;
  let redelivered = 0;
  const genStart = performance.now();
  for (let h = 0; h < 24; h++) {
    const folder = rawPath(STREAM_SOURCE, DAY, h);
    const puts: Array<Promise<void>> = [];
    for (let k = 0; k < perHour && written < EVENTS; k++, written++) {
      const i = written;
      // occurred in the receipt hour, except ~1 % that arrive an hour late (not in hour 0: same day)
      const isLate = h > 0 && i % 97 === 0;
      if (isLate) late++;
      const occurred = dayStart + (h - (isLate ? 1 : 0)) * 3_600_000 + ((i * 7919) % 3_600_000);
      const eventId = `ev-${i.toString(36).padStart(6, '0')}`;
      const body = JSON.stringify({
        eventId,
        region: `r${(i * 31) % STREAM_REGIONS}`,
        occurredAt: new Date(occurred).toISOString(),
        interest: `${(i % 1000) / 100}`,
      });
      puts.push(blobs.put(`${folder}/${eventId}.json`, body, 'application/json'));
      // ~0.5 % delivered again in the next hour (at-least-once): compaction must drop them
      if (h < 23 && i % 199 === 0) {
        redelivered++;
        puts.push(blobs.put(`${rawPath(STREAM_SOURCE, DAY, h + 1)}/${eventId}.json`, body, 'application/json'));
      }
    }
    await Promise.all(puts);
  }
  const genMs = performance.now() - genStart;
  log(`stream: ${written} events (+${redelivered} redelivered, ${late} late) written raw in ${Math.round(genMs)} ms`);

  const hours: number[] = [];
  let duplicates = 0;
  let added = 0;
  // CPU time too: on a shared machine the wall clock also counts other processes' turns
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let h = 0; h < 24; h++) {
    const t = performance.now();
    const r = await compactHour({ partitions }, DAY, h);
    duplicates += r.duplicates;
    added += r.added;
    hours.push(Math.round(performance.now() - t));
    log(`  hour ${String(h).padStart(2, '0')}: ${r.events} raw events, ${r.added} added, ${hours[h]} ms`);
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);

  // check: every event once in curated, the daily aggregate counts them all
  let curatedRows = 0;
  const curated = await partitions.partitions(`curated/stream_d_events/date=${DAY}/`);
  for (const p of curated) curatedRows += Number((await partitions.pointer(p))?.meta.rows ?? 0);
  const interest = await partitions.read(`operational/market_interest_daily/date=${DAY}`);
  const t = parquetToTable(interest!.files.get('part-0.parquet')!);
  const counted = (t.getChild('events')!.toArray() as Int32Array).reduce((a, b) => a + b, 0);
  return {
    events: written,
    redelivered,
    late,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    eventsPerSecond: Math.round(written / (ms / 1000)),
    slowestHourMs: Math.max(...hours),
    added,
    duplicatesDropped: duplicates,
    curatedPartitions: curated.length,
    curatedRows,
    dailyAggregateEvents: counted,
    targetMs: 30_000,
    withinTarget: ms <= 30_000,
  };
}

async function backfillBench() {
  const archive = await new FakeOpenMeteoArchive().start();
  archive.latencyMs = LATENCY;
  const blobs = new MemoryBlobStore('lake');
  const partitions = new PartitionStore(blobs);
  const regions = Array.from({ length: REGIONS }, (_, i) => ({
    id: `region-${i}`,
    name: `Region ${i}`,
    latitude: Math.round((54.6 + (i % 5) * 0.6) * 100) / 100,
    longitude: Math.round((8.2 + Math.floor(i / 5) * 0.9) * 100) / 100,
  }));
  const runtime = new LocalDurableRuntime({ store: new MemoryHistoryStore(), maxConcurrentActivities: 16 });
  const D = NAMES.durable;
  const a = weatherBackfillActivities({
    partitions,
    archiveUrl: archive.url,
    clock: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    retry: { attempts: 4, backoffMs: 100, timeoutMs: 60_000 },
  });
  runtime.registerOrchestrator(D.weatherBackfillOrchestrator, weatherBackfillOrchestrator);
  runtime.registerActivity(D.weatherStoredChunksActivity, activityHandler(a.stored));
  runtime.registerActivity(D.weatherChunkActivity, activityHandler(a.chunk));
  runtime.registerActivity(D.weatherYearActivity, activityHandler(a.year));
  runtime.registerActivity(D.weatherFinishActivity, activityHandler(a.finish));
  const lastYear = 2025;
  const from = `${lastYear - YEARS + 1}-01-01`;
  const to = `${lastYear}-12-31`;
  const id = weatherBackfillId(from, to, regions);
  const maxParallel = 4;
  const start = performance.now();
  await runtime.startNew(D.weatherBackfillOrchestrator, {
    instanceId: id,
    input: { id, chunks: planWeatherChunks(from, to, regions), regions: regions.map((r) => r.id), maxParallel },
  });
  const status = await runtime.waitForCompletion(id, 600_000);
  const ms = performance.now() - start;
  await runtime.stop();
  await archive.stop();
  if (status.runtimeStatus !== 'Completed') throw new Error(`backfill ${status.runtimeStatus}`);
  const result = status.output as WeatherBackfillResult;
  const all = await blobs.list('');
  const curated = all.filter((p) => p.startsWith('curated/') && p.endsWith('.parquet'));
  const curatedBytes = (await blobs.listDetailed('curated/'))
    .filter((b) => b.path.endsWith('.parquet'))
    .reduce((n, b) => n + b.size, 0);
  return {
    years: YEARS,
    regions: REGIONS,
    maxParallel,
    latencyMs: LATENCY,
    ms: Math.round(ms),
    requests: archive.requests.length,
    maxInFlight: archive.maxInFlight,
    chunks: result.chunks,
    failed: result.failed.length,
    curatedFiles: curated.length,
    curatedMb: Math.round((curatedBytes / 2 ** 20) * 100) / 100,
    rawFiles: all.filter((p) => p.startsWith('raw/') && !p.endsWith('_current.json')).length,
    rows: result.years.reduce((n, y) => n + y.rows, 0),
  };
}

async function main() {
  const out: Record<string, unknown> = { node: process.version, loadAverage: (await import('node:os')).loadavg() };
  if (only !== 'backfill') out.compaction = await compactionBench();
  if (only !== 'compaction') out.backfill = await backfillBench();
  out.loadAverageAfter = (await import('node:os')).loadavg();
  if (asJson) console.log(JSON.stringify(out, null, 2));
  else console.log(out);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
