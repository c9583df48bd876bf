/**
 * Pure core of the bi-temporal master-data store: turns stored integration events into
 * `MeteringPointPeriod`s as known at system time `asOf` (opengeh-wholesale §2.7, §4.1).
 *
 * - System-time axis: only events with `storedAt <= asOf` are used.
 * - Idempotency: events are deduplicated by `eventId` (the earliest-stored visible copy wins),
 *   so a redelivered duplicate changes nothing.
 * - Valid-time axis: events are applied in `effectiveDate` order, not arrival order; equal
 *   effective dates are applied by `storedAt`, then `eventId`, so a later-stored event for the
 *   same effective date overrides an earlier one (a correction). A later-stored event with an
 *   earlier effective date rewrites history from that date up to the next change (SCD, the
 *   reference's `lead(EffectiveDate)` + forward fill).
 * - A metering point has periods only from its creation and connection (whichever is later);
 *   E17/E18 periods additionally need an energy supplier ("Only connected (E22) or
 *   disconnected (E23) periods with an energy supplier are included"); E20 and child metering
 *   points need none. The balance responsible party is carried as known (may be null).
 * - Periods are `[fromDate, toDate)`, split at every effective change of the output
 *   attributes (adjacent identical states are merged), never overlap, the last one is open.
 * - Output is sorted by metering point id (code-unit order) then fromDate;
 *   `source = { file: 'integration-events', row: <index in the output> }`.
 */
import type { MeteringPointType } from '../../domain/codes';
import type { MeteringPointCreated } from '../../integration-events/events';
import type { StoredMasterDataEvent } from '../../integration-events/store/event-store';
import type { MeteringPointAttributes, MeteringPointPeriod } from '../types';
import { EventInstantError, UnknownEventError } from './errors';

export const INTEGRATION_EVENTS_SOURCE = 'integration-events';

/**
 * The attributes a MeteringPointCreated event sets that periods take from it. Its calculationType
 * is not carried: materialized periods have calculationType null.
 */
type MasterAttributes = Omit<MeteringPointAttributes, 'calculationType'>;

interface State {
  master: MasterAttributes | null;
  connected: boolean;
  energySupplierId: string | null;
  balanceResponsiblePartyId: string | null;
}

type PeriodWithoutSource = Omit<MeteringPointPeriod, 'source'>;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareEvents(a: StoredMasterDataEvent, b: StoredMasterDataEvent): number {
  return a.effectiveDate - b.effectiveDate || a.storedAt - b.storedAt || compareStrings(a.eventId, b.eventId);
}

function masterOf(e: MeteringPointCreated): MasterAttributes {
  return {
    type: e.type,
    settlementMethod: e.settlementMethod,
    gridAreaCode: e.gridAreaCode,
    resolution: e.resolution,
    fromGridAreaCode: e.fromGridAreaCode,
    toGridAreaCode: e.toGridAreaCode,
    parentMeteringPointId: e.parentMeteringPointId,
  };
}

function apply(state: State, e: StoredMasterDataEvent): void {
  switch (e.messageType) {
    case 'MeteringPointCreated':
      state.master = masterOf(e);
      return;
    case 'MeteringPointConnected':
      state.connected = true;
      return;
    case 'EnergySupplierChanged':
      state.energySupplierId = e.energySupplierId;
      return;
    case 'BalanceResponsiblePartyChanged':
      state.balanceResponsiblePartyId = e.balanceResponsiblePartyId;
      return;
    default: {
      const unknown: never = e;
      throw new UnknownEventError('master-data', unknown);
    }
  }
}

function needsEnergySupplier(type: MeteringPointType): boolean {
  return type === 'E17' || type === 'E18';
}

