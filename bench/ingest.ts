/**
 * Throughput of bulk time series ingestion (`npx tsx bench/ingest.ts [points]`): ~2 M synthetic
 * points as Parquet and NDJSON bodies through `ingestTimeSeries` into an in-memory BlobStore.
 */
import * as arrow from 'apache-arrow';
import { decimal3Column, dictionaryColumn, parquetBytes, tableOf } from '../shared/basis-data/parquet/arrow-io';
import { formatInstant } from '../shared/domain/time';
import { formatScaled } from '../shared/decimal/scaled';
import { QUALITIES } from '../shared/domain/codes';
import { ingestTimeSeries, type IngestFormat } from '../shared/ingestion/time-series-ingestion';
import { LakeLayout } from '../shared/basis-data/parquet/lake-layout';
import { MemoryBlobStore } from '../shared/storage/memory-blob-store';

const target = Number(process.argv[2] ?? 2_000_000);
const DAYS = 2;
const PER_DAY = 96; // PT15M
const mps = Math.ceil(target / (DAYS * PER_DAY));
const n = mps * DAYS * PER_DAY;
const start = Date.parse('2023-11-02T00:00:00Z');

const ids = Array.from({ length: mps }, (_, i) => `5799990${String(i).padStart(11, '0')}`);
const mp = new Int32Array(n);
const time = new Float64Array(n);
const milli = new Float64Array(n);
const quality = new Int32Array(n);
let k = 0;
for (let m = 0; m < mps; m++) {
  for (let s = 0; s < DAYS * PER_DAY; s++, k++) {
    mp[k] = m;
    time[k] = start + s * 900_000;
    milli[k] = ((m * 7919 + s * 104729) % 2_000_000) - 100_000;
    quality[k] = (m + s) % 4 === 0 ? 1 : 2;
  }
}

function timestampCol(ms: Float64Array): arrow.Data {
  return arrow.makeData({
    type: new arrow.TimestampMicrosecond('UTC'),
    length: ms.length,
    data: BigInt64Array.from(ms, (v) => BigInt(v) * 1000n),
  });
}

function parquetBody(): Uint8Array {
  return parquetBytes(
    tableOf({
      metering_point_id: dictionaryColumn(mp, ids),
      quantity: decimal3Column(milli),
      quality: dictionaryColumn(quality, QUALITIES),
      observation_time: timestampCol(time),
      resolution: dictionaryColumn(new Int32Array(n), ['PT15M']),
    }),
  );
}

function ndjsonBody(): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(
      `{"metering_point_id":"${ids[mp[i]]}","quantity":"${formatScaled(milli[i], 3)}","quality":"${QUALITIES[quality[i]]}","observation_time":"${formatInstant(time[i])}","resolution":"PT15M"}\n`,
    );
  }
  return Buffer.from(parts.join(''), 'utf8');
}

function csvBody(): Uint8Array {
  const parts: string[] = ['metering_point_id;quantity;quality;observation_time;resolution\n'];
  for (let i = 0; i < n; i++)
    parts.push(`${ids[mp[i]]};${formatScaled(milli[i], 3)};${QUALITIES[quality[i]]};${formatInstant(time[i])};PT15M\n`);
  return Buffer.from(parts.join(''), 'utf8');
}

async function measure(
  format: IngestFormat,
  body: Uint8Array,
  runs = 3,
): Promise<{ format: string; points: number; bodyMB: string; bestSeconds: string; pointsPerSecond: string }> {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const store = new MemoryBlobStore();
    const t0 = process.hrtime.bigint();
    // no master data: every point goes to grid_area=unassigned, one file per date (placement cost ≈ nil)
    const res = await ingestTimeSeries(body, format, store, new Date(), () => Promise.resolve(new LakeLayout([])));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (res.points !== n || res.files.length !== DAYS)
      throw new Error(`unexpected result ${JSON.stringify({ points: res.points, files: res.files.length })}`);
    best = Math.min(best, s);
  }
  return {
    format,
    points: n,
    bodyMB: (body.length / 1e6).toFixed(1),
    bestSeconds: best.toFixed(3),
    pointsPerSecond: Math.round(n / best).toLocaleString('en-US'),
  };
}

async function main(): Promise<void> {
  console.log(`${n.toLocaleString('en-US')} points (${mps} metering points × ${DAYS} days × ${PER_DAY} quarters)`);
  const rows = [];
  rows.push(await measure('parquet', parquetBody()));
  rows.push(await measure('ndjson', ndjsonBody()));
  rows.push(await measure('csv', csvBody()));
  console.table(rows);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
