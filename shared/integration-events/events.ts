/**
 * The consumed integration events as domain types (opengeh-wholesale §4.1): the one set of event
 * shapes the protobuf decoding produces (./decode.ts), the encoding consumes (./encode.ts), the
 * event store returns (./store/event-store.ts) and the bi-temporal basis data
 * (shared/basis-data/bitemporal/) materializes. Transport-independent: nothing here knows protobuf.
 *
 * Values are already validated and typed: GSRNs (18 digits), grid area codes (3 digits), codes of
 * shared/domain/codes.ts, quantities as exact integers of milli-kWh, prices as integers of
 * micro-DKK, instants as epoch milliseconds (UTC). The discriminant is `messageType` (the
 * reference's `MessageType`, which names the protobuf message of a Service Bus message).
 */
import type { Quality, Resolution } from '../domain/codes';
import type { ChargeType } from '../basis-data/charges';
import type { MeteringPointAttributes } from '../basis-data/types';

export const INTEGRATION_EVENT_TYPES = [
  'MeteringPointCreated',
  'MeteringPointConnected',
  'EnergySupplierChanged',
  'BalanceResponsiblePartyChanged',
  'GridAreaUpdated',
  'ChargeInformationChanged',
  'ChargePricesChanged',
  'ChargeLinkChanged',
  'TimeSeriesPointsReceived',
] as const;
export type IntegrationEventType = (typeof INTEGRATION_EVENT_TYPES)[number];

export type ChargeResolution = 'PT1H' | 'P1D' | 'P1M';
export type PriceAreaCode = 'DK1' | 'DK2';

/**
 * A metering point's attributes (the same fields its periods carry) from `effectiveDate` on; `type`
 * is `metering_point_type` on the wire.
 */
export interface MeteringPointCreated extends MeteringPointAttributes {
  messageType: 'MeteringPointCreated';
  meteringPointId: string;
  /** Valid time from which these attributes apply: epoch ms, aligned to the resolution. */
  effectiveDate: number;
}

export interface MeteringPointConnected {
  messageType: 'MeteringPointConnected';
  meteringPointId: string;
  effectiveDate: number;
}

export interface EnergySupplierChanged {
  messageType: 'EnergySupplierChanged';
  meteringPointId: string;
  /** GLN (13 digits) or EIC (16 characters); on the wire `energy_supplier_gln`. */
  energySupplierId: string;
  effectiveDate: number;
}

export interface BalanceResponsiblePartyChanged {
  messageType: 'BalanceResponsiblePartyChanged';
  meteringPointId: string;
  balanceResponsiblePartyId: string;
  effectiveDate: number;
}

export interface GridAreaUpdated {
  messageType: 'GridAreaUpdated';
  gridAreaCode: string;
  gridAreaName: string;
  gridAccessProviderId: string;
  priceAreaCode: PriceAreaCode;
  effectiveDate: number;
}

export interface ChargeInformationChanged {
  messageType: 'ChargeInformationChanged';
  chargeCode: string;
  chargeType: ChargeType;
  chargeOwnerId: string;
  /** Tariffs PT1H | P1D; subscriptions and fees P1M. */
  resolution: ChargeResolution;
  /** Only tariffs may be taxes. */
  isTax: boolean;
  fromDate: number;
  /** Exclusive; null = open ended. */
  toDate: number | null;
}

export interface ChargePricePoint {
  time: number;
  /** micro-DKK (6 decimals). */
  priceMicro: number;
}

export interface ChargePricesChanged {
  messageType: 'ChargePricesChanged';
  chargeCode: string;
  chargeType: ChargeType;
  chargeOwnerId: string;
  periodStart: number;
  periodEnd: number;
  /** Strictly increasing times within [periodStart, periodEnd). */
  points: ChargePricePoint[];
}

export interface ChargeLinkChanged {
  messageType: 'ChargeLinkChanged';
  chargeCode: string;
  chargeType: ChargeType;
  chargeOwnerId: string;
  meteringPointId: string;
  /** Integer ≥ 1; 1 for tariffs. */
  factor: number;
  fromDate: number;
  toDate: number | null;
}

export interface TimeSeriesPoint {
  /** 1-based slot within the period. */
  position: number;
  /** milli-kWh; null exactly when quality is 'missing'. */
  quantityMilli: number | null;
  quality: Quality;
}

export interface TimeSeriesPointsReceived {
  messageType: 'TimeSeriesPointsReceived';
  meteringPointId: string;
  resolution: Resolution;
  registrationTime: number;
  /** Aligned to the resolution; end exclusive. */
  periodStart: number;
  periodEnd: number;
  /** Non-empty, strictly increasing positions in 1 .. (periodEnd − periodStart) / resolution. */
  points: TimeSeriesPoint[];
}

export type IntegrationEvent =
  | MeteringPointCreated
  | MeteringPointConnected
  | EnergySupplierChanged
  | BalanceResponsiblePartyChanged
  | GridAreaUpdated
  | ChargeInformationChanged
  | ChargePricesChanged
  | ChargeLinkChanged
  | TimeSeriesPointsReceived;

/** The event of one message type. */
export type IntegrationEventOf<K extends IntegrationEventType> = Extract<IntegrationEvent, { messageType: K }>;

/** The events that make up the master data of metering points (what materialization reads). */
export const MASTER_DATA_EVENT_TYPES = [
  'MeteringPointCreated',
  'MeteringPointConnected',
  'EnergySupplierChanged',
  'BalanceResponsiblePartyChanged',
] as const satisfies readonly IntegrationEventType[];
export type MasterDataEventType = (typeof MASTER_DATA_EVENT_TYPES)[number];
export type MasterDataEvent = IntegrationEventOf<MasterDataEventType>;

/** The events that change the charge basis data (price information, prices, links). */
export type ChargeEvent = ChargeInformationChanged | ChargePricesChanged | ChargeLinkChanged;

export function isIntegrationEventType(value: unknown): value is IntegrationEventType {
  return typeof value === 'string' && (INTEGRATION_EVENT_TYPES as readonly string[]).includes(value);
}
