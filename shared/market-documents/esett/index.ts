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
  esettDocumentId,
  esettDocumentResolution,
  esettSeriesKind,
  selectEsettRows,
  type EsettDocument,
  type EsettDocumentMetadata,
  type EsettDocumentOptions,
  type EsettExchangeSeries,
  type EsettMarketDocument,
  type EsettPoint,
  type EsettResolution,
  type EsettSeries,
  type EsettSupplierSeries,
} from './esett-document';

/**
 * The schema set for `validateAgainstXsd`/`assertValidXml`. `dir` defaults to this folder,
 * which holds the XSD when running from source (tests, ts-node); a compiled build must ship
 * the .xsd next to the compiled module (tsc does not copy it) or pass its folder.
 */
export function esettSchemaSet(dir: string = __dirname): XsdSchemaSet {
  return { main: ESETT_XSD_FILE, dir };
}
