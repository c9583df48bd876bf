/**
 * Master-data integration events (opengeh-wholesale §4.1), independent of transport: the
 * protobuf decoding maps onto these shapes. Instants are epoch milliseconds (UTC).
 *
 * The discriminant is `messageType` (the reference's `MessageType`), because `type` is the
 * metering point type of MeteringPointCreated.
 */
import type { MeteringPointType, Resolution, SettlementMethod } from '../../domain/codes';

export interface MeteringPointCreated {
  messageType: 'MeteringPointCreated';
  meteringPointId: string;
  /** E17/E18/E20 or a child code (D01, D05–D12, D14, D15, D19). */
  type: MeteringPointType;
  settlementMethod: SettlementMethod | null;
  gridAreaCode: string;
  resolution: Resolution;
  fromGridAreaCode: string | null;
  toGridAreaCode: string | null;
  parentMeteringPointId: string | null;
  /** Valid time from which these attributes apply. */
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
  energySupplierId: string;
  effectiveDate: number;
}

export interface BalanceResponsiblePartyChanged {
  messageType: 'BalanceResponsiblePartyChanged';
  meteringPointId: string;
  balanceResponsiblePartyId: string;
  effectiveDate: number;
}

export type MasterDataEvent = MeteringPointCreated | MeteringPointConnected | EnergySupplierChanged | BalanceResponsiblePartyChanged;

export type MasterDataEventType = MasterDataEvent['messageType'];

/** What the store adds when it persists an event. */
export interface StoredEventMetadata {
  /** Identity of the event; a redelivery carries the same id. */
  eventId: string;
  /** System time (epoch ms) when the event was stored: the as-of axis. */
  storedAt: number;
}

/** An event as persisted by the store (distributes over the union, so narrowing works). */
export type StoredMasterDataEvent = MasterDataEvent & StoredEventMetadata;
