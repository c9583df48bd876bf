/**
 * Independent DuckDB SQL formulation of the energy results of docs/energy-calculation.md.
 *
 * It is the differential-test oracle and the benchmark yardstick for the TypeScript engine, so it
 * is written from the spec only (no engine code is called). Quantities are integers: input
 * milli-kWh (BIGINT), internal micro-kWh (BIGINT/HUGEINT sums; a PT1H reading split into
 * quarters is milli * 250 micro, exact), output milli-kWh. No DOUBLE touches a quantity.
 * Instants are epoch milliseconds (BIGINT) after reading, so slot arithmetic is plain integer
 * arithmetic (no ICU calendar work per row).
 *
 * Formulation (see `buildStatements`):
 *  1. `mper`: selected, clamped measured periods (parent types, E17 with E02/D01, grid-loss metering
 *     points removed) with an integer metering point id and an integer combo id: (ga, brp, es) per
 *     kind (non-profiled N, flex F, production P) or (to, from) for exchange X.
 *  2. `agg`: points joined to their period, bi-temporally deduplicated when a registration_time
 *     exists, summed per (combo, result slot) with a quality bit mask and the count of metering
 *     points that delivered a point. PT1H readings are summed per (combo, hour) first and then
 *     spread over the 4 quarters (quarterly); PT15M metering points get the quality pick per
 *     (metering point, combo, hour) (hourly).
 *  3. `slots`: per (combo, slot) the number of active metering points, from a sweep over the
 *     period boundaries. Padding is then implicit: a slot exists where a metering point is active,
 *     and `missing` is in its quality set when fewer metering points delivered a point than are
 *     active (equivalent to generating every slot and left-joining the points, without the 40 M
 *     row slot table).
 *  4. Everything after that works on the (small) per-combo series: carry rounding per
 *     (ga, brp, es) and per net exchange per neighbour, grid loss, its assignment to the grid-loss
 *     metering points, adjusted production/flex, total consumption, and the levels per
 *     calculation type, into the temp table `res`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CalculationArguments } from '../shared/basis-data/types';
import { checkGridLossCoverage, openDb, sqlPath, sqlString, str, text, toBig } from './duckdb-common';
import { formatQualities, isAggregationOrBalanceFixing } from '../shared/domain/codes';
import type { EnergyResultRow } from '../shared/results/energy-result-row';
import { resultId } from '../shared/results/result-id';

export interface DuckdbEnergyInput {
  /** Scenario folder: `DIR/when/*.csv`. */
  scenarioDir?: string;
  /** Parquet lake (grid-area layout): `LAKE/metering_point_periods/*`, `LAKE/grid_loss_metering_points`, `LAKE/time_series_points/grid_area=…/observation_date=…`. */
  lakeDir?: string;
}

const QUARTER_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Stand-in for a null registration_time: such a point counts, but loses against any registered one. */
const NO_REGISTRATION = -9_000_000_000_000_000n;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

interface SourceSql {
  /** SELECT producing mpid, mp_type, sm, ga, res, from_ga, to_ga, es, brp, from_ms, to_ms. */
  periods: string;
  /** SELECT producing mpid. */
  gridLoss: string;
  /** SELECT producing mpid, qty (BIGINT milli, null kept), qbit (UTINYINT), t (BIGINT ms)[, reg]. */
  points: string;
  hasRegistration: boolean;
}

const QBIT_SQL = (col: string): string =>
  `(CASE ${col} WHEN 'missing' THEN 1 WHEN 'estimated' THEN 2 WHEN 'measured' THEN 4 WHEN 'calculated' THEN 8 ELSE 0 END)::UTINYINT`;

