/**
 * The JSON form of integration events, for files a person writes or edits (`npm run events --
 * publish FILE`): the domain events of ./events.ts with instants as ISO-8601 strings instead of
 * epoch milliseconds, optional fields allowed to be left out (= null), and an optional `eventId`.
 * Shape and codes are checked here (zod, naming the path); everything else (GSRNs, alignment,
 * period order, point positions) is checked by the one protobuf encoding (./encode.ts), which
 * applies the decoder's rules, so a file is accepted exactly when its messages would be.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CHARGE_TYPES } from '../basis-data/charges';
import {
  METERING_POINT_CALCULATION_TYPES,
  METERING_POINT_TYPES,
  QUALITIES,
  RESOLUTIONS,
  SETTLEMENT_METHODS,
} from '../domain/codes';
import { INSTANT_HINT, parseInstant } from '../domain/time';
import type { IntegrationEvent } from './events';

const instant = z.string().transform((text, ctx) => {
  const ms = parseInstant(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `'${text.slice(0, 60)}' is not ${INSTANT_HINT}` });
    return z.NEVER;
  }
  return ms;
});
const optInstant = instant.nullish().transform((v) => v ?? null);
const optString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const optEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .enum(values)
    .nullish()
    .transform((v) => v ?? null);
const chargeKey = { chargeCode: z.string(), chargeType: z.enum(CHARGE_TYPES), chargeOwnerId: z.string() };

const EVENT_SCHEMA = z.discriminatedUnion('messageType', [
  z.strictObject({
    messageType: z.literal('MeteringPointCreated'),
    meteringPointId: z.string(),
    type: z.enum(METERING_POINT_TYPES),
    calculationType: optEnum(METERING_POINT_CALCULATION_TYPES),
    settlementMethod: optEnum(SETTLEMENT_METHODS),
    gridAreaCode: z.string(),
    resolution: z.enum(RESOLUTIONS),
    fromGridAreaCode: optString,
    toGridAreaCode: optString,
    parentMeteringPointId: optString,
    effectiveDate: instant,
  }),
  z.strictObject({
    messageType: z.literal('MeteringPointConnected'),
    meteringPointId: z.string(),
    effectiveDate: instant,
  }),
  z.strictObject({
    messageType: z.literal('EnergySupplierChanged'),
    meteringPointId: z.string(),
    energySupplierId: z.string(),
    effectiveDate: instant,
  }),
  z.strictObject({
    messageType: z.literal('BalanceResponsiblePartyChanged'),
    meteringPointId: z.string(),
    balanceResponsiblePartyId: z.string(),
    effectiveDate: instant,
  }),
  z.strictObject({
    messageType: z.literal('GridAreaUpdated'),
    gridAreaCode: z.string(),
    gridAreaName: z.string(),
    gridAccessProviderId: z.string(),
    priceAreaCode: z.enum(['DK1', 'DK2']),
    effectiveDate: instant,
  }),
  z.strictObject({
    messageType: z.literal('ChargeInformationChanged'),
    ...chargeKey,
    resolution: z.enum(['PT1H', 'P1D', 'P1M']),
    isTax: z.boolean(),
    fromDate: instant,
    toDate: optInstant,
  }),
  z.strictObject({
    messageType: z.literal('ChargePricesChanged'),
    ...chargeKey,
    periodStart: instant,
    periodEnd: instant,
    points: z.array(z.strictObject({ time: instant, priceMicro: z.number() })),
  }),
  z.strictObject({
    messageType: z.literal('ChargeLinkChanged'),
    ...chargeKey,
    meteringPointId: z.string(),
    factor: z.number(),
    fromDate: instant,
    toDate: optInstant,
  }),
  z.strictObject({
    messageType: z.literal('TimeSeriesPointsReceived'),
    meteringPointId: z.string(),
    resolution: z.enum(RESOLUTIONS),
    registrationTime: instant,
    periodStart: instant,
    periodEnd: instant,
    points: z.array(
      z.strictObject({
        position: z.number(),
        quantityMilli: z
          .number()
          .nullish()
          .transform((v) => v ?? null),
        quality: z.enum(QUALITIES),
      }),
    ),
  }),
]);

/** The optional id of an entry (the rest of the entry is the event, checked strictly). */
const EVENT_ID_SCHEMA = z.string().min(1).max(200).optional();

export interface IdentifiedEvent {
  eventId: string;
  event: IntegrationEvent;
}

/** An events file's content is not what the JSON form allows; `issues` name the paths. */
export class EventsFileError extends Error {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'EventsFileError';
  }
}

/**
 * A missing `eventId` is derived from the event's content, so publishing the same file twice
 * stores each event once (the store is idempotent by event id) instead of doubling it.
 */
function contentId(event: IntegrationEvent): string {
  return `json-${createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 32)}`;
}

/**
 * Parses an events file: a JSON array of events, one JSON event, or NDJSON (one event per line).
 * Shape errors throw EventsFileError naming `[index].field`; the domain rules are checked when
 * the events are encoded (encodeIntegrationEvent throws ContractError naming the field).
 */
export function parseEventsJson(text: string): IdentifiedEvent[] {
  let values: unknown[];
  const trimmed = text.trim();
  try {
    const whole: unknown = JSON.parse(trimmed);
    values = Array.isArray(whole) ? whole : [whole];
  } catch {
    values = [];
    const lines = trimmed.split(/\r?\n/);
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch (e) {
        throw new EventsFileError([{ path: `line ${i + 1}`, message: `not JSON: ${(e as Error).message}` }]);
      }
    }
  }
  if (values.length === 0) throw new EventsFileError([{ path: '(file)', message: 'no events' }]);
  const out: IdentifiedEvent[] = [];
  const issues: Array<{ path: string; message: string }> = [];
  for (const [i, v] of values.entries()) {
    const { eventId: rawId, ...rest } = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    const id = EVENT_ID_SCHEMA.safeParse(rawId);
    const parsed = EVENT_SCHEMA.safeParse(typeof v === 'object' && v !== null ? rest : v);
    for (const [prefix, result] of [
      ['.eventId', id],
      ['', parsed],
    ] as const)
      if (!result.success)
        for (const issue of result.error.issues)
          issues.push({ path: `[${i}]${prefix}${issuePath(issue.path)}`, message: issue.message });
    if (parsed.success && id.success) out.push({ eventId: id.data ?? contentId(parsed.data), event: parsed.data });
  }
  if (issues.length > 0) throw new EventsFileError(issues.slice(0, 50));
  return out;
}

const issuePath = (path: readonly PropertyKey[]): string =>
  path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

/** The JSON form of an event (instants as ISO strings): what parseEventsJson reads back. */
export function eventToJson(eventId: string, event: IntegrationEvent): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const out: Record<string, unknown> = { eventId };
  for (const [k, v] of Object.entries(event)) {
    if (INSTANT_FIELDS.has(k)) out[k] = iso(v as number | null);
    else if (k === 'points' && Array.isArray(v))
      out[k] = v.map((p: Record<string, unknown>) => ('time' in p ? { ...p, time: iso(p.time as number) } : p));
    else out[k] = v;
  }
  return out;
}

const INSTANT_FIELDS: ReadonlySet<string> = new Set([
  'effectiveDate',
  'fromDate',
  'toDate',
  'periodStart',
  'periodEnd',
  'registrationTime',
]);
