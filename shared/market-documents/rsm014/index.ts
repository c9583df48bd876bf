/** RSM-014 NotifyAggregatedMeasureData: the public API of the builder. */
export {
  buildRsm014Documents,
  buildRsm014DocumentsPausing,
  renderRsm014,
  rsm014Ids,
  type Rsm014Calculation,
  type Rsm014Document,
} from './build';
export {
  collapseQuality,
  partyCodingScheme,
  DATAHUB_GLN,
  EVALUATION_POINT,
  PROCESS_TYPE,
  RSM014_NAMESPACE,
  RSM014_XSD,
  SETTLEMENT_VERSION,
  type CimQuality,
  type ProcessType,
  type ReceiverRole,
} from './codes';
export { GridAreaOwnerNotFoundError, Rsm014InputError } from './errors';
export { GRID_AREA_OWNERS_FILE, ownerResolver, parseGridAreaOwnersCsv } from './grid-area-owners';
export {
  routeSeries,
  sendsToBalanceResponsible,
  type GridAreaOwnerResolver,
  type Receiver,
  type Routing,
} from './routing';
export { groupResultSeries, type ResultPoint, type ResultSeries } from './series';
export { escapeXml, formatYmdhm } from './xml';
