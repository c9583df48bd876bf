/**
 * What a caller may see (issue 12, finding 5). The rules, in one place:
 *
 * - datahub_administrator: every job, every row, all basis data and exports; may ingest and
 *   start/cancel jobs.
 * - grid_access_provider: jobs with at least one grid area it owns (grid-area-ownership.ts);
 *   other jobs do not exist for it (404). Result rows, basis data and exports of its own grid
 *   areas only — including grid-area totals without a supplier.
 * - energy_supplier / balance_responsible_party: job status of every job (a settlement run is a
 *   market-wide process, its existence is not secret); result rows where it is the supplier
 *   (wholesale: the supplier) or the BRP — never grid-area totals; of the basis data only the
 *   metering point periods where it is the supplier/BRP; no exports (an export holds every
 *   metering point of a grid area).
 *
 * A caller with several roles sees the union.
 */
import type { JobBasisData } from '../settlement/basis-data-usage';
import type { Job } from '../jobs/job';
import { isAdministrator, type Caller } from './caller';
import type { GridAreaOwnership } from './grid-area-ownership';

/** Which result rows a caller may read; `all` or a union of row conditions. */
export type RowScope =
  | { kind: 'all' }
  | {
      kind: 'some';
      /** grid_area_code in these (grid access provider). */
      gridAreas: ReadonlySet<string>;
      /** energy_supplier_id equals this (energy supplier). */
      energySupplierId: string | null;
      /** balance_responsible_party_id equals this (BRP). */
      balanceResponsiblePartyId: string | null;
    };

/** Reads one column of the row being considered ('' or null for an empty cell). */
export type CellReader = (column: string) => string | null;

export function rowVisible(scope: RowScope, cell: CellReader): boolean {
  if (scope.kind === 'all') return true;
  if (scope.gridAreas.size > 0 && scope.gridAreas.has(cell('grid_area_code') ?? '')) return true;
  if (scope.energySupplierId !== null && cell('energy_supplier_id') === scope.energySupplierId) return true;
  if (
    scope.balanceResponsiblePartyId !== null &&
    cell('balance_responsible_party_id') === scope.balanceResponsiblePartyId
  )
    return true;
  return false;
}

export const hasRole = (c: Caller, ...roles: Caller['roles']): boolean => c.roles.some((r) => roles.includes(r));

/** What `caller` may see of `job`: null when the job is not the caller's at all (answer 404). */
export function jobAccess(caller: Caller, job: Job, ownership: GridAreaOwnership): RowScope | null {
  if (isAdministrator(caller)) return { kind: 'all' };
  const actor = caller.actorNumber;
  if (actor === null) return null;
  const gridAreas = hasRole(caller, 'grid_access_provider') ? ownership.ownedIn(job, actor) : new Set<string>();
  const energySupplierId = hasRole(caller, 'energy_supplier') ? actor : null;
  const balanceResponsiblePartyId = hasRole(caller, 'balance_responsible_party') ? actor : null;
  if (gridAreas.size === 0 && energySupplierId === null && balanceResponsiblePartyId === null) return null;
  return { kind: 'some', gridAreas, energySupplierId, balanceResponsiblePartyId };
}

/** Whether the scope may export the basis data of one grid area (whole-grid-area files). */
export const mayExportGridArea = (scope: RowScope, gridArea: string): boolean =>
  scope.kind === 'all' || scope.gridAreas.has(gridArea);

/**
 * The part of a job's basis data the scope may see. Lineage (lake blobs, integration event ids,
 * batches) goes to the administrator and the grid access provider (its batches); suppliers and
 * BRPs get only their own metering point periods, since the lineage lists reveal other actors'
 * activity.
 */
export function scopeBasisData(scope: RowScope, data: JobBasisData): JobBasisData {
  if (scope.kind === 'all') return data;
  const ownsArea = (ga: string | null) => ga !== null && scope.gridAreas.has(ga);
  const gridLevel = scope.gridAreas.size > 0;
  return {
    jobId: data.jobId,
    asOf: data.asOf,
    batches: data.batches.filter((b) => ownsArea(b.gridArea)),
    lakeBlobs: gridLevel ? data.lakeBlobs : [],
    integrationEvents: gridLevel ? data.integrationEvents : { masterData: [], timeSeries: [], charges: [] },
    meteringPointPeriods: data.meteringPointPeriods.filter(
      (p) =>
        ownsArea(p.gridAreaCode) ||
        ownsArea(p.fromGridAreaCode) ||
        ownsArea(p.toGridAreaCode) ||
        (scope.energySupplierId !== null && p.energySupplierId === scope.energySupplierId) ||
        (scope.balanceResponsiblePartyId !== null && p.balanceResponsiblePartyId === scope.balanceResponsiblePartyId),
    ),
  };
}
