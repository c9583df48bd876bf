/**
 * What each HTTP function answers, for the OpenAPI spec. functions/app.ts passes one of these as
 * `api` with each registration, so a new route is documented where it is registered; the test
 * test/handlers/openapi.test.ts fails for a registered route without one. Schemas are the ones
 * the handlers validate with (schemas.ts, job-results.ts, the KickStartJob request).
 */
import { z } from 'zod';
import { MARKET_ROLES, type MarketRole } from '../auth/caller';
import { kickStartRequestSchema } from '../settlement/kick-start-request';
import { JOB_RESULTS_MEDIA_TYPES, jobResultsPageSchema, jobResultsQuery } from './job-results';
import { jobDiffPath, jobDiffQuery, jobDiffSchema } from './job-diff';
import type { OperationDoc, ResponseDoc, RouteDoc } from './openapi';
import { marketDataBackfillSchema, marketDataIngestPath, marketDataIngestQuery, priceQuery } from './market-data';
import {
  kpiQuery,
  kpiReportPath,
  meteringPointPath,
  resultSeriesPath,
  seriesNamePath,
  seriesQueryFields,
  supplierResultSeriesPath,
} from './series';
import {
  lakeBackfillPath,
  lakeBackfillSchema,
  lakeRunListSchema,
  lakeRunStateSchema,
  lakeRunsQuery,
  startLakeBackfillQuery,
  startLakeRunQuery,
} from './lake';
import {
  DATASET_MEDIA_TYPES,
  datasetPageSchema,
  datasetPath,
  datasetQuery,
  regionPath,
  regionSummarySchema,
  analysisPath,
  analysisResultsQuery,
  analysisRunPath,
  customerPath,
  customerUploadQuery,
} from './lake-serving';
import { analysisSpecSchema } from '../lake/customers/analysis-spec';
import { problemSchema } from './problem';
import { catalogQuerySchema } from '../catalog/search';
import { catalogEntrySchema, datasetIdPath, searchResponseSchema, uploadQuery } from './catalog-schemas';
import {
  cancelConflictSchema,
  exportCompletedSchema,
  exportPath,
  exportRunningSchema,
  ingestQuery,
  ingestResultSchema,
  jobAcceptedSchema,
  jobBasisDataSchema,
  jobConflictSchema,
  jobIdPath,
  jobListSchema,
  jobViewSchema,
  listJobsQuery,
  startExportQuery,
} from './schemas';
import { healthAnswerSchema } from '../health/health';

const ADMIN: readonly MarketRole[] = ['datahub_administrator'];
const EXPORT_ROLES: readonly MarketRole[] = ['datahub_administrator', 'grid_access_provider'];

const problem = (description: string): ResponseDoc => ({ description, json: problemSchema });
const badInput = problem('Invalid input: `errors` names each field and the rule it broke');
const notFound = problem(
  "No such job — or one that is not the caller's (answered exactly alike, so probing ids reveals nothing)",
);

// the request without createdByUserId: it is refused (400), the creator is the token's subject
const kickStartFields = kickStartRequestSchema.omit({ createdByUserId: true });
const kickStartResponses: OperationDoc['responses'] = {
  202: {
    description: 'Registered and started',
    json: jobAcceptedSchema,
    headers: { Location: 'The status URL' },
  },
  400: problem('Invalid request (nothing registered); a `createdByUserId` field is refused too'),
  409: {
    description: 'A job for the same calculation type, period and grid areas is already running',
    json: jobConflictSchema,
    headers: { Location: "The running job's status URL" },
  },
  500: problem('The job could not be started (it is marked Failed)'),
};
const seriesAnswer = z.looseObject({
  name: z.string().optional(),
  unit: z.string().optional(),
  points: z.array(z.looseObject({ time: z.string() })),
});
const unavailable = problem('The host has no market data');
const seriesRead = (summary: string, description: string, path: z.ZodObject): OperationDoc => ({
  summary,
  description: `${description} Query: \`from\`/\`to\` (ISO-8601 instants or local dates in \`tz\`), \`bucket\` (an ISO duration; without it the raw points), \`agg\`, \`fill\`, \`tags\` (TimescaleDB time_bucket / time_bucket_gapfill semantics).`,
  tags: ['series'],
  roles: MARKET_ROLES,
  path,
  query: seriesQueryFields,
  responses: {
    200: { description: 'The (bucketed) points', json: seriesAnswer },
    400: badInput,
    404: problem('No such series, metering point or job — or not the caller’s'),
  },
});

