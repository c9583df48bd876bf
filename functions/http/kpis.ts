/**
 * GET /api/kpis/{report}?gridArea=&energySupplier=&meteringPoint=&jobId=&from=&to=&resolution=
 * — a KPI report (shared/kpis/: `spot-cost` and whatever the definitions data adds) per bucket.
 * `from`/`to`: ISO instants or Danish local dates, on quarter-hour boundaries, at most 366 days;
 * `resolution`: an ISO duration (default P1D; days and months Danish local).
 *
 * Access (as the series reads): the administrator and the grid access provider owning the grid
 * area see all of it; a supplier only its own share (energySupplier is set to it; naming another
 * is 403), a BRP only the metering points it is responsible for. With `jobId` the energy is the
 * job's committed consumption results (job 404 rule and row scope, audited like a results read).
 */
import type { MarketDataReader } from '../../shared/market-data/market-series';
import { readPriceAreas } from '../../shared/market-data/price-areas';
import { DEFAULT_KPI_DEFINITIONS, type KpiDefinitions } from '../../shared/kpis/definitions';
import { kpiReport, KpiReportError } from '../../shared/kpis/report';
import { kpiQuery } from '../../shared/http-api/series';
import { queryObject } from '../../shared/timeseries/query-params';
import { issuesOf } from '../../shared/http-api/problem';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, audited, authorized } from './auth';
import { visibleJob } from './jobs';
import { json, problem } from './responses';
import { readingsScope, type SeriesHttpDeps } from './series';

export interface KpiHttpDeps extends Omit<SeriesHttpDeps, 'maxBodyBytes'> {
  marketData?: MarketDataReader;
  /** KPI definitions (default: shared/kpis/kpi-definitions.json). */
  kpiDefinitions?: KpiDefinitions;
}

export function kpiHandler(deps: KpiHttpDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const report = request.params.report ?? '';
    const parsed = kpiQuery.safeParse(queryObject(request.query));
    if (!parsed.success) return problem(400, 'invalid KPI query', issuesOf(parsed.error));
    const q = parsed.data;
    const defs = deps.kpiDefinitions ?? DEFAULT_KPI_DEFINITIONS;
    if (!defs.reports[report]) return problem(404, `no KPI report ${report}`);
    if (!deps.marketData) return problem(503, 'market data is not available on this host');
    const now = deps.clock().getTime();
    const scope = await readingsScope(deps, caller, q.gridArea, q.to, now);
    if (scope === null) return problem(403, `grid area ${q.gridArea} is not the caller's`);
    if (
      scope.energySupplierId !== undefined &&
      q.energySupplier !== undefined &&
      q.energySupplier !== scope.energySupplierId
    )
      return problem(403, 'a supplier sees only its own share', [
        { path: 'energySupplier', message: 'not the caller' },
      ]);
    const energySupplierId = scope.energySupplierId ?? q.energySupplier;
    let rowScope;
    if (q.jobId !== undefined) {
      const visible = await visibleJob(deps, caller, q.jobId);
      if (!visible)
        return audited(
          deps,
          request,
          caller,
          { operation: 'results', route: 'kpis', jobId: q.jobId },
          problem(404, `job ${q.jobId} not found`),
        );
      rowScope = visible.scope;
    }
    try {
      const r = await kpiReport(
        {
          marketData: deps.marketData,
          priceAreas: () => readPriceAreas(deps.basisData),
          readings: deps.readings,
          results: deps.results,
        },
        defs,
        {
          report,
          gridArea: q.gridArea,
          energySupplierId,
          balanceResponsiblePartyId: scope.balanceResponsiblePartyId,
          meteringPointId: q.meteringPoint,
          jobId: q.jobId,
          scope: rowScope,
          fromMs: q.from,
          toMs: q.to,
          resolution: q.resolution,
          asOf: now,
        },
      );
      const res = json(200, r);
      return q.jobId !== undefined
        ? audited(deps, request, caller, { operation: 'results', route: 'kpis', jobId: q.jobId }, res, {
            rows: r.points.length,
          })
        : res;
    } catch (e) {
      if (e instanceof KpiReportError)
        return problem(e.status, 'KPI report not possible', [{ path: e.path, message: e.message }]);
      throw e;
    }
  });
}
