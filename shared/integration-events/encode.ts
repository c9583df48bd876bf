/**
 * Encoding of integration events (for tests and demo publishers): a domain event of ./events.ts →
 * its message type and protobuf body (./wire.ts), and the Service Bus message a publishing domain
 * would send.
 */
import { ContractError } from '../messaging/contract-error';
import { decodeIntegrationEvent } from './decode';
import { isIntegrationEventType, type IntegrationEvent } from './events';
import {
  INTEGRATION_EVENT_CONTENT_TYPE,
  INTEGRATION_EVENT_CONTRACT,
  MAX_TIMESTAMP_SECONDS,
  MIN_TIMESTAMP_SECONDS,
  integrationEventProtoType,
} from './wire';

/**
 * The message type and protobuf body of an event (for tests and demo publishers). The event is
 * checked against the same rules as decoding; a violation throws ContractError naming the
 * TypeScript field (`points[2].quantityMilli`).
 */
export function encodeIntegrationEvent(e: IntegrationEvent): { messageType: string; body: Uint8Array } {
  const messageType: unknown = e.messageType;
  if (!isIntegrationEventType(messageType)) {
    throw new ContractError(
      INTEGRATION_EVENT_CONTRACT,
      'messageType',
      `unknown message type ${JSON.stringify(messageType)}`,
    );
  }
  const enc = new Encoder(messageType);
  const raw = toProto(e, enc);
  const type = integrationEventProtoType(messageType);
  const message = type.fromObject(raw);
  // A copy: protobufjs may hand out a view into Node's shared Buffer pool.
  const body = new Uint8Array(type.encode(message).finish());
  try {
    decodeIntegrationEvent(messageType, body);
  } catch (error) {
    if (error instanceof ContractError)
      throw new ContractError(messageType, error.field && tsFieldName(error.field), error.reason);
    throw error;
  }
  return { messageType, body };
}

/** Proto fields whose event field is not their camel-case name (the pairs toProto writes). */
const EVENT_FIELD_OF: ReadonlyMap<string, string> = new Map([
  ['metering_point_type', 'type'],
  ['energy_supplier_gln', 'energySupplierId'],
]);

/** `points[2].quantity_milli` → `points[2].quantityMilli`; `metering_point_type` → `type`. */
function tsFieldName(protoField: string): string {
  return EVENT_FIELD_OF.get(protoField) ?? protoField.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

/** Checks the numbers protobufjs would silently truncate or wrap, naming the TypeScript field. */
class Encoder {
  constructor(private readonly contract: string) {}

  fail(field: string, reason: string): never {
    throw new ContractError(this.contract, field, reason);
  }

  ts(ms: number, field: string): ProtoTimestamp {
    if (!Number.isSafeInteger(ms)) return this.fail(field, `not an integer epoch-ms instant: ${String(ms)}`);
    const seconds = Math.floor(ms / 1000);
    if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS)
      return this.fail(field, `out of range: ${ms}`);
    return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
  }

  optTs(ms: number | null, field: string): ProtoTimestamp | undefined {
    return ms === null ? undefined : this.ts(ms, field);
  }

  int(v: number, field: string): number {
    if (!Number.isSafeInteger(v)) return this.fail(field, `not a safe integer: ${String(v)}`);
    return v;
  }

  uint32(v: number, field: string): number {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
      return this.fail(field, `not an unsigned 32-bit integer: ${String(v)}`);
    return v;
  }

  /** Optional strings: null is omitted; '' is sent (and rejected by the decoding check). */
  opt(v: string | null): string | undefined {
    return v === null ? undefined : v;
  }
}

