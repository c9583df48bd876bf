import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Root } from 'protobufjs';
import { NAMES } from '../../shared/config/names';
import { CALCULATION_TYPES } from '../../shared/domain/codes';
import {
  CALCULATION_COMPLETED_CONTENT_TYPE,
  calculationCompletedMessage,
  calculationCompletedType,
  decodeCalculationCompleted,
  encodeCalculationCompleted,
  type CalculationCompletedEvent,
} from '../../shared/messaging/calculation-completed';
import { ContractError } from '../../shared/messaging/contract-error';
import { CALCULATION_COMPLETED_V1_PROTO } from '../../shared/messaging/contracts/calculation-completed-v1.schema';

const PROTO_PATH = join(__dirname, '../../shared/messaging/contracts/calculation_completed_v1.proto');

const EVENT: CalculationCompletedEvent = {
  jobId: '3f1c2a8e-6d0b-4c55-9e3a-0a1b2c3d4e5f',
  calculationType: 'balance_fixing',
  periodStart: '2023-11-01T23:00:00Z',
  periodEnd: '2023-11-03T23:00:00Z',
  gridAreaCodes: ['800', '801'],
  outputPath: 'jobs/3f1c2a8e-6d0b-4c55-9e3a-0a1b2c3d4e5f/',
  completedAt: '2023-11-04T10:15:30.250Z',
  version: 1_699_092_930_250,
};

/** Expects a ContractError naming `field` (null = none) whose message matches `reason`. */
function expectContractError(fn: () => unknown, field: string | null, reason?: RegExp): void {
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
}

/** Encodes an arbitrary (possibly contract-violating) object with the schema. */
function rawEncode(fields: Record<string, unknown>): Uint8Array {
  const type = calculationCompletedType();
  return type.encode(type.fromObject(fields)).finish();
}

const VALID_RAW = {
  job_id: 'job-1',
  calculation_type: 1,
  period_start: { seconds: 1_698_879_600, nanos: 0 },
  period_end: { seconds: 1_699_052_400, nanos: 0 },
  grid_area_codes: ['800'],
  output_path: 'jobs/job-1/',
  completed_at: { seconds: 1_699_092_930, nanos: 0 },
  version: 1,
};

describe('CalculationCompletedV1 schema', () => {
  it('the embedded runtime schema is byte-identical to the published .proto file', () => {
    expect(CALCULATION_COMPLETED_V1_PROTO).toBe(readFileSync(PROTO_PATH, 'utf8'));
  });

  it('enum numbers follow the DataHub CALCULATION_TYPE_* protobuf column', () => {
    const root = new Root().loadSync(PROTO_PATH); // resolves google/protobuf/timestamp.proto from protobufjs
    expect(root.lookupEnum('settlement.contracts.CalculationType').values).toEqual({
      CALCULATION_TYPE_UNSPECIFIED: 0,
      CALCULATION_TYPE_BALANCE_FIXING: 1,
      CALCULATION_TYPE_AGGREGATION: 2,
      CALCULATION_TYPE_WHOLESALE_FIXING: 3,
      CALCULATION_TYPE_FIRST_CORRECTION_SETTLEMENT: 4,
      CALCULATION_TYPE_SECOND_CORRECTION_SETTLEMENT: 5,
      CALCULATION_TYPE_THIRD_CORRECTION_SETTLEMENT: 6,
    });
  });

  it('wire format is pinned (field numbers, types): golden bytes', () => {
    const bytes = encodeCalculationCompleted({
      jobId: 'j',
      calculationType: 'aggregation',
      periodStart: '1970-01-01T00:00:01Z',
      periodEnd: '1970-01-01T00:00:02.5Z',
      gridAreaCodes: ['800'],
      outputPath: 'p',
      completedAt: '1970-01-01T00:00:03Z',
      version: 300,
    });
    expect(Buffer.from(bytes).toString('hex')).toBe(
      [
        '0a016a', // 1 job_id "j"
        '1002', // 2 calculation_type AGGREGATION
        '1a020801', // 3 period_start {seconds 1}
        '220808021080cab5ee01', // 4 period_end {seconds 2, nanos 500000000}
        '2a03383030', // 5 grid_area_codes "800"
        '320170', // 6 output_path "p"
        '3a020803', // 7 completed_at {seconds 3}
        '40ac02', // 8 version 300
      ].join(''),
    );
  });

  it('bytes written by the .proto file loaded from disk decode (the published schema is the runtime schema)', () => {
    const type = new Root()
      .loadSync(PROTO_PATH, { keepCase: true })
      .lookupType('settlement.contracts.CalculationCompletedV1');
    const bytes = type
      .encode(type.fromObject({ ...VALID_RAW, calculation_type: 'CALCULATION_TYPE_WHOLESALE_FIXING' }))
      .finish();
    expect(decodeCalculationCompleted(bytes)).toEqual({
      jobId: 'job-1',
      calculationType: 'wholesale_fixing',
      periodStart: '2023-11-01T23:00:00Z',
      periodEnd: '2023-11-03T23:00:00Z',
      gridAreaCodes: ['800'],
      outputPath: 'jobs/job-1/',
      completedAt: '2023-11-04T10:15:30Z',
      version: 1,
    });
  });
});

