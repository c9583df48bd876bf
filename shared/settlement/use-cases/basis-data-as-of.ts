import { AsOfBasisDataSource, type BasisDataEvents } from '../../basis-data/bitemporal/as-of-source';
import type { BlobLake, LakeScope } from '../../basis-data/parquet/blob-lake';
import type { StoredMasterDataEvent } from '../../integration-events/store/event-store';
import { RESOLUTION_MS } from '../../domain/codes';
import { HOUR_MS } from '../../domain/time';
import type { MeteringPointPeriod } from '../../basis-data/types';

export interface BasisDataAsOfDeps {
  lake: Pick<BlobLake, 'view'>;
  /** Integration events (bi-temporal master data, time series, charges) overlaid on the lake as of an as-of. */
  events: BasisDataEvents;
}

export interface BasisDataAsOf {
  source: AsOfBasisDataSource;
  blobs: Array<{ path: string; etag: string }>;
  /** Bytes of the lake blobs the view read (issue 11: a batch reads only its share). */
  bytes: number;
}

/**
 * The basis data as known at `asOf`: the lake overlaid with the integration events stored by then.
 * With `gridAreas`, only those grid areas' share of the lake is read (BlobLake.view scope), widened
 * by what the master-data events say: a metering point whose events place it in one of them and
 * in other grid areas brings those grid areas too (its lake periods and points may lie there), and
 * the owners of exchange metering points (from events) from or to them are exchange neighbours;
 * points of metering points without lake master data (`grid_area=unassigned`) are read only when
 * such an event names a grid area of the scope. A child belongs to its parent's grid area
 * (docs/wholesale-calculation.md): a child whose events name a parent in the scope — a parent the
 * events place there, or one whose lake periods lie there — brings the grid areas its events name
 * and the unassigned points, because the lake may hold its rows there (written before the parent
 * link was known, or with no lake master data at all). A parent known only from the lake is
 * looked up in the scope's own lake master data (read once more, only while such child events
 * exist), and the view is widened only when one is there.
 * Not covered: a bulk-loaded metering point moved into a grid area only by events that never name
 * its lake grid area — its lake points after the move stay in the old grid area's partition; and a
 * bulk-loaded child (no events) whose parent exists only in events — the lake stored it in its own
 * grid area (known limitation: refresh the lake's master data, then rewrite it with
 * tools/migrate-lake.ts).
 */
export async function basisDataAsOf(
  deps: BasisDataAsOfDeps,
  range: { from: number; to: number },
  asOf: number,
  gridAreas?: readonly string[],
): Promise<BasisDataAsOf> {
  if (!gridAreas) {
    const view = await deps.lake.view(range);
    return { source: new AsOfBasisDataSource(view.source, deps.events, asOf), blobs: view.blobs, bytes: view.bytes };
  }
  const masterData = await deps.events.readMasterData(asOf);
  const scope = scopeWithEvents(gridAreas, masterData);
  let view = await deps.lake.view(range, scope);
  const orphans = childrenOutside(gridAreas, masterData, scope);
  if (orphans.size > 0) {
    // parents of those children that the scope's lake master data holds in its grid areas
    const areas = new Set(gridAreas);
    const lakeParents = new Set<string>();
    for (const p of await view.source.readMeteringPointPeriods())
      if (orphans.has(p.meteringPointId) && areas.has(p.gridAreaCode)) lakeParents.add(p.meteringPointId);
    if (lakeParents.size > 0) view = await deps.lake.view(range, scopeWithEvents(gridAreas, masterData, lakeParents));
  }
  // the source reads the same master-data events again: hand it those already read
  const events: BasisDataEvents = {
    readMasterData: (at) => (at === asOf ? Promise.resolve(masterData) : deps.events.readMasterData(at)),
    readEvents: (...a) => deps.events.readEvents(...a),
  };
  return { source: new AsOfBasisDataSource(view.source, events, asOf), blobs: view.blobs, bytes: view.bytes };
}

interface EventPlacement {
  /** Metering point → the grid areas its MeteringPointCreated events name. */
  owners: Map<string, Set<string>>;
  /** Child metering point → the parents its MeteringPointCreated events name. */
  parents: Map<string, Set<string>>;
}

function placementOf(events: readonly StoredMasterDataEvent[]): EventPlacement {
  const owners = new Map<string, Set<string>>();
  const parents = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string): void => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  for (const e of events) {
    if (e.messageType !== 'MeteringPointCreated') continue;
    add(owners, e.meteringPointId, e.gridAreaCode);
    if (e.parentMeteringPointId !== null) add(parents, e.meteringPointId, e.parentMeteringPointId);
  }
  return { owners, parents };
}

const meets = (s: ReadonlySet<string> | undefined, scope: ReadonlySet<string>): boolean =>
  s !== undefined && [...s].some((g) => scope.has(g));

/**
 * Parents (named by events) of children whose events name grid areas outside `scope`, where the
 * events do not place the parent in `gridAreas`: whether such a parent is in `gridAreas` only the
 * lake's master data can tell.
 */
function childrenOutside(
  gridAreas: readonly string[],
  events: readonly StoredMasterDataEvent[],
  scope: LakeScope,
): Set<string> {
  const { owners, parents } = placementOf(events);
  const own = new Set(gridAreas);
  const read = new Set(scope.gridAreas);
  const out = new Set<string>();
  for (const [child, ps] of parents) {
    if ([...(owners.get(child) ?? [])].every((g) => read.has(g)) && scope.unassigned) continue;
    for (const p of ps) if (!meets(owners.get(p), own)) out.add(p);
  }
  return out;
}

/**
 * The lake scope of `gridAreas` widened by master-data events (see basisDataAsOf); `lakeParents`:
 * metering points whose lake periods lie in `gridAreas` (parents of event-born children). Pure;
 * exported for tests.
 */