/** The period attributes of a state, or null when the state is not included. */
function included(state: State, meteringPointId: string, fromDate: number): PeriodWithoutSource | null {
  const m = state.master;
  if (m === null || !state.connected) return null;
  if (needsEnergySupplier(m.type) && state.energySupplierId === null) return null;
  return {
    meteringPointId,
    type: m.type,
    calculationType: null,
    settlementMethod: m.settlementMethod,
    gridAreaCode: m.gridAreaCode,
    resolution: m.resolution,
    fromGridAreaCode: m.fromGridAreaCode,
    toGridAreaCode: m.toGridAreaCode,
    parentMeteringPointId: m.parentMeteringPointId,
    energySupplierId: state.energySupplierId,
    balanceResponsiblePartyId: state.balanceResponsiblePartyId,
    fromDate,
    toDate: null,
  };
}

function sameAttributes(a: PeriodWithoutSource, b: PeriodWithoutSource): boolean {
  return (
    a.type === b.type &&
    a.calculationType === b.calculationType &&
    a.settlementMethod === b.settlementMethod &&
    a.gridAreaCode === b.gridAreaCode &&
    a.resolution === b.resolution &&
    a.fromGridAreaCode === b.fromGridAreaCode &&
    a.toGridAreaCode === b.toGridAreaCode &&
    a.parentMeteringPointId === b.parentMeteringPointId &&
    a.energySupplierId === b.energySupplierId &&
    a.balanceResponsiblePartyId === b.balanceResponsiblePartyId
  );
}

/** Periods of one metering point from its events (already sorted by compareEvents). */
function periodsOf(meteringPointId: string, events: readonly StoredMasterDataEvent[]): PeriodWithoutSource[] {
  const state: State = { master: null, connected: false, energySupplierId: null, balanceResponsiblePartyId: null };
  const out: PeriodWithoutSource[] = [];
  let open: PeriodWithoutSource | null = null;
  let i = 0;
  while (i < events.length) {
    const at = events[i].effectiveDate;
    // Apply every event effective at this instant before looking at the state.
    while (i < events.length && events[i].effectiveDate === at) apply(state, events[i++]);
    const next = included(state, meteringPointId, at);
    if (open !== null && next !== null && sameAttributes(open, next)) continue;
    if (open !== null) open.toDate = at;
    open = next;
    if (next !== null) out.push(next);
  }
  return out;
}

function assertFiniteInstant(e: StoredMasterDataEvent): void {
  if (!Number.isFinite(e.effectiveDate)) throw new EventInstantError(e.eventId, 'effectiveDate', e.effectiveDate);
  if (!Number.isFinite(e.storedAt)) throw new EventInstantError(e.eventId, 'storedAt', e.storedAt);
}

/**
 * Materializes the metering point periods as known at system time `asOf` (epoch ms) from the
 * stored integration events. Pure and deterministic: the result does not depend on the order
 * of `events` nor on duplicated deliveries.
 */
export function materializeMeteringPointPeriods(
  events: readonly StoredMasterDataEvent[],
  asOf: number,
): MeteringPointPeriod[] {
  // Visible at asOf, deduplicated by eventId (earliest stored copy; ties keep the first seen).
  const byId = new Map<string, StoredMasterDataEvent>();
  for (const e of events) {
    assertFiniteInstant(e);
    if (e.storedAt > asOf) continue;
    const seen = byId.get(e.eventId);
    if (seen === undefined || e.storedAt < seen.storedAt) byId.set(e.eventId, e);
  }

  const byMp = new Map<string, StoredMasterDataEvent[]>();
  for (const e of byId.values()) {
    const list = byMp.get(e.meteringPointId);
    if (list) list.push(e);
    else byMp.set(e.meteringPointId, [e]);
  }

  const ids = [...byMp.keys()].sort(compareStrings);
  const result: MeteringPointPeriod[] = [];
  for (const id of ids) {
    const list = (byMp.get(id) ?? []).sort(compareEvents);
    for (const p of periodsOf(id, list)) {
      result.push({ ...p, source: { file: INTEGRATION_EVENTS_SOURCE, row: result.length } });
    }
  }
  return result;
}
