import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Root } from 'protobufjs';
import { decodeIntegrationEvent } from '../../shared/integration-events/decode';
import { encodeIntegrationEvent } from '../../shared/integration-events/encode';
import {
  INTEGRATION_EVENT_TYPES,
  type IntegrationEvent,
  type IntegrationEventType,
  type TimeSeriesPointsReceived,
} from '../../shared/integration-events/events';
import { INTEGRATION_EVENT_CONTRACT, integrationEventProtoType } from '../../shared/integration-events/wire';
import { INTEGRATION_EVENTS_V1_PROTO } from '../../shared/integration-events/contracts/integration-events-v1.schema';
import { ContractError } from '../../shared/messaging/contract-error';

const PROTO_PATH = join(__dirname, '../../shared/integration-events/contracts/integration_events_v1.proto');

const ms = (iso: string): number => Date.parse(iso);
const MP = '571313180400012345';
const PARENT = '571313180400099999';
const ES = '5790000000001';
const BRP = '10X1001A1001A021'; // EIC
const DAY_START = ms('2023-11-01T23:00:00Z');

const TIME_SERIES: TimeSeriesPointsReceived = {
  messageType: 'TimeSeriesPointsReceived',
  meteringPointId: MP,
  resolution: 'PT15M',
  registrationTime: ms('2023-11-03T08:00:00.125Z'),
  periodStart: DAY_START,
  periodEnd: DAY_START + 3_600_000, // 4 slots
  points: [
    { position: 1, quantityMilli: 1_234, quality: 'measured' },
    { position: 2, quantityMilli: -5, quality: 'estimated' },
    { position: 3, quantityMilli: null, quality: 'missing' },
    { position: 4, quantityMilli: 9_007_199_254_740_991, quality: 'calculated' },
  ],
};

/** One valid example per message type. */
const EXAMPLES: { readonly [K in IntegrationEventType]: Extract<IntegrationEvent, { messageType: K }> } = {
  MeteringPointCreated: {
    messageType: 'MeteringPointCreated',
    meteringPointId: MP,
    type: 'E17',
    gridAreaCode: '800',
    settlementMethod: 'E02',
    resolution: 'PT1H',
    fromGridAreaCode: null,
    toGridAreaCode: null,
    parentMeteringPointId: null,
    calculationType: null,
    effectiveDate: DAY_START,
  },
  MeteringPointConnected: { messageType: 'MeteringPointConnected', meteringPointId: MP, effectiveDate: DAY_START },
  EnergySupplierChanged: {
    messageType: 'EnergySupplierChanged',
    meteringPointId: MP,
    energySupplierId: ES,
    effectiveDate: DAY_START,
  },
  BalanceResponsiblePartyChanged: {
    messageType: 'BalanceResponsiblePartyChanged',
    meteringPointId: MP,
    balanceResponsiblePartyId: BRP,
    effectiveDate: DAY_START,
  },
  GridAreaUpdated: {
    messageType: 'GridAreaUpdated',
    gridAreaCode: '801',
    gridAreaName: 'Nord',
    gridAccessProviderId: '5790000000002',
    priceAreaCode: 'DK1',
    effectiveDate: DAY_START,
  },
  ChargeInformationChanged: {
    messageType: 'ChargeInformationChanged',
    chargeCode: '40000',
    chargeType: 'tariff',
    chargeOwnerId: '5790000432752',
    resolution: 'PT1H',
    isTax: true,
    fromDate: DAY_START,
    toDate: null,
  },
  ChargePricesChanged: {
    messageType: 'ChargePricesChanged',
    chargeCode: '40000',
    chargeType: 'tariff',
    chargeOwnerId: '5790000432752',
    periodStart: DAY_START,
    periodEnd: DAY_START + 86_400_000,
    points: [
      { time: DAY_START, priceMicro: 756_998 },
      { time: DAY_START + 3_600_000, priceMicro: 0 },
      { time: DAY_START + 7_200_000, priceMicro: -1 },
    ],
  },
  ChargeLinkChanged: {
    messageType: 'ChargeLinkChanged',
    chargeCode: 'SUB-1',
    chargeType: 'subscription',
    chargeOwnerId: '5790000432752',
    meteringPointId: MP,
    factor: 2,
    fromDate: DAY_START,
    toDate: DAY_START + 30 * 86_400_000,
  },
  TimeSeriesPointsReceived: TIME_SERIES,
};