export function scopeWithEvents(
  gridAreas: readonly string[],
  events: readonly StoredMasterDataEvent[],
  lakeParents: ReadonlySet<string> = new Set(),
): LakeScope {
  const scope = new Set(gridAreas);
  const { owners, parents } = placementOf(events);
  const exchangeNeighbours = new Set<string>();
  for (const e of events) {
    if (e.messageType !== 'MeteringPointCreated') continue;
    if (
      (e.fromGridAreaCode !== null && scope.has(e.fromGridAreaCode)) ||
      (e.toGridAreaCode !== null && scope.has(e.toGridAreaCode))
    )
      exchangeNeighbours.add(e.gridAreaCode);
  }
  const widened = new Set(scope);
  for (const s of owners.values()) if (meets(s, scope)) for (const g of s) widened.add(g);
  // a child settled here (its parent is here) brings where its events place it: its lake rows may lie there
  let children = false;
  for (const [child, ps] of parents)
    if ([...ps].some((p) => lakeParents.has(p) || meets(owners.get(p), scope))) {
      children = true;
      for (const g of owners.get(child) ?? []) widened.add(g);
    }
  return {
    gridAreas: [...widened].sort(),
    exchangeNeighbours: [...exchangeNeighbours].filter((g) => !widened.has(g)).sort(),
    // points of metering points without lake master data matter only if events place one here
    unassigned: children || [...owners.values()].some((s) => meets(s, widened)) || exchangeNeighbours.size > 0,
  };
}

/** Grid areas in the basis data as known at `asOf` and how many metering points each has (batch sizing). */
export async function gridAreaCatalog(deps: BasisDataAsOfDeps, asOf: number): Promise<Map<string, number>> {
  const counts = new Map<string, Set<string>>();
  const { source } = await basisDataAsOf(deps, { from: 0, to: 0 }, asOf);
  for (const p of await source.readMeteringPointPeriods()) {
    let s = counts.get(p.gridAreaCode);
    if (!s) counts.set(p.gridAreaCode, (s = new Set()));
    s.add(p.meteringPointId);
  }
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)).map(([ga, s]) => [ga, s.size]));
}

/**
 * Expected points per hour of [range.from, range.to) for each grid area as known at `asOf`: per
 * metering point period, its slots per hour (4 for PT15M, 1 for PT1H) over the hours it covers,
 * counted in its grid area and, for an exchange metering point, in both neighbouring grid areas
 * (a batch reads those too); a child metering point's in its parent's grid area (stored there). The work and memory of a batch grow with its points, not with its
 * metering points (batch planning). Hour h is [from + h·1h, from + (h+1)·1h).
 * With `gridAreas`, each grid area's master data is read alone (its scoped lake view), so the
 * planner's memory is that of the largest grid area, not of the country's periods.
 */
export async function gridAreaPointsPerHour(
  deps: BasisDataAsOfDeps,
  range: { from: number; to: number },
  asOf: number,
  gridAreas?: readonly string[],
): Promise<Map<string, Float64Array>> {
  const nHours = Math.ceil((range.to - range.from) / HOUR_MS);
  // difference arrays (+slots at the first hour, −slots after the last): O(periods + hours)
  const diff = new Map<string, Float64Array>();
  const count = (periods: readonly MeteringPointPeriod[], only: string | null): void => {
    // a child's points are stored and read with its parent's grid area (lake-layout.ts)
    const parentArea = new Map<string, string>();
    for (const p of periods) if (!p.parentMeteringPointId) parentArea.set(p.meteringPointId, p.gridAreaCode);
    for (const p of periods) {
      const from = Math.max(p.fromDate, range.from);
      const to = Math.min(p.toDate ?? range.to, range.to);
      if (from >= to) continue;
      const slots = HOUR_MS / RESOLUTION_MS[p.resolution];
      const h0 = Math.floor((from - range.from) / HOUR_MS);
      const h1 = Math.ceil((to - range.from) / HOUR_MS);
      const parent = p.parentMeteringPointId ? parentArea.get(p.parentMeteringPointId) : undefined;
      const areas = parent ? [parent] : new Set([p.gridAreaCode, p.fromGridAreaCode, p.toGridAreaCode]);
      for (const ga of areas) {
        if (!ga || (only !== null && ga !== only)) continue;
        let d = diff.get(ga);
        if (!d) diff.set(ga, (d = new Float64Array(nHours + 1)));
        d[h0] += slots;
        d[h1] -= slots;
      }
    }
  };
  if (gridAreas) {
    // the master-data events are read once for all grid areas, not once per grid area
    let masterData: ReturnType<BasisDataEvents['readMasterData']> | undefined;
    const events: BasisDataEvents = {
      readMasterData: (at) =>
        at === asOf ? (masterData ??= deps.events.readMasterData(at)) : deps.events.readMasterData(at),
      readEvents: (...a) => deps.events.readEvents(...a),
    };
    for (const ga of gridAreas) {
      // master data only (an empty range reads no time series)
      const { source } = await basisDataAsOf({ ...deps, events }, { from: 0, to: 0 }, asOf, [ga]);
      count(await source.readMeteringPointPeriods(), ga);
    }
  } else {
    const { source } = await basisDataAsOf(deps, { from: 0, to: 0 }, asOf);
    count(await source.readMeteringPointPeriods(), null);
  }
  const out = new Map<string, Float64Array>();
  for (const [ga, d] of [...diff].sort(([a], [b]) => a.localeCompare(b))) {
    const perHour = new Float64Array(nHours);
    let run = 0;
    for (let h = 0; h < nHours; h++) perHour[h] = run += d[h];
    out.set(ga, perHour);
  }
  return out;
}
