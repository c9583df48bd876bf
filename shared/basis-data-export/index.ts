/** Basis data download: DH2-like CSV export of one grid area of a job, status and SAS links. */
export { InvalidExportStatusError, type ExportStatusProblem } from './errors';
export {
  downloadLinks,
  exportPrefix,
  exportStatusPath,
  isExportableJobId,
  MASTER_BASIS_DATA_FILE,
  readExportStatus,
  runBasisDataExport,
  STATUS_FILE,
} from './export';
export {
  MASTER_BASIS_DATA_HEADER,
  masterBasisDataCsv,
  selectExportPeriods,
  type ExportPeriod,
} from './master-basis-data';
export {
  buildTimeSeriesCsvs,
  localDayStarts,
  TIME_SERIES_FILES,
  timeSeriesHeader,
  type TimeSeriesCsv,
} from './time-series';
export type {
  BasisDataExportDeps,
  BasisDataExportRequest,
  BasisDataExportStatus,
  DownloadLink,
  ExportedFile,
} from './types';
