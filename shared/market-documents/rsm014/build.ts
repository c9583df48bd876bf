/**
 * RSM-014 `NotifyAggregatedMeasureData_MarketDocument` from committed energy results: pure
 * (rows and metadata in, XML strings out), so the same code serves the CLI, tests and a send
 * activity, and a redelivered CalculationCompleted event yields byte-identical documents.
 */
import { CALCULATION_TYPES, RESOLUTION_MS, type CalculationType, type TimeSeriesType } from '../../domain/codes';
import type { EnergyResultRow } from '../../results/energy-result-row';
import { resultNamespaceUuid } from '../../results/result-id';
import {
  BUSINESS_SECTOR,
  DATAHUB_GLN,
  DOCUMENT_TYPE,
  EVALUATION_POINT,
  GRID_AREA_CODING_SCHEME,
  PROCESS_TYPE,
  PRODUCT_ACTIVE_ENERGY,
  RSM014_NAMESPACE,
  SENDER_ROLE,
  SETTLEMENT_VERSION,
  UNIT_KWH,
  collapseQuality,
  partyCodingScheme,
} from './codes';
import { Rsm014InputError } from './errors';
import { routeSeries, type GridAreaOwnerResolver, type Receiver, type Routing } from './routing';
import { groupResultSeries, type ResultSeries } from './series';
import { XmlLines, formatDateTime, formatYmdhm } from './xml';

export interface Rsm014Calculation {
  calculationId: string;
  calculationType: CalculationType;
  /** Calculation period [start, end), epoch ms UTC; becomes every Period's timeInterval. */
  periodStart: number;
  periodEnd: number;
  /** createdDateTime of the documents, epoch ms. An input (not "now") so redelivery is reproducible. */
  createdAt: number;
}

export interface Rsm014Document {
  /** The document's mRID (also a safe file name: a UUID). */
  documentId: string;
  /** The Series mRID (transaction id). */
  seriesId: string;
  receiver: Receiver;
  resultId: string;
  timeSeriesType: TimeSeriesType;
  gridArea: string;
  xml: string;
}

/**
 * Deterministic ids from (calculation, result, receiver role, receiver id): a redelivered event
 * rebuilds the same document ids, so a receiver-side (or outbox) idempotency check on the id
 * recognises the duplicate. Document and Series ids are derived from the same tuple with a
 * different prefix, so they differ from each other and from every result id (whose names start
 * with the calculation id).
 */
export function rsm014Ids(
  calculationId: string,
  resultId: string,
  receiver: Receiver,
): { documentId: string; seriesId: string } {
  const name = [calculationId, resultId, receiver.role, receiver.id].join('|');
  return {
    documentId: resultNamespaceUuid(`rsm014-document|${name}`),
    seriesId: resultNamespaceUuid(`rsm014-series|${name}`),
  };
}

function checkCalculation(c: Rsm014Calculation): void {
  if (!(CALCULATION_TYPES as readonly string[]).includes(c.calculationType))
    throw new Rsm014InputError(`unknown calculation type '${c.calculationType}'`);
  if (c.calculationId === '') throw new Rsm014InputError('calculationId is empty');
  if (!(c.periodEnd > c.periodStart))
    throw new Rsm014InputError(
      `period end ${formatYmdhm(c.periodEnd)} is not after period start ${formatYmdhm(c.periodStart)}`,
    );
}

/**
 * 1-based position of each point: its slot within the timeInterval (= the calculation period).
 * For a series with a point in every slot this is 1, 2, 3, … in time order; deriving it from
 * the time (instead of counting points) keeps a point in its slot if a series ever lacks slots,
 * e.g. a supplier whose metering points start mid-period, where counting would shift every
 * later quantity to an earlier quarter.
 */
function positions(s: ResultSeries, c: Rsm014Calculation): number[] {
  const step = RESOLUTION_MS[s.resolution];
  return s.points.map((p) => {
    const offset = p.time - c.periodStart;
    if (p.time < c.periodStart || p.time >= c.periodEnd || offset % step !== 0) {
      throw new Rsm014InputError(
        `result ${s.resultId}: point at ${new Date(p.time).toISOString()} is not a ${s.resolution} slot of the period ${formatYmdhm(c.periodStart)}–${formatYmdhm(c.periodEnd)}`,
        s.resultId,
      );
    }
    return offset / step + 1;
  });
}

