/**
 * Code values of the eSett aggregated-data document (docs/esett.md). eSett's own schema is not
 * public, so the document is our CIM-style design; the codes are the CIM/ebIX codes the
 * predecessor (ARCHIVED-geh-aggregations, opengeh-wholesale §5.4) sent to eSett, and the XSD
 * next to this file enumerates exactly these values.
 */

/** Namespace of the document (ours: eSett publishes no schema we could reuse). */
export const ESETT_NAMESPACE = 'urn:settlement-platform:esett:aggregateddata:1:0';
export const ESETT_ROOT_ELEMENT = 'ESettAggregatedData_MarketDocument';
/** The XSD's file name; it lives in this folder. */
export const ESETT_XSD_FILE = 'urn-settlement-platform-esett-aggregateddata-1-0.xsd';

/** Document type: aggregated measure data (as RSM-014 and the predecessor's eSett messages). */
export const ESETT_DOCUMENT_TYPE = 'E31';
/** Electricity (CIM businessSector.type). */
export const ESETT_BUSINESS_SECTOR = '23';
/** Active energy. */
export const ESETT_PRODUCT = '8716867000030';
export const ESETT_UNIT = 'KWH';
/** Grid areas are Danish metering grid area codes. */
export const GRID_AREA_CODING_SCHEME = 'NDK';

/** DataHub's GLN: DataHub calculates the aggregates and is the sender (opengeh-wholesale §5.1). */
export const DATAHUB_GLN = '5790001330552';
/** Metered data administrator: DataHub's role when it sends aggregated data. */
export const SENDER_ROLE = 'DGL';
/** Imbalance settlement responsible: eSett's role. */
export const RECEIVER_ROLE = 'DDX';

/** process.processType per calculation type; only these two produce eSett documents (green-energy-hub #452). */
export const ESETT_PROCESS_TYPE = { balance_fixing: 'D04', aggregation: 'D03' } as const;
export type EsettProcessType = (typeof ESETT_PROCESS_TYPE)[keyof typeof ESETT_PROCESS_TYPE];

/** A10 = GS1 (GLN, 13 digits), A01 = EIC (16 characters). */
export type PartyCodingScheme = 'A10' | 'A01';
export interface PartyId {
  id: string;
  codingScheme: PartyCodingScheme;
}

const GLN_RE = /^[0-9]{13}$/;
/** EIC: 2-digit issuing office, object type letter, 12 characters, check character. */
const EIC_RE = /^[0-9]{2}[A-Z][0-9A-Z-]{12}[0-9A-Z]$/;

/** The coding scheme an id's form implies, or null when it is neither a GLN nor an EIC. */
export function codingSchemeOf(id: string): PartyCodingScheme | null {
  if (GLN_RE.test(id)) return 'A10';
  if (EIC_RE.test(id)) return 'A01';
  return null;
}

/**
 * eSett's 15-minute imbalance settlement period went live on 2023-05-22 00:00 CEST
 * (https://www.esett.com/projects/15-minute-settlement/). Delivery before it is settled hourly.
 */
export const ESETT_QUARTER_HOUR_ISP_START = '2023-05-21T22:00:00Z';

/** The four kinds of series eSett receives (opengeh-wholesale §5.4). */
export const ESETT_SERIES_KINDS = ['exchange', 'production', 'non_profiled_consumption', 'flex_consumption'] as const;
export type EsettSeriesKind = (typeof ESETT_SERIES_KINDS)[number];

/** marketEvaluationPoint.type and settlementMethod per kind (E15 for flex, as the predecessor sent it). */
export const ESETT_SERIES_CODES: Readonly<
  Record<EsettSeriesKind, { marketEvaluationPointType: 'E17' | 'E18' | 'E20'; settlementMethod: 'E02' | 'E15' | null }>
> = {
  exchange: { marketEvaluationPointType: 'E20', settlementMethod: null },
  production: { marketEvaluationPointType: 'E18', settlementMethod: null },
  non_profiled_consumption: { marketEvaluationPointType: 'E17', settlementMethod: 'E02' },
  flex_consumption: { marketEvaluationPointType: 'E17', settlementMethod: 'E15' },
};

/** CIM quality codes written in `Point/quality`; measured (A04) is written by omitting the element. */
export type EsettQualityCode = 'A02' | 'A03' | 'A05' | 'A06';
