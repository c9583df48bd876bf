/**
 * Decoding of the consumed integration events: protobuf bytes (./wire.ts) → the domain events of
 * ./events.ts, validated. This is the one translation from the wire contract; nothing downstream
 * sees protobuf field names or wire values.
 *
 * Every field is validated and typed: GSRNs (18 digits), grid area codes (3 digits), codes of
 * shared/domain/codes.ts, quantities as exact integers of milli-kWh, prices as integers of
 * micro-DKK, instants as epoch milliseconds (sub-millisecond nanos are dropped). Any violation
 * throws ContractError(messageType, field, reason) with the proto field name (`points[2].position`
 * inside repeated messages).
 */
import { locateWireError, safeInt64 } from '../messaging/protobuf-util';
import { ContractError } from '../messaging/contract-error';
import {
  CHILD_METERING_POINT_TYPES,
  METERING_POINT_CALCULATION_TYPES,
  METERING_POINT_TYPES,
  QUALITIES,
  RESOLUTIONS,
  RESOLUTION_MS,
  SETTLEMENT_METHODS,
} from '../domain/codes';
import { CHARGE_TYPES, type ChargeType } from '../basis-data/charges';
import { GRID_AREA_CODE_RE, GSRN_RE } from '../domain/identifiers';
import {
  INTEGRATION_EVENT_TYPES,
  isIntegrationEventType,
  type ChargePricePoint,
  type ChargeResolution,
  type IntegrationEvent,
  type IntegrationEventOf,
  type IntegrationEventType,
  type MeteringPointCreated,
  type PriceAreaCode,
  type TimeSeriesPoint,
  type TimeSeriesPointsReceived,
} from './events';
import {
  INTEGRATION_EVENT_CONTRACT,
  MAX_TIMESTAMP_SECONDS,
  MIN_TIMESTAMP_SECONDS,
  integrationEventProtoType,
} from './wire';
import { isLocalMidnight } from '../domain/local-time';
import { INSTANT_HINT, isInstantInRange } from '../domain/time';