/** Expects a ContractError naming `field` (null = none) whose message matches `reason`. */
function expectContractError(fn: () => unknown, field: string | null, reason?: RegExp, contract?: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ContractError);
  const ce = error as ContractError;
  expect(ce.field).toBe(field);
  if (field) expect(ce.message).toContain(`.${field}:`);
  if (reason) expect(ce.message).toMatch(reason);
  if (contract) expect(ce.contract).toBe(contract);
}

/** Encodes an arbitrary (possibly contract-violating) object with the schema of `messageType`. */
function rawEncode(messageType: IntegrationEventType, fields: Record<string, unknown>): Uint8Array {
  const type = integrationEventProtoType(messageType);
  return type.encode(type.fromObject(fields)).finish();
}

const ts = (msValue: number): { seconds: number; nanos: number } => ({
  seconds: Math.floor(msValue / 1000),
  nanos: (msValue % 1000) * 1_000_000,
});

const RAW_TIME_SERIES = {
  metering_point_id: MP,
  resolution: 'PT15M',
  registration_time: ts(DAY_START + 86_400_000),
  period_start: ts(DAY_START),
  period_end: ts(DAY_START + 3_600_000),
  points: [
    { position: 1, quantity_milli: 1000, quality: 'measured' },
    { position: 2, quality: 'missing' },
  ],
};

const RAW_CREATED = {
  metering_point_id: MP,
  metering_point_type: 'E17',
  grid_area_code: '800',
  settlement_method: 'D01',
  resolution: 'PT1H',
  effective_date: ts(DAY_START),
};

describe('integration_events_v1 schema', () => {
  it('the embedded runtime schema is byte-identical to the .proto file', () => {
    expect(INTEGRATION_EVENTS_V1_PROTO).toBe(readFileSync(PROTO_PATH, 'utf8'));
  });

  it('the .proto file loads on its own and declares a message for every event type', () => {
    const root = new Root().loadSync(PROTO_PATH, { keepCase: true });
    for (const name of INTEGRATION_EVENT_TYPES) {
      expect(root.lookupType(`settlement.integration_events.v1.${name}`).name).toBe(name);
    }
  });

  it('wire format is pinned: field numbers of MeteringPointCreated and TimeSeriesPoint', () => {
    const created = integrationEventProtoType('MeteringPointCreated');
    expect(Object.fromEntries(Object.values(created.fields).map((f) => [f.name, f.id]))).toEqual({
      metering_point_id: 1,
      metering_point_type: 2,
      grid_area_code: 3,
      settlement_method: 4,
      resolution: 5,
      from_grid_area_code: 6,
      to_grid_area_code: 7,
      parent_metering_point_id: 8,
      effective_date: 9,
      calculation_type: 10,
    });
    const point = integrationEventProtoType('TimeSeriesPointsReceived').fields.points.resolvedType;
    expect(point?.name).toBe('TimeSeriesPoint');
  });
});

describe('integration events round trip', () => {
  it.each(INTEGRATION_EVENT_TYPES.map((t) => [t]))('%s', (messageType) => {
    const event = EXAMPLES[messageType];
    const { messageType: sent, body } = encodeIntegrationEvent(event);
    expect(sent).toBe(messageType);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(decodeIntegrationEvent(sent, body)).toEqual(event);
  });

  it('exchange and child metering points, open and closed periods', () => {
    const exchange: IntegrationEvent = {
      ...EXAMPLES.MeteringPointCreated,
      type: 'E20',
      settlementMethod: null,
      fromGridAreaCode: '801',
      toGridAreaCode: '800',
      resolution: 'PT15M',
      effectiveDate: DAY_START + 15 * 60_000,
    };
    const child: IntegrationEvent = {
      ...EXAMPLES.MeteringPointCreated,
      type: 'D06',
      settlementMethod: null,
      parentMeteringPointId: PARENT,
    };
    const gridLoss: IntegrationEvent = {
      ...EXAMPLES.MeteringPointCreated,
      type: 'E18',
      settlementMethod: null,
      calculationType: 'grid-loss',
    };
    const fee: IntegrationEvent = {
      ...EXAMPLES.ChargeInformationChanged,
      chargeType: 'fee',
      resolution: 'P1M',
      isTax: false,
      toDate: DAY_START + 86_400_000,
    };
    for (const e of [exchange, child, gridLoss, fee]) {
      const { messageType, body } = encodeIntegrationEvent(e);
      expect(decodeIntegrationEvent(messageType, body)).toEqual(e);
    }
  });

  it('decodes quantities exactly as integer milli-kWh, instants as epoch ms', () => {
    const e = decodeIntegrationEvent(
      'TimeSeriesPointsReceived',
      rawEncode('TimeSeriesPointsReceived', RAW_TIME_SERIES),
    );
    expect(e).toEqual({
      messageType: 'TimeSeriesPointsReceived',
      meteringPointId: MP,
      resolution: 'PT15M',
      registrationTime: DAY_START + 86_400_000,
      periodStart: DAY_START,
      periodEnd: DAY_START + 3_600_000,
      points: [
        { position: 1, quantityMilli: 1000, quality: 'measured' },
        { position: 2, quantityMilli: null, quality: 'missing' },
      ],
    });
  });
});

