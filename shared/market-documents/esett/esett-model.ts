/**
 * The eSett aggregated-data document model (docs/esett.md): what esett-document.ts builds from
 * energy results and esett-xml.ts writes as XML. Types only, so both depend on this file and
 * neither on the other.
 */
import type {
  ESETT_BUSINESS_SECTOR,
  ESETT_DOCUMENT_TYPE,
  EsettProcessType,
  EsettQualityCode,
  EsettSeriesKind,
  PartyId,
  RECEIVER_ROLE,
  SENDER_ROLE,
} from './esett-codes';

export type EsettResolution = 'PT15M' | 'PT1H';

export interface EsettPoint {
  /** 1-based slot of the Period's timeInterval at its resolution. */
  position: number;
  /** kWh with exactly three decimals. */
  quantity: string;
  /** null = measured (A04), written by omitting `<quality>`. */
  quality: EsettQualityCode | null;
}

interface EsettSeriesBase {
  /** The result series' result_id: deterministic and unique per series within a calculation. */
  mRID: string;
  marketEvaluationPointType: 'E17' | 'E18' | 'E20';
  settlementMethod: 'E02' | 'E15' | null;
  meteringGridArea: string;
  resolution: EsettResolution;
  /** `YYYY-MM-DDTHH:MMZ`, the calculation period. */
  timeInterval: { start: string; end: string };
  points: EsettPoint[];
}

/** Net exchange into `inArea` (the document's grid area) from `outArea`; negative = net export. */
export interface EsettExchangeSeries extends EsettSeriesBase {
  kind: 'exchange';
  inArea: string;
  outArea: string;
}

export interface EsettSupplierSeries extends EsettSeriesBase {
  kind: Exclude<EsettSeriesKind, 'exchange'>;
  energySupplier: PartyId;
  balanceResponsibleParty: PartyId | null;
}

export type EsettSeries = EsettExchangeSeries | EsettSupplierSeries;

export interface EsettMarketDocument {
  mRID: string;
  type: typeof ESETT_DOCUMENT_TYPE;
  processType: EsettProcessType;
  businessSector: typeof ESETT_BUSINESS_SECTOR;
  sender: PartyId;
  senderRole: typeof SENDER_ROLE;
  receiver: PartyId;
  receiverRole: typeof RECEIVER_ROLE;
  /** `YYYY-MM-DDTHH:MM:SSZ` */
  createdDateTime: string;
  gridAreaCode: string;
  series: EsettSeries[];
}

export interface EsettDocument {
  /** = document.mRID; the sender's idempotency key. */
  documentId: string;
  calculationId: string;
  gridAreaCode: string;
  document: EsettMarketDocument;
  xml: string;
}
