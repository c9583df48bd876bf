/**
 * The eSett aggregated-data document from committed energy results (docs/esett.md). Pure:
 * rows and metadata in, document models and XML out; no I/O, no clock, no randomness, so the
 * same calculation always gives byte-identical documents with identical ids.
 */
import { formatInstant, HOUR_MS, parseInstant, QUARTER_MS } from '../../domain/time';
import type { CalculationType, Quality } from '../../domain/codes';
import type { EnergyResultRow } from '../../results/energy-result-row';
import { uuid5 } from '../../domain/uuid5';
import {
  codingSchemeOf,
  DATAHUB_GLN,
  ESETT_BUSINESS_SECTOR,
  ESETT_DOCUMENT_TYPE,
  ESETT_PROCESS_TYPE,
  ESETT_QUARTER_HOUR_ISP_START,
  ESETT_SERIES_CODES,
  ESETT_SERIES_KINDS,
  RECEIVER_ROLE,
  SENDER_ROLE,
  type EsettSeriesKind,
  type PartyId,
} from './esett-codes';
import { EsettDocumentError } from './esett-errors';
import { esettQuality, parseResultQualities } from './esett-quality';
import type { EsettDocument, EsettMarketDocument, EsettPoint, EsettResolution, EsettSeries } from './esett-model';
import { esettDocumentXml } from './esett-xml';
import { GRID_AREA_CODE_RE } from '../../domain/identifiers';

export interface EsettDocumentMetadata {
  calculationId: string;
  calculationType: CalculationType;
  /** Calculation period [start, end) as ISO-8601 instants on whole minutes (e.g. `2023-11-01T23:00:00Z`). */
  period: { start: string; end: string };
  /**
   * `createdDateTime`. Pass the calculation's commit instant (CalculationCompletedV1.completedAt),
   * not the current time: a redelivered event then yields a byte-identical document.
   */
  createdAt: string;
}

export interface EsettDocumentOptions {
  /** eSett's party id (GLN or EIC; the coding scheme follows from its form). Configuration, not data. */
  receiver: string;
  /** Default: DataHub's GLN (docs/esett.md, "Sender"). */
  sender?: string;
  /** Start of eSett's 15-minute imbalance settlement period; default ESETT_QUARTER_HOUR_ISP_START. */
  quarterHourIspStart?: string;
}

/** Namespace of eSett document ids (distinct from result ids' namespace: different kind of object). */
const ESETT_DOCUMENT_NAMESPACE = Buffer.from('0d08d8a9956f400f843462841631048f', 'hex');

/** Deterministic document mRID: uuid5 of (calculation, grid area, 'esett'). */
export function esettDocumentId(calculationId: string, gridAreaCode: string): string {
  return uuid5([calculationId, gridAreaCode, 'esett'].join('|'), ESETT_DOCUMENT_NAMESPACE);
}

/**
 * Which eSett series a result row belongs to, or null when eSett does not receive it:
 * exchange per neighbour, and production / non-profiled / flex consumption per supplier.
 * The self-pair (grid area = neighbour) is not an exchange between two areas and is always
 * 0.000 (in − out of the same group), so it is left out.
 */
export function esettSeriesKind(
  row: Pick<EnergyResultRow, 'aggregation_level' | 'time_series_type' | 'grid_area_code' | 'neighbor_grid_area_code'>,
): EsettSeriesKind | null {
  if (row.aggregation_level === 'neighbor_grid_area') {
    return row.time_series_type === 'net_exchange_per_neighboring_ga' &&
      row.neighbor_grid_area_code !== row.grid_area_code
      ? 'exchange'
      : null;
  }
  if (row.aggregation_level !== 'energy_supplier') return null;
  switch (row.time_series_type) {
    case 'production':
    case 'non_profiled_consumption':
    case 'flex_consumption':
      return row.time_series_type;
    default:
      return null;
  }
}

/** Rows that go to eSett: none for wholesale fixing and corrections (only D03/D04 are sent). */
export function selectEsettRows(rows: readonly EnergyResultRow[]): EnergyResultRow[] {
  return rows.filter((r) => isEsettCalculationType(r.calculation_type) && esettSeriesKind(r) !== null);
}

