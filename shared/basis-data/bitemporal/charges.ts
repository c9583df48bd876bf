/**
 * Pure core of the bi-temporal charge basis data: overlays the charge integration events known at
 * a calculation's as-of (system time) onto the bulk charge data (CSV / Parquet lake), giving the
 * `ChargeData` the wholesale calculation consumes (docs/wholesale-calculation.md, "Charge events
 * (bi-temporal)").
 *
 * - System-time axis: the caller passes exactly the events stored at or before the as-of; this
 *   module does not filter. Events are applied in stored order: `storedAt`, then `eventId`
 *   (code-unit order), never in input order, so any permutation of the input gives the same result.
 * - Idempotency: events are deduplicated by `eventId` (the earliest-stored copy wins, as in
 *   materialize.ts), so a redelivered event cannot re-apply an old price change over a newer one.
 *   Two copies with the same id and storedAt but different contents cannot be ordered and throw.
 * - Price information (ChargeInformationChanged), per charge key (code, type, owner): a key with at
 *   least one event takes its periods from its events only (the bulk periods of that key are
 *   dropped, so events never overlap the bulk data); keys without events keep the bulk periods.
 *   Among a key's events, a later-stored event with the same fromDate is a correction and replaces
 *   the earlier one. The periods are ordered by fromDate and each ends where the next starts
 *   unless its own toDate is earlier (a gap). So the periods of a key never overlap, which
 *   calculateAmounts relies on (it prices every period separately; overlap would double-count).
 * - Links (ChargeLinkChanged): the same rules per (charge key, metering point); `factor` becomes
 *   the link `quantity`. Bulk links of a (key, metering point) with events are dropped; the key's
 *   links to other metering points are kept.
 * - Prices (ChargePricesChanged), in stored order: each event replaces every price point of its key
 *   with charge time in [periodStart, periodEnd) — bulk points and points of earlier-stored
 *   events — by its own points. An event without points clears the range. Points outside every
 *   event range are kept as they are (bulk duplicates included).
 * - Events are independent by kind: price information events do not drop prices or links and vice
 *   versa, exactly as the bulk tables are independent.
 * - Output: new arrays of new row objects (`base` is never mutated nor aliased), with the rows'
 *   fields in the readers' order. The readers keep file order and do not sort, so the output uses
 *   a canonical order instead: charge key (chargeCode, chargeType, chargeOwnerId, code-unit order),
 *   then fromDate (price information), chargeTime (prices) or metering point id then fromDate
 *   (links). The sort is stable, so rows of the bulk data that tie keep their relative order
 *   (which of two bulk prices at the same time wins in calculateAmounts is unchanged).
 * - Validity: the output satisfies the row rules of the ChargeData readers (shared/basis-data/
 *   charges.ts). An event that would break them (e.g. a negative price, which the protobuf
 *   contract's sint64 would let through) throws ValidationError naming the event; the subscriber
 *   has already validated the contract, so this guards invariants, not user input.
 * - Integers only: instants are epoch ms and prices micro-DKK integers; nothing is computed on them
 *   but comparisons.
 */
import type {
  ChargeEvent,
  ChargeInformationChanged,
  ChargeLinkChanged,
  ChargePricesChanged,
} from '../../integration-events/events';
import type { Stored, StoredEventMetadata } from '../../integration-events/store/event-store';
import {
  CHARGE_TYPES,
  chargePriceTimeProblem,
  type ChargeData,
  type ChargeKey,
  type ChargeLink,
  type ChargePrice,
  type ChargePriceInformation,
} from '../charges';
import { ValidationError } from '../errors';
import { UnknownEventError } from './errors';
import { INTEGRATION_EVENTS_SOURCE } from './materialize';
import { GSRN_RE } from '../../domain/identifiers';

/** A charge event as persisted by the store (distributes over the union, so narrowing works). */
export type StoredChargeEvent = Stored<ChargeEvent>;

// ---- ordering ----------------------------------------------------------------------------------

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareStored(a: StoredEventMetadata, b: StoredEventMetadata): number {
  return a.storedAt - b.storedAt || compareStrings(a.eventId, b.eventId);
}

