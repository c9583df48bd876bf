import {
  AGGREGATION_LEVELS,
  isAggregationOrBalanceFixing,
  QBIT_ACTIVE,
  QBIT_CALCULATED,
  TIME_SERIES_TYPES,
  type AggregationLevel,
  type TimeSeriesType,
} from '../../domain/codes';
import { carryRoundMicroToMilli, MagnitudeError, MAX_EXACT } from '../../decimal/scaled';
import { QUARTER_MS } from '../../domain/time';
import type { EnergyResults, SeriesMeta } from '../../results/energy-results';
import { resultId } from '../../results/result-id';
import type { Accumulators } from './kernels';
import {
  KIND_EXCHANGE,
  KIND_FLEX,
  KIND_NON_PROFILED,
  KIND_PRODUCTION,
  type EnergyPlan,
  type GridLossResponsibility,
} from './plan';

/** A dense series over all result slots: milli-kWh values and quality masks. */
interface Dense {
  v: Float64Array;
  m: Uint8Array;
}

interface EsSeries extends Dense {
  ga: string;
  brp: string | null;
  es: string | null;
}

const ACTIVE = QBIT_ACTIVE;
const carryRound = carryRoundMicroToMilli;
const GRID_LOSS_BITS = QBIT_CALCULATED | QBIT_ACTIVE;

function dense(n: number): Dense {
  return { v: new Float64Array(n), m: new Uint8Array(n) };
}

function addInto(into: Dense, from: Dense): void {
  const { v, m } = from;
  for (let s = 0; s < v.length; s++) {
    if (m[s] & ACTIVE) {
      into.v[s] += v[s];
      into.m[s] |= m[s];
    }
  }
}

function hasActive(d: Dense): boolean {
  for (let s = 0; s < d.m.length; s++) if (d.m[s] & ACTIVE) return true;
  return false;
}

function rollUp(rows: readonly EsSeries[], key: (r: EsSeries) => string, nSlots: number): Map<string, Dense> {
  const out = new Map<string, Dense>();
  for (const r of rows) {
    const k = key(r);
    let d = out.get(k);
    if (!d) out.set(k, (d = dense(nSlots)));
    addInto(d, r);
  }
  return out;
}

/**
 * From per-group accumulators to all eleven result types (opengeh-wholesale §2.5, semantics in
 * docs/energy-calculation.md). Works on groups × slots (small), not on points.
 */
