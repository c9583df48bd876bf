/**
 * Dataset catalog speed (`npm run bench:catalog -- [--json] [--rows N] [--datasets N] [--big-rows N | --no-big]`):
 * 1. profiling a large Parquet file (default 20 M rows, ~1 GB, random values so it does not
 *    compress away): generated once with DuckDB in a child process and cached in
 *    .cache/catalog-bench-<rows>.parquet, then profiled from disk (fs.openAsBlob: read by ranges,
 *    the profiler samples row groups). Time, and the process's peak RSS (getrusage maxrss: this
 *    step runs first, so the peak is the profiler's plus the bench's own baseline);
 * 2. profiling a synthetic time-series Parquet of N rows (GSRN, UTC hour, grid area, quantity) in memory;
 * 3. search latency on the embedded index holding M datasets (mixed keyword / temporal / area
 *    queries), p50 and p95 over 500 queries.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openAsBlob, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { dictionaryColumn, parquetBytes, stringColumn, timestampColumn } from '../shared/basis-data/parquet/arrow-io';
import type { CatalogEntry } from '../shared/catalog/dataset';
import { EmbeddedCatalogIndex } from '../shared/catalog/index/embedded-index';
import { profileDataset } from '../shared/catalog/profile/profiler';
import { catalogQuerySchema } from '../shared/catalog/search';
import { MemoryBlobStore } from '../shared/storage/memory-blob-store';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const asJson = process.argv.includes('--json');
const ROWS = arg('rows', 1_000_000);
const DATASETS = arg('datasets', 10_000);
const BIG_ROWS = process.argv.includes('--no-big') ? 0 : arg('big-rows', 20_000_000);
const CACHE = join(__dirname, '..', '.cache');

/** Child process: writes the large file with DuckDB (its memory is not the profiler's). */
async function generateBig(out: string, rows: number) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '2GB' });
  const con = await db.connect();
  // ~52 bytes a row after Snappy: two random doubles and a random 28-character text column do
  // not compress; metering points, hours and grid areas are dictionary/delta encoded as usual
  await con.run(`COPY (SELECT
      '57' || lpad(CAST(i % 100000 AS VARCHAR), 16, '0') AS metering_point_id,
      TIMESTAMP '2023-01-01 00:00:00' + to_hours(CAST(i // 100000 AS BIGINT)) AS observation_time,
      ['804','805','791'][CAST(i % 3 AS INTEGER) + 1] AS grid_area,
      round(random() * 100, 3) AS quantity_kwh,
      random() AS reading,
      random() AS reading_2,
      substr(md5(CAST(i AS VARCHAR)), 1, 28) AS note
    FROM range(${rows}) t(i)) TO '${out}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 500000)`);
}

async function bigProfileBench() {
  const file = join(CACHE, `catalog-bench-${BIG_ROWS}.parquet`);
  let generatedMs: number | null = null;
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    const start = performance.now();
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, __filename, '--generate', `${file}.tmp`, String(BIG_ROWS)],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error(`generating ${file} failed (${r.status})`);
    renameSync(`${file}.tmp`, file);
    generatedMs = Math.round(performance.now() - start);
  }
  const start = performance.now();
  const cpu = process.cpuUsage();
  const p = await profileDataset(await openAsBlob(file), 'parquet');
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    rows: p.nb_rows,
    bytes: statSync(file).size,
    ms: Math.round(ms),
    // CPU seconds of this process: on a loaded machine the wall time is the larger
    cpuMs: Math.round((used.user + used.system) / 1000),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    profiledRows: p.nb_profiled_rows,
    gridAreas: p.spatial_coverage.flatMap((c) => ('values' in c ? c.values : [])),
    ...(generatedMs !== null ? { generatedMs } : {}),
  };
}

function gsrn(i: number): string {
  const d = `57${String(100000000000000 + i)}`;
  let sum = 0;
  for (let k = 0; k < 17; k++) sum += Number(d[16 - k]) * (k % 2 === 0 ? 3 : 1);
  return d + String((10 - (sum % 10)) % 10);
}