/** Field-wise, not on chargeKeyString: '|' sorts after '-', so the joined string orders differently. */
function compareKeys(a: ChargeKey, b: ChargeKey): number {
  return (
    compareStrings(a.chargeCode, b.chargeCode) ||
    compareStrings(a.chargeType, b.chargeType) ||
    compareStrings(a.chargeOwnerId, b.chargeOwnerId)
  );
}

/** Map key of a charge key; JSON so that no character of a code can make two keys collide. */
function keyOf(k: ChargeKey): string {
  return JSON.stringify([k.chargeCode, k.chargeType, k.chargeOwnerId]);
}

function linkKeyOf(l: ChargeKey & { meteringPointId: string }): string {
  return JSON.stringify([l.chargeCode, l.chargeType, l.chargeOwnerId, l.meteringPointId]);
}

// ---- validation (the row rules of the ChargeData readers, plus the event's own shape) ----------

/** Same pattern as the CSV / Parquet reader (a GLN or EIC id). */
const OWNER_RE = /^[0-9A-Za-z-]{1,16}$/;
const RESOLUTIONS: Readonly<Record<ChargeKey['chargeType'], readonly ChargePriceInformation['resolution'][]>> = {
  tariff: ['PT1H', 'P1D'],
  subscription: ['P1M'],
  fee: ['P1M'],
};

function fail(e: StoredChargeEvent, field: string, reason: string): never {
  throw new ValidationError(
    INTEGRATION_EVENTS_SOURCE,
    null,
    field,
    `event ${JSON.stringify(e.eventId)} (${e.messageType}): ${reason}`,
  );
}

function checkInstant(e: StoredChargeEvent, field: string, v: number): void {
  if (!Number.isSafeInteger(v)) fail(e, field, `not an integer epoch-ms instant: ${String(v)}`);
}

function checkPeriod(e: StoredChargeEvent, fromField: string, from: number, toField: string, to: number | null): void {
  checkInstant(e, fromField, from);
  if (to === null) return;
  checkInstant(e, toField, to);
  if (to <= from) fail(e, toField, `must be after ${fromField}`);
}

function validate(e: StoredChargeEvent): void {
  if (typeof e.eventId !== 'string' || e.eventId.length === 0) fail(e, 'eventId', 'missing');
  checkInstant(e, 'storedAt', e.storedAt);
  if (!(CHARGE_TYPES as readonly string[]).includes(e.chargeType))
    fail(e, 'chargeType', `unknown charge type ${JSON.stringify(e.chargeType)}`);
  if (e.chargeCode.length === 0) fail(e, 'chargeCode', 'missing');
  if (!OWNER_RE.test(e.chargeOwnerId))
    fail(e, 'chargeOwnerId', `${JSON.stringify(e.chargeOwnerId)} is not a valid GLN/EIC id`);
  switch (e.messageType) {
    case 'ChargeInformationChanged':
      if (!RESOLUTIONS[e.chargeType].includes(e.resolution))
        fail(
          e,
          'resolution',
          `a ${e.chargeType} has resolution ${RESOLUTIONS[e.chargeType].join(' or ')}, not ${JSON.stringify(e.resolution)}`,
        );
      checkPeriod(e, 'fromDate', e.fromDate, 'toDate', e.toDate);
      return;
    case 'ChargeLinkChanged':
      if (!GSRN_RE.test(e.meteringPointId))
        fail(e, 'meteringPointId', `${JSON.stringify(e.meteringPointId)} is not an 18-digit GSRN`);
      if (!Number.isSafeInteger(e.factor) || e.factor < 1)
        fail(e, 'factor', `${String(e.factor)} is not a whole number ≥ 1`);
      checkPeriod(e, 'fromDate', e.fromDate, 'toDate', e.toDate);
      return;
    case 'ChargePricesChanged': {
      checkPeriod(e, 'periodStart', e.periodStart, 'periodEnd', e.periodEnd);
      let previous = -Infinity;
      e.points.forEach((p, i) => {
        checkInstant(e, `points[${i}].time`, p.time);
        // Outside its own range a point would survive a replacement it was never part of.
        if (p.time < e.periodStart || p.time >= e.periodEnd)
          fail(e, `points[${i}].time`, 'outside [periodStart, periodEnd)');
        if (p.time <= previous) fail(e, `points[${i}].time`, 'times must be strictly increasing');
        previous = p.time;
        // the readers' rule: a subscription/fee (P1M) price point lies on a local day start
        const problem = chargePriceTimeProblem(e.chargeType, p.time);
        if (problem !== null) fail(e, `points[${i}].time`, problem);
        if (!Number.isSafeInteger(p.priceMicro))
          fail(e, `points[${i}].priceMicro`, `not a safe integer: ${String(p.priceMicro)}`);
        if (p.priceMicro < 0) fail(e, `points[${i}].priceMicro`, 'must not be negative');
      });
      return;
    }
    default: {
      const unknown: never = e;
      throw new UnknownEventError('charge', unknown);
    }
  }
}

