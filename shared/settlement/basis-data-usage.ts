import type { EventUsage } from '../basis-data/bitemporal/as-of-source';
import type { MeteringPointPeriod } from '../basis-data/types';

/** What one batch calculated from: lake blob versions, integration events, metering point periods. */
export interface BatchBasisData {
  batchId: string;
  gridArea: string;
  periodStart: string;
  periodEnd: string;
  asOf: string;
  lakeBlobs: Array<{ path: string; etag: string }>;
  integrationEvents: EventUsage;
  /** The periods of the batch's grid area (incl. exchange metering points to/from it). */
  meteringPointPeriods: Array<
    Omit<MeteringPointPeriod, 'source' | 'fromDate' | 'toDate'> & { fromDate: string; toDate: string | null }
  >;
}

/** What a committed job calculated from: the union of its batches' basis data. */
export interface JobBasisData {
  jobId: string;
  asOf: string | null;
  batches: Array<Pick<BatchBasisData, 'batchId' | 'gridArea' | 'periodStart' | 'periodEnd'>>;
  lakeBlobs: Array<{ path: string; etag: string }>;
  integrationEvents: EventUsage;
  meteringPointPeriods: BatchBasisData['meteringPointPeriods'];
}