describe('encode/decode CalculationCompletedV1', () => {
  it('round-trips an event', () => {
    const bytes = encodeCalculationCompleted(EVENT);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeCalculationCompleted(bytes)).toEqual(EVENT);
  });

  it.each(CALCULATION_TYPES)('round-trips calculation type %s', (calculationType) => {
    const e = { ...EVENT, calculationType };
    expect(decodeCalculationCompleted(encodeCalculationCompleted(e))).toEqual(e);
  });

  it('normalises instants to canonical UTC', () => {
    const e = decodeCalculationCompleted(
      encodeCalculationCompleted({
        ...EVENT,
        periodStart: '2023-11-02T00:00:00+01:00',
        completedAt: '2023-11-04T10:15:30.000Z',
      }),
    );
    expect(e.periodStart).toBe('2023-11-01T23:00:00Z');
    expect(e.completedAt).toBe('2023-11-04T10:15:30Z');
  });

  it('keeps instants before 1970 and large versions exact', () => {
    const e = { ...EVENT, periodStart: '1969-12-31T23:59:59.999Z', version: Number.MAX_SAFE_INTEGER };
    expect(decodeCalculationCompleted(encodeCalculationCompleted(e))).toEqual(e);
  });

  describe('undecodable bytes → ContractError naming the field', () => {
    it.each<[string, number[], string | null]>([
      ['truncated string', [0x0a, 0x05, 0x61], 'job_id'],
      ['broken embedded timestamp', [0x1a, 0x02, 0x08, 0xff], 'period_start'],
      ['truncated version varint', [0x40, 0xff], 'version'],
      ['no valid tag at all', [0xff, 0xff, 0xff], null],
      ['text, not protobuf', Array.from(Buffer.from('hello world')), '#13 (unknown field)'],
    ])('%s', (_what, bytes, field) => {
      expectContractError(() => decodeCalculationCompleted(Uint8Array.from(bytes)), field, /undecodable protobuf/);
    });

    it('a broken field after valid ones is named', () => {
      const bytes = Uint8Array.from([...rawEncode(VALID_RAW), 0x2a, 0x05, 0x38]);
      expectContractError(() => decodeCalculationCompleted(bytes), 'grid_area_codes', /undecodable protobuf/);
    });

    it('a known field with the wrong wire type is skipped (as protobuf parsers do), so the field reads as missing', () => {
      expectContractError(() => decodeCalculationCompleted(Uint8Array.from([0x08, 0x01])), 'job_id', /missing/);
    });

    it('not bytes at all', () => {
      expectContractError(() => decodeCalculationCompleted('abc' as unknown as Uint8Array), null, /Uint8Array/);
    });
  });

  describe('decodable but invalid → ContractError naming the field', () => {
    it.each<[string, Record<string, unknown>, string, RegExp]>([
      ['empty message', {}, 'job_id', /missing/],
      ['no job id', { job_id: '' }, 'job_id', /missing/],
      ['UNSPECIFIED calculation type', { calculation_type: 0 }, 'calculation_type', /UNSPECIFIED/],
      ['unknown calculation type', { calculation_type: 9 }, 'calculation_type', /unknown value 9/],
      ['no period start', { period_start: null }, 'period_start', /missing/],
      ['nanos out of range', { period_end: { seconds: 1_699_052_400, nanos: 1_000_000_000 } }, 'period_end', /nanos/],
      ['seconds out of range', { completed_at: { seconds: 253_402_300_800, nanos: 0 } }, 'completed_at', /seconds/],
      ['end before start', { period_end: { seconds: 1_698_879_600, nanos: 0 } }, 'period_end', /after period_start/],
      ['no grid areas', { grid_area_codes: [] }, 'grid_area_codes', /at least one/],
      ['bad grid area', { grid_area_codes: ['800', '8001'] }, 'grid_area_codes', /"8001"/],
      ['no output path', { output_path: '' }, 'output_path', /missing/],
      ['version 0', { version: 0 }, 'version', /positive/],
      ['version beyond 2^53', { version: '9007199254740993' }, 'version', /9007199254740993/],
    ])('%s', (_what, override, field, reason) => {
      const fields = Object.keys(override).length === 0 ? {} : { ...VALID_RAW, ...override };
      expectContractError(() => decodeCalculationCompleted(rawEncode(fields)), field, reason);
    });
  });

  describe('encode validates the event', () => {
    it.each<[string, Partial<Record<keyof CalculationCompletedEvent, unknown>>, string]>([
      ['empty job id', { jobId: '' }, 'jobId'],
      ['unknown calculation type', { calculationType: 'balance' }, 'calculationType'],
      ['prototype key as calculation type', { calculationType: 'constructor' }, 'calculationType'],
      ['instant without zone', { periodStart: '2023-11-01T23:00:00' }, 'periodStart'],
      ['not an instant', { completedAt: 'yesterday' }, 'completedAt'],
      ['empty period', { periodEnd: EVENT.periodStart }, 'periodEnd'],
      ['two-digit grid area', { gridAreaCodes: ['80'] }, 'gridAreaCodes'],
      ['empty output path', { outputPath: '' }, 'outputPath'],
      ['fractional version', { version: 1.5 }, 'version'],
      ['unsafe version', { version: 2 ** 53 }, 'version'],
    ])('%s', (_what, override, field) => {
      const e = { ...EVENT, ...override } as CalculationCompletedEvent;
      expectContractError(() => encodeCalculationCompleted(e), field);
      expectContractError(() => calculationCompletedMessage(e), field);
    });
  });
});