/** Every field that carries meaning, in a fixed order: equal iff the two events say the same. */
function contentOf(e: StoredChargeEvent): string {
  const key = [e.messageType, e.chargeCode, e.chargeType, e.chargeOwnerId];
  switch (e.messageType) {
    case 'ChargeInformationChanged':
      return JSON.stringify([...key, e.resolution, e.isTax, e.fromDate, e.toDate]);
    case 'ChargeLinkChanged':
      return JSON.stringify([...key, e.meteringPointId, e.factor, e.fromDate, e.toDate]);
    case 'ChargePricesChanged':
      return JSON.stringify([...key, e.periodStart, e.periodEnd, e.points.map((p) => [p.time, p.priceMicro])]);
  }
}

/** Validated, deduplicated by eventId (earliest stored copy), in stored order. */
function orderedEvents(events: readonly StoredChargeEvent[]): StoredChargeEvent[] {
  const byId = new Map<string, StoredChargeEvent>();
  for (const e of events) {
    validate(e);
    const seen = byId.get(e.eventId);
    if (seen === undefined || e.storedAt < seen.storedAt) byId.set(e.eventId, e);
    else if (e.storedAt === seen.storedAt && contentOf(e) !== contentOf(seen)) {
      // Either copy could be picked depending on input order: refuse instead of guessing.
      fail(e, 'eventId', `stored twice at ${seen.storedAt} with different contents`);
    }
  }
  return [...byId.values()].sort(compareStored);
}

// ---- periods (price information and links) -----------------------------------------------------

interface Period {
  fromDate: number;
  toDate: number | null;
}

/**
 * The periods one group of events defines. `rows` are in stored order, so a later row with the
 * same fromDate (a correction) overwrites the earlier one; then each period ends at the next
 * one's start unless it already ends before it.
 */
function periodsOf<T extends Period>(rows: readonly T[]): T[] {
  const byFrom = new Map<number, T>();
  for (const r of rows) byFrom.set(r.fromDate, r);
  const sorted = [...byFrom.values()].sort((a, b) => a.fromDate - b.fromDate);
  return sorted.map((r, i) => {
    const next = i + 1 < sorted.length ? sorted[i + 1].fromDate : null;
    const toDate = next === null ? r.toDate : r.toDate === null ? next : Math.min(r.toDate, next);
    return { ...r, toDate };
  });
}

