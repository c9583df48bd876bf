/**
 * Benchmark of the time series service (issue 14): `npm run bench:series [-- --json] [-- --mps N]`.
 *
 * 1. write: a Parquet body of ~2 M PT15M points (57 tagged series × one year) through
 *    parseSeriesBody + writeSeries into an in-memory BlobStore (parse, validate, partition by
 *    series and date, encode Parquet, store) — points per second, best of 3.
 * 2. bucket: one PT15M series over a year (35,040 points in 365 daily files) read back and bucketed
 *    to P1D in Europe/Copenhagen (readSeries + timeBucket avg) — cold, then the median of 20 warm.
 * 3. spot-cost: the spot-cost report (energy, cost EUR/DKK, average prices, CO2) per day for a
 *    2,000-metering-point grid area over a month from a local Parquet lake (generated once into
 *    .cache/bench/series/) — cold, then the median of 5 warm.
 * With --json the last line is one JSON object with every figure.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { ParquetLakeSource } from '../shared/basis-data/parquet/lake';
import { DEFAULT_KPI_DEFINITIONS } from '../shared/kpis/definitions';
import { kpiReport } from '../shared/kpis/report';
import { parsePriceAreas } from '../shared/market-data/price-areas';
import { MemoryBlobStore } from '../shared/storage/memory-blob-store';
import { timeBucket } from '../shared/timeseries/bucket';
import { parseBucket, type BucketSpec } from '../shared/timeseries/bucket-spec';
import { parseSeriesBody, assertNoDuplicatePoints } from '../shared/timeseries/series-input';
import { readSeries, writeSeries } from '../shared/timeseries/series-store';
import { GRID_AREA, gridAreaLake, marketMonth, seriesParquet } from './series-data';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const mpsArg = args.indexOf('--mps');
const MPS = mpsArg >= 0 ? Number(args[mpsArg + 1]) : 2000;
const CACHE = join(__dirname, '..', '.cache', 'bench', 'series');
const YEAR = Date.parse('2024-12-31T23:00:00Z'); // Danish 2025
const MONTH_FROM = Date.parse('2025-09-30T22:00:00Z'); // October 2025, Danish
const MONTH_TO = Date.parse('2025-10-31T23:00:00Z'); // 31 days + the 25-hour DST day

const log = (s: string) => {
  if (!asJson) console.log(s);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: number) => performance.now() - t0;
/** CPU time (user + system) of this process since `c0`, in ms: on a shared machine wall time also counts waiting for a core. */
const cpu = (c0: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
};

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  // 1. write
  const body = seriesParquet(57, YEAR, 365);
  const writes: number[] = [];
  const writeCpus: number[] = [];
  for (let r = 0; r < 3; r++) {
    const store = new MemoryBlobStore('basis-data');
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const p = parseSeriesBody(body.bytes, 'parquet', 'kWh');
    assertNoDuplicatePoints(p);
    await writeSeries(store, 'bench', p, new Date());
    writes.push(ms(t0));
    writeCpus.push(cpu(c0));
  }
  const writeMs = Math.min(...writes);
  const writeCpu = Math.min(...writeCpus);
  const writePps = body.points / (writeMs / 1000);
  log(
    `write: ${body.points} points from Parquet in ${writeMs.toFixed(0)} ms (cpu ${writeCpu.toFixed(0)} ms) = ${(writePps / 1e6).toFixed(2)} M points/s`,
  );

  // 2. bucket one year of one series to P1D
  const store = new MemoryBlobStore('basis-data');
  const one = seriesParquet(1, YEAR, 365);
  await writeSeries(store, 'year', parseSeriesBody(one.bytes, 'parquet', 'kWh'), new Date());
  const q = {
    bucket: parseBucket('P1D') as BucketSpec,
    tz: 'Europe/Copenhagen',
    fromMs: YEAR,
    toMs: YEAR + 365 * 86_400_000,
    agg: 'avg' as const,
    fill: 'null' as const,
  };
  const bucketCpus: number[] = [];
  const bucketOnce = async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await readSeries(store, 'year', q.fromMs, q.toMs, []);
    const b = timeBucket(r!.series, q);
    if (b.startMs.length !== 365 && b.startMs.length !== 366) throw new Error(`${b.startMs.length} buckets`);
    bucketCpus.push(cpu(c0));
    return ms(t0);
  };
  const bucketCold = await bucketOnce();
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) warm.push(await bucketOnce());
  const bucketWarm = median(warm);
  const bucketWarmCpu = median(bucketCpus.slice(1));
  log(
    `bucket: ${one.points} PT15M points → P1D (Europe/Copenhagen): cold ${bucketCold.toFixed(1)} ms, warm ${bucketWarm.toFixed(1)} ms (cpu ${bucketWarmCpu.toFixed(1)} ms)`,
  );

  // 3. spot-cost for a grid area over a month
  const t0 = performance.now();
  const lake = await gridAreaLake(CACHE, MPS, MONTH_FROM, 32);
  log(`lake: ${MPS} metering points × October 2025 (${ms(t0).toFixed(0)} ms to generate or find)`);
  const market = marketMonth(MONTH_FROM - 3_600_000, MONTH_TO);
  const deps = {
    marketData: {
      read: (mq: { kind: string; unit: string }) =>
        Promise.resolve(market.find((s) => s.kind === mq.kind && s.unit === mq.unit)!),
    },
    priceAreas: () =>
      Promise.resolve(
        parsePriceAreas(`grid_area_code;price_area;valid_from;valid_to\n${GRID_AREA};DK1;2000-01-01T00:00:00Z;\n`),
      ),
    readings: () => Promise.resolve(new ParquetLakeSource(lake)),
    results: new MemoryBlobStore('results'),
  };
  const spotCpus: number[] = [];
  const spotOnce = async () => {
    const s = performance.now();
    const c0 = process.cpuUsage();
    const r = await kpiReport(deps, DEFAULT_KPI_DEFINITIONS, {
      report: 'spot-cost',
      gridArea: GRID_AREA,
      fromMs: MONTH_FROM,
      toMs: MONTH_TO,
      resolution: parseBucket('P1D') as BucketSpec,
      asOf: Date.now(),
    });
    if (r.points.length !== 31 || r.meteringPoints !== MPS)
      throw new Error(`${r.points.length} days, ${r.meteringPoints} MPs`);
    spotCpus.push(cpu(c0));
    return { ms: ms(s), r };
  };
  const cold = await spotOnce();
  const spotWarm: number[] = [];
  for (let i = 0; i < 5; i++) spotWarm.push((await spotOnce()).ms);
  const spotMs = median(spotWarm);
  const spotCpu = median(spotCpus.slice(1));
  const points = ((MPS * (MONTH_TO - MONTH_FROM)) / 900_000) * 0.85; // a fifth hourly: 4/5 + 1/5 × 1/4
  log(
    `spot-cost: ${MPS} metering points × a month (~${(points / 1e6).toFixed(1)} M readings), P1D: cold ${cold.ms.toFixed(0)} ms, warm ${spotMs.toFixed(0)} ms (cpu ${spotCpu.toFixed(0)} ms)`,
  );
  log(`  first day: ${JSON.stringify(cold.r.points[0])}`);
  const out = {
    write_points: body.points,
    write_ms: Math.round(writeMs),
    write_points_per_s: Math.round(writePps),
    write_cpu_ms: Math.round(writeCpu),
    bucket_points: one.points,
    bucket_p1d_cold_ms: Number(bucketCold.toFixed(1)),
    bucket_p1d_warm_ms: Number(bucketWarm.toFixed(1)),
    bucket_p1d_warm_cpu_ms: Number(bucketWarmCpu.toFixed(1)),
    spot_cost_metering_points: MPS,
    spot_cost_cold_ms: Math.round(cold.ms),
    spot_cost_warm_ms: Math.round(spotMs),
    spot_cost_warm_cpu_ms: Math.round(spotCpu),
    load_average_1m: Number(loadavg()[0].toFixed(1)),
    cores: availableParallelism(),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (asJson) console.log(JSON.stringify(out));
  else console.table(out);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
