/**
 * Differential test of the time-bucket engine (shared/timeseries/bucket.ts) against an
 * independent DuckDB formulation: DuckDB's own `time_bucket` (with ICU time zones) for the bucket
 * of each point, SQL aggregates with FILTER/ORDER BY, a generated bucket grid for gap filling,
 * window functions (IGNORE NULLS) for `previous` and `linear`, and integer half-to-even division
 * written in SQL over HUGEINT. Random seeded series over ranges that cross both DST changes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { text } from '../../bench/duckdb-common';
import { parseBucket, type BucketSpec } from '../../shared/timeseries/bucket-spec';
import { AGGREGATES, FILLS, timeBucket, type Aggregate, type Fill } from '../../shared/timeseries/bucket';
import { formatScaledBig } from '../../shared/timeseries/exact';

/** Mulberry32: a small seeded generator so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIN5 = 5 * 60_000;
const tmp = mkdtempSync(join(tmpdir(), 'bucket-vs-duckdb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case {
  t: Float64Array;
  v: BigInt64Array;
  present: Uint8Array;
  fromMs: number;
  toMs: number;
  bucket: BucketSpec;
  tz: string;
  agg: Aggregate;
  fill: Fill;
}

const BUCKETS = ['PT5M', 'PT15M', 'PT1H', 'PT6H', 'P1D', 'P2D', 'P1W', 'P1M', 'P3M'];
const ZONES = ['UTC', 'Europe/Copenhagen', 'America/New_York'];

function randomCase(seed: number): Case {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const bucketText = pick(BUCKETS);
  const bucket = parseBucket(bucketText) as BucketSpec;
  const long = bucket.kind === 'months' || bucketText === 'P1W' || bucketText === 'P2D';
  // ranges around the 2024 DST changes (31 March, 27 October; US: 10 March, 3 November)
  const base = pick([Date.UTC(2024, 2, 25), Date.UTC(2024, 9, 20), Date.UTC(2024, 1, 20)]);
  const fromMs = base + Math.floor(r() * 400) * MIN5;
  const spanDays = long ? 40 + Math.floor(r() * 200) : 2 + Math.floor(r() * 12);
  const toMs = fromMs + spanDays * 86_400_000 + Math.floor(r() * 288) * MIN5;
  // long ranges hourly, short ones at any market resolution: a few thousand points per case
  const step = (long ? 60 : pick([5, 15, 60])) * 60_000;
  const t: number[] = [];
  const v: bigint[] = [];
  const present: number[] = [];
  // a bit before and after the range too: those points must not count
  for (let x = fromMs - 3 * step; x < toMs + 3 * step; x += step) {
    if (r() < 0.25) {
      // a gap; sometimes a long one (several buckets empty, for the fills)
      if (r() < 0.02) x += Math.floor(r() * 100) * step;
      continue;
    }
    const copies = r() < 0.05 ? 2 : 1; // equal times: first/last take input order
    for (let c = 0; c < copies; c++) {
      t.push(x);
      v.push(BigInt(Math.floor((r() - 0.4) * 2e10)) + (r() < 0.5 ? 0n : 500_000n));
      present.push(r() < 0.08 ? 0 : 1);
    }
  }
  return {
    t: Float64Array.from(t),
    v: BigInt64Array.from(v),
    present: Uint8Array.from(present),
    fromMs,
    toMs,
    bucket,
    tz: pick(ZONES),
    agg: pick(AGGREGATES),
    fill: pick(FILLS),
  };
}

const interval = (b: BucketSpec): string =>
  b.kind === 'fixed' ? `${b.ms / 1000} seconds` : b.kind === 'days' ? `${b.days} days` : `${b.months} months`;

/** [start ms, value text or null] per bucket, from DuckDB. */
async function duck(conn: DuckDBConnection, c: Case): Promise<Array<[number, string | null]>> {
  const lines = ['ms,v,ord'];
  for (let i = 0; i < c.t.length; i++) lines.push(`${c.t[i]},${c.present[i] ? c.v[i].toString() : ''},${i}`);
  const csv = join(tmp, 'pts.csv');
  writeFileSync(csv, lines.join('\n'));
  await conn.run('DROP TABLE IF EXISTS pts');
  await conn.run(
    `CREATE TABLE pts AS SELECT make_timestamptz(ms * 1000) AS t, v, ord
     FROM read_csv('${csv}', header = true, columns = {'ms': 'BIGINT', 'v': 'BIGINT', 'ord': 'INTEGER'})`,
  );
  // fixed widths on the UTC time line (see bucket-spec.ts), calendar widths in the zone
  const tb = (col: string) =>
    c.bucket.kind === 'fixed'
      ? `time_bucket(INTERVAL '${interval(c.bucket)}', ${col})`
      : `time_bucket(INTERVAL '${interval(c.bucket)}', ${col}, '${c.tz}')`;
  const from = `make_timestamptz(${c.fromMs * 1000}::BIGINT)`;
  const to = `make_timestamptz(${c.toMs * 1000}::BIGINT)`;
  const aggExpr: Record<Aggregate, string> = {
    avg: 'hediv(sum(v)::HUGEINT, count(v)::HUGEINT)',
    sum: 'sum(v)::HUGEINT',
    min: 'min(v)::HUGEINT',
    max: 'max(v)::HUGEINT',
    first: 'first(v ORDER BY t, ord) FILTER (WHERE v IS NOT NULL)::HUGEINT',
    last: 'last(v ORDER BY t, ord) FILTER (WHERE v IS NOT NULL)::HUGEINT',
    count: 'count(v)::HUGEINT',
  };
  const agg = c.agg === 'count' ? 'coalesce(a.val, 0)' : 'a.val';
  const filled =
    c.fill === 'null' || c.agg === 'count'
      ? 'val'
      : c.fill === 'previous'
        ? 'coalesce(val, last_value(val IGNORE NULLS) OVER w_before)'
        : `coalesce(val, CASE WHEN v0 IS NOT NULL AND v1 IS NOT NULL THEN v0 + hediv((v1 - v0) * (tb_ms - t0), t1 - t0) END)`;
  const sql = `
    WITH grid AS (
      SELECT DISTINCT ${tb('g')} AS b FROM generate_series(${from}, ${to} - INTERVAL '1 millisecond', INTERVAL '5 minutes') s(g)
    ), a AS (
      SELECT ${tb('t')} AS b, ${aggExpr[c.agg]} AS val FROM pts
      WHERE t >= ${from} AND t < ${to} AND v IS NOT NULL GROUP BY 1
    ), j AS (
      SELECT grid.b, epoch_ms(grid.b)::HUGEINT AS tb_ms, ${agg} AS val FROM grid LEFT JOIN a ON a.b = grid.b
    ), k AS (
      SELECT b, tb_ms, val,
        last_value(CASE WHEN val IS NOT NULL THEN tb_ms END IGNORE NULLS) OVER w_before AS t0,
        last_value(val IGNORE NULLS) OVER w_before AS v0,
        first_value(CASE WHEN val IS NOT NULL THEN tb_ms END IGNORE NULLS) OVER w_after AS t1,
        first_value(val IGNORE NULLS) OVER w_after AS v1
      FROM j WINDOW w_before AS (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                    w_after AS (ORDER BY b ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
    )
    SELECT epoch_ms(b)::DOUBLE AS ms, (${filled})::VARCHAR AS out FROM k
    WINDOW w_before AS (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ORDER BY b`;
  const res = (await conn.runAndReadAll(sql)).getRowsJS();
  return res.map((row) => [Number(row[0]), row[1] === null ? null : text(row[1])]);
}

