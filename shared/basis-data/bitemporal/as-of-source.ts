/**
 * The basis data of one calculation as known at its pinned as-of instant: the bulk lake (master
 * data snapshot, ingested time series with their registration times, charges) overlaid with the
 * integration events stored at or before as-of.
 *
 * - Metering point periods: a metering point without events keeps its lake periods. One with
 *   events is materialized from its events together with synthetic events that restate its lake
 *   periods (created/connected/supplier/BRP at each lake period's start, stored "since always"),
 *   so a supplier change for a bulk-loaded metering point splits its lake period at the change's
 *   effective date, and a MeteringPointCreated for a new metering point adds it. A lake history
 *   that ends (last period closed) stays ended unless an event takes effect at or after its end.
 * - Time series: the lake's points, then one batch per TimeSeriesPointsReceived event overlapping
 *   the range, with the event's registration time; the engine keeps the newest registration at or
 *   before as-of per point, a lake point without registration time counting as the earliest and
 *   equal registration times (a re-published event under a new EventId) settled by content
 *   (shared/basis-data/point-cells.ts). The source says so (`byRegistrationTime`), so the pick is
 *   the same whichever batch is read first.
 * - Charges: the lake's charge data with the charge events applied (bitemporal/charges.ts).
 *
 * Events stored after as-of are invisible, so re-running a job with the same as-of reads exactly
 * the same inputs; `usage()` reports what was read (GET /api/jobs/{id}/basis-data).
 */
import { QUALITY_CODE, RESOLUTION_MS } from '../../domain/codes';
import type {
  IntegrationEventStore,
  StoredIntegrationEvent,
  StoredMasterDataEvent,
} from '../../integration-events/store/event-store';
import type { ChargeData } from '../charges';
import type { BasisDataSource, MeteringPointPeriod, TimeSeriesBatch } from '../types';
import { applyChargeEvents, type StoredChargeEvent } from './charges';
import { materializeMeteringPointPeriods } from './materialize';

/** The part of the event store an as-of source reads. */
export type BasisDataEvents = Pick<IntegrationEventStore, 'readMasterData' | 'readEvents'>;

export interface EventReference {
  eventId: string;
  messageType: string;
  storedAt: string;
}

/** What a calculation read from the event store (ids sorted by stored time, then id). */
export interface EventUsage {
  masterData: EventReference[];
  timeSeries: EventReference[];
  charges: EventReference[];
}

const LAKE_EVENT = 'lake';

function reference(e: { eventId: string; messageType: string; storedAt: number }): EventReference {
  return { eventId: e.eventId, messageType: e.messageType, storedAt: new Date(e.storedAt).toISOString() };
}

/** Restates lake periods as events known since always (storedAt -1: before every real event). */
function lakeEvents(periods: readonly MeteringPointPeriod[]): StoredMasterDataEvent[] {
  const out: StoredMasterDataEvent[] = [];
  for (const p of periods) {
    const id = `${LAKE_EVENT}:${p.meteringPointId}:${p.fromDate}`;
    const meta = { storedAt: -1, effectiveDate: p.fromDate, meteringPointId: p.meteringPointId };
    out.push({
      ...meta,
      eventId: `${id}:created`,
      messageType: 'MeteringPointCreated',
      type: p.type,
      calculationType: p.calculationType,
      settlementMethod: p.settlementMethod,
      gridAreaCode: p.gridAreaCode,
      resolution: p.resolution,
      fromGridAreaCode: p.fromGridAreaCode,
      toGridAreaCode: p.toGridAreaCode,
      parentMeteringPointId: p.parentMeteringPointId,
    });
    out.push({ ...meta, eventId: `${id}:connected`, messageType: 'MeteringPointConnected' });
    if (p.energySupplierId)
      out.push({
        ...meta,
        eventId: `${id}:es`,
        messageType: 'EnergySupplierChanged',
        energySupplierId: p.energySupplierId,
      });
    if (p.balanceResponsiblePartyId)
      out.push({
        ...meta,
        eventId: `${id}:brp`,
        messageType: 'BalanceResponsiblePartyChanged',
        balanceResponsiblePartyId: p.balanceResponsiblePartyId,
      });
  }
  return out;
}

/** Lake periods overlaid with master-data events (see the file header). Pure; exported for tests. */
export function overlayMeteringPointPeriods(
  lake: readonly MeteringPointPeriod[],
  events: readonly StoredMasterDataEvent[],
  asOf: number,
): MeteringPointPeriod[] {
  if (events.length === 0) return [...lake];
  const touched = new Set(events.map((e) => e.meteringPointId));
  const lakeByMp = new Map<string, MeteringPointPeriod[]>();
  const kept: MeteringPointPeriod[] = [];
  for (const p of lake) {
    if (!touched.has(p.meteringPointId)) {
      kept.push(p);
      continue;
    }
    let list = lakeByMp.get(p.meteringPointId);
    if (!list) lakeByMp.set(p.meteringPointId, (list = []));
    list.push(p);
  }
  const restated = lakeEvents([...lakeByMp.values()].flat());
  const materialized = materializeMeteringPointPeriods([...restated, ...events], asOf);
  // a lake history that ended stays ended unless an event takes effect at or after its end
  const lakeEnd = new Map<string, number>();
  for (const [mp, list] of lakeByMp) {
    const last = list.reduce((a, b) => (b.fromDate > a.fromDate ? b : a));
    if (last.toDate !== null) lakeEnd.set(mp, last.toDate);
  }
  const lastEffective = new Map<string, number>();
  for (const e of events)
    lastEffective.set(e.meteringPointId, Math.max(lastEffective.get(e.meteringPointId) ?? -Infinity, e.effectiveDate));
  for (const p of materialized) {
    const end = lakeEnd.get(p.meteringPointId);
    if (end === undefined || (lastEffective.get(p.meteringPointId) ?? -Infinity) >= end) {
      kept.push(p);
      continue;
    }
    if (p.fromDate >= end) continue;
    kept.push(p.toDate === null || p.toDate > end ? { ...p, toDate: end } : p);
  }
  return kept.sort((a, b) =>
    a.meteringPointId < b.meteringPointId ? -1 : a.meteringPointId > b.meteringPointId ? 1 : a.fromDate - b.fromDate,
  );
}

