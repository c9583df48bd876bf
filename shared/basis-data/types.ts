import type {
  CalculationType,
  METERING_POINT_CALCULATION_TYPES,
  MeteringPointType,
  Resolution,
  SettlementMethod,
} from '../domain/codes';
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

export type MeteringPointCalculationType = (typeof METERING_POINT_CALCULATION_TYPES)[number];

/**
 * The attributes of a metering point: what a MeteringPointCreated event
 * (shared/integration-events/events.ts) sets and every period of the metering point carries.
 */
export interface MeteringPointAttributes {
  /** E17/E18/E20 or a child code (D01, D05–D12, D14, D15, D19). */
  type: MeteringPointType;
  calculationType: MeteringPointCalculationType | null;
  /** Consumption (E17) only. */
  settlementMethod: SettlementMethod | null;
  gridAreaCode: string;
  resolution: Resolution;
  /** Exchange (E20) only, and required there. */
  fromGridAreaCode: string | null;
  toGridAreaCode: string | null;
  /** Required for child types, null for E17, E18, E20. */
  parentMeteringPointId: string | null;
}

/** One master-data period of a metering point, `[fromDate, toDate)`; toDate null = open. */
export interface MeteringPointPeriod extends MeteringPointAttributes {
  meteringPointId: string;
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
  /**
   * The source is bi-temporal as a whole (lake overlaid with events): its points are picked by
   * registration time from the first batch on, a point without one counting as the earliest, so
   * the pick does not depend on whether a batch without registration times is read first.
   */
  readonly byRegistrationTime?: boolean;
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