function csvSource(scenarioDir: string): SourceSql {
  const when = path.join(scenarioDir, 'when');
  const csv = (file: string): string =>
    `read_csv(${sqlPath(path.join(when, file))}, delim = ';', header = true, all_varchar = true, auto_detect = true)`;
  const tsFile = path.join(when, 'time_series_points.csv');
  const header = fs.readFileSync(tsFile, 'utf8').split(/\r?\n/, 1)[0];
  const hasRegistration = header
    .split(';')
    .map((c) => c.trim())
    .includes('registration_time');
  const ts = (col: string): string => `epoch_ms(CAST(NULLIF(trim(${col}), '') AS TIMESTAMPTZ))`;
  const txt = (col: string): string => `NULLIF(trim(${col}), '')`;
  return {
    periods: `SELECT ${txt('metering_point_id')} AS mpid, ${txt('"type"')} AS mp_type, ${txt('settlement_method')} AS sm,
        ${txt('grid_area_code')} AS ga, ${txt('resolution')} AS res, ${txt('from_grid_area_code')} AS from_ga,
        ${txt('to_grid_area_code')} AS to_ga, ${txt('energy_supplier_id')} AS es, ${txt('balance_responsible_party_id')} AS brp,
        ${ts('from_date')} AS from_ms, ${ts('to_date')} AS to_ms
      FROM ${csv('metering_point_periods.csv')}`,
    gridLoss: `SELECT ${txt('metering_point_id')} AS mpid FROM ${csv('grid_loss_metering_points.csv')}`,
    points: `SELECT ${txt('metering_point_id')} AS mpid,
        CAST(CAST(${txt('quantity')} AS DECIMAL(18,3)) * 1000 AS BIGINT) AS qty,
        ${QBIT_SQL(txt('quality'))} AS qbit, ${ts('observation_time')} AS t
        ${hasRegistration ? `, ${ts('registration_time')} AS reg` : ''}
      FROM ${csv('time_series_points.csv')}`,
    hasRegistration,
  };
}