describe('time buckets: engine vs DuckDB on random series', () => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    conn = await db.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    // floor division and half-to-even rounding of HUGEINTs (d > 0), written independently of exact.ts
    await conn.run(`CREATE MACRO fdiv_(n, d) AS CASE WHEN n >= 0 THEN n // d ELSE -((-n + d - 1) // d) END`);
    await conn.run(
      `CREATE MACRO hediv(n, d) AS fdiv_(n, d) + CASE WHEN 2 * (n - fdiv_(n, d) * d) > d
         OR (2 * (n - fdiv_(n, d) * d) = d AND fdiv_(n, d) % 2 <> 0) THEN 1 ELSE 0 END`,
    );
  });

  const SEEDS = Array.from({ length: 60 }, (_, i) => 1000 + i);
  test.each(SEEDS)('seed %i', async (seed) => {
    const c = randomCase(seed);
    const got = timeBucket(
      { startMs: c.t, value: c.v, present: c.present },
      { bucket: c.bucket, tz: c.tz, fromMs: c.fromMs, toMs: c.toMs, agg: c.agg, fill: c.fill },
    );
    const mine: Array<[number, string | null]> = Array.from(got.startMs, (s, i) => [
      s,
      got.present[i] ? formatScaledBig(got.value[i], 0) : null,
    ]);
    const expected = await duck(conn, c);
    const label = `${c.bucket.text} ${c.tz} ${c.agg} fill=${c.fill} [${new Date(c.fromMs).toISOString()}, ${new Date(c.toMs).toISOString()})`;
    expect({ label, buckets: mine }).toEqual({ label, buckets: expected });
    // the case must be worth comparing: some values, and (for fills) some empty bucket
    expect(mine.some(([, x]) => x !== null)).toBe(true);
  });

  test('every aggregate, fill, zone and bucket kind was drawn', () => {
    const drawn = SEEDS.map(randomCase);
    expect(drawn.some((c) => c.fill !== 'null' && c.agg !== 'count')).toBe(true);
    for (const a of AGGREGATES) expect(drawn.some((c) => c.agg === a)).toBe(true);
    for (const f of FILLS) expect(drawn.some((c) => c.fill === f)).toBe(true);
    for (const z of ZONES) expect(drawn.some((c) => c.tz === z && c.bucket.kind !== 'fixed')).toBe(true);
    for (const k of ['fixed', 'days', 'months']) expect(drawn.some((c) => c.bucket.kind === k)).toBe(true);
  });
});
