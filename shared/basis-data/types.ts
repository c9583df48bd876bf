import type { CalculationType, MeteringPointType, Resolution, SettlementMethod } from '../domain/codes';
import type { ChargeData } from './charges';

/** Validated arguments of one calculation. Instants are epoch milliseconds (UTC). */
export interface CalculationArguments {
  calculationId: string;
  calculationType: CalculationType;
  gridAreas: string[];
  periodStart: number;
  periodEnd: number;
  executionTimeStart: number;
  createdByUserId: string;
  /** Results are quarterly when periodEnd > quarterlyTransition (opengeh-wholesale §1.2). */
  quarterlyTransition: number;
  /** System time of the bi-temporal selection; defaults to executionTimeStart. */
  asOf: number;
  allowPartialMonth: boolean;
}

/** One master-data period of a metering point, `[fromDate, toDate)`; toDate null = open. */
export interface MeteringPointPeriod {
  meteringPointId: string;
  type: MeteringPointType;
  calculationType: 'grid-loss' | 'system-correction' | null;
  settlementMethod: SettlementMethod | null;
  gridAreaCode: string;
  resolution: Resolution;
  fromGridAreaCode: string | null;
  toGridAreaCode: string | null;
  parentMeteringPointId: string | null;
  energySupplierId: string | null;
  balanceResponsiblePartyId: string | null;
  fromDate: number;
  toDate: number | null;
  /** Where the row came from, for error messages. */
  source: { file: string; row: number };
}

/**
 * A columnar batch of time series points. `mp` holds indexes into the metering point
 * dictionary the reader was given (-1: a metering point without master data, ignored).
 * Quantities are integer milli-kWh; a null quantity is already coalesced to 0.
 */
export interface TimeSeriesBatch {
  length: number;
  mp: Int32Array;
  time: Float64Array;
  quantityMilli: Float64Array;
  quality: Uint8Array;
  /** When the point was registered (epoch ms); absent when the source has no such column. */
  registration: Float64Array | null;
  /** For error messages: row i of the batch is row `firstRow + i` of `file` (1-based, header excluded). */
  file: string;
  firstRow: number;
}

/** Where the basis data of a calculation comes from (scenario CSV folder or Parquet lake). */
export interface BasisDataSource {
  readonly description: string;
  readMeteringPointPeriods(): Promise<MeteringPointPeriod[]>;
  readGridLossMeteringPointIds(): Promise<string[]>;
  /** Tariffs, subscriptions and fees (wholesale calculations). */
  readCharges(): Promise<ChargeData>;
  /**
   * Streams the time series points. `dictionary` maps metering point id → index; the
   * source may skip partitions outside `[from, to)` but need not filter rows.
   */
  forEachTimeSeriesBatch(
    dictionary: ReadonlyMap<string, number>,
    range: { from: number; to: number },
    onBatch: (batch: TimeSeriesBatch) => void,
  ): Promise<void>;
}