/** The XML of one document: header (§5.1) and one Series for one receiver. */
export function renderRsm014(
  s: ResultSeries,
  route: Routing,
  c: Rsm014Calculation,
  ids: { documentId: string; seriesId: string },
): string {
  const mep = EVALUATION_POINT[s.timeSeriesType];
  if (!mep)
    throw new Rsm014InputError(
      `result ${s.resultId}: time series type ${s.timeSeriesType} is not sent as RSM-014`,
      s.resultId,
    );
  const pos = positions(s, c);
  const party = (id: string, what: string) => ({ codingScheme: partyCodingScheme(id, what) });
  const x = new XmlLines();
  x.open('cim:NotifyAggregatedMeasureData_MarketDocument', { 'xmlns:cim': RSM014_NAMESPACE });
  x.leaf('cim:mRID', ids.documentId);
  x.leaf('cim:type', DOCUMENT_TYPE);
  x.leaf('cim:process.processType', PROCESS_TYPE[c.calculationType]);
  x.leaf('cim:businessSector.type', BUSINESS_SECTOR);
  x.leaf('cim:sender_MarketParticipant.mRID', DATAHUB_GLN, party(DATAHUB_GLN, 'sender'));
  x.leaf('cim:sender_MarketParticipant.marketRole.type', SENDER_ROLE);
  x.leaf(
    'cim:receiver_MarketParticipant.mRID',
    route.receiver.id,
    party(route.receiver.id, `receiver (${route.receiver.role})`),
  );
  x.leaf('cim:receiver_MarketParticipant.marketRole.type', route.receiver.role);
  x.leaf('cim:createdDateTime', formatDateTime(c.createdAt));
  x.open('cim:Series');
  x.leaf('cim:mRID', ids.seriesId);
  x.optional('cim:settlement_Series.version', SETTLEMENT_VERSION[c.calculationType]);
  x.leaf('cim:marketEvaluationPoint.type', mep.type);
  x.optional('cim:marketEvaluationPoint.settlementMethod', mep.settlementMethod);
  x.leaf('cim:meteringGridArea_Domain.mRID', s.gridArea, { codingScheme: GRID_AREA_CODING_SCHEME });
  if (route.energySupplierId !== null)
    x.leaf(
      'cim:energySupplier_MarketParticipant.mRID',
      route.energySupplierId,
      party(route.energySupplierId, 'energy supplier'),
    );
  if (route.balanceResponsiblePartyId !== null) {
    x.leaf(
      'cim:balanceResponsibleParty_MarketParticipant.mRID',
      route.balanceResponsiblePartyId,
      party(route.balanceResponsiblePartyId, 'balance responsible party'),
    );
  }
  x.leaf('cim:product', PRODUCT_ACTIVE_ENERGY);
  x.leaf('cim:quantity_Measure_Unit.name', UNIT_KWH);
  x.open('cim:Period');
  x.leaf('cim:resolution', s.resolution);
  x.open('cim:timeInterval');
  x.leaf('cim:start', formatYmdhm(c.periodStart));
  x.leaf('cim:end', formatYmdhm(c.periodEnd));
  x.close('cim:timeInterval');
  s.points.forEach((p, i) => {
    x.open('cim:Point');
    x.leaf('cim:position', String(pos[i]));
    x.optional('cim:quantity', p.quantity);
    x.optional('cim:quality', collapseQuality(p.qualities));
    x.close('cim:Point');
  });
  x.close('cim:Period');
  x.close('cim:Series');
  x.close('cim:NotifyAggregatedMeasureData_MarketDocument');
  return x.toString();
}

/**
 * Every RSM-014 document for a calculation's committed energy results: rows are grouped into
 * result series (by result_id), each series is routed (routing.ts) and rendered once per
 * receiver. Throws GridAreaOwnerNotFoundError for a grid area whose owner the resolver does not
 * know, and Rsm014InputError for rows that do not belong to `calculation` or are inconsistent;
 * on error nothing is returned, so a caller never sends part of a calculation by accident.
 */
export function buildRsm014Documents(
  rows: readonly EnergyResultRow[],
  calculation: Rsm014Calculation,
  gridAreaOwner: GridAreaOwnerResolver,
): Rsm014Document[] {
  const steps = documentSteps(rows, calculation, gridAreaOwner);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * buildRsm014Documents, awaiting `pause` after each document it renders: a consumer that shares
 * its event loop with HTTP functions (the result sender) turns one long synchronous build into
 * short steps. Same documents, same all-or-nothing: on error nothing is returned.
 */
export async function buildRsm014DocumentsPausing(
  rows: readonly EnergyResultRow[],
  calculation: Rsm014Calculation,
  gridAreaOwner: GridAreaOwnerResolver,
  pause: () => Promise<void>,
): Promise<Rsm014Document[]> {
  const steps = documentSteps(rows, calculation, gridAreaOwner);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

function* documentSteps(
  rows: readonly EnergyResultRow[],
  calculation: Rsm014Calculation,
  gridAreaOwner: GridAreaOwnerResolver,
): Generator<void, Rsm014Document[], undefined> {
  checkCalculation(calculation);
  const out: Rsm014Document[] = [];
  for (const s of groupResultSeries(rows)) {
    if (s.calculationId !== calculation.calculationId || s.calculationType !== calculation.calculationType) {
      throw new Rsm014InputError(
        `result ${s.resultId} belongs to calculation ${s.calculationId} (${s.calculationType}), not ${calculation.calculationId} (${calculation.calculationType})`,
        s.resultId,
      );
    }
    for (const route of routeSeries(s, calculation.calculationType, gridAreaOwner)) {
      const ids = rsm014Ids(calculation.calculationId, s.resultId, route.receiver);
      out.push({
        ...ids,
        receiver: route.receiver,
        resultId: s.resultId,
        timeSeriesType: s.timeSeriesType,
        gridArea: s.gridArea,
        xml: renderRsm014(s, route, calculation, ids),
      });
      yield;
    }
  }
  return out;
}
