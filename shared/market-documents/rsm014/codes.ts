/**
 * CIM code values of RSM-014 (opengeh-wholesale §5.1) and the mappings from our engine's
 * vocabulary to them. Every code used here is an enumeration value of
 * urn-entsoe-eu-wgedi-codelists.xsd (the XSD test of every F1 document would fail otherwise).
 */
import type { CalculationType, Quality, TimeSeriesType } from '../../domain/codes';
import { Rsm014InputError } from './errors';

export const RSM014_NAMESPACE = 'urn:ediel.org:measure:notifyaggregatedmeasuredata:0:1';
export const RSM014_XSD = 'urn-ediel-org-measure-notifyaggregatedmeasuredata-0-1.xsd';

/** Document type "aggregated measure data". */
export const DOCUMENT_TYPE = 'E31';
/** Business sector "electricity". */
export const BUSINESS_SECTOR = '23';
/** DataHub's own GLN: the sender of every document. */
export const DATAHUB_GLN = '5790001330552';
/** Sender role: metered data administrator. */
export const SENDER_ROLE = 'DGL';
/** Product "active energy". */
export const PRODUCT_ACTIVE_ENERGY = '8716867000030';
export const UNIT_KWH = 'KWH';
/** Grid areas are identified by their 3-digit Danish code. */
export const GRID_AREA_CODING_SCHEME = 'NDK';

/** MDR = grid area owner (metered data responsible), DDQ = energy supplier, DDK = BRP. */
export type ReceiverRole = 'MDR' | 'DDQ' | 'DDK';

export type ProcessType = 'D03' | 'D04' | 'D05' | 'D32';

/** `process.processType` per calculation type (opengeh-wholesale §1.1). */
export const PROCESS_TYPE: Readonly<Record<CalculationType, ProcessType>> = {
  aggregation: 'D03',
  balance_fixing: 'D04',
  wholesale_fixing: 'D05',
  first_correction_settlement: 'D32',
  second_correction_settlement: 'D32',
  third_correction_settlement: 'D32',
};

/**
 * `settlement_Series.version` (§1.1): D32 alone does not say which correction a result belongs
 * to, so corrections carry D01/D02/D03; the other types have none.
 */
export const SETTLEMENT_VERSION: Readonly<Record<CalculationType, 'D01' | 'D02' | 'D03' | null>> = {
  aggregation: null,
  balance_fixing: null,
  wholesale_fixing: null,
  first_correction_settlement: 'D01',
  second_correction_settlement: 'D02',
  third_correction_settlement: 'D03',
};

/** Metering point type and settlement method that describe a sent time series type. */
export interface EvaluationPoint {
  type: 'E17' | 'E18' | 'E20';
  settlementMethod: 'E02' | 'D01' | null;
}

/**
 * The five types a receiver can get (the public views of §2.5: energy_v1, energy_per_es_v1,
 * energy_per_brp_v1), mapped as energy_v1 maps them: production → E18; non-profiled → E17/E02;
 * flex → E17/D01; net exchange per grid area → E20; total consumption → E17 without method.
 */
export const EVALUATION_POINT: Readonly<Partial<Record<TimeSeriesType, EvaluationPoint>>> = {
  production: { type: 'E18', settlementMethod: null },
  non_profiled_consumption: { type: 'E17', settlementMethod: 'E02' },
  flex_consumption: { type: 'E17', settlementMethod: 'D01' },
  net_exchange_per_ga: { type: 'E20', settlementMethod: null },
  total_consumption: { type: 'E17', settlementMethod: null },
};

/** CIM point quality codes an aggregated energy point can carry (A04 measured is never written). */
export type CimQuality = 'A02' | 'A03' | 'A05' | 'A06';

/**
 * Collapses the distinct contributing qualities of an aggregated point into one CIM quality
 * (opengeh-wholesale §2.6, EDI `CalculatedQuantityQualityMapper.MapForEnergy` + `CimCode.
 * ForEnergyResultOf`), first matching rule wins:
 *  1. only missing → A05 (EDI's "Missing" is written as incomplete in RSM-014)
 *  2. missing plus anything else → A05 (incomplete)
 *  3. contains estimated → A03
 *  4. contains measured → null: measured (A04) is the default, so the element is omitted
 *  5. contains calculated → A06
 *  6. otherwise (empty set) → A02 (not available)
 * The order matters: a sum with one missing contribution is incomplete even if the rest was
 * measured, and an estimate anywhere outranks measured values.
 */
export function collapseQuality(qualities: Iterable<Quality>): CimQuality | null {
  const set = new Set<Quality>(qualities);
  if (set.has('missing')) return 'A05'; // rules 1 and 2 give the same code
  if (set.has('estimated')) return 'A03';
  if (set.has('measured')) return null;
  if (set.has('calculated')) return 'A06';
  return 'A02';
}

/**
 * codingScheme of a party id: a 13-digit GLN is A10 (GS1), a 16-character EIC is A01. Anything
 * else is neither, and the XSD would accept it silently (it only limits the length), so it is
 * refused here rather than sent to an actor who cannot be addressed by it.
 */
export function partyCodingScheme(id: string, what: string): 'A10' | 'A01' {
  if (/^\d{13}$/.test(id)) return 'A10';
  if (/^[0-9A-Z-]{16}$/.test(id)) return 'A01';
  throw new Rsm014InputError(`${what} '${id}' is neither a 13-digit GLN nor a 16-character EIC`);
}
