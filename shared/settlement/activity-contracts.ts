/**
 * The durable boundary, typed once: every orchestrator and activity of the task hub by its name
 * (NAMES.durable) with its input and output. Orchestrators call activities through these types
 * (functions/durable/typed-activities.ts), activities are implemented against them, and whoever
 * starts an orchestration passes its contract's input. Inputs and outputs travel as JSON in the
 * orchestration history, so they are plain data.
 */
import { NAMES } from '../config/names';
import type { JobProgress } from '../jobs/job';
import type { Batch, BatchOutput } from './batch';
import type { Manifest } from './manifest';
import type { TraceCarrier } from '../telemetry/trace-context';
import type { BackfillResult, ChunkResult, MarketDataChunk } from '../market-data/use-cases/backfill';
import type {
  WeatherBackfillResult,
  WeatherChunk,
  WeatherChunkResult,
  WeatherYearResult,
} from '../lake/weather/weather-backfill';

const D = NAMES.durable;

/** Input of the settlement orchestrator (instance id = job id). */
export interface SettlementInput {
  jobId: string;
  maxParallelBatches: number;
  /**
   * The trace of the request or timer that started the job. Added by the orchestration client
   * (functions/composition.ts) to every input it starts, and passed on by the orchestrators to
   * each activity and sub-orchestration input (functions/durable/typed-activities.ts).
   */
  trace?: TraceCarrier;
}

/** What a settlement orchestration returns when it completes. */
export interface SettlementOutput {
  jobId: string;
  rows: number;
  files: number;
}

/**
 * Input of a batch group sub-orchestration: some batches of one grid area, calculated with at most
 * `window` batch activities in flight (the share of the job's window its parent gave it).
 */
export interface BatchGroupInput {
  jobId: string;
  batches: Batch[];
  window: number;
}

/** A job update decided by the orchestrator: a status change (with error or progress), or progress alone. */
export interface JobUpdateInput {
  jobId: string;
  status?: 'Started' | 'Executing' | 'Failed';
  error?: string;
  progress?: JobProgress;
}

/** Input of the basis data export orchestrator and its activity: one job's grid area. */
export interface ExportInput {
  jobId: string;
  gridArea: string;
}

/** What a basis data export returns: how many files it wrote. */
export interface ExportOutput {
  files: number;
}

/** Input of the market data backfill orchestrator (instance id = the backfill id). */
export interface MarketDataBackfillInput {
  id: string;
  chunks: MarketDataChunk[];
  /** Most chunk activities in flight. */
  maxParallel: number;
}

/** Input of the weather backfill orchestrator (instance id = the backfill id). */
export interface WeatherBackfillInput {
  id: string;
  /** Region × year, year by year. */
  chunks: WeatherChunk[];
  regions: string[];
  /** Most activities (chunk fetches and year files) in flight. */
  maxParallel: number;
}

/** One run of a customer's saved analysis (instance id = run id; the run state holds the spec). */
export interface CustomerAnalysisInput {
  customerId: string;
  analysis: string;
  runId: string;
}

export interface OrchestratorContracts {
  [D.settlementOrchestrator]: { input: SettlementInput; output: SettlementOutput };
  /** Outputs in the order of the input's batches. */
  [D.batchGroupOrchestrator]: { input: BatchGroupInput; output: BatchOutput[] };
  [D.exportOrchestrator]: { input: ExportInput; output: ExportOutput };
  [D.marketDataBackfillOrchestrator]: { input: MarketDataBackfillInput; output: BackfillResult };
  [D.weatherBackfillOrchestrator]: { input: WeatherBackfillInput; output: WeatherBackfillResult };
  [D.customerAnalysisOrchestrator]: { input: CustomerAnalysisInput; output: { status: string } };
}

export interface ActivityContracts {
  [D.planActivity]: { input: { jobId: string }; output: Batch[] };
  [D.calculateBatchActivity]: { input: { jobId: string; batch: Batch }; output: BatchOutput };
  [D.commitActivity]: { input: { jobId: string; outputs: BatchOutput[] }; output: Manifest };
  [D.publishActivity]: { input: { jobId: string }; output: void };
  [D.updateJobActivity]: { input: JobUpdateInput; output: null };
  [D.exportActivity]: { input: ExportInput; output: ExportOutput };
  /** Which of the chunks are already stored (true = skip). */
  [D.marketDataStoredChunksActivity]: { input: { chunks: MarketDataChunk[] }; output: boolean[] };
  [D.marketDataChunkActivity]: { input: MarketDataChunk; output: ChunkResult };
  /** Writes the backfill's result record (the status route's answer). */
  [D.marketDataFinishActivity]: { input: BackfillResult; output: null };
  /** Which of the chunks are recorded in the weather ledger (true = skip). */
  [D.weatherStoredChunksActivity]: { input: { chunks: WeatherChunk[] }; output: boolean[] };
  [D.weatherChunkActivity]: { input: WeatherChunk; output: WeatherChunkResult };
  /** Rebuilds one year's curated file from the stored chunks. */
  [D.weatherYearActivity]: { input: { year: number; regions: string[] }; output: WeatherYearResult };
  [D.weatherFinishActivity]: { input: WeatherBackfillResult; output: null };
  /** Runs the analysis and records the run's final state (Completed, or Failed for data it cannot use). */
  [D.customerAnalysisActivity]: { input: CustomerAnalysisInput; output: { status: string } };
  /** Records a run Failed when the run activity itself failed (storage, a bug). */
  [D.customerAnalysisFailedActivity]: { input: CustomerAnalysisInput & { error: string }; output: null };
}

export type OrchestratorName = keyof OrchestratorContracts;
export type OrchestratorInput<N extends OrchestratorName> = OrchestratorContracts[N]['input'];
export type OrchestratorOutput<N extends OrchestratorName> = OrchestratorContracts[N]['output'];

export type ActivityName = keyof ActivityContracts;
export type ActivityInput<N extends ActivityName> = ActivityContracts[N]['input'];
export type ActivityOutput<N extends ActivityName> = ActivityContracts[N]['output'];

/** An activity implemented against its contract. */
export type ActivityImpl<N extends ActivityName> = (input: ActivityInput<N>) => Promise<ActivityOutput<N>>;

/**
 * Starts an orchestration instance with its contract's input (Azure: the Durable client; locally:
 * the local durable runtime). Rejects when the instance could not be started.
 */
export type StartOrchestration = <N extends OrchestratorName>(
  orchestrator: N,
  instanceId: string,
  input: OrchestratorInput<N>,
) => Promise<void>;
