/**
 * Issue 12 findings 4 and 6: one instant parser with a documented year range (2000–2100), used
 * wherever an instant enters; asOf not in the future; future registration times refused.
 */
import * as arrow from 'apache-arrow';
import { CLOCK_SKEW_MS, INSTANT_YEARS, parseInstant, PROTOBUF_TIMESTAMP_YEARS } from '../../shared/domain/time';
import { parseKickStartRequest, type KickStartParse } from '../../shared/settlement/kick-start-request';
import { decodeIntegrationEvent } from '../../shared/integration-events/decode';
import { encodeIntegrationEvent } from '../../shared/integration-events/encode';
import type { TimeSeriesPointsReceived } from '../../shared/integration-events/events';
import {
  handleIntegrationEventMessage,
  INVALID_INTEGRATION_EVENT_REASON,
} from '../../shared/integration-events/subscriber';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { ReceivedMessage } from '../../shared/messaging/bus';
import { ContractError } from '../../shared/messaging/contract-error';
import { integrationEventProtoType } from '../../shared/integration-events/wire';
import { ingestTimeSeries } from '../../shared/ingestion/time-series-ingestion';
import { ValidationError } from '../../shared/basis-data/errors';
import { LakeLayout } from '../../shared/basis-data/parquet/lake-layout';
import { parquetBytes, stringColumn, decimal3Column, tableOf } from '../../shared/basis-data/parquet/arrow-io';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { canonicalInstant, InvalidJobSpecError } from '../../shared/jobs/job-lifecycle';

const ms = (iso: string) => parseInstant(iso) as number;

describe('parseInstant: four-digit years in 2000–2100', () => {
  it('reproduces finding 4: year 0050 no longer becomes 1950 (Date.UTC maps 0–99 to 1900–1999)', () => {
    expect(Date.UTC(50, 2, 2)).toBe(Date.parse('1950-03-02T00:00:00Z')); // the trap
    expect(parseInstant('0050-03-02T00:00:00Z')).toBeNull();
    // with the protobuf range (our outbound contract only) the year is kept exactly
    expect(new Date(parseInstant('0050-03-02T00:00:00Z', PROTOBUF_TIMESTAMP_YEARS) as number).toISOString()).toBe(
      '0050-03-02T00:00:00.000Z',
    );
  });

  it.each(['1999-12-31T23:59:59Z', '2101-01-01T00:00:00Z', '9999-01-01T00:00:00Z', '0001-01-01T00:00:00Z'])(
    'rejects %s',
    (s) => expect(parseInstant(s)).toBeNull(),
  );

  it.each([
    ['2000-01-01T00:00:00Z', Date.UTC(2000, 0, 1)],
    ['2100-12-31T23:59:59.999Z', Date.UTC(2100, 11, 31, 23, 59, 59, 999)],
    ['2023-11-02T00:00:00+01:00', Date.UTC(2023, 10, 1, 23)],
    ['2023-11-01 23:00:00', Date.UTC(2023, 10, 1, 23)],
  ])('accepts %s', (s, expected) => expect(parseInstant(s)).toBe(expected));

  it('rejects malformed years, dates and offsets', () => {
    for (const s of [
      '+02023-01-01T00:00:00Z',
      '23-01-01T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2023-01-01T00:00:00+25:00',
    ])
      expect(parseInstant(s)).toBeNull();
    expect(INSTANT_YEARS).toEqual({ min: 2000, max: 2100 });
  });

  it('job specs go through the same parser', () => {
    expect(() => canonicalInstant('0050-03-02T00:00:00Z', 'periodStart')).toThrow(InvalidJobSpecError);
    expect(canonicalInstant('2023-11-01T23:00:00Z', 'periodStart')).toBe('2023-11-01T23:00:00.000Z');
  });
});

