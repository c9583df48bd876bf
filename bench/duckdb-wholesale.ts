/**
 * Independent DuckDB SQL formulation of the wholesale results of docs/wholesale-calculation.md
 * (amount per charge for hourly/daily tariffs, subscriptions and fees; monthly amount per charge;
 * total monthly amount per charge owner + energy supplier and per energy supplier).
 *
 * Differential-test oracle and benchmark yardstick for `shared/calculation/wholesale`: written
 * from the spec only, no engine code is called. It is self-contained: the grid loss that the
 * grid-loss metering points carry is computed here too (same approach as bench/duckdb-energy.ts,
 * without qualities, since grid loss is always `calculated`).
 *
 * Arithmetic is exact and integer (a decimal input too large for the scaling raises DuckDB's
 * out-of-range error, never a rounded value): quantities in milli-kWh (BIGINT/HUGEINT), prices in micro-DKK
 * (BIGINT), quantity × price in nano-DKK (HUGEINT) rounded HALF_UP (ties away from zero) to
 * micro-DKK; the subscription daily price is micro / D rounded HALF_UP. No DOUBLE touches a
 * quantity, price or amount. Instants are epoch milliseconds (BIGINT); local days of
 * Europe/Copenhagen come from DuckDB's ICU `timezone()` (23/25-hour DST days included).
 *
 * Formulation (see `buildStatements`):
 *  1. Grid loss per (grid area, slot) as in the energy calculation, assigned to the E17
 *     (positive) / E18 (negative) grid-loss metering point whose period covers the slot.
 *  2. `wper`: wholesale metering point periods (calculation grid areas, no E20; children clipped
 *     to their parent's periods, with the parent's supplier and grid area, whatever their own), an integer metering point id and an
 *     integer attribute id `aid` = (grid area, supplier, metering point type, settlement method).
 *  3. `mph`: energy per (metering point, hour): its points (bi-temporal pick) summed per hour with
 *     padding (the `missing` quality where fewer points than slots of its periods in that hour),
 *     or the grid loss for grid-loss metering points; `mpd` the same per local day.
 *  4. Charge links ∩ metering point periods ∩ price information periods ∩ the calculation period
 *     = `pieces`. For tariffs every metering point's timeline is cut into elementary intervals at
 *     the piece boundaries; each interval carries the set of tariffs linked over it (a "link set").
 *     Energy is summed per (link set, aid, charge time) and then expanded to the set's tariffs —
 *     equivalent to joining every link with every charge time, without the link × hour explosion.
 *  5. Prices, read only inside the calculation period (exact time for tariffs, last price point
 *     since the price information start for subscriptions and fees via an ASOF join), amounts,
 *     monthly sums and totals (tax owner per grid area and supplier) into the temp tables `apc`,
 *     `monthly`, `totals` (integer ids), readable through the view `res`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { JS } from '@duckdb/node-api';
import type { CalculationArguments } from '../shared/basis-data/types';
import { checkGridLossCoverage, openDb, sqlPath, sqlString, str, text, toBig } from './duckdb-common';
import { formatQualities } from '../shared/domain/codes';
import { resultNamespaceUuid } from '../shared/results/result-id';

export interface DuckdbWholesaleInput {
  /** Scenario folder: `DIR/when/*.csv` (energy basis data plus the three charge files). */
  scenarioDir?: string;
  /** Parquet lake: the energy tables plus `LAKE/charge_price_information_periods`, `charge_price_points`, `charge_link_periods`. */
  lakeDir?: string;
}

/** Header of `wholesale_results.csv`: the one list in shared/results/wholesale-results.ts. */
export { WHOLESALE_RESULT_COLUMNS } from '../shared/results/wholesale-results';
import { WHOLESALE_RESULT_COLUMNS } from '../shared/results/wholesale-results';
export type WholesaleResultColumn = (typeof WHOLESALE_RESULT_COLUMNS)[number];

const TIME_ZONE = 'Europe/Copenhagen';
const QUARTER_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Stand-in for a null registration_time: such a point counts, but loses against any registered one. */
const NO_REGISTRATION = -9_000_000_000_000_000n;

/** Engine names of the metering point types in wholesale results (E20 is not part of wholesale). */
const MP_TYPE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['E17', 'consumption'],
  ['E18', 'production'],
  ['D01', 've_production'],
  ['D05', 'net_production'],
  ['D06', 'supply_to_grid'],
  ['D07', 'consumption_from_grid'],
  ['D08', 'wholesale_services_information'],
  ['D09', 'own_production'],
  ['D10', 'net_from_grid'],
  ['D11', 'net_to_grid'],
  ['D12', 'total_consumption'],
  ['D14', 'electrical_heating'],
  ['D15', 'net_consumption'],
  ['D19', 'capacity_settlement'],
];
const CHILD_TYPES = MP_TYPE_NAMES.map(([c]) => c).filter((c) => c.startsWith('D'));

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/**
 * How tariff quantities are formed: `link-sets` (default, fast: energy summed per link set first) or
 * `direct` (every link piece joined with every charge time; the literal rule, for cross-checking).
 */
export type TariffJoin = 'link-sets' | 'direct';

interface SourceSql {
  /** mpid, mp_type, sm, ga, res, from_ga, to_ga, parent, es, brp, from_ms, to_ms */
  periods: string;
  /** mpid */
  gridLoss: string;
  /** mpid, qty (BIGINT milli, null kept), qbit (UTINYINT), t (BIGINT ms)[, reg] */
  points: string;
  hasRegistration: boolean;
  /** code, ctype, owner, res, is_tax (BOOLEAN), from_ms, to_ms */
  priceInfo: string;
  /** code, ctype, owner, price (BIGINT micro), t */
  pricePoints: string;
  /** code, ctype, owner, mpid, factor (BIGINT), from_ms, to_ms */
  links: string;
}