async function profileBench() {
  const mps = Math.max(1, Math.ceil(ROWS / 8760));
  const ids = Array.from({ length: mps }, (_, i) => gsrn(i));
  const codes = new Int32Array(ROWS);
  const time = new Float64Array(ROWS);
  const t0 = Date.UTC(2023, 0, 1);
  for (let r = 0; r < ROWS; r++) {
    codes[r] = r % mps;
    time[r] = t0 + Math.floor(r / mps) * 3_600_000;
  }
  const table = new arrow.Table({
    metering_point_id: arrow.makeVector(dictionaryColumn(codes, ids)),
    observation_time: arrow.makeVector(timestampColumn(time)),
    grid_area: arrow.makeVector(stringColumn(Array.from({ length: ROWS }, (_, r) => (r % 3 === 0 ? '804' : '805')))),
    quantity_kwh: arrow.vectorFromArray(Float64Array.from({ length: ROWS }, (_, r) => (r % 1000) / 7)),
  });
  const bytes = parquetBytes(table);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const start = performance.now();
  const p = await profileDataset(bytes, 'parquet');
  const ms = performance.now() - start;
  clearInterval(timer);
  return {
    rows: ROWS,
    bytes: bytes.byteLength,
    ms: Math.round(ms),
    peakRssMb: Math.round(peak / 2 ** 20),
    profiledRows: p.nb_profiled_rows,
  };
}

async function searchBench() {
  const index = new EmbeddedCatalogIndex(new MemoryBlobStore('bench'));
  // a few real profiles, cloned under different ids, names, areas and years
  const templates: CatalogEntry['profile'][] = [];
  for (const year of [2019, 2021, 2023])
    for (const area of ['804', '791', '533']) {
      const lines = ['grid_area;time_utc;quantity_kwh;PriceArea'];
      for (let h = 0; h < 2000; h++)
        lines.push(
          `${area};${new Date(Date.UTC(year, 0, 1) + h * 3_600_000).toISOString()};${h % 50};${h % 2 ? 'DK1' : 'DK2'}`,
        );
      templates.push(await profileDataset(new TextEncoder().encode(lines.join('\n')), 'csv'));
    }
  for (let i = 0; i < DATASETS; i++)
    await index.put({
      id: `bench.ds-${i}`,
      name: `Dataset ${i} ${['consumption', 'production', 'prices', 'weather'][i % 4]}`,
      description: 'Synthetic benchmark dataset',
      source: ['lake', 'energidataservice', 'ckan'][i % 3],
      owner: i % 10 === 0 ? `user-${i % 7}` : null,
      published: false,
      materialize: { kind: 'url', url: 'https://example.org', format: 'csv', identifier: 'bench', date: '2026-01-01' },
      profile: templates[i % templates.length],
      indexed_at: '2026-01-01T00:00:00Z',
    });
  const queries = [
    { keywords: '804 2023' },
    { keywords: 'consumption', temporal: { start: '2021-01', end: '2021-03' } },
    { spatial: { grid_area: '791' }, source: ['lake'] },
    { spatial: { price_area: 'DK1' }, semantic_types: ['quantity'] },
    { columns: ['quantity_kwh'], keywords: 'prices' },
  ].map((q) => catalogQuerySchema.parse(q));
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const start = performance.now();
    await index.search(queries[i % queries.length], { subject: 'user-1' });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => Number(times[Math.floor(p * (times.length - 1))].toFixed(2));
  return { datasets: DATASETS, queries: times.length, p50Ms: pct(0.5), p95Ms: pct(0.95) };
}

async function main() {
  // first: the peak RSS it reports is the process's so far
  const bigProfile = BIG_ROWS > 0 ? await bigProfileBench() : null;
  const profile = await profileBench();
  const search = await searchBench();
  const loadAverage = (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2)));
  if (asJson) console.log(JSON.stringify({ bigProfile, profile, search, loadAverage }));
  else {
    if (bigProfile)
      console.log(
        `profile (file): ${bigProfile.rows} rows (${(bigProfile.bytes / 2 ** 20).toFixed(0)} MiB Parquet) in ${bigProfile.ms} ms (${bigProfile.cpuMs} ms CPU), peak RSS ${bigProfile.peakRssMb} MB, ${bigProfile.profiledRows} rows profiled`,
      );
    console.log(
      `profile: ${profile.rows} rows (${(profile.bytes / 2 ** 20).toFixed(1)} MiB Parquet) in ${profile.ms} ms, peak RSS ${profile.peakRssMb} MB, ${profile.profiledRows} rows profiled`,
    );
    console.log(
      `search: ${search.datasets} datasets, p50 ${search.p50Ms} ms, p95 ${search.p95Ms} ms over ${search.queries} queries`,
    );
  }
}

if (process.argv[2] === '--generate') void generateBig(process.argv[3], Number(process.argv[4]));
else void main();