async function lakeSource(conn: DuckDBConnection, lakeDir: string, args: CalculationArguments): Promise<SourceSql> {
  // grid-area layout (shared/basis-data/parquet/lake-layout.ts): grid_area=GGG/observation_date=D/*.parquet
  const tsGlob = sqlPath(path.join(lakeDir, 'time_series_points', '*', '*', '*.parquet'));
  const tsRead = `read_parquet(${tsGlob}, hive_partitioning = true, hive_types = {'grid_area': VARCHAR, 'observation_date': DATE}, union_by_name = true)`;
  const cols = (await conn.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${tsRead})`))
    .getRowsJS()
    .map((r) => text(r[0]));
  const hasRegistration = cols.includes('registration_time');
  // Partition pruning with a day of margin on both sides (the partition date may be UTC or local);
  // the exact period filter is on observation_time.
  const firstDate = isoDate(args.periodStart - DAY_MS);
  const lastDate = isoDate(args.periodEnd + DAY_MS);
  const mpp = sqlPath(path.join(lakeDir, 'metering_point_periods', '*', '*.parquet')); // grid_area=GGG/, exchange/
  const gl = sqlPath(path.join(lakeDir, 'grid_loss_metering_points', '*.parquet'));
  return {
    periods: `SELECT metering_point_id AS mpid, "type" AS mp_type, settlement_method AS sm, grid_area_code AS ga, resolution AS res,
        from_grid_area_code AS from_ga, to_grid_area_code AS to_ga, energy_supplier_id AS es, balance_responsible_party_id AS brp,
        epoch_ms(from_date) AS from_ms, epoch_ms(to_date) AS to_ms
      FROM read_parquet(${mpp}, union_by_name = true)`,
    gridLoss: `SELECT metering_point_id AS mpid FROM read_parquet(${gl})`,
    points: `SELECT metering_point_id AS mpid, CAST(quantity * 1000 AS BIGINT) AS qty, ${QBIT_SQL('quality')} AS qbit,
        epoch_ms(observation_time) AS t ${hasRegistration ? ', epoch_ms(registration_time) AS reg' : ''}
      FROM ${tsRead}
      WHERE observation_date BETWEEN DATE '${firstDate}' AND DATE '${lastDate}'`,
    hasRegistration,
  };
}

/**
 * The SQL statements of one calculation, in execution order. The last one creates the temp table
 * `res(tst, lvl, ga, nb, es, brp, mp, t, milli, bits)`; the grid-loss coverage rows are in `gl_cover`.
 */
function buildStatements(src: SourceSql, args: CalculationArguments): string[] {
  const PS = args.periodStart;
  const PE = args.periodEnd;
  const quarterly = args.periodEnd > args.quarterlyTransition;
  const step = quarterly ? QUARTER_MS : HOUR_MS;
  const gas = `(${args.gridAreas.map(sqlString).join(', ')})`;
  const aggBf = isAggregationOrBalanceFixing(args.calculationType);
  // Quarter index within the hour (1..4) from the minute; always 1 for hourly results.
  const idx = (t: string): string => (quarterly ? `((${t} % ${HOUR_MS}) // ${QUARTER_MS} + 1)` : '1');
  const s: string[] = [];

  // HALF_UP (ties away from zero) rounding of micro-units to a multiple of 1000 micro.
  s.push(`CREATE OR REPLACE TEMP MACRO rnd3(x) AS
    CASE WHEN x >= 0 THEN ((x + 500) // 1000) * 1000 ELSE -(((500 - x) // 1000) * 1000) END`);
  // Carry rounding of the reference `round_quantity` in closed form: with r_1 = q and
  // r_k = q - round3(r_{k-1}) + r_{k-1}, round3(r_i) = round3(i*q) - round3((i-1)*q)
  // (checked exhaustively against the recursion for |q| <= 2 kWh in micro-units). Returns milli.
  s.push(`CREATE OR REPLACE TEMP MACRO carry_milli(q, i) AS (rnd3(i * q) - rnd3((i - 1) * q)) // 1000`);
  // Single quality of an hour of a PT15M metering point (hourly results), from its quarters' mask.
  s.push(`CREATE OR REPLACE TEMP MACRO pick_quality(b) AS
    (CASE WHEN b & 8 <> 0 THEN 8 WHEN b & 2 <> 0 THEN 2 WHEN b & 4 <> 0 AND b & 1 <> 0 THEN 2 WHEN b & 4 <> 0 THEN 4 ELSE 1 END)::UTINYINT`);

  s.push(`CREATE OR REPLACE TEMP TABLE raw_periods AS ${src.periods}`);
  s.push(`CREATE OR REPLACE TEMP TABLE gl_ids AS SELECT DISTINCT mpid FROM (${src.gridLoss}) WHERE mpid IS NOT NULL`);

  // 1. Selection: calculation grid areas (E20 also via from/to), overlapping the period, clamped.
  s.push(`CREATE OR REPLACE TEMP TABLE sel AS
    SELECT p.*, greatest(from_ms, ${PS}) AS s, least(coalesce(to_ms, ${PE}), ${PE}) AS e,
           (g.mpid IS NOT NULL) AS is_gl
    FROM raw_periods p LEFT JOIN gl_ids g USING (mpid)
    WHERE from_ms < ${PE} AND (to_ms IS NULL OR to_ms > ${PS})
      AND (ga IN ${gas} OR (mp_type = 'E20' AND (from_ga IN ${gas} OR to_ga IN ${gas})))`);

  // Grid-loss (E17) and system-correction (E18) metering point periods located in calculation grid areas.
  s.push(`CREATE OR REPLACE TEMP TABLE glp AS
    SELECT mpid, mp_type, ga, es, brp, s, e FROM sel
    WHERE is_gl AND mp_type IN ('E17', 'E18') AND ga IN ${gas}`);
  s.push(`CREATE OR REPLACE TEMP TABLE gl_cover AS
    WITH o AS (
      SELECT ga, mp_type, s, e,
             max(e) OVER (PARTITION BY ga, mp_type ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
      FROM glp)
    SELECT ga, mp_type, (min(s) = ${PS} AND max(e) >= ${PE} AND bool_and(prev_e IS NULL OR s <= prev_e)) AS ok
    FROM o GROUP BY ga, mp_type`);

  // Measured periods of parent metering points, with integer surrogate keys.
  s.push(`CREATE OR REPLACE TEMP TABLE mper0 AS
    SELECT mpid, s, e, (res = 'PT1H') AS hourly,
           CASE WHEN mp_type = 'E20' THEN 'X' WHEN mp_type = 'E18' THEN 'P' WHEN sm = 'E02' THEN 'N' ELSE 'F' END AS kind,
           CASE WHEN mp_type <> 'E20' THEN ga END AS cga,
           CASE WHEN mp_type <> 'E20' THEN brp END AS cbrp,
           CASE WHEN mp_type <> 'E20' THEN es END AS ces,
           CASE WHEN mp_type = 'E20' THEN to_ga END AS cto,
           CASE WHEN mp_type = 'E20' THEN from_ga END AS cfrom
    FROM sel
    WHERE NOT is_gl AND s < e AND res IN ('PT15M', 'PT1H')
      AND (mp_type IN ('E18', 'E20') OR (mp_type = 'E17' AND sm IN ('E02', 'D01')))`);
  s.push(`CREATE OR REPLACE TEMP TABLE combo AS
    SELECT (row_number() OVER ())::INTEGER AS cid, * FROM (SELECT DISTINCT kind, cga, cbrp, ces, cto, cfrom FROM mper0)`);
  s.push(`CREATE OR REPLACE TEMP TABLE mper AS
    SELECT m.mpid, (dense_rank() OVER (ORDER BY m.mpid))::INTEGER AS mpi, c.cid, m.s, m.e, m.hourly
    FROM mper0 m JOIN combo c
      ON c.kind = m.kind AND c.cga IS NOT DISTINCT FROM m.cga AND c.cbrp IS NOT DISTINCT FROM m.cbrp
     AND c.ces IS NOT DISTINCT FROM m.ces AND c.cto IS NOT DISTINCT FROM m.cto AND c.cfrom IS NOT DISTINCT FROM m.cfrom`);

  // 2. Points joined to their (unique, periods do not overlap) period; bi-temporal pick.
  const joined = `SELECT m.mpi, m.cid, m.hourly, r.t, coalesce(r.qty, 0) AS qty, r.qbit${src.hasRegistration ? ', r.reg' : ''}
      FROM (${src.points}) r JOIN mper m ON r.mpid = m.mpid AND r.t >= m.s AND r.t < m.e
      WHERE r.t >= ${PS} AND r.t < ${PE}`;
  const pts = src.hasRegistration
    ? `SELECT mpi, cid, hourly, t, v.q AS qty, v.b AS qbit FROM (
         SELECT mpi, cid, hourly, t, arg_max(struct_pack(q := qty, b := qbit), reg) AS v
         FROM (SELECT mpi, cid, hourly, t, qty, qbit, coalesce(reg, ${NO_REGISTRATION}) AS reg FROM (${joined}))
         WHERE reg <= ${args.asOf}
         GROUP BY mpi, cid, hourly, t)`
    : joined;

  if (quarterly) {
    s.push(`CREATE OR REPLACE TEMP TABLE agg AS
      WITH g AS (
        SELECT cid, hourly, t, sum(qty)::BIGINT AS q, bit_or(qbit) AS bits, count(*)::INTEGER AS n FROM (${pts}) GROUP BY cid, hourly, t
      ), x AS (
        SELECT cid, t, q * 1000 AS micro, bits, n FROM g WHERE NOT hourly
        UNION ALL
        SELECT cid, t + k * ${QUARTER_MS} AS t, q * 250 AS micro, bits, n FROM g, range(4) r(k) WHERE hourly
      )
      SELECT cid, t, sum(micro)::BIGINT AS micro, bit_or(bits) AS bits, sum(n)::INTEGER AS n FROM x GROUP BY cid, t`);
    // Units counted per slot: metering point periods (each delivers one point per quarter).
    s.push(`CREATE OR REPLACE TEMP TABLE units AS SELECT cid, s, e FROM mper`);
  } else {
    s.push(`CREATE OR REPLACE TEMP TABLE pts AS ${pts}`);
    // Active quarters of a PT15M metering point (per combo) within each hour it has points in.
    s.push(`CREATE OR REPLACE TEMP TABLE agg AS
      WITH m15 AS (
        SELECT mpi, cid, t - t % ${HOUR_MS} AS h, sum(qty)::BIGINT AS q, bit_or(qbit) AS bits, count(*)::INTEGER AS c
        FROM pts WHERE NOT hourly GROUP BY mpi, cid, h
      ), aq AS (
        SELECT m.mpi, m.cid, m.h, sum((least(p.e, m.h + ${HOUR_MS}) - greatest(p.s, m.h)) // ${QUARTER_MS}) AS aq
        FROM m15 m JOIN mper p ON p.mpi = m.mpi AND p.cid = m.cid AND NOT p.hourly AND p.s < m.h + ${HOUR_MS} AND p.e > m.h
        GROUP BY m.mpi, m.cid, m.h
      ), x AS (
        SELECT cid, t, qty * 1000 AS micro, qbit AS bits, 1 AS n FROM pts WHERE hourly
        UNION ALL
        SELECT m15.cid, m15.h AS t, m15.q * 1000 AS micro,
               pick_quality(m15.bits | CASE WHEN m15.c < aq.aq THEN 1 ELSE 0 END) AS bits, 1 AS n
        FROM m15 JOIN aq USING (mpi, cid, h)
      )
      SELECT cid, t, sum(micro)::BIGINT AS micro, bit_or(bits) AS bits, sum(n)::INTEGER AS n FROM x GROUP BY cid, t`);
    // Units counted per hour: a metering point is one unit in every hour touched by one of its
    // periods of that combo (periods rounded out to whole hours, overlapping ones merged).
    s.push(`CREATE OR REPLACE TEMP TABLE units AS
      WITH r AS (
        SELECT mpi, cid, s - s % ${HOUR_MS} AS s, e + (${HOUR_MS} - e % ${HOUR_MS}) % ${HOUR_MS} AS e FROM mper
      ), o AS (
        SELECT *, max(e) OVER (PARTITION BY mpi, cid ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e FROM r
      ), isl AS (
        SELECT *, sum(CASE WHEN prev_e IS NULL OR s >= prev_e THEN 1 ELSE 0 END)
                  OVER (PARTITION BY mpi, cid ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g
        FROM o
      )
      SELECT cid, min(s) AS s, max(e) AS e FROM isl GROUP BY mpi, cid, g`);
  }

  // 3. Active units per (combo, slot) from a sweep over the unit boundaries; padding.
  s.push(`CREATE OR REPLACE TEMP TABLE slots AS
    WITH ev AS (
      SELECT cid, s AS t, 1 AS d FROM units UNION ALL SELECT cid, e AS t, -1 AS d FROM units
    ), evs AS (
      SELECT cid, t, sum(d)::INTEGER AS d FROM ev GROUP BY cid, t
    ), iv AS (
      SELECT cid, t AS s, lead(t) OVER (PARTITION BY cid ORDER BY t) AS e,
             sum(d) OVER (PARTITION BY cid ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS active
      FROM evs
    )
    SELECT cid, unnest(range(s, e, ${step}::BIGINT)) AS t, active FROM iv WHERE active > 0`);
  s.push(`CREATE OR REPLACE TEMP TABLE grp AS
    SELECT sl.cid, sl.t, coalesce(a.micro, 0) AS micro,
           (coalesce(a.bits, 0) | CASE WHEN coalesce(a.n, 0) < sl.active THEN 1 ELSE 0 END)::UTINYINT AS bits
    FROM slots sl LEFT JOIN agg a ON a.cid = sl.cid AND a.t = sl.t`);

  // 4. Per (ga, brp, es) rounded sums (kinds N, F, P).
  s.push(`CREATE OR REPLACE TEMP TABLE es_rows AS
    SELECT c.kind, c.cga AS ga, c.cbrp AS brp, c.ces AS es, g.t, carry_milli(g.micro, ${idx('g.t')})::BIGINT AS milli, g.bits
    FROM grp g JOIN combo c USING (cid) WHERE c.kind <> 'X'`);
  // Net exchange per neighbour: outer self-join of the (to, from) sums as a union of both sides.
  s.push(`CREATE OR REPLACE TEMP TABLE nb AS
    WITH xg AS (
      SELECT c.cto, c.cfrom, g.t, g.micro, g.bits FROM grp g JOIN combo c USING (cid) WHERE c.kind = 'X'
    ), sides AS (
      SELECT cto AS a, cfrom AS b, t, micro AS v, bits FROM xg WHERE cto IN ${gas}
      UNION ALL
      SELECT cfrom AS a, cto AS b, t, -micro AS v, bits FROM xg WHERE cfrom IN ${gas}
    )
    SELECT a AS ga, b AS nb, t, carry_milli(sum(v)::BIGINT, ${idx('t')})::BIGINT AS milli, bit_or(bits)::UTINYINT AS bits
    FROM sides GROUP BY a, b, t`);
  s.push(`CREATE OR REPLACE TEMP TABLE ne AS
    SELECT ga, t, sum(milli)::BIGINT AS milli, bit_or(bits)::UTINYINT AS bits FROM nb GROUP BY ga, t`);
  s.push(`CREATE OR REPLACE TEMP TABLE ga_sums AS
    SELECT kind, ga, t, sum(milli)::BIGINT AS milli, bit_or(bits)::UTINYINT AS bits FROM es_rows GROUP BY kind, ga, t`);
  // Grid loss where any component exists; missing components are 0.
  s.push(`CREATE OR REPLACE TEMP TABLE gl AS
    SELECT ga, t, sum(v)::BIGINT AS milli FROM (
      SELECT ga, t, milli AS v FROM ne
      UNION ALL
      SELECT ga, t, CASE WHEN kind = 'P' THEN milli ELSE -milli END AS v FROM ga_sums
    ) GROUP BY ga, t`);
  s.push(`CREATE OR REPLACE TEMP TABLE pgl AS
    SELECT g.ga, g.t, greatest(g.milli, 0) AS milli, p.mpid AS mp, p.es, p.brp
    FROM gl g JOIN glp p ON p.mp_type = 'E17' AND p.ga = g.ga AND g.t >= p.s AND g.t < p.e`);
  s.push(`CREATE OR REPLACE TEMP TABLE ngl AS
    SELECT g.ga, g.t, greatest(-g.milli, 0) AS milli, p.mpid AS mp, p.es, p.brp
    FROM gl g JOIN glp p ON p.mp_type = 'E18' AND p.ga = g.ga AND g.t >= p.s AND g.t < p.e`);
  // Production / flex per (ga, brp, es) adjusted by the grid loss (outer join as union + group).
  const adjusted = (kind: string, lossTable: string): string =>
    `SELECT ga, brp, es, t, sum(milli)::BIGINT AS milli, bit_or(bits)::UTINYINT AS bits FROM (
       SELECT ga, brp, es, t, milli, bits FROM es_rows WHERE kind = '${kind}'
       UNION ALL
       SELECT ga, brp, es, t, milli, 8::UTINYINT AS bits FROM ${lossTable}
     ) GROUP BY ga, brp, es, t`;
  s.push(`CREATE OR REPLACE TEMP TABLE prod_es AS ${adjusted('P', 'ngl')}`);
  s.push(`CREATE OR REPLACE TEMP TABLE flex_es AS ${adjusted('F', 'pgl')}`);
  s.push(`CREATE OR REPLACE TEMP TABLE np_es AS SELECT ga, brp, es, t, milli, bits FROM es_rows WHERE kind = 'N'`);
  s.push(`CREATE OR REPLACE TEMP TABLE prod_ga AS
    SELECT ga, t, sum(milli)::BIGINT AS milli, bit_or(bits)::UTINYINT AS bits FROM prod_es GROUP BY ga, t`);

  // 5. Result rows.
  const NULLS = 'NULL::VARCHAR';
  const parts: string[] = [];
  const esLevels = (tst: string, table: string): void => {
    parts.push(`SELECT '${tst}', 'energy_supplier', ga, ${NULLS}, es, brp, ${NULLS}, t, milli, bits FROM ${table}`);
    if (aggBf) {
      parts.push(`SELECT '${tst}', 'balance_responsible_party', ga, ${NULLS}, ${NULLS}, brp, ${NULLS}, t, sum(milli)::BIGINT, bit_or(bits)
        FROM ${table} GROUP BY ga, brp, t`);
    }
    parts.push(`SELECT '${tst}', 'grid_area', ga, ${NULLS}, ${NULLS}, ${NULLS}, ${NULLS}, t, sum(milli)::BIGINT, bit_or(bits)
      FROM ${table} GROUP BY ga, t`);
  };
  if (aggBf) {
    parts.push(
      `SELECT 'net_exchange_per_neighboring_ga', 'neighbor_grid_area', ga, nb, ${NULLS}, ${NULLS}, ${NULLS}, t, milli, bits FROM nb`,
    );
  }
  parts.push(
    `SELECT 'net_exchange_per_ga', 'grid_area', ga, ${NULLS}, ${NULLS}, ${NULLS}, ${NULLS}, t, milli, bits FROM ne`,
  );
  parts.push(
    `SELECT 'temp_production', 'grid_area', ga, ${NULLS}, ${NULLS}, ${NULLS}, ${NULLS}, t, milli, bits FROM ga_sums WHERE kind = 'P'`,
  );
  parts.push(
    `SELECT 'temp_flex_consumption', 'grid_area', ga, ${NULLS}, ${NULLS}, ${NULLS}, ${NULLS}, t, milli, bits FROM ga_sums WHERE kind = 'F'`,
  );
  esLevels('non_profiled_consumption', 'np_es');
  parts.push(`SELECT 'grid_loss', 'grid_area', ga, ${NULLS}, ${NULLS}, ${NULLS}, ${NULLS}, t, milli, 8 FROM gl`);
  parts.push(`SELECT 'positive_grid_loss', 'metering_point', ga, ${NULLS}, es, brp, mp, t, milli, 8 FROM pgl`);
  parts.push(`SELECT 'negative_grid_loss', 'metering_point', ga, ${NULLS}, es, brp, mp, t, milli, 8 FROM ngl`);
  esLevels('production', 'prod_es');
  esLevels('flex_consumption', 'flex_es');
  parts.push(`SELECT 'total_consumption', 'grid_area', ga, ${NULLS}, ${NULLS}, ${NULLS}, ${NULLS}, t, sum(milli)::BIGINT, bit_or(bits) FROM (
      SELECT ga, t, milli, bits FROM prod_ga UNION ALL SELECT ga, t, milli, bits FROM ne) GROUP BY ga, t`);
  s.push(`CREATE OR REPLACE TEMP TABLE res AS
    SELECT col0 AS tst, col1 AS lvl, col2 AS ga, col3 AS nb, col4 AS es, col5 AS brp, col6 AS mp,
           col7::BIGINT AS t, col8::BIGINT AS milli, col9::INTEGER AS bits
    FROM (${parts.map((p) => `SELECT * FROM (${p}) AS u(col0, col1, col2, col3, col4, col5, col6, col7, col8, col9)`).join('\nUNION ALL\n')})`);
  return s;
}

async function sourceFor(
  conn: DuckDBConnection,
  input: DuckdbEnergyInput,
  args: CalculationArguments,
): Promise<SourceSql> {
  if (input.scenarioDir) return csvSource(input.scenarioDir);
  if (input.lakeDir) return lakeSource(conn, input.lakeDir, args);
  throw new Error('duckdbEnergyResults: give scenarioDir or lakeDir');
}

/** Runs the statements; fails like the engine when a grid area lacks covering grid-loss metering points. */
async function runCalculation(
  conn: DuckDBConnection,
  src: SourceSql,
  args: CalculationArguments,
  onStatement?: (sql: string, seconds: number) => void,
): Promise<void> {
  for (const stmt of buildStatements(src, args)) {
    const t0 = process.hrtime.bigint();
    await conn.run(stmt);
    onStatement?.(stmt, Number(process.hrtime.bigint() - t0) / 1e9);
    if (stmt.includes('TEMP TABLE gl_cover AS')) await checkGridLossCoverage(conn, args);
  }
}

function formatMilli(v: bigint): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(4, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

function formatTime(ms: bigint): string {
  return new Date(Number(ms)).toISOString().slice(0, 19) + 'Z';
}

/** Energy results of one calculation, formatted exactly like `energy_results.csv` rows. */
export async function duckdbEnergyResults(
  input: DuckdbEnergyInput,
  args: CalculationArguments,
  opts?: { threads?: number },
): Promise<EnergyResultRow[]> {
  const { instance, conn } = await openDb(opts?.threads);
  try {
    const src = await sourceFor(conn, input, args);
    await runCalculation(conn, src, args);
    const rows = (
      await conn.runAndReadAll(`SELECT tst, lvl, ga, nb, es, brp, mp, t, milli, bits FROM res`)
    ).getRowsJS();
    const resolution = args.periodEnd > args.quarterlyTransition ? 'PT15M' : 'PT1H';
    const ids = new Map<string, string>();
    return rows.map((r): EnergyResultRow => {
      const [tst, lvl, ga, nb, es, brp, mp] = [
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        str(r[5]),
        str(r[6]),
      ];
      const key = [tst, lvl, ga, nb, es, brp, mp].join('|');
      let id = ids.get(key);
      if (id === undefined) {
        id = resultId({
          calculationId: args.calculationId,
          timeSeriesType: tst,
          aggregationLevel: lvl,
          gridAreaCode: ga,
          neighborGridAreaCode: nb === '' ? null : nb,
          energySupplierId: es === '' ? null : es,
          balanceResponsiblePartyId: brp === '' ? null : brp,
          meteringPointId: mp === '' ? null : mp,
        });
        ids.set(key, id);
      }
      return {
        calculation_id: args.calculationId,
        calculation_type: args.calculationType,
        time_series_type: tst,
        aggregation_level: lvl,
        grid_area_code: ga,
        neighbor_grid_area_code: nb,
        energy_supplier_id: es,
        balance_responsible_party_id: brp,
        metering_point_id: mp,
        time: formatTime(toBig(r[7])),
        resolution,
        quantity: formatMilli(toBig(r[8])),
        quantity_qualities: formatQualities(Number(r[9])),
        result_id: id,
      };
    });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Benchmark yardstick: runs the whole calculation from the Parquet lake into the temp table `res`
 * and returns the wall time of the SQL execution (no conversion to JS rows) and the row count.
 */
export async function timeDuckdbEnergy(
  lakeDir: string,
  args: CalculationArguments,
  opts: { threads: number; onStatement?: (sql: string, seconds: number) => void },
): Promise<{ seconds: number; rows: number }> {
  const { instance, conn } = await openDb(opts.threads);
  try {
    const t0 = process.hrtime.bigint();
    const src = await lakeSource(conn, lakeDir, args);
    await runCalculation(conn, src, args, opts.onStatement);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const count = (await conn.runAndReadAll(`SELECT count(*) FROM res`)).getRowsJS()[0][0];
    return { seconds, rows: Number(count) };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** For debugging and documentation: the SQL of a calculation over a scenario folder. */
export function duckdbEnergySql(scenarioDir: string, args: CalculationArguments): string {
  return buildStatements(csvSource(scenarioDir), args).join(';\n\n') + ';\n';
}
