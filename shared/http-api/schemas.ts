/**
 * Parameters and answers of the HTTP API as zod schemas: the handlers validate their parameters
 * with these (and type their answers with them), and shared/http-api/routes.ts describes the
 * routes with the same objects, so the OpenAPI spec is never written a second time.
 */
import { z } from 'zod';
import { CALCULATION_TYPES } from '../domain/codes';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';
import { INGEST_FORMATS, type IngestFormat } from '../ingestion/time-series-ingestion';
import { JOB_STATUSES } from '../jobs/job';

const instantText = (description: string) =>
  z.string().meta({ description: `${description} (ISO-8601 UTC)`, examples: ['2024-01-31T23:00:00.000Z'] });

// ---- path parameters ----

export const jobIdPath = z.object({
  id: z.string().meta({
    description: "The job id (from KickStartJob). A job that is not the caller's answers 404 like a missing one.",
  }),
});

export const exportPath = jobIdPath.extend({
  gridArea: z
    .string()
    .regex(GRID_AREA_CODE_RE, 'must be a 3-digit grid area code')
    .meta({ description: 'Grid area code (3 digits)', examples: ['800'] }),
});

// ---- jobs ----

/** GET /api/jobs?status=&type=&limit= */
export const listJobsQuery = z.object({
  status: z
    .enum(JOB_STATUSES, {
      error: (i) => `unknown status '${String(i.input).slice(0, 40)}' (expected ${JOB_STATUSES.join(', ')})`,
    })
    .meta({ description: 'Only jobs with this status' })
    .optional(),
  type: z
    .string()
    .max(64, 'at most 64 characters')
    .meta({ description: `Only jobs of this calculation type (${CALCULATION_TYPES.join(', ')})` })
    .optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .transform(Number)
    .meta({
      description:
        "At most this many jobs, newest first (counted before the caller's filter: a grid access provider may get fewer)",
      examples: ['20'],
    })
    .optional(),
});

/** A job as a caller sees it (functions/http/jobs.ts `view`); totals and the output path only for administrators. */
export const jobViewSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  calculationType: z.enum(CALCULATION_TYPES),
  periodStart: instantText('Period start'),
  periodEnd: instantText('Period end (exclusive)'),
  gridAreas: z.array(z.string()),
  asOf: instantText('System time of the basis-data selection'),
  trigger: z.string().meta({ description: "Who asked: 'http' or 'schedule:<name>'" }),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  executingAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: z.object({ doneBatches: z.number().int(), totalBatches: z.number().int() }),
  error: z.string().nullable(),
  outputPath: z.string().nullable().optional().meta({ description: 'Administrators only' }),
  resultCounts: z
    .record(z.string(), z.number().int())
    .nullable()
    .optional()
    .meta({ description: 'Administrators only: result rows per time series type' }),
});
export type JobView = z.output<typeof jobViewSchema>;

export const jobListSchema = z.object({ jobs: z.array(jobViewSchema) });

// ---- KickStartJob answers (the request is shared/settlement/kick-start-request.ts) ----

export const jobAcceptedSchema = z.object({
  jobId: z.string(),
  status: z.enum(JOB_STATUSES),
  statusUrl: z.string().meta({ description: 'Absolute URL of GET /api/jobs/{id} (also the Location header)' }),
});

export const jobConflictSchema = z.object({
  title: z.string(),
  jobId: z.string().meta({ description: 'The running job of the same type, period and grid areas' }),
  status: z.enum(JOB_STATUSES),
  statusUrl: z.string(),
});

/** POST /api/jobs/{id}/cancel when the job already ended. */
export const cancelConflictSchema = z.object({
  title: z.string(),
  jobId: z.string(),
  status: z.enum(JOB_STATUSES).meta({ description: 'The final status: Completed, Failed or Canceled' }),
});

// ---- basis data ----

const eventReference = z.object({ eventId: z.string(), messageType: z.string(), storedAt: z.string() });

/** GET /api/jobs/{id}/basis-data (shared/settlement/basis-data-usage.ts JobBasisData, scoped per caller). */
export const jobBasisDataSchema = z.looseObject({
  jobId: z.string(),
  asOf: z.string().nullable(),
  batches: z.array(
    z.object({ batchId: z.string(), gridArea: z.string(), periodStart: z.string(), periodEnd: z.string() }),
  ),
  lakeBlobs: z.array(z.object({ path: z.string(), etag: z.string() })),
  integrationEvents: z.object({
    masterData: z.array(eventReference),
    timeSeries: z.array(eventReference),
    charges: z.array(eventReference),
  }),
  meteringPointPeriods: z.array(
    z.looseObject({
      meteringPointId: z.string(),
      type: z.string(),
      gridAreaCode: z.string(),
      energySupplierId: z.string().nullable(),
      balanceResponsiblePartyId: z.string().nullable(),
      fromDate: z.string(),
      toDate: z.string().nullable(),
    }),
  ),
});

// ---- basis data exports ----

/** POST /api/jobs/{id}/basis-data-exports?gridArea= */
export const startExportQuery = z.object({
  gridArea: z
    .string({ error: 'required: a 3-digit grid area code' })
    .regex(GRID_AREA_CODE_RE, 'required: a 3-digit grid area code')
    .meta({ description: "One of the job's grid areas (3 digits)", examples: ['800'] }),
});

export const exportRunningSchema = z.object({
  jobId: z.string(),
  gridArea: z.string(),
  state: z.literal('Running'),
  statusUrl: z.string(),
});

export const exportCompletedSchema = z.object({
  jobId: z.string(),
  gridArea: z.string(),
  state: z.literal('Completed'),
  asOf: z.string(),
  completedAt: z.string(),
  statusUrl: z.string(),
  files: z.array(
    z.object({
      name: z.string().meta({ examples: ['master_basis_data.csv'] }),
      url: z.string().meta({ description: 'Read-only SAS link, valid for 1 hour' }),
      expiresOn: z.string(),
    }),
  ),
});

// ---- bulk time-series ingestion ----

/** POST /api/time-series?format= (otherwise the Content-Type decides; neither → 415). */
export const ingestQuery = z.object({
  format: z
    .enum(INGEST_FORMATS as readonly [IngestFormat, ...IngestFormat[]])
    .meta({ description: 'Overrides the Content-Type' })
    .optional(),
});

export const ingestResultSchema = z.object({
  points: z.number().int(),
  files: z.array(z.string()).meta({ description: 'Lake files written (per observation date and grid area)' }),
});

// the handlers type their answers with these (`satisfies`), so an answer and its description cannot drift
export type JobAccepted = z.output<typeof jobAcceptedSchema>;
export type JobConflict = z.output<typeof jobConflictSchema>;
export type CancelConflict = z.output<typeof cancelConflictSchema>;
export type ExportRunning = z.output<typeof exportRunningSchema>;
export type ExportCompleted = z.output<typeof exportCompletedSchema>;
export type IngestAnswer = z.output<typeof ingestResultSchema>;