/** Balance fixing and aggregation (the types with per-neighbour exchange, green-energy-hub #452). */
function isEsettCalculationType(t: string): t is keyof typeof ESETT_PROCESS_TYPE {
  return t === 'balance_fixing' || t === 'aggregation';
}

/**
 * The resolution sent: the results' own, except quarterly results for delivery before eSett's
 * 15-minute ISP, which are summed to hours (eSett settled those hourly). eSett rejects a
 * message whose delivery period overlaps the ISP transition, so such a period is an error.
 * Hourly results after the transition are sent hourly; eSett converts hourly data itself.
 */
export function esettDocumentResolution(
  resultResolution: EsettResolution,
  periodStart: number,
  periodEnd: number,
  ispStart: number,
): EsettResolution {
  if (resultResolution === 'PT1H') return 'PT1H';
  if (periodEnd <= ispStart) return 'PT1H';
  if (periodStart >= ispStart) return 'PT15M';
  throw new EsettDocumentError(
    `the period ${formatInstant(periodStart)} .. ${formatInstant(periodEnd)} overlaps eSett's 15-minute settlement start ${formatInstant(ispStart)}; eSett rejects such messages, split the calculation there`,
  );
}

/** Where an EsettDocumentError points (see its fields). */
type ErrorLocation = ConstructorParameters<typeof EsettDocumentError>[1];

const SLOT_MS: Readonly<Record<EsettResolution, number>> = { PT15M: QUARTER_MS, PT1H: HOUR_MS };
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const QUANTITY_RE = /^-?[0-9]+\.[0-9]{3}$/;
/** decimal(18,3): the XSD's totalDigits. */
const MAX_MILLI = 10n ** 18n;
const MAX_POSITION = 999_999;

/** `2023-11-01T23:00Z` (CIM timeInterval: minutes, no seconds). */
function ymdhm(ms: number): string {
  return `${formatInstant(ms).slice(0, 16)}Z`;
}

/** Integer milli-kWh; exact for any decimal(18,3), unlike a double. */
function parseMilli(text: string, at: string, where: ErrorLocation): bigint {
  if (!QUANTITY_RE.test(text))
    throw new EsettDocumentError(
      `${at}: quantity ${JSON.stringify(text)} is not a decimal with exactly 3 decimals`,
      where,
    );
  return BigInt(text.replace('.', ''));
}

/** parseResultQualities, its errors pointing at the row. */
function qualitiesOf(text: string, where: ErrorLocation): Set<Quality> {
  try {
    return parseResultQualities(text);
  } catch (e) {
    if (e instanceof EsettDocumentError) throw new EsettDocumentError(e.message, where);
    throw e;
  }
}