const kickStartDescription =
  'Starts a settlement job. Date-only period boundaries (`2024-02-01`) mean the start of that day in Europe/Copenhagen (2024-01-31T23:00:00Z), DST-aware; an `asOf` needs a time.';

export const API = {
  KickStartJob: {
    GET: {
      summary: 'Start a settlement job (query parameters)',
      description: kickStartDescription,
      tags: ['jobs'],
      roles: ADMIN,
      query: kickStartFields,
      responses: kickStartResponses,
    },
    POST: {
      summary: 'Start a settlement job (JSON body)',
      description: `${kickStartDescription} The body is read with a cap (MAX_JOB_REQUEST_BODY_BYTES, default 64 KiB).`,
      tags: ['jobs'],
      roles: ADMIN,
      body: {
        description: 'The same fields as the GET query',
        required: true,
        content: { 'application/json': kickStartFields },
      },
      responses: { ...kickStartResponses, 413: problem('Body larger than MAX_JOB_REQUEST_BODY_BYTES') },
    },
  },
  GetJob: {
    GET: {
      summary: 'A job: status, timings, progress, error (totals and output path for administrators)',
      tags: ['jobs'],
      roles: MARKET_ROLES,
      path: jobIdPath,
      responses: { 200: { description: 'The job', json: jobViewSchema }, 404: notFound },
    },
  },
  ListJobs: {
    GET: {
      summary: 'Jobs, newest first (those the caller may see)',
      tags: ['jobs'],
      roles: MARKET_ROLES,
      query: listJobsQuery,
      responses: { 200: { description: 'The jobs', json: jobListSchema }, 400: badInput },
    },
  },
  CancelJob: {
    POST: {
      summary: 'Cancel a running job (its files under jobs/{id}/ are deleted)',
      tags: ['jobs'],
      roles: ADMIN,
      path: jobIdPath,
      responses: {
        200: { description: 'The Canceled job', json: jobViewSchema },
        404: notFound,
        409: { description: 'The job is (or, racing the cancel, just became) final', json: cancelConflictSchema },
      },
    },
  },
  JobResults: {
    GET: {
      summary: "A completed job's results (rows filtered to the caller's scope)",
      description:
        'JSON is paged (`limit`, `cursor`, `Link: rel="next"`); CSV, NDJSON and Parquet stream the whole result (`format`, or the `Accept` header). Parquet is the stored file when one file answers exactly (`x-parquet-source: stored`), else the kept rows re-encoded. `kind=wholesale` of an energy calculation → 400 naming `kind`. Every answer is audited (a stream when it starts and when it ends).',
      tags: ['results'],
      roles: MARKET_ROLES,
      path: jobIdPath,
      query: jobResultsQuery,
      responses: {
        200: {
          description: 'The rows, in the requested format',
          json: jobResultsPageSchema,
          content: {
            [JOB_RESULTS_MEDIA_TYPES.csv]: z.string().meta({ description: '`;`-separated, header first' }),
            [JOB_RESULTS_MEDIA_TYPES.ndjson]: z.string().meta({ description: 'One JSON row per line' }),
            [JOB_RESULTS_MEDIA_TYPES.parquet]: null,
          },
        },
        400: badInput,
        404: notFound,
        409: problem('The job has no committed results (not Completed)'),
      },
    },
  },
  JobDiff: {
    GET: {
      summary: 'Calculation diff: two completed jobs compared series by series and slot by slot',
      description:
        "Job B's results against job A's (differences are B − A), each read with the caller's scope on it exactly as its results would be: per series presence, slots, changed slots, totals, Σ|difference|, the largest difference and when; totals per grid area and per actor; a timeline of Σ|difference| per slot. Exact decimals (kWh 3, DKK 6). JSON holds the `limit` biggest series; `format=csv` streams every series (`;`, the key columns then presence;slots;changed_slots;total_a;total_b;sum_abs_difference;max_abs_difference;max_at). Audited.",
      tags: ['results'],
      roles: MARKET_ROLES,
      path: jobDiffPath,
      query: jobDiffQuery,
      responses: {
        200: {
          description: 'The diff',
          json: jobDiffSchema,
          content: { 'text/csv': z.string().meta({ description: 'One line per series, header first' }) },
        },
        400: badInput,
        404: notFound,
        409: problem('One of the jobs (named) has no committed results (not Completed)'),
      },
    },
  },
  JobBasisData: {
    GET: {
      summary: 'What a completed job calculated from',
      description:
        'Its pinned asOf, the lake blob versions, the integration events and the metering point periods — the part the caller may see. Audited.',
      tags: ['basis data'],
      roles: MARKET_ROLES,
      path: jobIdPath,
      responses: {
        200: { description: 'The basis data', json: jobBasisDataSchema },
        404: notFound,
        409: problem('The job has no committed basis data (not Completed)'),
      },
    },
  },
  StartBasisDataExport: {
    POST: {
      summary: "Export a completed job's basis data for one of its grid areas (DH2-like CSVs)",
      tags: ['basis data'],
      roles: EXPORT_ROLES,
      path: jobIdPath,
      query: startExportQuery,
      responses: {
        200: { description: 'Already exported: the download links', json: exportCompletedSchema },
        202: { description: 'Started', json: exportRunningSchema, headers: { Location: 'The status URL' } },
        400: badInput,
        403: problem("Not one of the grid access provider's grid areas (or a role that may not export)"),
        404: notFound,
        409: problem('The job is not Completed'),
      },
    },
  },
  BasisDataExportStatus: {
    GET: {
      summary: 'Status of a basis data export: 202 while running, 200 with 1-hour download links',
      tags: ['basis data'],
      roles: EXPORT_ROLES,
      path: exportPath,
      responses: {
        200: { description: 'Done: the download links', json: exportCompletedSchema },
        202: { description: 'Running', json: exportRunningSchema },
        400: badInput,
        403: problem("Not one of the grid access provider's grid areas (or a role that may not export)"),
        404: problem('No such job (or not the caller’s), or no export requested for it'),
      },
    },
  },
  IngestTimeSeries: {
    POST: {
      summary: 'Bulk ingestion of time series points into the lake',
      description:
        'Columns metering_point_id, quantity, quality, observation_time, resolution; validated row by row (nothing written on error); 200 only after the durable write. Body capped by MAX_INGESTION_BODY_BYTES (default 64 MiB).',
      tags: ['basis data'],
      roles: ADMIN,
      query: ingestQuery,
      body: {
        description: 'Parquet, NDJSON or `;`-CSV (the Content-Type or ?format= says which)',
        required: true,
        content: {
          'application/vnd.apache.parquet': null,
          'application/x-ndjson': z.string(),
          'text/csv': z.string(),
        },
      },
      responses: {
        200: { description: 'Stored', json: ingestResultSchema },
        400: problem('A bad row: `errors[0].path` names the row and column'),
        413: problem('Body larger than MAX_INGESTION_BODY_BYTES'),
        415: problem('Not Parquet, NDJSON or CSV'),
        500: problem('Could not be stored; nothing was kept'),
      },
    },
  },
  StartMarketDataIngest: {
    POST: {
      summary: 'Backfill market data (day-ahead prices, CO2) for a range of Danish local dates',
      description:
        'A durable orchestration over chunks (a month per area for Energi Data Service, a Berlin week for SMARD), bounded concurrency, resumable. A range already stored is answered 200 from storage.',
      tags: ['market data'],
      roles: ADMIN,
      query: marketDataIngestQuery,
      responses: {
        200: { description: 'Every chunk of the range is stored', json: marketDataBackfillSchema },
        202: {
          description: 'Started (or already running)',
          json: marketDataBackfillSchema,
          headers: { Location: 'The status URL' },
        },
        400: badInput,
      },
    },
  },
  MarketDataIngestStatus: {
    GET: {
      summary: 'Status of a market-data backfill: 202 while running, 200 once finished',
      tags: ['market data'],
      roles: ADMIN,
      path: marketDataIngestPath,
      responses: {
        200: { description: 'Finished (Completed or CompletedWithErrors)', json: marketDataBackfillSchema },
        202: { description: 'Running', json: marketDataBackfillSchema },
        404: problem('No such backfill'),
      },
    },
  },
  MarketPrices: {
    GET: {
      summary: 'Day-ahead prices averaged into buckets (PT15M, PT1H, P1D, P1M; days and months Danish local)',
      description:
        'Prices are time-weighted means of the market intervals in a bucket, never sums; a bucket not fully covered has `value: null` and `missingMinutes`. Hourly prices before 2025-10-01 serve PT15M by repetition; each point names its `marketResolution`.',
      tags: ['market data'],
      roles: MARKET_ROLES,
      query: priceQuery,
      responses: {
        200: {
          description: 'The price points',
          json: z.looseObject({ area: z.string(), points: z.array(z.looseObject({})) }),
        },
        400: badInput,
        503: unavailable,
      },
    },
  },
  MeteringPointSeries: {
    GET: seriesRead(
      "A metering point's readings as a series (read from the lake, as of now)",
      'Administrator, the owning grid access provider, or the supplier/BRP over its own periods.',
      meteringPointPath,
    ),
  },
  ResultSeries: {
    GET: seriesRead(
      "A completed job's result series of one grid area (read through the job's manifest, audited)",
      'The job 404 rule and row scope of the results route.',
      resultSeriesPath,
    ),
  },
  SupplierResultSeries: {
    GET: seriesRead(
      "A completed job's result series of one grid area and energy supplier",
      'The job 404 rule and row scope of the results route.',
      supplierResultSeriesPath,
    ),
  },
  GetSeries: {
    GET: seriesRead('A generic series', 'Readable by every role.', seriesNamePath),
  },
  PutSeries: {
    PUT: {
      summary: 'Write points into a generic series (a point written again replaces the earlier one)',
      tags: ['series'],
      roles: ADMIN,
      path: seriesNamePath,
      body: {
        description: 'NDJSON, `;`-CSV or Parquet points (time, value, unit, tags)',
        required: true,
        content: {
          'application/x-ndjson': z.string(),
          'text/csv': z.string(),
          'application/vnd.apache.parquet': null,
        },
      },
      responses: {
        200: { description: 'Stored', json: z.looseObject({}) },
        400: problem('A bad row: `errors[0].path` names the row and field'),
        413: problem('Body larger than MAX_INGESTION_BODY_BYTES'),
        415: problem('Not NDJSON, CSV or Parquet'),
      },
    },
  },
  Kpis: {
    GET: {
      summary: 'A KPI report per bucket (e.g. spot-cost: energy, cost EUR/DKK, volume-weighted price, CO2)',
      description:
        "KPIs are defined as data (shared/kpis/kpi-definitions.json). A supplier sees only its own share, a BRP its metering points; with `jobId` the energy is the job's committed consumption results.",
      tags: ['kpis'],
      roles: MARKET_ROLES,
      path: kpiReportPath,
      query: kpiQuery,
      responses: {
        200: { description: 'The report', json: z.looseObject({}) },
        400: badInput,
        403: problem("Another actor's grid area or supplier"),
        404: problem('No such report, or a job that is not the caller’s'),
        503: unavailable,
      },
    },
  },
  LakeRuns: {
    GET: {
      summary: "A lake source's ingestion runs (issue 15), or one run",
      tags: ['lake'],
      roles: ADMIN,
      query: lakeRunsQuery,
      responses: {
        200: { description: 'The run, or the list of runs', json: z.union([lakeRunStateSchema, lakeRunListSchema]) },
        400: badInput,
        404: problem('No such source, or no run for that day'),
      },
    },
  },
  StartLakeRun: {
    POST: {
      summary: 'Run (resume, or with force repeat) one ingestion now; answers its final state',
      description:
        'The run happens inside the request; its own outcome (succeeded or failed with the reason) is in the body.',
      tags: ['lake'],
      roles: ADMIN,
      query: startLakeRunQuery,
      responses: {
        200: { description: 'The final state of the run', json: lakeRunStateSchema },
        400: badInput,
        404: problem('No such source'),
      },
    },
  },
  StartLakeBackfill: {
    POST: {
      summary: 'Backfill a lake dataset (weather_daily: daily weather of every region) for UTC days from..to',
      description:
        'A durable orchestration over region × year chunks (one Open-Meteo archive request each), bounded concurrency (WEATHER_BACKFILL_MAX_PARALLEL), resumable; one curated Parquet per year. A range already stored is answered 200.',
      tags: ['lake'],
      roles: ADMIN,
      query: startLakeBackfillQuery,
      responses: {
        200: { description: 'Every chunk of the range is stored', json: lakeBackfillSchema },
        202: {
          description: 'Started (or already running)',
          json: lakeBackfillSchema,
          headers: { Location: 'The status URL' },
        },
        400: badInput,
      },
    },
  },
  LakeBackfillStatus: {
    GET: {
      summary: 'Status of a lake backfill: 202 while running, 200 once finished',
      tags: ['lake'],
      roles: ADMIN,
      path: lakeBackfillPath,
      responses: {
        200: { description: 'Finished (Completed or CompletedWithErrors)', json: lakeBackfillSchema },
        202: { description: 'Running', json: lakeBackfillSchema },
        404: problem('No such backfill'),
      },
    },
  },
  Dataset: {
    GET: {
      summary: 'A curated or operational lake dataset by date range (issue 15)',
      description:
        'Partitions from `from` to `to` (inclusive, ≤ 366 days), rows of `region` only when given. JSON is paged (`limit` ≤ LAKE_PAGE_MAX_ROWS, `cursor`, `Link: rel="next"`; a cursor whose partition was replaced since → 400 naming `cursor`); CSV and Parquet (stored types) stream the whole range. Each row starts with its partition keys (`date`, `hour`, …).',
      tags: ['lake'],
      roles: MARKET_ROLES,
      path: datasetPath,
      query: datasetQuery,
      responses: {
        200: {
          description: 'The rows',
          json: datasetPageSchema,
          content: {
            [DATASET_MEDIA_TYPES.csv]: z.string().meta({ description: '`,`-separated, RFC 4180 quotes, header first' }),
            [DATASET_MEDIA_TYPES.parquet]: null,
          },
        },
        400: badInput,
        404: problem('No such dataset (`errors[0].message` lists the served ones)'),
      },
    },
  },
  RegionSummary: {
    GET: {
      summary: "A region's metadata, latest 7- and 30-day average weather and latest market interest (issue 15)",
      description:
        'Answered from the operational zone (regions, weather_rolling, market_interest_daily), cached in process per partition version: a new or replaced partition is seen at once.',
      tags: ['lake'],
      roles: MARKET_ROLES,
      path: regionPath,
      responses: {
        200: { description: 'The summary', json: regionSummarySchema },
        400: badInput,
        404: problem('No such region'),
      },
    },
  },
  CustomerUpload: {
    POST: {
      summary: "Upload a CSV or Parquet file into the customer's lake area (issue 15)",
      description:
        "Stored at `customers/{customerId}/uploads/{name}` (replaced atomically; a re-upload replaces it). Only the customer (the caller's actor number) and administrators; anyone else 404.",
      tags: ['customers'],
      roles: MARKET_ROLES,
      path: customerPath,
      query: customerUploadQuery,
      body: {
        description: 'CSV (`,` or `;`, header first) or Parquet; capped by MAX_CUSTOMER_UPLOAD_BYTES',
        required: true,
        content: { 'text/csv': z.string(), 'application/vnd.apache.parquet': null },
      },
      responses: {
        201: {
          description: 'Stored',
          json: z.looseObject({ name: z.string(), rows: z.number().int(), columns: z.array(z.string()) }),
        },
        400: problem('Bad name, or the file cannot be read (nothing stored)'),
        404: problem("Not the caller's area"),
        413: problem('Larger than MAX_CUSTOMER_UPLOAD_BYTES'),
        415: problem('Neither CSV nor Parquet'),
      },
    },
  },
  CustomerAnalysis: {
    PUT: {
      summary: 'Save an analysis: a declarative spec over own uploads and served datasets (issue 15)',
      description:
        'inputs (own uploads by name, served datasets by name and date range; never a path), join, filter, groupBy, aggregates (sum, avg, min, max, count), select. Column references are checked against the inputs. An input naming another customer → 403 naming the field.',
      tags: ['customers'],
      roles: MARKET_ROLES,
      path: analysisPath,
      body: { description: 'The spec', required: true, content: { 'application/json': analysisSpecSchema } },
      responses: {
        200: { description: 'Saved', json: z.looseObject({ name: z.string(), spec: z.looseObject({}) }) },
        400: badInput,
        403: problem("The spec names another customer's area (`errors[].path` names the field)"),
        404: problem("Not the caller's area"),
      },
    },
  },
  StartCustomerAnalysisRun: {
    POST: {
      summary: 'Run a saved analysis (a durable orchestration); results Parquet in the area',
      tags: ['customers'],
      roles: MARKET_ROLES,
      path: analysisPath,
      responses: {
        202: {
          description: 'Started',
          json: z.object({ runId: z.string(), status: z.string(), statusUrl: z.string() }),
          headers: { Location: 'The status URL' },
        },
        404: problem("No such analysis, or not the caller's area"),
      },
    },
  },
  CustomerAnalysisRun: {
    GET: {
      summary: "A run's state: Running, Completed (rows) or Failed (the reason naming the spec field)",
      tags: ['customers'],
      roles: MARKET_ROLES,
      path: analysisRunPath,
      responses: {
        200: { description: 'The run', json: z.looseObject({ runId: z.string(), status: z.string() }) },
        400: badInput,
        404: problem("No such run, or not the caller's area"),
      },
    },
  },
  CustomerAnalysisResults: {
    GET: {
      summary: "An analysis's latest results",
      tags: ['customers'],
      roles: MARKET_ROLES,
      path: analysisPath,
      query: analysisResultsQuery,
      responses: {
        200: {
          description: 'The rows (decimals as exact text, counts as integers)',
          json: z.looseObject({ runId: z.string(), count: z.number().int(), rows: z.array(z.looseObject({})) }),
          content: { 'text/csv': z.string() },
        },
        400: badInput,
        404: problem("No results yet, or not the caller's area"),
      },
    },
  },
  CatalogSearch: {
    POST: {
      summary: 'Search the dataset catalog',
      description:
        "Keywords (ANDed over id, name, description, column names; a year matches temporal coverage, a grid area / price area / region matches spatial coverage), column names, a temporal range (intersects), a bounding box or grid area / price area, sources, semantic types. Ranked; each hit lists the parts of its profile that matched. Public datasets plus the caller's own uploads. With keywords, the on-query sources (CKAN, Energi Data Service) are asked too, for at most CATALOG_QUERY_DISCOVERY_MS: what they find is queued for profiling (`discovery.queued`) and found by a later search.",
      tags: ['catalog'],
      roles: MARKET_ROLES,
      body: {
        description: 'The query (every field optional)',
        required: false,
        content: { 'application/json': catalogQuerySchema },
      },
      responses: {
        200: { description: 'Ranked hits', json: searchResponseSchema },
        400: badInput,
        413: problem('Body larger than MAX_JOB_REQUEST_BODY_BYTES'),
      },
    },
  },
  CatalogDataset: {
    GET: {
      summary: "A dataset's metadata and full profile",
      tags: ['catalog'],
      roles: MARKET_ROLES,
      path: datasetIdPath,
      responses: {
        200: { description: 'The catalog entry', json: catalogEntrySchema },
        400: badInput,
        404: problem("No such dataset — or an unpublished upload that is not the caller's"),
      },
    },
  },
  CatalogDatasetSample: {
    GET: {
      summary: 'A handful of rows of the dataset (CSV, cells cut to 140 characters)',
      tags: ['catalog'],
      roles: MARKET_ROLES,
      path: datasetIdPath,
      responses: {
        200: { description: 'Header and ≤ 10 rows', content: { 'text/csv': z.string() } },
        400: badInput,
        404: problem("No such dataset — or an unpublished upload that is not the caller's"),
      },
    },
  },
  CatalogUpload: {
    POST: {
      summary: 'Upload a dataset: stored, profiled at once, searchable by the caller only until published',
      tags: ['catalog'],
      roles: MARKET_ROLES,
      query: uploadQuery,
      body: {
        description:
          'CSV (`,` `;` tab or `|`), Parquet, JSON lines or a JSON array; the Content-Type or ?format= says which. Capped by MAX_CATALOG_UPLOAD_BYTES (default 64 MiB).',
        required: true,
        content: {
          'text/csv': z.string(),
          'application/vnd.apache.parquet': null,
          'application/x-ndjson': z.string(),
          'application/json': z.string(),
        },
      },
      responses: {
        201: {
          description: 'Profiled and indexed',
          json: catalogEntrySchema,
          headers: { Location: 'The dataset URL' },
        },
        400: problem('The file cannot be read (nothing is kept): `errors[0].message` says why'),
        413: problem('Larger than MAX_CATALOG_UPLOAD_BYTES'),
        415: problem('Not CSV, Parquet or JSON'),
      },
    },
  },
  CatalogDatasetDelete: {
    DELETE: {
      summary: 'Delete a dataset: it disappears from search and GET at once',
      description:
        "The owner of an upload, or an administrator (any dataset; a discovered one returns at its source's next discovery run if the source still lists it). The upload's stored file goes too.",
      tags: ['catalog'],
      roles: MARKET_ROLES,
      path: datasetIdPath,
      responses: {
        204: { description: 'Deleted' },
        400: badInput,
        404: problem("No such dataset, or not the caller's upload (and the caller is no administrator)"),
      },
    },
  },
  CatalogPublish: {
    POST: {
      summary: "Publish one of the caller's uploads to every caller",
      tags: ['catalog'],
      roles: MARKET_ROLES,
      path: datasetIdPath,
      responses: {
        200: { description: 'Published', json: catalogEntrySchema },
        400: badInput,
        404: problem("No such dataset, or not the caller's upload"),
      },
    },
  },
  Health: {
    GET: {
      summary: 'Reachability of Blob and Table storage, the job store and the Service Bus',
      description:
        'Anonymous (no token, no function key) so load balancers and health probes can call it; the answer holds only check names, durations and `timeout`/`unreachable`, no error text. Each check has its own short timeout (2 s).',
      tags: ['meta'],
      roles: 'anonymous',
      responses: {
        200: { description: 'Every check passed', json: healthAnswerSchema },
        503: { description: '`failing` names the checks that failed', json: healthAnswerSchema },
      },
    },
  },
  OpenApi: {
    GET: {
      summary: 'This document (OpenAPI 3.1)',
      tags: ['meta'],
      roles: 'anonymous',
      responses: { 200: { description: 'The OpenAPI 3.1 document', json: z.looseObject({ openapi: z.string() }) } },
    },
  },
  Console: {
    GET: {
      summary: 'The settlement console (web page): index.html and its assets',
      description:
        'Static files, no data: `/api/console/` is the page, `/api/console/app.js` and `/api/console/app.css` its script and styles (`/api/console` redirects to `/api/console/`). The page signs in with a bearer token (kept in the tab’s sessionStorage) and calls only the routes of this document. On the local host `/` and `/console` redirect here.',
      tags: ['console'],
      roles: 'anonymous',
      path: z.object({
        path: z.string().meta({
          description: "A file of the console ('' or index.html: the page; app.js; app.css)",
          examples: ['app.js'],
        }),
      }),
      responses: {
        200: {
          description: 'The file',
          content: { 'text/html': null, 'text/javascript': null, 'text/css': null },
        },
        301: { description: 'To the page with its trailing slash', headers: { Location: '/api/console/' } },
        404: problem('No such file'),
      },
    },
  },
} satisfies Record<string, RouteDoc>;
