import { Root, Type, common, parse } from 'protobufjs';
import { locateWireError, safeInt64 } from './protobuf-util';
import type { BusMessage } from './bus';
import { ContractError } from './contract-error';
import { CALCULATION_COMPLETED_V1_PROTO } from './contracts/calculation-completed-v1.schema';
import { NAMES } from '../config/names';
import { CALCULATION_TYPES, type CalculationType } from '../domain/codes';
import { PROTOBUF_TIMESTAMP_YEARS, parseInstant } from '../domain/time';
import { uuid5 } from '../domain/uuid5';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';
import { InvariantError } from '../domain/errors';

/**
 * Integration event "calculation completed" (contracts/calculation_completed_v1.proto): the
 * results of a settlement job are committed under `outputPath`.
 *
 * Instants are ISO-8601 UTC strings; decoding returns them in canonical form
 * (`2023-11-01T23:00:00Z`, milliseconds only when non-zero; sub-millisecond nanos are dropped).
 */
export interface CalculationCompletedEvent {
  jobId: string;
  calculationType: CalculationType;
  periodStart: string;
  periodEnd: string;
  /** Three-digit grid area codes. */
  gridAreaCodes: string[];
  /** Blob path prefix of the committed results, e.g. `jobs/{jobId}/`. */
  outputPath: string;
  completedAt: string;
  /** Calculation version, a positive safe integer (int64 on the wire). */
  version: number;
}

export const CALCULATION_COMPLETED_CONTENT_TYPE = 'application/x-protobuf';
const MESSAGE = 'CalculationCompletedV1';
const EVENT = 'CalculationCompletedEvent';

/** Protobuf enum numbers (opengeh-wholesale §1.1, protobuf column); 0 = UNSPECIFIED is invalid. */
export const CALCULATION_TYPE_PROTO: Readonly<Record<CalculationType, number>> = {
  balance_fixing: 1,
  aggregation: 2,
  wholesale_fixing: 3,
  first_correction_settlement: 4,
  second_correction_settlement: 5,
  third_correction_settlement: 6,
};
const CALCULATION_TYPE_BY_PROTO: ReadonlyMap<number, CalculationType> = new Map(
  CALCULATION_TYPES.map((t) => [CALCULATION_TYPE_PROTO[t], t]),
);

/** Namespace of the uuid5 message ids of integration events. */
const EVENT_ID_NAMESPACE = Buffer.from('52a6d6be71e34f819d437d8e8d71107d', 'hex');

/** google.protobuf.Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;

let cachedType: Type | null = null;

/** The message type, parsed once from the embedded schema (google.protobuf.Timestamp ships with protobufjs). */
export function calculationCompletedType(): Type {
  if (cachedType) return cachedType;
  const root = new Root();
  const timestamp = common.get('google/protobuf/timestamp.proto');
  // protobufjs (pinned) ships it; absent only if the dependency broke
  if (!timestamp?.nested) throw new InvariantError('protobufjs does not ship google/protobuf/timestamp.proto');
  root.addJSON(timestamp.nested);
  parse(CALCULATION_COMPLETED_V1_PROTO, root, { keepCase: true });
  root.resolveAll();
  cachedType = root.lookupType(`settlement.contracts.${MESSAGE}`);
  return cachedType;
}

export function encodeCalculationCompleted(e: CalculationCompletedEvent): Uint8Array {
  const fail = (field: string, reason: string): never => {
    throw new ContractError(EVENT, field, reason);
  };
  if (typeof e.jobId !== 'string' || e.jobId.length === 0) fail('jobId', 'must be a non-empty string');
  const calculationType = Object.hasOwn(CALCULATION_TYPE_PROTO, e.calculationType)
    ? CALCULATION_TYPE_PROTO[e.calculationType]
    : fail('calculationType', `unknown calculation type ${JSON.stringify(e.calculationType)}`);
  const periodStart = instantMs(e.periodStart, 'periodStart');
  const periodEnd = instantMs(e.periodEnd, 'periodEnd');
  if (periodStart >= periodEnd) fail('periodEnd', `must be after periodStart (${e.periodStart} .. ${e.periodEnd})`);
  checkGridAreas(e.gridAreaCodes, (reason) => fail('gridAreaCodes', reason));
  if (typeof e.outputPath !== 'string' || e.outputPath.length === 0) fail('outputPath', 'must be a non-empty string');
  const completedAt = instantMs(e.completedAt, 'completedAt');
  if (!Number.isSafeInteger(e.version) || e.version < 1)
    fail('version', `must be a positive safe integer, got ${e.version}`);

  const type = calculationCompletedType();
  const message = type.fromObject({
    job_id: e.jobId,
    calculation_type: calculationType,
    period_start: timestamp(periodStart),
    period_end: timestamp(periodEnd),
    grid_area_codes: [...e.gridAreaCodes],
    output_path: e.outputPath,
    completed_at: timestamp(completedAt),
    version: e.version,
  });
  // A copy: protobufjs may hand out a view into Node's shared Buffer pool.
  return new Uint8Array(type.encode(message).finish());
}