describe('KickStartJob: instants and asOf', () => {
  const now = new Date('2024-02-10T12:00:00Z');
  const ctx = {
    knownGridAreas: new Set(['800']),
    quarterlyTransition: ms('2023-01-31T23:00:00Z'),
    now,
    createdByUserId: 's',
  };
  const ok = {
    beginTime: '2024-01-31T23:00:00Z',
    endTime: '2024-02-01T23:00:00Z',
    processType: 'D04',
    gridAreas: '800',
  };
  const issues = (raw: unknown) => {
    const r: KickStartParse = parseKickStartRequest(raw, ctx);
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('beginTime/endTime/asOf with years outside 2000–2100 → issue naming the field', () => {
    expect(issues({ ...ok, beginTime: '0050-03-02T00:00:00Z' })).toEqual([
      expect.stringMatching(
        /^beginTime: '0050-03-02T00:00:00Z' is not an ISO-8601 instant with a four-digit year in 2000–2100/,
      ),
    ]);
    expect(issues({ ...ok, endTime: '2101-01-01T00:00:00Z' })[0]).toMatch(/^endTime: /);
    expect(issues({ ...ok, asOf: '1999-01-01T00:00:00Z' })[0]).toMatch(/^asOf: /);
  });

  it('reproduces finding 6: a future asOf (9999, or tomorrow) is refused naming asOf', () => {
    expect(issues({ ...ok, asOf: '9999-12-31T00:00:00Z' })).toEqual([expect.stringMatching(/^asOf: /)]);
    expect(issues({ ...ok, asOf: '2024-02-11T12:00:00Z' })).toEqual([
      'asOf: must not be in the future (now is 2024-02-10T12:00:00.000Z)',
    ]);
  });

  it('within the clock-skew allowance asOf counts as now; a past asOf is kept', () => {
    const skewed = parseKickStartRequest({ ...ok, asOf: new Date(now.getTime() + CLOCK_SKEW_MS).toISOString() }, ctx);
    expect(skewed.ok && skewed.spec.asOf).toBe(now.toISOString());
    const past = parseKickStartRequest({ ...ok, asOf: '2024-02-05T00:00:00Z' }, ctx);
    expect(past.ok && past.spec.asOf).toBe('2024-02-05T00:00:00.000Z');
  });

  it('oversized fields → issues (400), not a stored 80 k-character value', () => {
    const long = 'x'.repeat(80_000);
    expect(issues({ ...ok, processType: long })).toEqual(['processType: at most 40 characters']);
    expect(issues({ ...ok, settlementVersion: long })).toEqual(['settlementVersion: at most 40 characters']);
    expect(issues({ ...ok, gridAreas: Array.from({ length: 1001 }, () => '800') })[0]).toMatch(/^gridAreas: /);
    expect(issues({ ...ok, beginTime: long })[0].length).toBeLessThan(300);
  });
});

const TS: TimeSeriesPointsReceived = {
  messageType: 'TimeSeriesPointsReceived',
  meteringPointId: '571313180000000001',
  resolution: 'PT1H',
  registrationTime: ms('2024-03-01T00:00:00Z'),
  periodStart: ms('2024-02-01T00:00:00Z'),
  periodEnd: ms('2024-02-01T01:00:00Z'),
  points: [{ position: 1, quantityMilli: 1, quality: 'measured' }],
};

function received(e: TimeSeriesPointsReceived, deadLetters: string[]): ReceivedMessage {
  const { messageType, body } = encodeIntegrationEvent(e);
  return {
    messageId: 'e1',
    body,
    subject: messageType,
    applicationProperties: { MessageType: messageType, EventId: 'e1' },
    deliveryCount: 1,
    complete: () => Promise.resolve(),
    abandon: () => Promise.reject(new ContractError('x', null, 'not expected')),
    deadLetter: (reason, description) => {
      deadLetters.push(`${reason}: ${description ?? ''}`);
      return Promise.resolve();
    },
  };
}

describe('integration events: instants', () => {
  it('a Timestamp outside 2000–2100 is a ContractError naming the field', () => {
    const { messageType, body } = encodeIntegrationEvent(TS);
    const type = integrationEventProtoType('TimeSeriesPointsReceived');
    const raw = type.toObject(type.decode(body), { longs: Number });
    const bytes = type
      .encode(type.fromObject({ ...raw, period_start: { seconds: Date.UTC(1950, 2, 2) / 1000 } }))
      .finish();
    expect(() => decodeIntegrationEvent(messageType, bytes)).toThrow(/period_start: 1950-03-02T00:00:00.000Z is not/);
  });

  it('reproduces finding 6: a future registration_time is dead-lettered naming the field, nothing stored', async () => {
    const store = new MemoryIntegrationEventStore();
    const dead: string[] = [];
    const now = ms('2024-03-01T00:00:00Z');
    const future = { ...TS, registrationTime: now + CLOCK_SKEW_MS + 1 };
    expect(await handleIntegrationEventMessage(store, received(future, dead), () => now)).toBe('dead-lettered');
    expect(dead).toEqual([
      expect.stringMatching(
        new RegExp(`^${INVALID_INTEGRATION_EVENT_REASON}: .*registration_time: .* is in the future`),
      ),
    ]);
    expect(await store.countEvents()).toBe(0);
    // within the allowance: stored
    const skewed = { ...TS, registrationTime: now + CLOCK_SKEW_MS };
    expect(await handleIntegrationEventMessage(store, received(skewed, dead), () => now)).toBe('stored');
  });
});

describe('time series ingestion: instants', () => {
  const layout = () =>
    Promise.resolve(
      new LakeLayout([
        { meteringPointId: '571313180000000001', type: 'E17', gridAreaCode: '804', fromDate: 0, toDate: null },
      ]),
    );
  const line = (t: string) =>
    JSON.stringify({
      metering_point_id: '571313180000000001',
      quantity: '1',
      quality: 'measured',
      observation_time: t,
      resolution: 'PT1H',
    });

  it('reproduces finding 4: observation_time 0050-03-02 is refused (it was stored under 1950-03-02), naming row and column', async () => {
    const blobs = new MemoryBlobStore();
    const body = new TextEncoder().encode(`${line('2024-01-01T00:00:00Z')}\n${line('0050-03-02T00:00:00Z')}\n`);
    const err = await ingestTimeSeries(body, 'ndjson', blobs, new Date('2024-03-01T00:00:00Z'), layout).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ row: 2, column: 'observation_time' });
    expect((await blobs.list('')).length).toBe(0);
  });

  it('a Parquet timestamp outside 2000–2100 is refused naming row and column', async () => {
    const t = Date.UTC(1950, 2, 2);
    const table = tableOf({
      metering_point_id: stringColumn(['571313180000000001']),
      quantity: decimal3Column(Float64Array.from([1000])),
      quality: stringColumn(['measured']),
      observation_time: arrow.makeData({
        type: new arrow.TimestampMillisecond('UTC'),
        length: 1,
        data: new BigInt64Array([BigInt(t)]),
      }),
      resolution: stringColumn(['PT1H']),
    });
    const err = await ingestTimeSeries(parquetBytes(table), 'parquet', new MemoryBlobStore(), new Date(), layout).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ row: 1, column: 'observation_time' });
    expect(String((err as Error).message)).toMatch(/1950-03-02/);
  });
});