function groupBy<T>(rows: readonly T[], keyFn: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = keyFn(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function priceInformationOf(
  base: readonly ChargePriceInformation[],
  events: readonly Stored<ChargeInformationChanged>[],
): ChargePriceInformation[] {
  const byKey = groupBy(events, keyOf);
  const out: ChargePriceInformation[] = base.filter((r) => !byKey.has(keyOf(r))).map((r) => ({ ...r }));
  for (const list of byKey.values()) {
    // Field order as parsePriceInformation builds it, so equal data serializes identically.
    const rows = list.map((e): ChargePriceInformation => ({
      chargeCode: e.chargeCode,
      chargeType: e.chargeType,
      chargeOwnerId: e.chargeOwnerId,
      resolution: e.resolution,
      isTax: e.isTax,
      fromDate: e.fromDate,
      toDate: e.toDate,
    }));
    out.push(...periodsOf(rows));
  }
  return out.sort((a, b) => compareKeys(a, b) || a.fromDate - b.fromDate);
}

function linksOf(base: readonly ChargeLink[], events: readonly Stored<ChargeLinkChanged>[]): ChargeLink[] {
  const byLink = groupBy(events, linkKeyOf);
  const out: ChargeLink[] = base.filter((r) => !byLink.has(linkKeyOf(r))).map((r) => ({ ...r }));
  for (const list of byLink.values()) {
    // Field order as parseLink builds it.
    const rows = list.map((e): ChargeLink => ({
      chargeCode: e.chargeCode,
      chargeType: e.chargeType,
      chargeOwnerId: e.chargeOwnerId,
      meteringPointId: e.meteringPointId,
      quantity: e.factor,
      fromDate: e.fromDate,
      toDate: e.toDate,
    }));
    out.push(...periodsOf(rows));
  }
  return out.sort(
    (a, b) => compareKeys(a, b) || compareStrings(a.meteringPointId, b.meteringPointId) || a.fromDate - b.fromDate,
  );
}

// ---- prices ------------------------------------------------------------------------------------

/**
 * Disjoint, sorted, merged half-open ranges: the charge times that later-stored events of one key
 * have already claimed.
 */
class Coverage {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Index of the last range starting at or before t, or -1. */
  private lastStartingAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  covers(t: number): boolean {
    const i = this.lastStartingAtOrBefore(t);
    return i >= 0 && t < this.ends[i];
  }

  add(start: number, end: number): void {
    // Merge with every range that overlaps or touches [start, end).
    let first = this.lastStartingAtOrBefore(start);
    if (first < 0 || this.ends[first] < start) first++;
    let last = first;
    let s = start;
    let e = end;
    while (last < this.starts.length && this.starts[last] <= end) {
      s = Math.min(s, this.starts[last]);
      e = Math.max(e, this.ends[last]);
      last++;
    }
    this.starts.splice(first, last - first, s);
    this.ends.splice(first, last - first, e);
  }
}

function pricesOf(base: readonly ChargePrice[], events: readonly Stored<ChargePricesChanged>[]): ChargePrice[] {
  const byKey = groupBy(events, keyOf);
  const coverage = new Map<string, Coverage>();
  const out: ChargePrice[] = [];
  for (const [k, list] of byKey) {
    // Applying the events forward, a point survives exactly when no later-stored event of its key
    // covers its time. Walking backward and tracking what later events cover gives the same
    // result without rewriting the point list once per event.
    const covered = new Coverage();
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i];
      for (const p of e.points) {
        if (covered.covers(p.time)) continue;
        // Field order as parsePrice builds it.
        out.push({
          chargeCode: e.chargeCode,
          chargeType: e.chargeType,
          chargeOwnerId: e.chargeOwnerId,
          priceMicro: p.priceMicro,
          chargeTime: p.time,
        });
      }
      covered.add(e.periodStart, e.periodEnd);
    }
    coverage.set(k, covered);
  }
  // Bulk points come first so that, after the stable sort, bulk duplicates keep their order.
  const kept = base.filter((p) => !(coverage.get(keyOf(p))?.covers(p.chargeTime) ?? false)).map((p) => ({ ...p }));
  return [...kept, ...out].sort((a, b) => compareKeys(a, b) || a.chargeTime - b.chargeTime);
}

// ---- entry point -------------------------------------------------------------------------------

/**
 * The charge basis data as known at the as-of the caller filtered `events` by: `base` (the bulk
 * data) with the events overlaid. Pure and deterministic: independent of the order of `events`,
 * of redelivered duplicates, and `base` is left untouched.
 */
export function applyChargeEvents(base: ChargeData, events: readonly StoredChargeEvent[]): ChargeData {
  const info: Stored<ChargeInformationChanged>[] = [];
  const prices: Stored<ChargePricesChanged>[] = [];
  const links: Stored<ChargeLinkChanged>[] = [];
  for (const e of orderedEvents(events)) {
    if (e.messageType === 'ChargeInformationChanged') info.push(e);
    else if (e.messageType === 'ChargePricesChanged') prices.push(e);
    else links.push(e);
  }
  return {
    priceInformation: priceInformationOf(base.priceInformation, info),
    prices: pricesOf(base.prices, prices),
    links: linksOf(base.links, links),
  };
}