describe('calculationCompletedMessage', () => {
  it('builds the bus message: protobuf body, message type as subject and MessageType, EventId, OperationTimestamp', () => {
    const m = calculationCompletedMessage(EVENT);
    expect(m.contentType).toBe(CALCULATION_COMPLETED_CONTENT_TYPE);
    expect(m.contentType).toBe('application/x-protobuf');
    expect(m.subject).toBe(NAMES.serviceBus.calculationCompletedMessageType);
    expect(m.applicationProperties).toEqual({
      MessageType: 'CalculationCompletedV1',
      EventId: m.messageId,
      OperationTimestamp: '2023-11-04T10:15:30.250Z',
    });
    expect(decodeCalculationCompleted(m.body)).toEqual(EVENT);
  });

  it('messageId is deterministic from the job id (a re-publish is a detectable duplicate)', () => {
    const a = calculationCompletedMessage(EVENT);
    const again = calculationCompletedMessage({ ...EVENT });
    expect(a.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again.messageId).toBe(a.messageId);
    expect(again).toEqual(a);
    expect(
      calculationCompletedMessage({ ...EVENT, jobId: 'another-job', outputPath: 'jobs/another-job/' }).messageId,
    ).not.toBe(a.messageId);
    // Pinned: the id must not change between releases, or duplicate detection breaks across a deploy.
    expect(calculationCompletedMessage({ ...EVENT, jobId: 'job-1' }).messageId).toBe(
      '568568aa-b24c-568d-b2b3-3f3a402485b2',
    );
  });
});
