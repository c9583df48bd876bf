/**
 * A KPI report (e.g. `spot-cost`) for a grid area, a supplier's share of it, one metering point,
 * or a committed job's results: energy on the quarter grid from where it lives, market inputs of
 * the grid area's price area, KPIs evaluated per bucket (engine.ts).
 */
import type { ReadingsSource } from '../timeseries/readings-source';
import type { RowScope } from '../auth/access';
import { MARKET_TIME_ZONE } from '../domain/local-time';
import { QUARTER_MS, formatInstant } from '../domain/time';
import type { MarketDataReader } from '../market-data/market-series';
import type { PriceAreaMap } from '../market-data/price-areas';
import type { BlobStore } from '../storage/blob-store';
import { bucketEdges } from '../timeseries/bucket';
import type { BucketSpec } from '../timeseries/bucket-spec';
import { quarterEnergyMicro, readReadingCells, type ReadingsFilter } from '../timeseries/readings';
import { readResultSeries } from '../timeseries/result-series';
import type { KpiDefinitions } from './definitions';
import { evaluateKpis, inputsOf, quarterInput, type QuarterInput } from './engine';

/** Consumption result types a job's energy for KPIs is the sum of. */
export const CONSUMPTION_RESULT_TYPES = ['non_profiled_consumption', 'flex_consumption'] as const;

export interface KpiReportDeps {
  marketData: MarketDataReader;
  priceAreas: () => Promise<PriceAreaMap>;
  /** The basis data (lake + events as of `asOf`) holding the grid area's readings over the range. */
  readings: ReadingsSource;
  /** The results container (committed jobs). */
  results: Pick<BlobStore, 'get'>;
}

export interface KpiReportQuery {
  report: string;
  gridArea: string;
  energySupplierId?: string;
  balanceResponsiblePartyId?: string;
  meteringPointId?: string;
  /** Energy from this job's committed consumption results instead of the readings. */
  jobId?: string;
  /** The caller's access to the job's rows (jobId only). */
  scope?: RowScope;
  fromMs: number;
  toMs: number;
  resolution: BucketSpec;
  asOf: number;
}

export class KpiReportError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface KpiReport {
  report: string;
  gridArea: string;
  priceArea: string;
  resolution: string;
  from: string;
  to: string;
  energySource: 'readings' | 'results';
  meteringPoints?: number;
  kpis: Array<{ name: string; unit: string; description?: string }>;
  points: Array<Record<string, string | number | string[] | null>>;
}

export async function kpiReport(deps: KpiReportDeps, defs: KpiDefinitions, q: KpiReportQuery): Promise<KpiReport> {
  const names = defs.reports[q.report];
  if (!names) throw new KpiReportError(404, 'report', `no KPI report ${q.report}`);
  const priceArea = (await deps.priceAreas()).priceAreaOf(q.gridArea, q.fromMs);
  if (priceArea === null)
    throw new KpiReportError(
      422,
      'gridArea',
      `no price area known for grid area ${q.gridArea} (basis data grid_area_price_areas)`,
    );
  const grid = { fromMs: q.fromMs, quarters: (q.toMs - q.fromMs) / QUARTER_MS };
  let energy: { micro: Float64Array; present: Uint8Array };
  let meteringPoints: number | undefined;
  if (q.jobId !== undefined) {
    energy = { micro: new Float64Array(grid.quarters), present: new Uint8Array(grid.quarters) };
    for (const type of CONSUMPTION_RESULT_TYPES) {
      const s = await readResultSeries(deps.results, {
        jobId: q.jobId,
        timeSeriesType: type,
        gridArea: q.gridArea,
        energySupplierId: q.energySupplierId,
        scope: q.scope ?? { kind: 'all' },
      });
      if (s === null) throw new KpiReportError(404, 'jobId', `job ${q.jobId} has no committed results`);
      for (let i = 0; i < s.startMs.length; i++) {
        const q0 = (s.startMs[i] - grid.fromMs) / QUARTER_MS;
        const n = s.minutes[i] / 15;
        // kWh × 10^6 = micro-kWh; an hour's result is split into four exact quarters (milli × 250)
        const part = Number(s.value[i]) / n;
        for (let k = q0; k < q0 + n; k++) {
          if (k < 0 || k >= grid.quarters) continue;
          energy.micro[k] += part;
          energy.present[k] = 1;
        }
      }
    }
  } else {
    const filter: ReadingsFilter = {
      gridArea: q.gridArea,
      meteringPointId: q.meteringPointId,
      energySupplierId: q.energySupplierId,
      balanceResponsiblePartyId: q.balanceResponsiblePartyId,
    };
    const source = await deps.readings({ gridArea: q.gridArea }, { from: q.fromMs, to: q.toMs }, q.asOf);
    if (source === null) throw new KpiReportError(404, 'gridArea', `no basis data for grid area ${q.gridArea}`);
    const cells = await readReadingCells(source, filter, q.fromMs, q.toMs, q.asOf);
    meteringPoints = cells.meteringPointIds.length;
    energy = quarterEnergyMicro(cells);
  }
  const inputs = new Map<string, QuarterInput>();
  for (const name of inputsOf(defs, names)) {
    const def = defs.inputs[name];
    // market intervals starting up to an hour before `from` can cover its first quarters
    const s = await deps.marketData.read({
      kind: def.kind,
      area: priceArea,
      unit: def.unit,
      fromMs: q.fromMs - 3_600_000,
      toMs: q.toMs,
    });
    inputs.set(name, quarterInput(grid, s));
  }
  const edges = bucketEdges(q.resolution, MARKET_TIME_ZONE, q.fromMs, q.toMs);
  // the report covers [from, to): the first and last bucket are cut there
  edges[0] = Math.max(edges[0], q.fromMs);
  edges[edges.length - 1] = Math.min(edges[edges.length - 1], q.toMs);
  const r = evaluateKpis(defs, names, grid, energy.micro, energy.present, inputs, edges);
  const byName = new Map(defs.kpis.map((k) => [k.name, k]));
  const points: KpiReport['points'] = [];
  for (let b = 0; b < r.startMs.length; b++) {
    const p: Record<string, string | number | string[] | null> = { time: formatInstant(r.startMs[b]) };
    for (const n of names) p[n] = (r.values.get(n) as Array<string | null>)[b];
    p.quarters = r.quarters[b];
    p.quartersWithEnergy = r.quartersWithEnergy[b];
    if (r.missing[b].length > 0) p.missing = r.missing[b];
    points.push(p);
  }
  return {
    report: q.report,
    gridArea: q.gridArea,
    priceArea,
    resolution: q.resolution.text,
    from: formatInstant(q.fromMs),
    to: formatInstant(q.toMs),
    energySource: q.jobId !== undefined ? 'results' : 'readings',
    ...(meteringPoints !== undefined ? { meteringPoints } : {}),
    kpis: names.map((n) => {
      const k = byName.get(n);
      return { name: n, unit: k?.unit ?? '', ...(k?.description ? { description: k.description } : {}) };
    }),
    points,
  };
}