function toProto(e: IntegrationEvent, enc: Encoder): Record<string, unknown> {
  switch (e.messageType) {
    case 'MeteringPointCreated':
      return {
        metering_point_id: e.meteringPointId,
        metering_point_type: e.type,
        grid_area_code: e.gridAreaCode,
        settlement_method: enc.opt(e.settlementMethod),
        resolution: e.resolution,
        from_grid_area_code: enc.opt(e.fromGridAreaCode),
        to_grid_area_code: enc.opt(e.toGridAreaCode),
        parent_metering_point_id: enc.opt(e.parentMeteringPointId),
        effective_date: enc.ts(e.effectiveDate, 'effectiveDate'),
        calculation_type: enc.opt(e.calculationType),
      };
    case 'MeteringPointConnected':
      return { metering_point_id: e.meteringPointId, effective_date: enc.ts(e.effectiveDate, 'effectiveDate') };
    case 'EnergySupplierChanged':
      return {
        metering_point_id: e.meteringPointId,
        energy_supplier_gln: e.energySupplierId,
        effective_date: enc.ts(e.effectiveDate, 'effectiveDate'),
      };
    case 'BalanceResponsiblePartyChanged':
      return {
        metering_point_id: e.meteringPointId,
        balance_responsible_party_id: e.balanceResponsiblePartyId,
        effective_date: enc.ts(e.effectiveDate, 'effectiveDate'),
      };
    case 'GridAreaUpdated':
      return {
        grid_area_code: e.gridAreaCode,
        grid_area_name: e.gridAreaName,
        grid_access_provider_id: e.gridAccessProviderId,
        price_area_code: e.priceAreaCode,
        effective_date: enc.ts(e.effectiveDate, 'effectiveDate'),
      };
    case 'ChargeInformationChanged':
      return {
        charge_code: e.chargeCode,
        charge_type: e.chargeType,
        charge_owner_id: e.chargeOwnerId,
        resolution: e.resolution,
        is_tax: e.isTax,
        from_date: enc.ts(e.fromDate, 'fromDate'),
        to_date: enc.optTs(e.toDate, 'toDate'),
      };
    case 'ChargePricesChanged':
      return {
        charge_code: e.chargeCode,
        charge_type: e.chargeType,
        charge_owner_id: e.chargeOwnerId,
        period_start: enc.ts(e.periodStart, 'periodStart'),
        period_end: enc.ts(e.periodEnd, 'periodEnd'),
        points: e.points.map((p, i) => ({
          time: enc.ts(p.time, `points[${i}].time`),
          price_micro: enc.int(p.priceMicro, `points[${i}].priceMicro`),
        })),
      };
    case 'ChargeLinkChanged':
      return {
        charge_code: e.chargeCode,
        charge_type: e.chargeType,
        charge_owner_id: e.chargeOwnerId,
        metering_point_id: e.meteringPointId,
        factor: enc.uint32(e.factor, 'factor'),
        from_date: enc.ts(e.fromDate, 'fromDate'),
        to_date: enc.optTs(e.toDate, 'toDate'),
      };
    case 'TimeSeriesPointsReceived':
      return {
        metering_point_id: e.meteringPointId,
        resolution: e.resolution,
        registration_time: enc.ts(e.registrationTime, 'registrationTime'),
        period_start: enc.ts(e.periodStart, 'periodStart'),
        period_end: enc.ts(e.periodEnd, 'periodEnd'),
        points: e.points.map((p, i) => ({
          position: enc.uint32(p.position, `points[${i}].position`),
          quantity_milli: p.quantityMilli === null ? undefined : enc.int(p.quantityMilli, `points[${i}].quantityMilli`),
          quality: p.quality,
        })),
      };
  }
}

/**
 * The Service Bus message for one integration event as publishing domains send it: protobuf body,
 * message type and event id as application properties (and subject / messageId, so a resend with
 * the same id is dropped by duplicate detection).
 */
export function integrationEventMessage(
  eventId: string,
  e: IntegrationEvent,
  operationTime: Date = new Date(),
): {
  messageId: string;
  body: Uint8Array;
  contentType: string;
  subject: string;
  applicationProperties: Record<string, string>;
} {
  const { messageType, body } = encodeIntegrationEvent(e);
  return {
    messageId: eventId,
    body,
    contentType: INTEGRATION_EVENT_CONTENT_TYPE,
    subject: messageType,
    // OperationTimestamp: when the publishing domain performed the operation (ISO 8601 UTC)
    applicationProperties: {
      MessageType: messageType,
      EventId: eventId,
      OperationTimestamp: operationTime.toISOString(),
    },
  };
}