export function decodeCalculationCompleted(bytes: Uint8Array): CalculationCompletedEvent {
  const fail = (field: string | null, reason: string): never => {
    throw new ContractError(MESSAGE, field, reason);
  };
  if (!(bytes instanceof Uint8Array)) fail(null, 'body must be bytes (Uint8Array)');
  const type = calculationCompletedType();
  let obj: Record<string, unknown>;
  try {
    obj = type.toObject(type.decode(bytes), { longs: String, enums: Number, defaults: true, arrays: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(locateWireError(type, bytes), `undecodable protobuf (${detail})`);
  }

  const jobId = obj.job_id;
  if (typeof jobId !== 'string' || jobId.length === 0) fail('job_id', 'missing');
  const typeNumber = obj.calculation_type;
  const calculationType = typeof typeNumber === 'number' ? CALCULATION_TYPE_BY_PROTO.get(typeNumber) : undefined;
  if (calculationType === undefined) {
    fail(
      'calculation_type',
      typeNumber === 0 ? 'missing (CALCULATION_TYPE_UNSPECIFIED)' : `unknown value ${String(typeNumber)}`,
    );
  }
  const periodStart = timestampMs(obj.period_start, 'period_start', fail);
  const periodEnd = timestampMs(obj.period_end, 'period_end', fail);
  if (periodStart >= periodEnd)
    fail(
      'period_end',
      `must be after period_start (${canonicalInstant(periodStart)} .. ${canonicalInstant(periodEnd)})`,
    );
  const gridAreaCodes = obj.grid_area_codes;
  checkGridAreas(gridAreaCodes, (reason) => fail('grid_area_codes', reason));
  const outputPath = obj.output_path;
  if (typeof outputPath !== 'string' || outputPath.length === 0) fail('output_path', 'missing');
  const completedAt = timestampMs(obj.completed_at, 'completed_at', fail);
  const version = safeInt64(obj.version);
  if (version === null || version < 1)
    fail('version', `must be a positive integer below 2^53, got ${String(obj.version)}`);

  return {
    jobId: jobId as string,
    calculationType: calculationType as CalculationType,
    periodStart: canonicalInstant(periodStart),
    periodEnd: canonicalInstant(periodEnd),
    gridAreaCodes: [...(gridAreaCodes as string[])],
    outputPath: outputPath as string,
    completedAt: canonicalInstant(completedAt),
    version: version as number,
  };
}

/**
 * The bus message of the event. `messageId` is a uuid5 of the message type and job id, so
 * publishing the completion of the same job again (activity retry, orchestration replay) is a
 * duplicate that Service Bus duplicate detection drops. Subject and `MessageType` carry the
 * message type; `EventId` = messageId; `OperationTimestamp` = completedAt.
 */
export function calculationCompletedMessage(e: CalculationCompletedEvent): BusMessage {
  const body = encodeCalculationCompleted(e);
  const messageType = NAMES.serviceBus.calculationCompletedMessageType;
  const messageId = calculationCompletedMessageId(e.jobId);
  return {
    messageId,
    body,
    contentType: CALCULATION_COMPLETED_CONTENT_TYPE,
    subject: messageType,
    applicationProperties: {
      MessageType: messageType,
      EventId: messageId,
      OperationTimestamp: canonicalInstant(parseInstant(e.completedAt, PROTOBUF_TIMESTAMP_YEARS) as number),
    },
  };
}

export function calculationCompletedMessageId(jobId: string): string {
  return uuid5(`${NAMES.serviceBus.calculationCompletedMessageType}|${jobId}`, EVENT_ID_NAMESPACE);
}

// ---- helpers -------------------------------------------------------------------------------

/** `2023-11-01T23:00:00Z`; milliseconds only when non-zero (`…:30.250Z`). */
function canonicalInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

const STRICT_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function instantMs(text: unknown, field: string): number {
  const ms =
    typeof text === 'string' && STRICT_INSTANT.test(text) ? parseInstant(text, PROTOBUF_TIMESTAMP_YEARS) : null;
  if (ms === null) throw new ContractError(EVENT, field, `not an ISO-8601 instant with zone: ${JSON.stringify(text)}`);
  const seconds = Math.floor(ms / 1000);
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS)
    throw new ContractError(EVENT, field, `out of range: ${text as string}`);
  return ms;
}

function timestamp(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function timestampMs(value: unknown, field: string, fail: (field: string, reason: string) => never): number {
  if (value === null || typeof value !== 'object') return fail(field, 'missing');
  const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
  const s = safeInt64(seconds);
  if (s === null || s < MIN_SECONDS || s > MAX_SECONDS) return fail(field, `seconds out of range: ${String(seconds)}`);
  if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    return fail(field, `nanos out of range: ${String(nanos)}`);
  }
  return s * 1000 + Math.floor(nanos / 1_000_000);
}

function checkGridAreas(codes: unknown, fail: (reason: string) => never): void {
  if (!Array.isArray(codes) || codes.length === 0) fail('at least one grid area code is required');
  for (const code of codes as unknown[]) {
    if (typeof code !== 'string' || !GRID_AREA_CODE_RE.test(code))
      fail(`not a three-digit grid area code: ${JSON.stringify(code)}`);
  }
}