const QBIT_SQL = (col: string): string =>
  `(CASE ${col} WHEN 'missing' THEN 1 WHEN 'estimated' THEN 2 WHEN 'measured' THEN 4 WHEN 'calculated' THEN 8 ELSE 0 END)::UTINYINT`;

function csvSource(scenarioDir: string): SourceSql {
  const when = path.join(scenarioDir, 'when');
  const csv = (file: string): string =>
    `read_csv(${sqlPath(path.join(when, file))}, delim = ';', header = true, all_varchar = true, auto_detect = true)`;
  const header = fs.readFileSync(path.join(when, 'time_series_points.csv'), 'utf8').split(/\r?\n/, 1)[0];
  const hasRegistration = header
    .split(';')
    .map((c) => c.trim())
    .includes('registration_time');
  const ts = (col: string): string => `epoch_ms(CAST(NULLIF(trim(${col}), '') AS TIMESTAMPTZ))`;
  const txt = (col: string): string => `NULLIF(trim(${col}), '')`;
  const key = `${txt('charge_code')} AS code, ${txt('charge_type')} AS ctype, ${txt('charge_owner_id')} AS owner`;
  return {
    periods: `SELECT ${txt('metering_point_id')} AS mpid, ${txt('"type"')} AS mp_type, ${txt('settlement_method')} AS sm,
        ${txt('grid_area_code')} AS ga, ${txt('resolution')} AS res, ${txt('from_grid_area_code')} AS from_ga,
        ${txt('to_grid_area_code')} AS to_ga, ${txt('parent_metering_point_id')} AS parent,
        ${txt('energy_supplier_id')} AS es, ${txt('balance_responsible_party_id')} AS brp,
        ${ts('from_date')} AS from_ms, ${ts('to_date')} AS to_ms
      FROM ${csv('metering_point_periods.csv')}`,
    gridLoss: `SELECT ${txt('metering_point_id')} AS mpid FROM ${csv('grid_loss_metering_points.csv')}`,
    points: `SELECT ${txt('metering_point_id')} AS mpid,
        CAST(CAST(${txt('quantity')} AS DECIMAL(18,3)) * 1000 AS BIGINT) AS qty,
        ${QBIT_SQL(txt('quality'))} AS qbit, ${ts('observation_time')} AS t
        ${hasRegistration ? `, ${ts('registration_time')} AS reg` : ''}
      FROM ${csv('time_series_points.csv')}`,
    hasRegistration,
    priceInfo: `SELECT ${key}, ${txt('resolution')} AS res, lower(${txt('is_tax')}) = 'true' AS is_tax,
        ${ts('from_date')} AS from_ms, ${ts('to_date')} AS to_ms
      FROM ${csv('charge_price_information_periods.csv')}`,
    pricePoints: `SELECT ${key}, CAST(CAST(${txt('charge_price')} AS DECIMAL(18,6)) * 1000000 AS BIGINT) AS price,
        ${ts('charge_time')} AS t
      FROM ${csv('charge_price_points.csv')}`,
    links: `SELECT ${key}, ${txt('metering_point_id')} AS mpid, CAST(${txt('quantity')} AS BIGINT) AS factor,
        ${ts('from_date')} AS from_ms, ${ts('to_date')} AS to_ms
      FROM ${csv('charge_link_periods.csv')}`,
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
  const firstDate = new Date(args.periodStart - DAY_MS).toISOString().slice(0, 10);
  const lastDate = new Date(args.periodEnd + DAY_MS).toISOString().slice(0, 10);
  const table = (name: string): string =>
    `read_parquet(${sqlPath(path.join(lakeDir, name, '*.parquet'))}, union_by_name = true)`;
  // master data and charge links are partitioned one level down (grid_area=GGG/, exchange/)
  const partitioned = (name: string): string =>
    `read_parquet(${sqlPath(path.join(lakeDir, name, '*', '*.parquet'))}, union_by_name = true)`;
  const key = `charge_code AS code, charge_type AS ctype, charge_owner_id AS owner`;
  return {
    periods: `SELECT metering_point_id AS mpid, "type" AS mp_type, settlement_method AS sm, grid_area_code AS ga, resolution AS res,
        from_grid_area_code AS from_ga, to_grid_area_code AS to_ga, parent_metering_point_id AS parent,
        energy_supplier_id AS es, balance_responsible_party_id AS brp, epoch_ms(from_date) AS from_ms, epoch_ms(to_date) AS to_ms
      FROM ${partitioned('metering_point_periods')}`,
    gridLoss: `SELECT metering_point_id AS mpid FROM ${table('grid_loss_metering_points')}`,
    points: `SELECT metering_point_id AS mpid, CAST(quantity * 1000 AS BIGINT) AS qty, ${QBIT_SQL('quality')} AS qbit,
        epoch_ms(observation_time) AS t ${hasRegistration ? ', epoch_ms(registration_time) AS reg' : ''}
      FROM ${tsRead}
      WHERE observation_date BETWEEN DATE '${firstDate}' AND DATE '${lastDate}'`,
    hasRegistration,
    // is_tax may be stored as BOOLEAN or as the text 'true'/'false'.
    priceInfo: `SELECT ${key}, resolution AS res, lower(CAST(is_tax AS VARCHAR)) = 'true' AS is_tax,
        epoch_ms(from_date) AS from_ms, epoch_ms(to_date) AS to_ms
      FROM ${table('charge_price_information_periods')}`,
    pricePoints: `SELECT ${key}, CAST(CAST(charge_price AS DECIMAL(18,6)) * 1000000 AS BIGINT) AS price, epoch_ms(charge_time) AS t
      FROM ${table('charge_price_points')}`,
    links: `SELECT ${key}, metering_point_id AS mpid, CAST(quantity AS BIGINT) AS factor, epoch_ms(from_date) AS from_ms, epoch_ms(to_date) AS to_ms
      FROM ${partitioned('charge_link_periods')}`,
  };
}

/** The bi-temporally picked points of `joined` (columns mpi/cid…, t, qty, qbit[, reg]). */
function pickPoints(joined: string, keyCols: string, hasRegistration: boolean, asOf: number): string {
  if (!hasRegistration) return joined;
  return `SELECT ${keyCols}, t, v.q AS qty, v.b AS qbit FROM (
      SELECT ${keyCols}, t, arg_max(struct_pack(q := qty, b := qbit), reg) AS v
      FROM (SELECT ${keyCols}, t, qty, qbit, coalesce(reg, ${NO_REGISTRATION}) AS reg FROM (${joined}))
      WHERE reg <= ${asOf}
      GROUP BY ${keyCols}, t)`;
}

/**
 * The SQL statements of one wholesale calculation, in execution order. The results are in the temp
 * tables `apc` (amount per charge), `monthly` and `totals`, readable through the view `res`; the
 * grid-loss coverage rows are in `gl_cover`.
 */
function buildStatements(src: SourceSql, args: CalculationArguments, tariffJoin: TariffJoin = 'link-sets'): string[] {
  const PS = args.periodStart;
  const PE = args.periodEnd;
  const quarterly = args.periodEnd > args.quarterlyTransition;
  const step = quarterly ? QUARTER_MS : HOUR_MS;
  const gas = `(${args.gridAreas.map(sqlString).join(', ')})`;
  const idx = (t: string): string => (quarterly ? `((${t} % ${HOUR_MS}) // ${QUARTER_MS} + 1)` : '1');
  const s: string[] = [];

  // HALF_UP (ties away from zero) x / u for u > 0, with non-negative dividends only.
  s.push(`CREATE OR REPLACE TEMP MACRO div_half_up(x, u) AS
    CASE WHEN x >= 0 THEN (2 * x + u) // (2 * u) ELSE -((2 * (-x) + u) // (2 * u)) END`);
  // Carry rounding of round_quantity (docs/energy-calculation.md), closed form, micro → milli.
  s.push(
    `CREATE OR REPLACE TEMP MACRO carry_milli(q, i) AS (div_half_up(i * q, 1000) - div_half_up((i - 1) * q, 1000))`,
  );

  // ---------------------------------------------------------------- 1. grid loss
  s.push(`CREATE OR REPLACE TEMP TABLE raw_periods AS ${src.periods}`);
  s.push(`CREATE OR REPLACE TEMP TABLE gl_ids AS SELECT DISTINCT mpid FROM (${src.gridLoss}) WHERE mpid IS NOT NULL`);
  s.push(`CREATE OR REPLACE TEMP TABLE sel AS
    SELECT p.*, greatest(from_ms, ${PS}) AS s, least(coalesce(to_ms, ${PE}), ${PE}) AS e, (g.mpid IS NOT NULL) AS is_gl
    FROM raw_periods p LEFT JOIN gl_ids g USING (mpid)
    WHERE from_ms < ${PE} AND (to_ms IS NULL OR to_ms > ${PS})
      AND (ga IN ${gas} OR (mp_type = 'E20' AND (from_ga IN ${gas} OR to_ga IN ${gas})) OR parent IS NOT NULL)`);
  s.push(`CREATE OR REPLACE TEMP TABLE glp AS
    SELECT mpid, mp_type, ga, s, e FROM sel WHERE is_gl AND mp_type IN ('E17', 'E18') AND ga IN ${gas}`);
  s.push(`CREATE OR REPLACE TEMP TABLE gl_cover AS
    WITH o AS (
      SELECT ga, mp_type, s, e,
             max(e) OVER (PARTITION BY ga, mp_type ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
      FROM glp)
    SELECT ga, mp_type, (min(s) = ${PS} AND max(e) >= ${PE} AND bool_and(prev_e IS NULL OR s <= prev_e)) AS ok
    FROM o GROUP BY ga, mp_type`);
  // Measured parent periods per combo: (kind, ga, brp, es) for N/F/P, (to, from) for exchange X.
  s.push(`CREATE OR REPLACE TEMP TABLE eper0 AS
    SELECT mpid, s, e, (res = 'PT1H') AS hourly,
           CASE WHEN mp_type = 'E20' THEN 'X' WHEN mp_type = 'E18' THEN 'P' WHEN sm = 'E02' THEN 'N' ELSE 'F' END AS kind,
           CASE WHEN mp_type <> 'E20' THEN ga END AS cga, CASE WHEN mp_type <> 'E20' THEN brp END AS cbrp,
           CASE WHEN mp_type <> 'E20' THEN es END AS ces, CASE WHEN mp_type = 'E20' THEN to_ga END AS cto,
           CASE WHEN mp_type = 'E20' THEN from_ga END AS cfrom
    FROM sel
    WHERE NOT is_gl AND s < e AND res IN ('PT15M', 'PT1H')
      AND (mp_type IN ('E18', 'E20') OR (mp_type = 'E17' AND sm IN ('E02', 'D01')))`);
  s.push(`CREATE OR REPLACE TEMP TABLE ecombo AS
    SELECT (row_number() OVER ())::INTEGER AS cid, * FROM (SELECT DISTINCT kind, cga, cbrp, ces, cto, cfrom FROM eper0)`);
  s.push(`CREATE OR REPLACE TEMP TABLE eper AS
    SELECT m.mpid, c.cid, m.s, m.e, m.hourly
    FROM eper0 m JOIN ecombo c
      ON c.kind = m.kind AND c.cga IS NOT DISTINCT FROM m.cga AND c.cbrp IS NOT DISTINCT FROM m.cbrp
     AND c.ces IS NOT DISTINCT FROM m.ces AND c.cto IS NOT DISTINCT FROM m.cto AND c.cfrom IS NOT DISTINCT FROM m.cfrom`);
  const ejoined = `SELECT m.mpid, m.cid, m.hourly, r.t, coalesce(r.qty, 0) AS qty, r.qbit${src.hasRegistration ? ', r.reg' : ''}
      FROM (${src.points}) r JOIN eper m ON r.mpid = m.mpid AND r.t >= m.s AND r.t < m.e
      WHERE r.t >= ${PS} AND r.t < ${PE}`;
  const epts = pickPoints(ejoined, 'mpid, cid, hourly', src.hasRegistration, args.asOf);
  // Micro-kWh per (combo, result slot): a PT1H reading is 250 micro per milli in each quarter.
  s.push(
    quarterly
      ? `CREATE OR REPLACE TEMP TABLE eagg AS
      WITH g AS (SELECT cid, hourly, t, sum(qty)::BIGINT AS q FROM (${epts}) GROUP BY cid, hourly, t),
      x AS (
        SELECT cid, t, q * 1000 AS micro FROM g WHERE NOT hourly
        UNION ALL
        SELECT cid, t + k * ${QUARTER_MS} AS t, q * 250 AS micro FROM g, range(4) r(k) WHERE hourly)
      SELECT cid, t, sum(micro)::BIGINT AS micro FROM x GROUP BY cid, t`
      : `CREATE OR REPLACE TEMP TABLE eagg AS
      SELECT cid, t - t % ${HOUR_MS} AS t, (sum(qty) * 1000)::BIGINT AS micro FROM (${epts}) GROUP BY cid, t - t % ${HOUR_MS}`,
  );
  // Result slots of a combo: where one of its periods covers the quarter (quarterly) or touches the hour (hourly).
  const unitS = quarterly ? 's' : `s - s % ${HOUR_MS}`;
  const unitE = quarterly ? 'e' : `e + (${HOUR_MS} - e % ${HOUR_MS}) % ${HOUR_MS}`;
  s.push(`CREATE OR REPLACE TEMP TABLE eslots AS
    WITH ev AS (
      SELECT cid, ${unitS} AS t, 1 AS d FROM eper UNION ALL SELECT cid, ${unitE} AS t, -1 AS d FROM eper
    ), evs AS (SELECT cid, t, sum(d) AS d FROM ev GROUP BY cid, t
    ), iv AS (
      SELECT cid, t AS s, lead(t) OVER (PARTITION BY cid ORDER BY t) AS e,
             sum(d) OVER (PARTITION BY cid ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS active
      FROM evs)
    SELECT cid, unnest(range(s, e, ${step}::BIGINT)) AS t FROM iv WHERE active > 0`);
  s.push(`CREATE OR REPLACE TEMP TABLE egrp AS
    SELECT sl.cid, sl.t, coalesce(a.micro, 0) AS micro FROM eslots sl LEFT JOIN eagg a ON a.cid = sl.cid AND a.t = sl.t`);
  // Grid loss = net exchange + production - (non-profiled + flex), components rounded per (ga, brp, es) / per neighbour.
  s.push(`CREATE OR REPLACE TEMP TABLE gl AS
    WITH es_rows AS (
      SELECT c.kind, c.cga AS ga, g.t, carry_milli(g.micro, ${idx('g.t')}) AS milli
      FROM egrp g JOIN ecombo c USING (cid) WHERE c.kind <> 'X'
    ), xg AS (
      SELECT c.cto, c.cfrom, g.t, g.micro FROM egrp g JOIN ecombo c USING (cid) WHERE c.kind = 'X'
    ), sides AS (
      SELECT cto AS a, cfrom AS b, t, micro AS v FROM xg WHERE cto IN ${gas}
      UNION ALL
      SELECT cfrom AS a, cto AS b, t, -micro AS v FROM xg WHERE cfrom IN ${gas}
    ), nb AS (
      SELECT a AS ga, t, carry_milli(sum(v), ${idx('t')}) AS milli FROM sides GROUP BY a, b, t
    )
    SELECT ga, t, sum(v)::BIGINT AS milli FROM (
      SELECT ga, t, milli AS v FROM nb
      UNION ALL
      SELECT ga, t, CASE WHEN kind = 'P' THEN milli ELSE -milli END AS v FROM es_rows
    ) GROUP BY ga, t`);
  // Grid loss on the grid-loss metering points: E17 gets max(GL, 0), E18 max(-GL, 0), where their period covers the slot.
  s.push(`CREATE OR REPLACE TEMP TABLE glmp AS
    SELECT p.mpid, g.t, CASE WHEN p.mp_type = 'E17' THEN greatest(g.milli, 0) ELSE greatest(-g.milli, 0) END AS milli
    FROM gl g JOIN glp p ON p.ga = g.ga AND g.t >= p.s AND g.t < p.e`);

  // ---------------------------------------------------------------- 2. wholesale metering point periods
  const typeName = `CASE mp_type ${MP_TYPE_NAMES.map(([c, n]) => `WHEN '${c}' THEN '${n}'`).join(' ')} END`;
  s.push(`CREATE OR REPLACE TEMP TABLE wper0 AS
    WITH parents AS (SELECT mpid, s, e, es, ga FROM sel WHERE mp_type IN ('E17', 'E18') AND ga IN ${gas})
    SELECT mpid, mp_type, ${typeName} AS mpt,
           CASE WHEN mp_type = 'E17' THEN CASE sm WHEN 'D01' THEN 'flex' WHEN 'E02' THEN 'non_profiled' END END AS smn,
           ga, res, es, s, e, is_gl
    FROM sel WHERE mp_type IN ('E17', 'E18') AND ga IN ${gas}
    UNION ALL
    SELECT c.mpid, c.mp_type, ${typeName.replace(/mp_type/g, 'c.mp_type')} AS mpt, NULL AS smn, p.ga, c.res, p.es,
           greatest(c.s, p.s) AS s, least(c.e, p.e) AS e, c.is_gl
    FROM sel c JOIN parents p ON p.mpid = c.parent AND p.s < c.e AND p.e > c.s
    WHERE c.mp_type IN (${CHILD_TYPES.map(sqlString).join(', ')})`);
  s.push(`CREATE OR REPLACE TEMP TABLE attrs AS
    SELECT (row_number() OVER ())::INTEGER AS aid, * FROM (SELECT DISTINCT ga, es, mpt, smn FROM wper0)`);
  s.push(`CREATE OR REPLACE TEMP TABLE wper AS
    SELECT w.mpid, (dense_rank() OVER (ORDER BY w.mpid))::INTEGER AS mpi, a.aid, w.s, w.e,
           CASE w.res WHEN 'PT15M' THEN ${QUARTER_MS} ELSE ${HOUR_MS} END AS res_ms, w.is_gl, w.mp_type
    FROM wper0 w JOIN attrs a
      ON a.ga = w.ga AND a.es IS NOT DISTINCT FROM w.es AND a.mpt = w.mpt AND a.smn IS NOT DISTINCT FROM w.smn`);

  // ---------------------------------------------------------------- 3. energy per metering point and hour / local day
  const wjoined = `SELECT w.mpi, r.t, coalesce(r.qty, 0) AS qty, r.qbit${src.hasRegistration ? ', r.reg' : ''}
      FROM (${src.points}) r JOIN wper w ON r.mpid = w.mpid AND r.t >= w.s AND r.t < w.e
      WHERE NOT w.is_gl AND r.t >= ${PS} AND r.t < ${PE}`;
  s.push(`CREATE OR REPLACE TEMP TABLE pagg AS
    SELECT mpi, t - t % ${HOUR_MS} AS h, sum(qty)::BIGINT AS milli, bit_or(qbit)::INTEGER AS bits, count(*) AS n
    FROM (${pickPoints(wjoined, 'mpi', src.hasRegistration, args.asOf)}) GROUP BY mpi, h`);
  // Slots of the metering point's periods in each hour they touch (padding: fewer points → 'missing').
  // Whole hours inside one period have H / resolution slots; the (few) hours cut by a period boundary
  // get their slots summed over the periods touching them.
  s.push(`CREATE OR REPLACE TEMP TABLE expct AS
    WITH p AS (
      SELECT mpi, s, e, res_ms, s + (${HOUR_MS} - s % ${HOUR_MS}) % ${HOUR_MS} AS si, e - e % ${HOUR_MS} AS ei FROM wper WHERE NOT is_gl
    )
    SELECT mpi, unnest(range(si, ei, ${HOUR_MS}::BIGINT)) AS h, ${HOUR_MS} // res_ms AS slots FROM p WHERE si < ei
    UNION ALL
    SELECT mpi, h, sum(slots) AS slots FROM (
      SELECT mpi, s - s % ${HOUR_MS} AS h, (least(e, s - s % ${HOUR_MS} + ${HOUR_MS}) - s) // res_ms AS slots FROM p WHERE s % ${HOUR_MS} <> 0
      UNION ALL
      SELECT mpi, ei AS h, (e - greatest(s, ei)) // res_ms AS slots FROM p
      WHERE e % ${HOUR_MS} <> 0 AND NOT (s % ${HOUR_MS} <> 0 AND s - s % ${HOUR_MS} = ei)
    ) GROUP BY mpi, h`);
  s.push(`CREATE OR REPLACE TEMP TABLE mph AS
    SELECT x.mpi, x.h AS t, coalesce(a.milli, 0)::BIGINT AS milli,
           (coalesce(a.bits, 0) | CASE WHEN coalesce(a.n, 0) < x.slots THEN 1 ELSE 0 END)::INTEGER AS bits
    FROM expct x LEFT JOIN pagg a ON a.mpi = x.mpi AND a.h = x.h
    UNION ALL
    SELECT w.mpi, g.t - g.t % ${HOUR_MS} AS t, sum(g.milli)::BIGINT AS milli, 8 AS bits
    FROM glmp g JOIN (SELECT DISTINCT mpid, mpi FROM wper WHERE is_gl) w ON w.mpid = g.mpid
    GROUP BY w.mpi, g.t - g.t % ${HOUR_MS}`);
  // Local days (Europe/Copenhagen) of the period via ICU; every hour mapped to its local day.
  const nDays = Math.ceil((PE - PS) / DAY_MS) + 2;
  s.push(`CREATE OR REPLACE TEMP TABLE days AS
    SELECT d FROM (
      SELECT DISTINCT epoch_ms(timezone('${TIME_ZONE}', (b.d0 + (k::INTEGER - 1))::TIMESTAMP)) AS d
      FROM (SELECT timezone('${TIME_ZONE}', TIMESTAMPTZ '${isoSeconds(PS)}')::DATE AS d0) b, range(0, ${nDays + 1}) r(k))
    WHERE d >= ${PS} AND d < ${PE}`);
  s.push(`CREATE OR REPLACE TEMP TABLE hour_day AS
    SELECT h.h, d.d FROM (SELECT unnest(range(${PS}::BIGINT, ${PE}::BIGINT, ${HOUR_MS}::BIGINT)) AS h) h
    ASOF JOIN days d ON h.h >= d.d`);
  s.push(`CREATE OR REPLACE TEMP TABLE mpd AS
    SELECT m.mpi, hd.d AS t, sum(m.milli)::BIGINT AS milli, bit_or(m.bits)::INTEGER AS bits
    FROM mph m JOIN hour_day hd ON hd.h = m.t GROUP BY m.mpi, hd.d`);

  // ---------------------------------------------------------------- 4. charges, links, pieces
  s.push(`CREATE OR REPLACE TEMP TABLE cpi0 AS ${src.priceInfo}`);
  s.push(`CREATE OR REPLACE TEMP TABLE ck AS
    SELECT (row_number() OVER (ORDER BY code, ctype, owner))::INTEGER AS cki, code, ctype, owner
    FROM (SELECT DISTINCT code, ctype, owner FROM cpi0)`);
  s.push(`CREATE OR REPLACE TEMP TABLE cpi AS
    SELECT k.cki, k.ctype, i.res, i.is_tax, i.from_ms, coalesce(i.to_ms, ${PE}) AS to_ms
    FROM cpi0 i JOIN ck k ON k.code = i.code AND k.ctype = i.ctype AND k.owner = i.owner`);
  // Price points are read only inside the calculation period (opengeh-wholesale §3.1).
  s.push(`CREATE OR REPLACE TEMP TABLE cpp AS
    SELECT k.cki, p.t, p.price FROM (${src.pricePoints}) p JOIN ck k ON k.code = p.code AND k.ctype = p.ctype AND k.owner = p.owner
    WHERE p.t >= ${PS} AND p.t < ${PE}`);
  s.push(`CREATE OR REPLACE TEMP TABLE pieces AS
    SELECT * FROM (
      SELECT i.cki, i.ctype, i.res, i.is_tax, i.from_ms AS ifrom, w.mpi, w.aid, l.factor,
             greatest(l.from_ms, w.s, i.from_ms) AS s, least(coalesce(l.to_ms, ${PE}), w.e, i.to_ms) AS e
      FROM (${src.links}) l
      JOIN ck k ON k.code = l.code AND k.ctype = l.ctype AND k.owner = l.owner
      JOIN wper w ON w.mpid = l.mpid
      JOIN cpi i ON i.cki = k.cki)
    WHERE s < e`);
  if (tariffJoin === 'direct') {
    // Literal form: every tariff piece joined with the metering point's energy at every charge time in it.
    s.push(`CREATE OR REPLACE TEMP VIEW tariff_rows AS
      SELECT r.*, p.price FROM (
        SELECT cki, is_tax, aid, res, t, sum(milli)::HUGEINT AS milli, bit_or(bits)::INTEGER AS bits FROM (
          SELECT pc.cki, pc.is_tax, pc.aid, pc.res, m.t, m.milli, m.bits
          FROM pieces pc JOIN mph m ON pc.res = 'PT1H' AND m.mpi = pc.mpi AND m.t >= pc.s AND m.t < pc.e
          WHERE pc.ctype = 'tariff'
          UNION ALL
          SELECT pc.cki, pc.is_tax, pc.aid, pc.res, m.t, m.milli, m.bits
          FROM pieces pc JOIN mpd m ON pc.res = 'P1D' AND m.mpi = pc.mpi AND m.t >= pc.s AND m.t < pc.e
          WHERE pc.ctype = 'tariff')
        GROUP BY cki, is_tax, aid, res, t) r
      LEFT JOIN cpp p ON p.cki = r.cki AND p.t = r.t`);
  } else {
    // Tariffs: elementary intervals of each metering point's timeline and the link set over each.
    s.push(`CREATE OR REPLACE TEMP TABLE tel AS
      WITH b AS (
        SELECT DISTINCT mpi, res, x FROM (
          SELECT mpi, res, s AS x FROM pieces WHERE ctype = 'tariff' UNION ALL SELECT mpi, res, e AS x FROM pieces WHERE ctype = 'tariff')
      ), el AS (
        SELECT mpi, res, x AS s, lead(x) OVER (PARTITION BY mpi, res ORDER BY x) AS e FROM b
      )
      SELECT el.mpi, el.res, el.s, el.e, p.aid, p.cki, p.is_tax, count(*) AS mult
      FROM el JOIN pieces p ON p.ctype = 'tariff' AND p.mpi = el.mpi AND p.res = el.res AND p.s <= el.s AND p.e >= el.e
      WHERE el.e IS NOT NULL
      GROUP BY el.mpi, el.res, el.s, el.e, p.aid, p.cki, p.is_tax`);
    s.push(`CREATE OR REPLACE TEMP TABLE tsets AS
      SELECT mpi, res, s, e, aid, dense_rank() OVER (ORDER BY sig) AS setid FROM (
        SELECT mpi, res, s, e, aid, string_agg(cki::VARCHAR || ':' || is_tax::INTEGER::VARCHAR || ':' || mult::VARCHAR, ',' ORDER BY cki, is_tax) AS sig
        FROM tel GROUP BY mpi, res, s, e, aid)`);
    s.push(`CREATE OR REPLACE TEMP TABLE tmem AS
      SELECT DISTINCT x.setid, t.cki, t.is_tax, t.mult
      FROM tsets x JOIN tel t ON t.mpi = x.mpi AND t.res = x.res AND t.s = x.s AND t.aid = x.aid`);
    // Energy per (link set, attributes, charge time): charge time t counts when it lies in the interval.
    s.push(`CREATE OR REPLACE TEMP TABLE tq AS
      SELECT x.setid, x.aid, x.res, m.t, sum(m.milli)::HUGEINT AS milli, bit_or(m.bits)::INTEGER AS bits
      FROM mph m JOIN tsets x ON x.res = 'PT1H' AND x.mpi = m.mpi AND m.t >= x.s AND m.t < x.e
      GROUP BY x.setid, x.aid, x.res, m.t
      UNION ALL
      SELECT x.setid, x.aid, x.res, m.t, sum(m.milli)::HUGEINT AS milli, bit_or(m.bits)::INTEGER AS bits
      FROM mpd m JOIN tsets x ON x.res = 'P1D' AND x.mpi = m.mpi AND m.t >= x.s AND m.t < x.e
      GROUP BY x.setid, x.aid, x.res, m.t`);
    s.push(`CREATE OR REPLACE TEMP VIEW tariff_rows AS
      SELECT r.*, p.price FROM (
        SELECT m.cki, m.is_tax, q.aid, q.res, q.t, sum(q.milli * m.mult)::HUGEINT AS milli, bit_or(q.bits)::INTEGER AS bits
        FROM tq q JOIN tmem m USING (setid)
        GROUP BY m.cki, m.is_tax, q.aid, q.res, q.t) r
      LEFT JOIN cpp p ON p.cki = r.cki AND p.t = r.t`);
  }
  // Subscriptions and fees: per local day, Σ link factors; price = last price point (of the period, see cpp) since
  // the price information start.
  s.push(`CREATE OR REPLACE TEMP TABLE sf_rows AS
    WITH q AS (
      SELECT p.cki, p.ctype, p.is_tax, p.aid, d.d AS t, max(p.ifrom) AS ifrom, sum(p.factor)::HUGEINT AS n
      FROM pieces p JOIN days d ON d.d >= p.s AND d.d < p.e
      WHERE p.ctype IN ('subscription', 'fee')
      GROUP BY p.cki, p.ctype, p.is_tax, p.aid, d.d
    ), k AS (SELECT DISTINCT cki, t, ifrom FROM q
    ), kp AS (
      SELECT k.cki, k.t, k.ifrom, CASE WHEN p.t >= k.ifrom THEN p.price END AS price
      FROM k ASOF LEFT JOIN cpp p ON p.cki = k.cki AND k.t >= p.t
    )
    SELECT q.cki, q.ctype, q.is_tax, q.aid, q.t, q.n,
           CASE WHEN q.ctype = 'subscription' THEN div_half_up(kp.price, (SELECT count(*) FROM days)) ELSE kp.price END AS price
    FROM q JOIN kp ON kp.cki = q.cki AND kp.t = q.t AND kp.ifrom = q.ifrom`);

  // ---------------------------------------------------------------- 5. results
  s.push(`CREATE OR REPLACE TEMP TABLE apc AS
    SELECT cki, is_tax, aid, res, t, milli, bits, price::BIGINT AS price,
           CASE WHEN price IS NOT NULL THEN div_half_up(milli * price, 1000) END::HUGEINT AS amount, 'kWh' AS unit
    FROM tariff_rows
    UNION ALL
    SELECT cki, is_tax, aid, 'P1D' AS res, t, n * 1000 AS milli, 0 AS bits, price::BIGINT AS price,
           (n * price)::HUGEINT AS amount, 'pcs' AS unit
    FROM sf_rows`);
  s.push(`CREATE OR REPLACE TEMP TABLE monthly AS
    SELECT a.cki, ax.ga, ax.es, bool_or(a.is_tax) AS is_tax, min(a.unit) AS unit, sum(a.amount)::HUGEINT AS amount
    FROM apc a JOIN attrs ax USING (aid) GROUP BY a.cki, ax.ga, ax.es`);
  // Totals per (ga, owner, es) for owners with a non-tax monthly amount; the tax owners of (ga, es) keep
  // their own non-tax sum, every other owner gets the (ga, es) tax sum added.
  s.push(`CREATE OR REPLACE TEMP TABLE totals AS
    WITH m AS (SELECT m.*, k.owner FROM monthly m JOIN ck k USING (cki)),
    tax_owner AS (SELECT DISTINCT ga, es, owner FROM m WHERE is_tax),
    tax_sum AS (SELECT ga, es, sum(amount) AS t FROM m WHERE is_tax GROUP BY ga, es),
    nontax AS (SELECT ga, owner, es, sum(amount) AS a FROM m WHERE NOT is_tax GROUP BY ga, owner, es)
    SELECT 'co_es' AS kind, n.ga, n.owner, n.es,
           CASE WHEN o.owner IS NOT NULL THEN n.a
                WHEN n.a IS NULL AND x.t IS NULL THEN NULL
                ELSE coalesce(n.a, 0) + coalesce(x.t, 0) END::HUGEINT AS amount
    FROM nontax n
    LEFT JOIN tax_sum x ON x.ga = n.ga AND x.es IS NOT DISTINCT FROM n.es
    LEFT JOIN tax_owner o ON o.ga = n.ga AND o.es IS NOT DISTINCT FROM n.es AND o.owner = n.owner
    UNION ALL
    SELECT 'es' AS kind, ga, NULL AS owner, es, sum(amount)::HUGEINT AS amount FROM m GROUP BY ga, es`);
  // The result rows in readable form (a view: the tables above hold them with integer ids).
  s.push(`CREATE OR REPLACE TEMP VIEW res AS
    SELECT 'amount_per_charge' AS amount_type, ax.ga, ax.es, k.owner, k.code, k.ctype, a.is_tax, ax.mpt, ax.smn,
           a.t, a.res AS resolution, a.milli::HUGEINT AS milli, a.unit, a.bits, a.price, a.amount
    FROM apc a JOIN attrs ax USING (aid) JOIN ck k USING (cki)
    UNION ALL
    SELECT 'monthly_amount_per_charge', m.ga, m.es, k.owner, k.code, k.ctype, m.is_tax, NULL, NULL,
           ${PS}::BIGINT, 'P1M', NULL::HUGEINT, m.unit, NULL::INTEGER, NULL::BIGINT, m.amount
    FROM monthly m JOIN ck k USING (cki)
    UNION ALL
    SELECT 'total_monthly_amount', ga, es, owner, NULL, NULL, NULL::BOOLEAN, NULL, NULL,
           ${PS}::BIGINT, 'P1M', NULL::HUGEINT, NULL, NULL::INTEGER, NULL::BIGINT, amount
    FROM totals`);
  return s;
}

async function sourceFor(
  conn: DuckDBConnection,
  input: DuckdbWholesaleInput,
  args: CalculationArguments,
): Promise<SourceSql> {
  if (input.scenarioDir) return csvSource(input.scenarioDir);
  if (input.lakeDir) return lakeSource(conn, input.lakeDir, args);
  throw new Error('duckdbWholesaleResults: give scenarioDir or lakeDir');
}

async function runCalculation(
  conn: DuckDBConnection,
  src: SourceSql,
  args: CalculationArguments,
  onStatement?: (sql: string, seconds: number) => void,
  tariffJoin?: TariffJoin,
): Promise<void> {
  for (const stmt of buildStatements(src, args, tariffJoin)) {
    const t0 = process.hrtime.bigint();
    await conn.run(stmt);
    onStatement?.(stmt, Number(process.hrtime.bigint() - t0) / 1e9);
    if (stmt.includes('TEMP TABLE gl_cover AS')) await checkGridLossCoverage(conn, args);
  }
}

/** Integer scaled by 10^scale → fixed-point text with exactly `scale` decimals. */
function formatFixed(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function optFixed(v: JS, scale: number): string {
  return v === null || v === undefined ? '' : formatFixed(toBig(v), scale);
}

/** Wholesale results of one calculation, formatted exactly like `wholesale_results.csv` rows. */
export async function duckdbWholesaleResults(
  input: DuckdbWholesaleInput,
  args: CalculationArguments,
  opts?: { threads?: number; tariffJoin?: TariffJoin },
): Promise<Record<string, string>[]> {
  const { instance, conn } = await openDb(opts?.threads);
  try {
    const src = await sourceFor(conn, input, args);
    await runCalculation(conn, src, args, undefined, opts?.tariffJoin);
    const rows = (
      await conn.runAndReadAll(
        `SELECT amount_type, ga, es, owner, code, ctype, is_tax, mpt, smn, t, resolution, milli, unit, bits, price, amount FROM res`,
      )
    ).getRowsJS();
    const ids = new Map<string, string>();
    return rows.map((r): Record<string, string> => {
      const [amountType, ga, es, owner, code, ctype] = [
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        str(r[5]),
      ];
      const [mpt, sm] = [str(r[7]), str(r[8])];
      const key = [args.calculationId, amountType, ga, es, owner, code, ctype, mpt, sm].join('|');
      let id = ids.get(key);
      if (id === undefined) {
        id = resultNamespaceUuid(key);
        ids.set(key, id);
      }
      const isTax = r[6];
      const bits = r[13];
      const row: Record<WholesaleResultColumn, string> = {
        calculation_id: args.calculationId,
        calculation_type: args.calculationType,
        amount_type: amountType,
        grid_area_code: ga,
        energy_supplier_id: es,
        charge_owner_id: owner,
        charge_code: code,
        charge_type: ctype,
        is_tax: isTax === null || isTax === undefined ? '' : isTax === true ? 'true' : 'false',
        metering_point_type: mpt,
        settlement_method: sm,
        time: isoSeconds(Number(toBig(r[9]))),
        resolution: str(r[10]),
        quantity: optFixed(r[11], 3),
        quantity_unit: str(r[12]),
        quantity_qualities: bits === null || bits === undefined ? '' : formatQualities(Number(bits)),
        price: optFixed(r[14], 6),
        amount: optFixed(r[15], 6),
        result_id: id,
      };
      return row;
    });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Benchmark yardstick: the whole wholesale calculation (grid loss included) from the Parquet lake
 * into temp tables (integer ids for charge and attributes, like the engine's columnar result); wall
 * time of the SQL execution (no formatting, no conversion to JS rows) and the result row count.
 */
export async function timeDuckdbWholesale(
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

/** For debugging and documentation: the SQL of a wholesale calculation over a scenario folder. */
export function duckdbWholesaleSql(scenarioDir: string, args: CalculationArguments): string {
  return buildStatements(csvSource(scenarioDir), args).join(';\n\n') + ';\n';
}