export function buildEnergyResults(plan: EnergyPlan, acc: Accumulators): EnergyResults {
  const { args, nSlots: T, slotMs } = plan;
  const start = args.periodStart;

  // Every aggregate of a slot is a signed sum of a subset of that slot's contributions (grid
  // loss and total consumption at most 3 such sums), so this bound keeps all arithmetic exact.
  for (let s = 0; s < T; s++) {
    if (acc.absSum[s] * 4 > MAX_EXACT)
      throw new MagnitudeError(Math.floor(MAX_EXACT / 4e6), start + s * slotMs, acc.absSum[s]);
  }

  const quarterIndex = new Uint8Array(T);
  for (let s = 0; s < T; s++) quarterIndex[s] = plan.quarterly ? (((start + s * slotMs) / QUARTER_MS) % 4) + 1 : 1;

  // per-(ga, brp, es) sums, rounded in place: the accumulator rows become milli-kWh views
  const perEs: Record<number, EsSeries[]> = { [KIND_NON_PROFILED]: [], [KIND_FLEX]: [], [KIND_PRODUCTION]: [] };
  const exchangeGroup = new Map<string, number>();
  plan.groups.forEach((g, i) => {
    if (g.kind === KIND_EXCHANGE) {
      exchangeGroup.set(`${g.toGridArea}|${g.fromGridArea}`, i);
      return;
    }
    const v = acc.sum.subarray(i * T, (i + 1) * T);
    const m = acc.mask.subarray(i * T, (i + 1) * T);
    for (let s = 0; s < T; s++) v[s] = m[s] & ACTIVE ? carryRound(v[s], quarterIndex[s]) : 0;
    perEs[g.kind].push({ ga: g.gridArea, brp: g.brp, es: g.es, v, m });
  });

  const out: Array<{ meta: Omit<SeriesMeta, 'resultId'>; d: Dense }> = [];
  const emit = (
    timeSeriesType: TimeSeriesType,
    aggregationLevel: AggregationLevel,
    gridAreaCode: string,
    d: Dense,
    more: { neighbor?: string; es?: string | null; brp?: string | null; mp?: string } = {},
  ): void => {
    if (!hasActive(d)) return;
    out.push({
      meta: {
        timeSeriesType,
        aggregationLevel,
        gridAreaCode,
        neighborGridAreaCode: more.neighbor ?? null,
        energySupplierId: more.es ?? null,
        balanceResponsiblePartyId: more.brp ?? null,
        meteringPointId: more.mp ?? null,
      },
      d,
    });
  };
  const withBrpLevel = isAggregationOrBalanceFixing(args.calculationType);

  // 1–2 exchange per neighbour (in − out, rounded) and per grid area
  const netExchange = new Map<string, Dense>();
  for (const a of args.gridAreas) {
    const neighbours = new Set<string>();
    for (const key of exchangeGroup.keys()) {
      const [to, from] = key.split('|');
      if (to === a) neighbours.add(from);
      if (from === a) neighbours.add(to);
    }
    const total = dense(T);
    for (const b of [...neighbours].sort()) {
      const gin = exchangeGroup.get(`${a}|${b}`);
      const gout = exchangeGroup.get(`${b}|${a}`);
      const d = dense(T);
      for (let s = 0; s < T; s++) {
        const mi = gin === undefined ? 0 : acc.mask[gin * T + s];
        const mo = gout === undefined ? 0 : acc.mask[gout * T + s];
        if ((mi | mo) & ACTIVE) {
          const vin = gin === undefined ? 0 : acc.sum[gin * T + s];
          const vout = gout === undefined ? 0 : acc.sum[gout * T + s];
          d.v[s] = carryRound(vin - vout, quarterIndex[s]);
          d.m[s] = mi | mo;
        }
      }
      if (withBrpLevel) emit('net_exchange_per_neighboring_ga', 'neighbor_grid_area', a, d, { neighbor: b });
      addInto(total, d);
    }
    netExchange.set(a, total);
    emit('net_exchange_per_ga', 'grid_area', a, total);
  }

  // 3–5 temp production, temp flex, non-profiled per grid area
  const byGa = (r: EsSeries) => r.ga;
  const tempProd = rollUp(perEs[KIND_PRODUCTION], byGa, T);
  const tempFlex = rollUp(perEs[KIND_FLEX], byGa, T);
  const nonProfiled = rollUp(perEs[KIND_NON_PROFILED], byGa, T);
  for (const a of args.gridAreas) {
    const p = tempProd.get(a);
    if (p) emit('temp_production', 'grid_area', a, p);
    const f = tempFlex.get(a);
    if (f) emit('temp_flex_consumption', 'grid_area', a, f);
  }

  // 6–8 grid loss and its assignment to the grid-loss metering points
  // grid loss is added in place: the temp per-grid-area sums above are already taken
  const production = perEs[KIND_PRODUCTION];
  const flex = perEs[KIND_FLEX];
  for (const a of args.gridAreas) {
    const parts = [netExchange.get(a), tempProd.get(a), nonProfiled.get(a), tempFlex.get(a)];
    const sign = [1, 1, -1, -1];
    const gl = dense(T);
    for (let s = 0; s < T; s++) {
      let active = false;
      let v = 0;
      parts.forEach((d, i) => {
        if (d && d.m[s] & ACTIVE) {
          active = true;
          v += sign[i] * d.v[s];
        }
      });
      if (active) {
        gl.v[s] = v;
        gl.m[s] = GRID_LOSS_BITS;
      }
    }
    emit('grid_loss', 'grid_area', a, gl);
    const resp = plan.gridLossResponsible.get(a);
    if (!resp) continue;
    assignGridLoss(a, gl, resp.positive, (x) => (x > 0 ? x : 0), 'positive_grid_loss', flex);
    assignGridLoss(a, gl, resp.negative, (x) => (x < 0 ? -x : 0), 'negative_grid_loss', production);
  }

  function assignGridLoss(
    a: string,
    gl: Dense,
    responsible: readonly GridLossResponsibility[],
    part: (x: number) => number,
    type: TimeSeriesType,
    adjust: EsSeries[],
  ): void {
    const series = new Map<string, { r: GridLossResponsibility; d: Dense }>();
    let i = 0;
    for (let s = 0; s < T; s++) {
      if (!(gl.m[s] & ACTIVE)) continue;
      const t = start + s * slotMs;
      while (i < responsible.length && responsible[i].to <= t) i++;
      const r = responsible[i]; // coverage was checked when planning
      const key = `${r.meteringPointId}|${r.es ?? ''}|${r.brp ?? ''}`;
      let e = series.get(key);
      if (!e) series.set(key, (e = { r, d: dense(T) }));
      e.d.v[s] = part(gl.v[s]);
      e.d.m[s] = GRID_LOSS_BITS;
    }
    for (const { r, d } of series.values()) {
      emit(type, 'metering_point', a, d, { mp: r.meteringPointId, es: r.es, brp: r.brp });
      // production / flex of the responsible supplier: outer join, so a row appears even if it had none
      let row = adjust.find((x) => x.ga === a && x.es === r.es && x.brp === r.brp); // few GL responsibles: linear is fine
      if (!row) {
        row = { ga: a, es: r.es, brp: r.brp, ...dense(T) };
        adjust.push(row);
      }
      addInto(row, d);
    }
  }

  // 5, 9, 10 per supplier / per balance responsible / per grid area
  const levels = (type: TimeSeriesType, rows: EsSeries[]): Map<string, Dense> => {
    for (const r of rows) emit(type, 'energy_supplier', r.ga, r, { es: r.es, brp: r.brp });
    if (withBrpLevel) {
      for (const [k, d] of rollUp(rows, (r) => `${r.ga}|${r.brp ?? ''}`, T)) {
        const [ga, brp] = k.split('|');
        emit(type, 'balance_responsible_party', ga, d, { brp: brp || null });
      }
    }
    const perGa = rollUp(rows, byGa, T);
    for (const [ga, d] of perGa) emit(type, 'grid_area', ga, d);
    return perGa;
  };
  levels('non_profiled_consumption', perEs[KIND_NON_PROFILED]);
  const productionPerGa = levels('production', production);
  levels('flex_consumption', flex);

  // 11 total consumption = production (after grid loss) + net exchange; missing side counts 0
  for (const a of args.gridAreas) {
    const d = dense(T);
    const p = productionPerGa.get(a);
    if (p) addInto(d, p);
    const ne = netExchange.get(a);
    if (ne) addInto(d, ne);
    emit('total_consumption', 'grid_area', a, d);
  }

  const tsOrder = (t: TimeSeriesType) => TIME_SERIES_TYPES.indexOf(t);
  const lvOrder = (l: AggregationLevel) => AGGREGATION_LEVELS.indexOf(l);
  const str = (x: string | null) => x ?? '';
  out.sort(
    (x, y) =>
      tsOrder(x.meta.timeSeriesType) - tsOrder(y.meta.timeSeriesType) ||
      lvOrder(x.meta.aggregationLevel) - lvOrder(y.meta.aggregationLevel) ||
      x.meta.gridAreaCode.localeCompare(y.meta.gridAreaCode) ||
      str(x.meta.neighborGridAreaCode).localeCompare(str(y.meta.neighborGridAreaCode)) ||
      str(x.meta.energySupplierId).localeCompare(str(y.meta.energySupplierId)) ||
      str(x.meta.balanceResponsiblePartyId).localeCompare(str(y.meta.balanceResponsiblePartyId)) ||
      str(x.meta.meteringPointId).localeCompare(str(y.meta.meteringPointId)),
  );

  return {
    calculationId: args.calculationId,
    calculationType: args.calculationType,
    resolution: plan.quarterly ? 'PT15M' : 'PT1H',
    periodStart: start,
    slotMs,
    nSlots: T,
    series: out.map(({ meta }) => ({ ...meta, resultId: resultId({ calculationId: args.calculationId, ...meta }) })),
    values: out.map(({ d }) => d.v),
    masks: out.map(({ d }) => d.m),
  };
}