/** The validated domain event of a message body; throws ContractError naming the proto field. */
export function decodeIntegrationEvent<K extends IntegrationEventType>(
  messageType: K,
  bytes: Uint8Array,
): IntegrationEventOf<K>;
export function decodeIntegrationEvent(messageType: string, bytes: Uint8Array): IntegrationEvent;
export function decodeIntegrationEvent(messageType: string, bytes: Uint8Array): IntegrationEvent {
  if (!isIntegrationEventType(messageType)) {
    throw new ContractError(
      INTEGRATION_EVENT_CONTRACT,
      'MessageType',
      `unknown message type ${JSON.stringify(messageType)} (expected one of ${INTEGRATION_EVENT_TYPES.join(', ')})`,
    );
  }
  if (!(bytes instanceof Uint8Array)) throw new ContractError(messageType, null, 'body must be bytes (Uint8Array)');
  const type = integrationEventProtoType(messageType);
  let obj: Record<string, unknown>;
  try {
    obj = type.toObject(type.decode(bytes), { longs: String, enums: Number, defaults: true, arrays: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ContractError(messageType, locateWireError(type, bytes), `undecodable protobuf (${detail})`);
  }
  return decodeFields(messageType, new Fields(messageType, obj, ''));
}

function decodeFields<K extends IntegrationEventType>(messageType: K, f: Fields): IntegrationEventOf<K> {
  const decoder = DECODERS[messageType] as (f: Fields) => IntegrationEventOf<K>;
  return decoder(f);
}

/** GLN (13 digits) or EIC (16 characters: 2 digits, a letter, 12 code characters, a check character). */
const ACTOR_RE = /^(\d{13}|\d{2}[A-Z][0-9A-Z-]{12}[0-9A-Z])$/;

const CHARGE_RESOLUTIONS: Readonly<Record<ChargeType, readonly ChargeResolution[]>> = {
  tariff: ['PT1H', 'P1D'],
  subscription: ['P1M'],
  fee: ['P1M'],
};
const PRICE_AREA_CODES: readonly PriceAreaCode[] = ['DK1', 'DK2'];
const PARENT_TYPES: ReadonlySet<string> = new Set(['E17', 'E18', 'E20']);
const CHILD_TYPES: ReadonlySet<string> = new Set(CHILD_METERING_POINT_TYPES);

/** Typed, validating access to the fields of one decoded message (protobufjs toObject output). */
class Fields {
  constructor(
    private readonly contract: string,
    private readonly obj: Record<string, unknown>,
    private readonly prefix: string,
  ) {}

  fail(field: string, reason: string): never {
    throw new ContractError(this.contract, this.prefix + field, reason);
  }

  private has(field: string): boolean {
    return Object.hasOwn(this.obj, field) && this.obj[field] !== undefined && this.obj[field] !== null;
  }

  str(field: string): string {
    const v = this.obj[field];
    if (typeof v !== 'string' || v.length === 0) return this.fail(field, 'missing');
    return v;
  }

  /** An `optional string`: absent → null; present but empty is invalid (omit it instead). */
  optStr(field: string): string | null {
    if (!this.has(field)) return null;
    const v = this.obj[field];
    if (typeof v !== 'string' || v.length === 0) return this.fail(field, 'present but empty (omit the field instead)');
    return v;
  }

  matching(field: string, re: RegExp, what: string): string {
    const v = this.str(field);
    if (!re.test(v)) this.fail(field, `not ${what}: ${JSON.stringify(v)}`);
    return v;
  }

  optMatching(field: string, re: RegExp, what: string): string | null {
    const v = this.optStr(field);
    if (v !== null && !re.test(v)) this.fail(field, `not ${what}: ${JSON.stringify(v)}`);
    return v;
  }

  gsrn(field: string): string {
    return this.matching(field, GSRN_RE, 'an 18-digit GSRN');
  }

  gridArea(field: string): string {
    return this.matching(field, GRID_AREA_CODE_RE, 'a three-digit grid area code');
  }

  actor(field: string): string {
    return this.matching(field, ACTOR_RE, 'a GLN (13 digits) or EIC (16 characters)');
  }

  code<T extends string>(field: string, values: readonly T[]): T {
    const v = this.str(field);
    return this.known(field, v, values);
  }

  optCode<T extends string>(field: string, values: readonly T[]): T | null {
    const v = this.optStr(field);
    return v === null ? null : this.known(field, v, values);
  }

  private known<T extends string>(field: string, v: string, values: readonly T[]): T {
    if (!(values as readonly string[]).includes(v)) {
      this.fail(field, `unknown code ${JSON.stringify(v)} (expected one of ${values.join(', ')})`);
    }
    return v as T;
  }

  bool(field: string): boolean {
    const v = this.obj[field];
    if (typeof v !== 'boolean') return this.fail(field, 'missing');
    return v;
  }

  uint32(field: string): number {
    const v = this.obj[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      return this.fail(field, `not an unsigned integer: ${String(v)}`);
    return v;
  }

  /** An int64 (rendered as a string by protobufjs) within ±(2^53 − 1). */
  safeInt(field: string): number {
    const v = safeInt64(this.obj[field]);
    if (v === null) return this.fail(field, `missing or outside ±(2^53 − 1): ${String(this.obj[field])}`);
    return v;
  }

  optSafeInt(field: string): number | null {
    return this.has(field) ? this.safeInt(field) : null;
  }

  instant(field: string): number {
    const v = this.obj[field];
    if (v === null || v === undefined || typeof v !== 'object') return this.fail(field, 'missing');
    const { seconds, nanos } = v as { seconds?: unknown; nanos?: unknown };
    const s = safeInt64(seconds);
    if (s === null || s < MIN_TIMESTAMP_SECONDS || s > MAX_TIMESTAMP_SECONDS)
      return this.fail(field, `seconds out of range: ${String(seconds)}`);
    if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
      return this.fail(field, `nanos out of range: ${String(nanos)}`);
    }
    const ms = s * 1000 + Math.floor(nanos / 1_000_000);
    // the engine's one range of instants (shared/domain/time.ts), not only protobuf's
    if (!isInstantInRange(ms)) return this.fail(field, `${new Date(ms).toISOString()} is not ${INSTANT_HINT}`);
    return ms;
  }

  /** An absent Timestamp is null (open ended). */
  optInstant(field: string): number | null {
    return this.has(field) ? this.instant(field) : null;
  }

  /** The elements of a repeated message field, each with its own `field[i].` prefix. */
  list(field: string): Fields[] {
    const v = this.obj[field];
    if (!Array.isArray(v)) return this.fail(field, 'missing');
    return v.map((item: unknown, i) => {
      const prefix = `${this.prefix}${field}[${i}].`;
      if (item === null || typeof item !== 'object')
        throw new ContractError(this.contract, `${prefix.slice(0, -1)}`, 'missing');
      return new Fields(this.contract, item as Record<string, unknown>, prefix);
    });
  }
}

function decodeMeteringPointCreated(f: Fields): MeteringPointCreated {
  const meteringPointId = f.gsrn('metering_point_id');
  const meteringPointType = f.code('metering_point_type', METERING_POINT_TYPES);
  const gridAreaCode = f.gridArea('grid_area_code');
  const settlementMethod = f.optCode('settlement_method', SETTLEMENT_METHODS);
  if (settlementMethod !== null && meteringPointType !== 'E17') {
    f.fail(
      'settlement_method',
      `only consumption (E17) metering points have a settlement method, not ${meteringPointType}`,
    );
  }
  const resolution = f.code('resolution', RESOLUTIONS);
  const fromGridAreaCode = f.optMatching('from_grid_area_code', GRID_AREA_CODE_RE, 'a three-digit grid area code');
  const toGridAreaCode = f.optMatching('to_grid_area_code', GRID_AREA_CODE_RE, 'a three-digit grid area code');
  if (meteringPointType === 'E20') {
    if (fromGridAreaCode === null)
      f.fail('from_grid_area_code', 'exchange (E20) metering points need from and to grid areas');
    if (toGridAreaCode === null)
      f.fail('to_grid_area_code', 'exchange (E20) metering points need from and to grid areas');
  } else {
    if (fromGridAreaCode !== null)
      f.fail('from_grid_area_code', `only exchange (E20) metering points have one, not ${meteringPointType}`);
    if (toGridAreaCode !== null)
      f.fail('to_grid_area_code', `only exchange (E20) metering points have one, not ${meteringPointType}`);
  }
  const parentMeteringPointId = f.optMatching('parent_metering_point_id', GSRN_RE, 'an 18-digit GSRN');
  if (CHILD_TYPES.has(meteringPointType) && parentMeteringPointId === null) {
    f.fail('parent_metering_point_id', `a child metering point (${meteringPointType}) needs a parent`);
  }
  if (PARENT_TYPES.has(meteringPointType) && parentMeteringPointId !== null) {
    f.fail('parent_metering_point_id', `a ${meteringPointType} metering point has no parent`);
  }
  if (parentMeteringPointId === meteringPointId)
    f.fail('parent_metering_point_id', 'a metering point cannot be its own parent');
  const effectiveDate = f.instant('effective_date');
  if (effectiveDate % RESOLUTION_MS[resolution] !== 0)
    f.fail('effective_date', `not aligned to the resolution ${resolution}`);
  const calculationType = f.optCode('calculation_type', METERING_POINT_CALCULATION_TYPES);
  return {
    messageType: 'MeteringPointCreated',
    meteringPointId,
    type: meteringPointType,
    gridAreaCode,
    settlementMethod,
    resolution,
    fromGridAreaCode,
    toGridAreaCode,
    parentMeteringPointId,
    calculationType,
    effectiveDate,
  };
}

function checkPeriod(f: Fields, from: number, to: number | null, toField: string, fromField: string): void {
  if (to !== null && to <= from) f.fail(toField, `must be after ${fromField}`);
}

function decodeChargeKey(f: Fields): { chargeCode: string; chargeType: ChargeType; chargeOwnerId: string } {
  return {
    chargeCode: f.str('charge_code'),
    chargeType: f.code('charge_type', CHARGE_TYPES),
    chargeOwnerId: f.actor('charge_owner_id'),
  };
}

function decodeTimeSeriesPointsReceived(f: Fields): TimeSeriesPointsReceived {
  const meteringPointId = f.gsrn('metering_point_id');
  const resolution = f.code('resolution', RESOLUTIONS);
  const registrationTime = f.instant('registration_time');
  const periodStart = f.instant('period_start');
  const periodEnd = f.instant('period_end');
  const step = RESOLUTION_MS[resolution];
  if (periodStart % step !== 0) f.fail('period_start', `not aligned to the resolution ${resolution}`);
  if (periodEnd <= periodStart) f.fail('period_end', 'must be after period_start');
  if (periodEnd % step !== 0) f.fail('period_end', `not aligned to the resolution ${resolution}`);
  const slots = (periodEnd - periodStart) / step;
  const items = f.list('points');
  if (items.length === 0) f.fail('points', 'at least one point is required');
  let previous = 0;
  const points = items.map((p): TimeSeriesPoint => {
    const position = p.uint32('position');
    if (position < 1 || position > slots) p.fail('position', `${position} is outside the period (1 .. ${slots})`);
    if (position <= previous)
      p.fail('position', `positions must be strictly increasing (${position} after ${previous})`);
    previous = position;
    const quality = p.code('quality', QUALITIES);
    const quantityMilli = p.optSafeInt('quantity_milli');
    if (quality === 'missing' && quantityMilli !== null)
      p.fail('quantity_milli', "must be absent when quality is 'missing'");
    if (quality !== 'missing' && quantityMilli === null) p.fail('quantity_milli', `missing (quality '${quality}')`);
    return { position, quantityMilli, quality };
  });
  return {
    messageType: 'TimeSeriesPointsReceived',
    meteringPointId,
    resolution,
    registrationTime,
    periodStart,
    periodEnd,
    points,
  };
}

const DECODERS: { readonly [K in IntegrationEventType]: (f: Fields) => IntegrationEventOf<K> } = {
  MeteringPointCreated: decodeMeteringPointCreated,
  MeteringPointConnected: (f) => ({
    messageType: 'MeteringPointConnected',
    meteringPointId: f.gsrn('metering_point_id'),
    effectiveDate: f.instant('effective_date'),
  }),
  EnergySupplierChanged: (f) => ({
    messageType: 'EnergySupplierChanged',
    meteringPointId: f.gsrn('metering_point_id'),
    energySupplierId: f.actor('energy_supplier_gln'),
    effectiveDate: f.instant('effective_date'),
  }),
  BalanceResponsiblePartyChanged: (f) => ({
    messageType: 'BalanceResponsiblePartyChanged',
    meteringPointId: f.gsrn('metering_point_id'),
    balanceResponsiblePartyId: f.actor('balance_responsible_party_id'),
    effectiveDate: f.instant('effective_date'),
  }),
  GridAreaUpdated: (f) => ({
    messageType: 'GridAreaUpdated',
    gridAreaCode: f.gridArea('grid_area_code'),
    gridAreaName: f.str('grid_area_name'),
    gridAccessProviderId: f.actor('grid_access_provider_id'),
    priceAreaCode: f.code('price_area_code', PRICE_AREA_CODES),
    effectiveDate: f.instant('effective_date'),
  }),
  ChargeInformationChanged: (f) => {
    const key = decodeChargeKey(f);
    const resolution = f.code('resolution', CHARGE_RESOLUTIONS[key.chargeType]);
    const isTax = f.bool('is_tax');
    if (isTax && key.chargeType !== 'tariff') f.fail('is_tax', `only tariffs can be taxes, not a ${key.chargeType}`);
    const fromDate = f.instant('from_date');
    const toDate = f.optInstant('to_date');
    checkPeriod(f, fromDate, toDate, 'to_date', 'from_date');
    return { messageType: 'ChargeInformationChanged', ...key, resolution, isTax, fromDate, toDate };
  },
  ChargePricesChanged: (f) => {
    const key = decodeChargeKey(f);
    const periodStart = f.instant('period_start');
    const periodEnd = f.instant('period_end');
    checkPeriod(f, periodStart, periodEnd, 'period_end', 'period_start');
    let previous = -Infinity;
    const points = f.list('points').map((p): ChargePricePoint => {
      const time = p.instant('time');
      if (time < periodStart || time >= periodEnd) p.fail('time', 'outside the period [period_start, period_end)');
      if (time <= previous) p.fail('time', 'times must be strictly increasing');
      previous = time;
      // P1M charges (subscriptions, fees) are priced at local day starts only (docs/wholesale-calculation.md)
      if (key.chargeType !== 'tariff' && !isLocalMidnight(time))
        p.fail(
          'time',
          `a ${key.chargeType} (P1M) price point must lie on a local day start (midnight Europe/Copenhagen)`,
        );
      return { time, priceMicro: p.safeInt('price_micro') };
    });
    return { messageType: 'ChargePricesChanged', ...key, periodStart, periodEnd, points };
  },
  ChargeLinkChanged: (f) => {
    const key = decodeChargeKey(f);
    const meteringPointId = f.gsrn('metering_point_id');
    const factor = f.uint32('factor');
    if (factor < 1) f.fail('factor', 'must be at least 1');
    if (key.chargeType === 'tariff' && factor !== 1) f.fail('factor', `must be 1 for a tariff, not ${factor}`);
    const fromDate = f.instant('from_date');
    const toDate = f.optInstant('to_date');
    checkPeriod(f, fromDate, toDate, 'to_date', 'from_date');
    return { messageType: 'ChargeLinkChanged', ...key, meteringPointId, factor, fromDate, toDate };
  },
  TimeSeriesPointsReceived: decodeTimeSeriesPointsReceived,
};