/** One columnar batch from a TimeSeriesPointsReceived event (dictionary indexes; -1 = unknown MP). */
export function timeSeriesEventBatch(
  e: StoredIntegrationEvent<'TimeSeriesPointsReceived'>,
  dictionary: ReadonlyMap<string, number>,
): TimeSeriesBatch {
  const n = e.points.length;
  const mpIndex = dictionary.get(e.meteringPointId) ?? -1;
  const step = RESOLUTION_MS[e.resolution];
  const batch: TimeSeriesBatch = {
    length: n,
    mp: new Int32Array(n).fill(mpIndex),
    time: new Float64Array(n),
    quantityMilli: new Float64Array(n),
    quality: new Uint8Array(n),
    registration: new Float64Array(n).fill(e.registrationTime),
    file: `integration event ${e.eventId} (TimeSeriesPointsReceived)`,
    firstRow: 1,
  };
  for (let i = 0; i < n; i++) {
    const p = e.points[i];
    batch.time[i] = e.periodStart + (p.position - 1) * step;
    batch.quantityMilli[i] = p.quantityMilli ?? 0;
    batch.quality[i] = QUALITY_CODE[p.quality];
  }
  return batch;
}

export class AsOfBasisDataSource implements BasisDataSource {
  readonly description: string;
  readonly byRegistrationTime = true;
  private periods: Promise<MeteringPointPeriod[]> | null = null;
  /** Time-series events per range: the wholesale pass reads the same range the energy pass did. */
  private readonly timeSeries = new Map<string, Promise<StoredIntegrationEvent<'TimeSeriesPointsReceived'>[]>>();
  private readonly used = {
    masterData: new Map<string, EventReference>(),
    timeSeries: new Map<string, EventReference>(),
    charges: new Map<string, EventReference>(),
  };

  constructor(
    private readonly base: BasisDataSource,
    private readonly events: BasisDataEvents,
    readonly asOf: number,
  ) {
    this.description = `${base.description} + integration events as of ${new Date(asOf).toISOString()}`;
  }

  readMeteringPointPeriods(): Promise<MeteringPointPeriod[]> {
    // read once per source: the energy and the wholesale pass ask twice
    this.periods ??= (async () => {
      const [lake, events] = await Promise.all([
        this.base.readMeteringPointPeriods(),
        this.events.readMasterData(this.asOf),
      ]);
      for (const e of events) this.used.masterData.set(e.eventId, reference(e));
      return overlayMeteringPointPeriods(lake, events, this.asOf);
    })();
    return this.periods;
  }

  readGridLossMeteringPointIds(): Promise<string[]> {
    return this.base.readGridLossMeteringPointIds();
  }

  async readCharges(): Promise<ChargeData> {
    const [base, info, prices, links] = await Promise.all([
      this.base.readCharges(),
      this.events.readEvents('ChargeInformationChanged', this.asOf),
      this.events.readEvents('ChargePricesChanged', this.asOf),
      this.events.readEvents('ChargeLinkChanged', this.asOf),
    ]);
    const events: StoredChargeEvent[] = [...info, ...prices, ...links];
    for (const e of events) this.used.charges.set(e.eventId, reference(e));
    return events.length ? applyChargeEvents(base, events) : base;
  }

  async forEachTimeSeriesBatch(
    dictionary: ReadonlyMap<string, number>,
    range: { from: number; to: number },
    onBatch: (batch: TimeSeriesBatch) => void,
  ): Promise<void> {
    await this.base.forEachTimeSeriesBatch(dictionary, range, onBatch);
    const key = `${range.from}|${range.to}`;
    let events = this.timeSeries.get(key);
    if (!events)
      this.timeSeries.set(key, (events = this.events.readEvents('TimeSeriesPointsReceived', this.asOf, range)));
    for (const e of await events) {
      this.used.timeSeries.set(e.eventId, reference(e));
      onBatch(timeSeriesEventBatch(e, dictionary));
    }
  }

  /** The events this source has read so far. */
  usage(): EventUsage {
    const sorted = (m: Map<string, EventReference>) =>
      [...m.values()].sort((a, b) =>
        a.storedAt < b.storedAt ? -1 : a.storedAt > b.storedAt ? 1 : a.eventId < b.eventId ? -1 : 1,
      );
    return {
      masterData: sorted(this.used.masterData),
      timeSeries: sorted(this.used.timeSeries),
      charges: sorted(this.used.charges),
    };
  }
}