describe('integration events: invalid input → ContractError naming the field', () => {
  it('unknown MessageType', () => {
    expectContractError(
      () => decodeIntegrationEvent('MeteringPointDeleted', new Uint8Array()),
      'MessageType',
      /unknown message type/,
      INTEGRATION_EVENT_CONTRACT,
    );
  });

  it('bad GSRN', () => {
    const bytes = rawEncode('MeteringPointConnected', {
      metering_point_id: '57131318040001234',
      effective_date: ts(DAY_START),
    });
    expectContractError(
      () => decodeIntegrationEvent('MeteringPointConnected', bytes),
      'metering_point_id',
      /18-digit GSRN/,
      'MeteringPointConnected',
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.EnergySupplierChanged, meteringPointId: '57131318040001234X' }),
      'meteringPointId',
      /18-digit GSRN/,
      'EnergySupplierChanged',
    );
  });

  it('unknown type codes', () => {
    expectContractError(
      () =>
        decodeIntegrationEvent(
          'MeteringPointCreated',
          rawEncode('MeteringPointCreated', { ...RAW_CREATED, metering_point_type: 'E99' }),
        ),
      'metering_point_type',
      /unknown code "E99"/,
    );
    expectContractError(
      () =>
        decodeIntegrationEvent(
          'MeteringPointCreated',
          rawEncode('MeteringPointCreated', { ...RAW_CREATED, settlement_method: 'E01' }),
        ),
      'settlement_method',
      /unknown code/,
    );
    expectContractError(
      () =>
        decodeIntegrationEvent(
          'TimeSeriesPointsReceived',
          rawEncode('TimeSeriesPointsReceived', { ...RAW_TIME_SERIES, resolution: 'P1D' }),
        ),
      'resolution',
      /unknown code "P1D"/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.ChargeLinkChanged, chargeType: 'rebate' as 'fee' }),
      'chargeType',
      /unknown code "rebate"/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.ChargeInformationChanged, resolution: 'P1M' }),
      'resolution',
      /expected one of PT1H, P1D/,
    );
  });

  it('cross-field rules of metering points and charges', () => {
    const created =
      (fields: Record<string, unknown>): (() => unknown) =>
      () =>
        decodeIntegrationEvent(
          'MeteringPointCreated',
          rawEncode('MeteringPointCreated', { ...RAW_CREATED, ...fields }),
        );
    expectContractError(created({ metering_point_type: 'E18' }), 'settlement_method', /only consumption/);
    expectContractError(
      created({ metering_point_type: 'E20', settlement_method: undefined, from_grid_area_code: '801' }),
      'to_grid_area_code',
      /need from and to/,
    );
    expectContractError(
      created({ metering_point_type: 'D06', settlement_method: undefined }),
      'parent_metering_point_id',
      /needs a parent/,
    );
    expectContractError(created({ effective_date: ts(DAY_START + 60_000) }), 'effective_date', /not aligned/);
    expectContractError(created({ grid_area_code: '80' }), 'grid_area_code', /three-digit/);
    expectContractError(created({ from_grid_area_code: '' }), 'from_grid_area_code', /present but empty/);
    expectContractError(created({ effective_date: undefined }), 'effective_date', /missing/);
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.ChargeLinkChanged, chargeType: 'tariff', factor: 2 }),
      'factor',
      /must be 1 for a tariff/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.ChargeLinkChanged, factor: 0 }),
      'factor',
      /at least 1/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.ChargeLinkChanged, toDate: DAY_START }),
      'toDate',
      /after from_date/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.ChargeInformationChanged, chargeType: 'fee', resolution: 'P1M' }),
      'isTax',
      /only tariffs/,
    );
    expectContractError(
      () =>
        encodeIntegrationEvent({
          ...EXAMPLES.ChargePricesChanged,
          points: [{ time: DAY_START + 86_400_000, priceMicro: 1 }],
        }),
      'points[0].time',
      /outside the period/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...EXAMPLES.EnergySupplierChanged, energySupplierId: '579' }),
      'energySupplierId',
      /GLN/,
    );
  });

  it('garbage bytes', () => {
    // Field 1 (metering_point_id) announces 80 bytes, 1 follows.
    expectContractError(
      () => decodeIntegrationEvent('MeteringPointConnected', Uint8Array.from([0x0a, 0x50, 0x01])),
      'metering_point_id',
      /undecodable protobuf/,
    );
    // Field 1 with the invalid wire type 7.
    expectContractError(
      () => decodeIntegrationEvent('TimeSeriesPointsReceived', Uint8Array.from([0x0f, 0x01])),
      'metering_point_id',
      /undecodable/,
    );
    // A varint that never ends.
    expectContractError(
      () => decodeIntegrationEvent('GridAreaUpdated', new Uint8Array(12).fill(0xff)),
      null,
      /undecodable/,
    );
    // Decodable but empty: the first required field is missing.
    expectContractError(() => decodeIntegrationEvent('ChargeLinkChanged', new Uint8Array()), 'charge_code', /missing/);
    // A broken embedded point names the repeated field.
    const good = rawEncode('TimeSeriesPointsReceived', RAW_TIME_SERIES);
    const broken = Uint8Array.from([...good, 0x32, 0x03, 0x08, 0x80, 0x80]);
    expectContractError(() => decodeIntegrationEvent('TimeSeriesPointsReceived', broken), 'points', /undecodable/);
  });

  it('body that is not bytes', () => {
    expectContractError(
      () => decodeIntegrationEvent('MeteringPointConnected', 'abc' as unknown as Uint8Array),
      null,
      /Uint8Array/,
    );
  });

  it('point position outside the period, duplicated or zero', () => {
    const withPoints =
      (points: unknown[]): (() => unknown) =>
      () =>
        decodeIntegrationEvent(
          'TimeSeriesPointsReceived',
          rawEncode('TimeSeriesPointsReceived', { ...RAW_TIME_SERIES, points }),
        );
    expectContractError(
      withPoints([{ position: 5, quantity_milli: 1, quality: 'measured' }]),
      'points[0].position',
      /outside the period \(1 \.\. 4\)/,
    );
    expectContractError(
      withPoints([{ position: 0, quantity_milli: 1, quality: 'measured' }]),
      'points[0].position',
      /outside the period/,
    );
    expectContractError(
      withPoints([
        { position: 2, quantity_milli: 1, quality: 'measured' },
        { position: 2, quantity_milli: 1, quality: 'measured' },
      ]),
      'points[1].position',
      /strictly increasing/,
    );
    expectContractError(withPoints([]), 'points', /at least one point/);
    expectContractError(
      () =>
        encodeIntegrationEvent({ ...TIME_SERIES, points: [{ position: 7, quantityMilli: 1, quality: 'measured' }] }),
      'points[0].position',
      /outside the period/,
    );
  });

  it('quantities: exact integers within ±(2^53 − 1), absent exactly when missing', () => {
    const withPoint =
      (point: Record<string, unknown>): (() => unknown) =>
      () =>
        decodeIntegrationEvent(
          'TimeSeriesPointsReceived',
          rawEncode('TimeSeriesPointsReceived', { ...RAW_TIME_SERIES, points: [{ position: 1, ...point }] }),
        );
    expectContractError(
      withPoint({ quantity_milli: '9007199254740992', quality: 'measured' }),
      'points[0].quantity_milli',
      /outside/,
    );
    expectContractError(withPoint({ quality: 'measured' }), 'points[0].quantity_milli', /missing/);
    expectContractError(
      withPoint({ quantity_milli: 0, quality: 'missing' }),
      'points[0].quantity_milli',
      /must be absent/,
    );
    expectContractError(withPoint({ quantity_milli: 1, quality: 'good' }), 'points[0].quality', /unknown code "good"/);
    expectContractError(
      () =>
        encodeIntegrationEvent({ ...TIME_SERIES, points: [{ position: 1, quantityMilli: 1.5, quality: 'measured' }] }),
      'points[0].quantityMilli',
      /not a safe integer/,
    );
  });

  it('period of a time series must be aligned and non-empty', () => {
    expectContractError(
      () => encodeIntegrationEvent({ ...TIME_SERIES, periodEnd: TIME_SERIES.periodStart }),
      'periodEnd',
      /after period_start/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...TIME_SERIES, periodStart: DAY_START + 1 }),
      'periodStart',
      /not aligned/,
    );
    expectContractError(
      () => encodeIntegrationEvent({ ...TIME_SERIES, registrationTime: Number.NaN }),
      'registrationTime',
      /epoch-ms/,
    );
  });
});
