/**
 * Maps decoded integration events onto the transport-independent master-data event union that
 * materializeMeteringPointPeriods consumes. Only the four metering-point master-data events map;
 * every other event type is stored but is not master data (null).
 */
import type { MasterDataEvent, MasterDataEventType } from '../../basis-data/bitemporal/master-data-events';
import type { IntegrationEvent } from '../events';

/** Message types whose events are master data (the PartitionKeys read by readMasterData). */
export const MASTER_DATA_MESSAGE_TYPES: readonly MasterDataEventType[] = [
  'MeteringPointCreated',
  'MeteringPointConnected',
  'EnergySupplierChanged',
  'BalanceResponsiblePartyChanged',
];

export function isMasterDataMessageType(messageType: string): messageType is MasterDataEventType {
  return (MASTER_DATA_MESSAGE_TYPES as readonly string[]).includes(messageType);
}

export function toMasterDataEvent(e: IntegrationEvent): MasterDataEvent | null {
  switch (e.messageType) {
    case 'MeteringPointCreated':
      // calculationType is not part of the master-data event (periods carry null).
      return {
        messageType: 'MeteringPointCreated',
        meteringPointId: e.meteringPointId,
        type: e.meteringPointType,
        settlementMethod: e.settlementMethod,
        gridAreaCode: e.gridAreaCode,
        resolution: e.resolution,
        fromGridAreaCode: e.fromGridAreaCode,
        toGridAreaCode: e.toGridAreaCode,
        parentMeteringPointId: e.parentMeteringPointId,
        effectiveDate: e.effectiveDate,
      };
    case 'MeteringPointConnected':
      return { messageType: 'MeteringPointConnected', meteringPointId: e.meteringPointId, effectiveDate: e.effectiveDate };
    case 'EnergySupplierChanged':
      return {
        messageType: 'EnergySupplierChanged',
        meteringPointId: e.meteringPointId,
        energySupplierId: e.energySupplierGln,
        effectiveDate: e.effectiveDate,
      };
    case 'BalanceResponsiblePartyChanged':
      return {
        messageType: 'BalanceResponsiblePartyChanged',
        meteringPointId: e.meteringPointId,
        balanceResponsiblePartyId: e.balanceResponsiblePartyId,
        effectiveDate: e.effectiveDate,
      };
    case 'GridAreaUpdated':
    case 'ChargeInformationChanged':
    case 'ChargePricesChanged':
    case 'ChargeLinkChanged':
    case 'TimeSeriesPointsReceived':
      return null;
    default: {
      const unknown: never = e;
      throw new Error(`unknown integration event ${JSON.stringify(unknown)}`);
    }
  }
}
