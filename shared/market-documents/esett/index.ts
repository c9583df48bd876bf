/**
 * eSett aggregated-data document (docs/esett.md): public API of this folder.
 */
import type { XsdSchemaSet } from '../xsd-validator';
import { ESETT_XSD_FILE } from './esett-codes';

export * from './esett-codes';
export { EsettDocumentError } from './esett-errors';
export { esettQuality, parseResultQualities } from './esett-quality';
export { esettDocumentXml } from './esett-xml';
export {
  buildEsettDocuments,
  buildEsettMarketDocuments,
  EsettDocumentAccumulator,
  esettDocumentId,
  esettDocumentResolution,
  esettSeriesKind,
  selectEsettRows,
  type EsettDocumentMetadata,
  type EsettDocumentOptions,
} from './esett-document';
export type {
  EsettDocument,
  EsettExchangeSeries,
  EsettMarketDocument,
  EsettPoint,
  EsettResolution,
  EsettSeries,
  EsettSupplierSeries,
} from './esett-model';

/**
 * The schema set for `validateAgainstXsd`/`assertValidXml`. `dir` defaults to this folder,
 * which holds the XSD when running from source (tests, ts-node); a compiled build must ship
 * the .xsd next to the compiled module (tsc does not copy it) or pass its folder.
 */
export function esettSchemaSet(dir: string = __dirname): XsdSchemaSet {
  return { main: ESETT_XSD_FILE, dir };
}