function formatMilli(milli: bigint): string {
  const neg = milli < 0n;
  const digits = (neg ? -milli : milli).toString().padStart(4, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

function party(id: string, what: string, where: ErrorLocation = {}): PartyId {
  const codingScheme = codingSchemeOf(id);
  if (!codingScheme)
    throw new EsettDocumentError(
      `${what} ${JSON.stringify(id)} is neither a GLN (13 digits) nor an EIC (16 characters)`,
      where,
    );
  return { id, codingScheme };
}

function instant(text: string, what: string, where: ErrorLocation = {}): number {
  const ms = parseInstant(text);
  if (ms === null) throw new EsettDocumentError(`${what} ${JSON.stringify(text)} is not an ISO-8601 instant`, where);
  return ms;
}

interface SeriesAcc {
  kind: EsettSeriesKind;
  resultId: string;
  gridArea: string;
  neighbour: string;
  es: string;
  brp: string;
  /** result time → (milli-kWh, contributing qualities) */
  points: Map<number, { milli: bigint; qualities: Set<Quality> }>;
}

const KIND_ORDER = new Map(ESETT_SERIES_KINDS.map((k, i) => [k, i]));

/**
 * The eSett documents of one calculation built from its rows in any number of `add` calls (a
 * sender adds one grid area's rows chunk by chunk, shared/results/result-files.ts): the same
 * checks, numbering of rows in errors and documents as one call with every row.
 */
export class EsettDocumentAccumulator {
  private readonly processType: (typeof ESETT_PROCESS_TYPE)[keyof typeof ESETT_PROCESS_TYPE];
  private readonly start: number;
  private readonly end: number;
  private readonly created: number;
  private readonly ispStart: number;
  private readonly sender: PartyId;
  private readonly receiver: PartyId;
  private resultResolution: EsettResolution | null = null;
  private readonly series = new Map<string, SeriesAcc>();
  private rowsSeen = 0;

  /** Throws EsettDocumentError for a calculation type eSett does not receive (see buildEsettMarketDocuments). */
  constructor(
    private readonly meta: EsettDocumentMetadata,
    options: EsettDocumentOptions,
  ) {
    if (!isEsettCalculationType(meta.calculationType))
      throw new EsettDocumentError(`${meta.calculationType} is not sent to eSett`);
    const processType = ESETT_PROCESS_TYPE[meta.calculationType];

    const start = instant(meta.period.start, 'period start');
    const end = instant(meta.period.end, 'period end');
    if (end <= start)
      throw new EsettDocumentError(`period end ${meta.period.end} is not after its start ${meta.period.start}`);
    // timeInterval has minute precision: a period with seconds could not be stated exactly
    if (start % 60_000 !== 0 || end % 60_000 !== 0)
      throw new EsettDocumentError(`period ${meta.period.start} .. ${meta.period.end} is not on whole minutes`);
    const created = instant(meta.createdAt, 'createdAt');
    const ispStart = instant(options.quarterHourIspStart ?? ESETT_QUARTER_HOUR_ISP_START, 'quarterHourIspStart');
    const sender = party(options.sender ?? DATAHUB_GLN, 'sender');
    const receiver = party(options.receiver, 'receiver');
    this.processType = processType;
    this.start = start;
    this.end = end;
    this.created = created;
    this.ispStart = ispStart;
    this.sender = sender;
    this.receiver = receiver;
  }

  /** Validates and accumulates rows (rows of other series kinds are skipped, see esettSeriesKind). */
  add(rows: readonly EnergyResultRow[]): void {
    const { meta, start, end, series } = this;
    for (let k = 0; k < rows.length; k++) {
      const i = this.rowsSeen++;
      const row = rows[k];
      const at = `result row ${i + 1} (${row.time_series_type} ${row.grid_area_code} ${row.time})`;
      const where = { row: i + 1, resultId: row.result_id };
      // a row of another calculation is a caller bug; sending it would mix two settlements
      if (row.calculation_id !== meta.calculationId)
        throw new EsettDocumentError(
          `${at}: calculation_id ${row.calculation_id}, expected ${meta.calculationId}`,
          where,
        );
      if (row.calculation_type !== meta.calculationType)
        throw new EsettDocumentError(
          `${at}: calculation_type ${row.calculation_type}, expected ${meta.calculationType}`,
          where,
        );
      const kind = esettSeriesKind(row);
      if (kind === null) continue;

      if (row.resolution !== 'PT15M' && row.resolution !== 'PT1H')
        throw new EsettDocumentError(`${at}: resolution ${JSON.stringify(row.resolution)}`, where);
      if (this.resultResolution === null) this.resultResolution = row.resolution;
      else if (row.resolution !== this.resultResolution)
        throw new EsettDocumentError(
          `${at}: resolution ${row.resolution}, but other rows are ${this.resultResolution}`,
          where,
        );
      if (!GRID_AREA_CODE_RE.test(row.grid_area_code))
        throw new EsettDocumentError(
          `${at}: grid_area_code ${JSON.stringify(row.grid_area_code)} is not 3 digits`,
          where,
        );
      if (kind === 'exchange' && !GRID_AREA_CODE_RE.test(row.neighbor_grid_area_code)) {
        throw new EsettDocumentError(
          `${at}: neighbor_grid_area_code ${JSON.stringify(row.neighbor_grid_area_code)} is not 3 digits`,
          where,
        );
      }
      if (kind !== 'exchange' && row.energy_supplier_id === '')
        throw new EsettDocumentError(`${at}: a per-supplier result without energy_supplier_id`, where);
      if (!UUID_RE.test(row.result_id))
        throw new EsettDocumentError(`${at}: result_id ${JSON.stringify(row.result_id)} is not a UUID`, where);

      const t = instant(row.time, `${at}: time`, where);
      const slot = SLOT_MS[row.resolution];
      if (t < start || t >= end || (t - start) % slot !== 0) {
        throw new EsettDocumentError(
          `${at}: time ${row.time} is not a ${row.resolution} slot of the period ${meta.period.start} .. ${meta.period.end}`,
          where,
        );
      }

      let s = series.get(row.result_id);
      if (!s) {
        s = {
          kind,
          resultId: row.result_id,
          gridArea: row.grid_area_code,
          neighbour: row.neighbor_grid_area_code,
          es: row.energy_supplier_id,
          brp: row.balance_responsible_party_id,
          points: new Map(),
        };
        series.set(row.result_id, s);
      } else if (
        s.kind !== kind ||
        s.gridArea !== row.grid_area_code ||
        s.neighbour !== row.neighbor_grid_area_code ||
        s.es !== row.energy_supplier_id ||
        s.brp !== row.balance_responsible_party_id
      ) {
        // series mRID = result_id, so one id must mean one series
        throw new EsettDocumentError(`${at}: result_id ${row.result_id} is shared by two different series`, where);
      }
      if (s.points.has(t))
        throw new EsettDocumentError(`${at}: a second point at ${row.time} for result ${row.result_id}`, where);
      s.points.set(t, {
        milli: parseMilli(row.quantity, at, where),
        qualities: qualitiesOf(row.quantity_qualities, where),
      });
    }
  }

  /** One document model per grid area with eSett series, sorted by grid area code. */
  documents(): EsettMarketDocument[] {
    const steps = this.build();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** documents(), awaiting `pause` after each series (a consumer sharing its event loop with HTTP). */
  async documentsPausing(pause: () => Promise<void>): Promise<EsettMarketDocument[]> {
    const steps = this.build();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await pause();
    }
  }

  /** The documents, yielding after every series it converts. */
  private *build(): Generator<void, EsettMarketDocument[], undefined> {
    const { meta, start, end, ispStart, processType, sender, receiver, created, series } = this;
    const resultResolution = this.resultResolution;
    if (resultResolution === null) return [];

    const resolution = esettDocumentResolution(resultResolution, start, end, ispStart);
    const slotMs = SLOT_MS[resolution];
    // positions count slots from the period start, so the period must consist of whole slots
    if (start % slotMs !== 0 || end % slotMs !== 0) {
      throw new EsettDocumentError(
        `period ${meta.period.start} .. ${meta.period.end} is not on whole ${resolution} slots`,
      );
    }
    if ((end - start) / slotMs > MAX_POSITION)
      throw new EsettDocumentError(`period has more than ${MAX_POSITION} ${resolution} positions`);
    const timeInterval = { start: ymdhm(start), end: ymdhm(end) };

    const byGridArea = new Map<string, EsettSeries[]>();
    for (const s of series.values()) {
      const built = toSeries(s, resolution, slotMs, start, timeInterval);
      const list = byGridArea.get(s.gridArea);
      if (list) list.push(built);
      else byGridArea.set(s.gridArea, [built]);
      yield;
    }

    // formatInstant drops milliseconds: createdDateTime is `YYYY-MM-DDTHH:MM:SSZ` (the XSD's pattern)
    const createdDateTime = formatInstant(created);
    return [...byGridArea.keys()].sort().map((gridAreaCode) => ({
      mRID: esettDocumentId(meta.calculationId, gridAreaCode),
      type: ESETT_DOCUMENT_TYPE,
      processType,
      businessSector: ESETT_BUSINESS_SECTOR,
      sender,
      senderRole: SENDER_ROLE,
      receiver,
      receiverRole: RECEIVER_ROLE,
      createdDateTime,
      gridAreaCode,
      series: (byGridArea.get(gridAreaCode) as EsettSeries[]).sort(compareSeries),
    }));
  }
}

/**
 * One document model per grid area (sorted by code) from the committed energy results of one
 * calculation. Returns [] for calculation types other than balance fixing and aggregation, and
 * for a grid area without any eSett series no document is made (a document has 1..n Series).
 */
export function buildEsettMarketDocuments(
  rows: readonly EnergyResultRow[],
  meta: EsettDocumentMetadata,
  options: EsettDocumentOptions,
): EsettMarketDocument[] {
  if (!isEsettCalculationType(meta.calculationType)) return [];
  const acc = new EsettDocumentAccumulator(meta, options);
  acc.add(rows);
  return acc.documents();
}

/** Points at the document resolution: as calculated, or quarters summed exactly per hour. */
function toSeries(
  s: SeriesAcc,
  resolution: EsettResolution,
  slotMs: number,
  start: number,
  timeInterval: { start: string; end: string },
): EsettSeries {
  const slots = new Map<number, { milli: bigint; qualities: Set<Quality> }>();
  for (const [t, p] of s.points) {
    // integer slot index; for quarters summed to hours, the four quarters share one index
    const slot = Math.floor((t - start) / slotMs);
    const acc = slots.get(slot);
    if (!acc) slots.set(slot, { milli: p.milli, qualities: new Set(p.qualities) });
    else {
      // an hour holds the quarters the series has (a missing quarter = no result, i.e. nothing
      // to add); its quality is the §2.6 collapse of the union, as for any sum
      acc.milli += p.milli;
      for (const q of p.qualities) acc.qualities.add(q);
    }
  }
  const points: EsettPoint[] = [...slots.keys()]
    .sort((a, b) => a - b)
    .map((slot) => {
      const p = slots.get(slot) as { milli: bigint; qualities: Set<Quality> };
      const magnitude = p.milli < 0n ? -p.milli : p.milli;
      if (magnitude >= MAX_MILLI)
        throw new EsettDocumentError(`result ${s.resultId}: ${formatMilli(p.milli)} kWh exceeds decimal(18,3)`, {
          resultId: s.resultId,
        });
      return { position: slot + 1, quantity: formatMilli(p.milli), quality: esettQuality(p.qualities) };
    });
  const codes = ESETT_SERIES_CODES[s.kind];
  const base = {
    mRID: s.resultId,
    marketEvaluationPointType: codes.marketEvaluationPointType,
    settlementMethod: codes.settlementMethod,
    meteringGridArea: s.gridArea,
    resolution,
    timeInterval,
    points,
  };
  if (s.kind === 'exchange') return { ...base, kind: 'exchange', inArea: s.gridArea, outArea: s.neighbour };
  return {
    ...base,
    kind: s.kind,
    energySupplier: party(s.es, `result ${s.resultId}: energy supplier`, { resultId: s.resultId }),
    balanceResponsibleParty:
      s.brp === '' ? null : party(s.brp, `result ${s.resultId}: balance responsible party`, { resultId: s.resultId }),
  };
}

/** Exchange first (by neighbour), then production, non-profiled, flex (by supplier, BRP). */
function compareSeries(a: EsettSeries, b: EsettSeries): number {
  const key = (s: EsettSeries): string =>
    s.kind === 'exchange' ? s.outArea : `${s.energySupplier.id}|${s.balanceResponsibleParty?.id ?? ''}`;
  return (
    (KIND_ORDER.get(a.kind) as number) - (KIND_ORDER.get(b.kind) as number) ||
    key(a).localeCompare(key(b)) ||
    a.mRID.localeCompare(b.mRID)
  );
}

/**
 * The eSett documents of one calculation: one per grid area, each with its XML. Call with all
 * committed energy result rows of the calculation (other rows are ignored, see esettSeriesKind).
 */
export function buildEsettDocuments(
  rows: readonly EnergyResultRow[],
  meta: EsettDocumentMetadata,
  options: EsettDocumentOptions,
): EsettDocument[] {
  return buildEsettMarketDocuments(rows, meta, options).map((document) => ({
    documentId: document.mRID,
    calculationId: meta.calculationId,
    gridAreaCode: document.gridAreaCode,
    document,
    xml: esettDocumentXml(document),
  }));
}
