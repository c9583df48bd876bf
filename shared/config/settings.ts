/**
 * The one place that reads the environment. Every setting is validated with zod at startup and
 * a bad or missing one stops the app with a message naming it.
 */
import { z } from 'zod';
import { CALCULATION_TYPES, DEFAULT_QUARTERLY_TRANSITION } from '../domain/codes';
import { NAMES } from './names';
import { INSTANT_HINT, parseInstant } from '../domain/time';
import { GRID_AREA_CODE_RE } from '../domain/identifiers';
import { DEFAULT_ACTOR_CLAIM } from '../auth/caller';
import {
  DEFAULT_AREAS,
  DEFAULT_ENERGIDATASERVICE_URL,
  DEFAULT_SMARD_URL,
  MARKET_DATA_SOURCES,
  areasOf,
  type MarketDataSource,
} from '../market-data/sources/catalog';
import { DEFAULT_MAX_PERIOD_DAYS_ENERGY, type PeriodLimits } from '../settlement/period-limits';

const S = NAMES.settings;

/** A scheduled settlement: which calculation to start, for which period, when. */
export const scheduleEntrySchema = z
  .object({
    name: z.string().min(1),
    /** 6-field NCRONTAB as used by Azure Functions timers (sec min hour day month weekday), evaluated in UTC. */
    cron: z.string().regex(/^(\S+\s+){5}\S+$/, 'must be a 6-field NCRONTAB expression'),
    calculationType: z.enum(CALCULATION_TYPES),
    /** Which period relative to the tick, in Europe/Copenhagen local time. */
    period: z.enum(['previous-local-day', 'previous-local-month']),
    /** 'all' = every grid area of the basis data. */
    gridAreas: z.union([z.literal('all'), z.array(z.string().regex(GRID_AREA_CODE_RE)).min(1)]),
  })
  .strict();
export type ScheduleEntry = z.infer<typeof scheduleEntrySchema>;

export const DEFAULT_SCHEDULE: ScheduleEntry[] = [
  {
    name: 'daily-balance-fixing',
    cron: '0 0 6 * * *',
    calculationType: 'balance_fixing',
    period: 'previous-local-day',
    gridAreas: 'all',
  },
  {
    name: 'monthly-wholesale-fixing',
    cron: '0 0 7 5 * *',
    calculationType: 'wholesale_fixing',
    period: 'previous-local-month',
    gridAreas: 'all',
  },
];

/**
 * Default most points per batch: keeps one batch's peak RSS within ~1.5 GB (the 2 GB Flex
 * Consumption instance), measured with bench/batch-rss.ts (one wholesale_fixing batch, one grid
 * area, March): 7.5 M points 377 MB, 30.1 M 919 MB, 45.4 M 1351 MB (≈ 28 MB per million points).
 */
export const DEFAULT_BATCH_MAX_POINTS = 45_000_000;

/** A KickStartJob body is a handful of fields: 64 KiB is generous. */
export const DEFAULT_MAX_JOB_REQUEST_BODY_BYTES = 64 * 1024;
/** An ingestion body holds ~1 M NDJSON points in 64 MiB; larger backfills are split by the client. */
export const DEFAULT_MAX_INGESTION_BODY_BYTES = 64 * 1024 * 1024;
/** Largest catalog upload: the profiler holds the file and its text cells in memory. */
export const DEFAULT_MAX_CATALOG_UPLOAD_BYTES = 64 * 1024 * 1024;
/** A dataset page is one JSON body: 5,000 rows of weather are ~1.5 MB. */
export const DEFAULT_LAKE_PAGE_MAX_ROWS = 5_000;
/** A customer upload is decoded whole when an analysis reads it. */
export const DEFAULT_MAX_CUSTOMER_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Discovery runs nightly: sources change daily at most. */
export const DEFAULT_CATALOG_DISCOVERY_SCHEDULE = '0 0 3 * * *';
/** On-query discovery's share of a search: long enough for one CKAN page, short enough for a person waiting. */
export const DEFAULT_CATALOG_QUERY_DISCOVERY_MS = 1500;
export const DEFAULT_AZURE_SEARCH_INDEX = 'dataset-catalog';
/**
 * A job's orchestration is started right after it is registered; a job still Requested this much
 * later lost its process in between (start-job.ts) and would otherwise block its spec forever.
 */
export const DEFAULT_STALE_REQUESTED_JOB_MINUTES = 15;
/**
 * Rows of one JSON results page: ~10,000 rows are ~4 MB of JSON, answered in well under a second;
 * bigger reads stream (CSV, NDJSON, Parquet) instead of growing one JSON body.
 */
export const DEFAULT_RESULTS_PAGE_MAX_ROWS = 10_000;
/** A page is one JSON body held in memory: beyond this the limit itself would be the problem. */
export const MAX_RESULTS_PAGE_MAX_ROWS = 100_000;

/** One source the hourly market data timer fetches, and for which areas. */
export const marketDataTimerSourceSchema = z
  .object({ source: z.enum(MARKET_DATA_SOURCES), areas: z.array(z.string()).min(1) })
  .strict()
  .superRefine((v, ctx) => {
    for (const a of v.areas)
      if (!areasOf(v.source).includes(a))
        ctx.addIssue({
          code: 'custom',
          path: ['areas'],
          message: `${v.source} has no area ${a} (${areasOf(v.source).join(', ')})`,
        });
  });
export type MarketDataTimerSource = { source: MarketDataSource; areas: string[] };
export const DEFAULT_MARKET_DATA_TIMER_SOURCES: MarketDataTimerSource[] = MARKET_DATA_SOURCES.map((source) => ({
  source,
  areas: [...DEFAULT_AREAS[source]],
}));
/** Ten past every hour: after the sources' own hourly updates (EDS publishes day-ahead results ~13:00 CET). */
export const DEFAULT_MARKET_DATA_TIMER_CRON = '0 10 * * * *';

/** Placeholder default for local runs; every environment sets eSett's real party id. */
export const DEFAULT_ESETT_RECEIVER_ID = '10X1001A1001A55Y';

/** Open-Meteo's public forecast host (no key needed for non-commercial use). */
export const DEFAULT_OPEN_METEO_URL = 'https://api.open-meteo.com';
export const DEFAULT_OPEN_METEO_ARCHIVE_URL = 'https://archive-api.open-meteo.com';

const jsonArray = <T extends z.ZodTypeAny>(item: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(e as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(z.array(item));

const settingsSchema = z
  .object({
    [S.storageConnectionString]: z.string().min(1).optional(),
    [S.storageAccountName]: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name')
      .optional(),
    [S.serviceBusConnectionString]: z.string().min(1).optional(),
    [S.serviceBusNamespace]: z.string().min(1).optional(),
    [S.jobStore]: z.enum(['table', 'sql']).default('table'),
    [S.sqlConnectionString]: z.string().min(1).optional(),
    [S.schedule]: jsonArray(scheduleEntrySchema).optional(),
    [S.maxParallelBatches]: z.coerce.number().int().min(1).max(1000).default(4),
    // measured: peak RSS of one batch ≤ ~1.5 GB (Flex Consumption's 2 GB instance) at this many points
    [S.batchMaxPoints]: z.coerce.number().int().min(1).default(DEFAULT_BATCH_MAX_POINTS),
    // parsed into the instant every consumer needs (epoch ms), once
    [S.quarterlyTransition]: z
      .string()
      .datetime({ offset: true })
      .default(DEFAULT_QUARTERLY_TRANSITION)
      .transform((t, ctx) => {
        const ms = parseInstant(t);
        if (ms === null) {
          ctx.addIssue({ code: 'custom', message: `not ${INSTANT_HINT}` });
          return z.NEVER;
        }
        return ms;
      }),
    // eSett's party id on the documents we send it: a 13-digit GLN or a 16-character EIC
    [S.esettReceiverId]: z
      .string()
      .regex(/^(\d{13}|[0-9A-Z-]{16})$/, 'must be a 13-digit GLN or a 16-character EIC')
      .default(DEFAULT_ESETT_RECEIVER_ID),
    // request bodies are read into memory: these bound what one request can make the host hold
    [S.maxJobRequestBodyBytes]: z.coerce.number().int().min(1024).default(DEFAULT_MAX_JOB_REQUEST_BODY_BYTES),
    [S.maxIngestionBodyBytes]: z.coerce.number().int().min(1024).default(DEFAULT_MAX_INGESTION_BODY_BYTES),
    [S.staleRequestedJobMinutes]: z.coerce.number().int().min(1).default(DEFAULT_STALE_REQUESTED_JOB_MINUTES),
    [S.resultsPageMaxRows]: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_RESULTS_PAGE_MAX_ROWS)
      .default(DEFAULT_RESULTS_PAGE_MAX_ROWS),
    // a job's work grows with its period: this bounds what one accepted request can make the app do
    [S.maxPeriodDaysEnergy]: z.coerce.number().int().min(1).max(366).default(DEFAULT_MAX_PERIOD_DAYS_ENERGY),
    [S.authIssuer]: z.string().url().optional(),
    [S.authAudience]: z.string().min(1).optional(),
    [S.authJwksUrl]: z
      .string()
      .url()
      .refine((u) => u.startsWith('https://'), 'must be an https URL')
      .optional(),
    [S.authActorClaim]: z
      .string()
      .regex(/^[A-Za-z0-9_.]+$/, 'must be a claim name')
      .default(DEFAULT_ACTOR_CLAIM),
    [S.authDevIssuer]: z.enum(['true', 'false']).default('false'),
    // the portal's form: InstrumentationKey=…;IngestionEndpoint=https://…;…
    [S.appInsightsConnectionString]: z
      .string()
      .regex(
        /(^|;)InstrumentationKey=[^;]+/i,
        'must be an Application Insights connection string (InstrumentationKey=…)',
      )
      .optional(),
    [S.appInsightsAuthenticationString]: z
      .string()
      .regex(/^Authorization=AAD(;ClientId=[0-9a-f-]+)?$/i, 'must be Authorization=AAD (optionally ;ClientId=…)')
      .optional(),
    [S.energiDataServiceUrl]: z.string().url().default(DEFAULT_ENERGIDATASERVICE_URL),
    [S.smardUrl]: z.string().url().default(DEFAULT_SMARD_URL),
    [S.marketDataTimerSources]: jsonArray(marketDataTimerSourceSchema).optional(),
    [S.marketDataTimerCron]: z
      .string()
      .regex(/^(\S+\s+){5}\S+$/, 'must be a 6-field NCRONTAB expression')
      .default(DEFAULT_MARKET_DATA_TIMER_CRON),
    // each chunk holds an HTTP connection to a public API: a few at a time is polite and enough
    [S.marketDataMaxParallelChunks]: z.coerce.number().int().min(1).max(16).default(2),
    [S.marketDataHttpTimeoutMs]: z.coerce.number().int().min(100).default(30_000),
    [S.marketDataRetryBaseMs]: z.coerce.number().int().min(0).default(1_000),
    [S.smardPauseMs]: z.coerce.number().int().min(0).default(300),
    [S.lakeStorageAccountName]: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name')
      .optional(),
    [S.lakeSourcesFile]: z.string().min(1).optional(),
    [S.openMeteoUrl]: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .default(DEFAULT_OPEN_METEO_URL),
    [S.weatherRegionsFile]: z.string().min(1).optional(),
    [S.openMeteoArchiveUrl]: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .default(DEFAULT_OPEN_METEO_ARCHIVE_URL),
    // Open-Meteo's free tier limits calls per minute: a few region-years at a time is polite and enough
    [S.weatherBackfillMaxParallel]: z.coerce.number().int().min(1).max(16).default(4),
    [S.weatherBackfillRetryBaseMs]: z.coerce.number().int().min(0).default(2_000),
    [S.lakePageMaxRows]: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_LAKE_PAGE_MAX_ROWS),
    [S.maxCustomerUploadBytes]: z.coerce.number().int().min(1024).default(DEFAULT_MAX_CUSTOMER_UPLOAD_BYTES),
    [S.streamFeedUrl]: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .optional(),
    [S.maxCatalogUploadBytes]: z.coerce.number().int().min(1024).default(DEFAULT_MAX_CATALOG_UPLOAD_BYTES),
    // empty means not crawled (the template passes its parameter through, empty by default)
    [S.catalogEdsUrl]: z.union([z.literal(''), z.string().url()]).optional(),
    [S.catalogCkanUrl]: z.union([z.literal(''), z.string().url()]).optional(),
    [S.catalogDiscoverySchedule]: z
      .string()
      .regex(/^\S+( \S+){5}$/, 'must be a six-field NCRONTAB expression')
      .default(DEFAULT_CATALOG_DISCOVERY_SCHEDULE),
    [S.catalogQueryDiscoveryMs]: z.coerce.number().int().min(0).max(30_000).default(DEFAULT_CATALOG_QUERY_DISCOVERY_MS),
    [S.azureSearchEndpoint]: z.union([z.literal(''), z.string().url().startsWith('https://')]).optional(),
    [S.azureSearchApiKey]: z.string().optional(),
    [S.azureSearchIndex]: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,126}$/, 'lower-case letters, digits and dashes')
      .default(DEFAULT_AZURE_SEARCH_INDEX),
  })
  .superRefine((v, ctx) => {
    if (!v[S.storageConnectionString] && !v[S.storageAccountName]) {
      ctx.addIssue({
        code: 'custom',
        path: [S.storageAccountName],
        message: `set ${S.storageAccountName} (managed identity) or ${S.storageConnectionString} (local)`,
      });
    }
    if (v[S.authDevIssuer] !== 'true')
      for (const name of [S.authIssuer, S.authAudience, S.authJwksUrl])
        if (!v[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `required: bearer tokens are validated against Entra ID (${S.authIssuer}, ${S.authAudience}, ${S.authJwksUrl})`,
          });
    // a scheduled monthly energy settlement that the limit refuses would fail at every tick
    const maxDays = v[S.maxPeriodDaysEnergy];
    (v[S.schedule] ?? []).forEach((entry, i) => {
      if (
        maxDays < 31 &&
        entry.period === 'previous-local-month' &&
        (entry.calculationType === 'aggregation' || entry.calculationType === 'balance_fixing')
      )
        ctx.addIssue({
          code: 'custom',
          path: [S.schedule, i],
          message: `${entry.name}: a ${entry.calculationType} of the previous local month can be 31 days; ${S.maxPeriodDaysEnergy} is ${maxDays}`,
        });
    });
    if (v[S.jobStore] === 'sql' && !v[S.sqlConnectionString]) {
      ctx.addIssue({ code: 'custom', path: [S.sqlConnectionString], message: `required when ${S.jobStore}=sql` });
    }
  });

export interface Settings {
  storage: { kind: 'connectionString'; connectionString: string } | { kind: 'identity'; accountName: string };
  /** null: no Service Bus configured (local host uses its in-process bus). */
  serviceBus: { kind: 'connectionString'; connectionString: string } | { kind: 'identity'; namespace: string } | null;
  jobStore: { kind: 'table' } | { kind: 'sql'; connectionString: string };
  schedule: ScheduleEntry[];
  maxParallelBatches: number;
  /** Most time series points one settlement batch holds (batch planning). */
  batchMaxPoints: number;
  /** The quarterly resolution transition as an instant (epoch ms). */
  quarterlyTransition: number;
  esettReceiverId: string;
  /**
   * Where the Azure host exports telemetry (Application Insights; `entraAuthentication`: with the
   * app's identity). null: nothing is exported (the local host keeps its telemetry in memory).
   */
  appInsights: { connectionString: string; entraAuthentication: boolean } | null;
  /** Request body limits in bytes (413 beyond): KickStartJob and other job requests; ingestion. */
  maxRequestBodyBytes: { job: number; ingestion: number };
  /** A Requested job older than this (ms) is stale: failed at the next start of its spec. */
  staleRequestedJobMs: number;
  /** Rows of a JSON results page: the default and the largest `limit` (RESULTS_PAGE_MAX_ROWS). */
  resultsPageMaxRows: number;
  /** Longest settlement period per calculation type (shared/settlement/period-limits.ts). */
  periodLimits: PeriodLimits;
  /**
   * The dataset catalog (issue 16): upload cap, the external sources it crawls (null: not crawled),
   * when, on-query discovery's time in a search (0: none), and the index: Azure AI Search when an
   * endpoint is set (key, or the managed identity when null), else the embedded index.
   */
  catalog: {
    maxUploadBytes: number;
    edsUrl: string | null;
    ckanUrl: string | null;
    discoverySchedule: string;
    queryDiscoveryMs: number;
    azureSearch: { endpoint: string; apiKey: string | null; indexName: string } | null;
  };
  /**
   * How bearer tokens are validated: against Entra ID (issuer, audience, the tenant's JWKS), or
   * — on the local host only — against the checkout's dev issuer (local/dev-issuer).
   */
  auth:
    | { kind: 'entra'; issuer: string; audience: string; jwksUrl: string; actorClaim: string }
    | { kind: 'devIssuer'; actorClaim: string };
  /** Market data ingestion (issue 14): source URLs, what the hourly timer fetches, HTTP behaviour. */
  marketData: {
    energiDataServiceUrl: string;
    smardUrl: string;
    timerSources: MarketDataTimerSource[];
    timerCron: string;
    maxParallelChunks: number;
    httpTimeoutMs: number;
    retryBaseMs: number;
    smardPauseMs: number;
  };
  /** The data lake (issue 15). */
  lake: {
    /** Account of the lake container when it differs from the data account (Azure: the HNS account). */
    accountName: string | null;
    /** Source registry file; null: no scheduled sources. */
    sourcesFile: string | null;
    openMeteoUrl: string;
    /** Weather regions file (e.g. the shipped shared/lake/weather/regions.json); null: no weather ingestion. */
    weatherRegionsFile: string | null;
    /** Stream feed (source D); null: the stream is not polled. */
    streamFeedUrl: string | null;
    /** Open-Meteo archive API base (weather backfill). */
    openMeteoArchiveUrl: string;
    weatherBackfillMaxParallel: number;
    weatherBackfillRetryBaseMs: number;
    /** Rows of a JSON page of GET /api/datasets/{name}: the default and the largest `limit`. */
    pageMaxRows: number;
    /** Largest customer upload (413 beyond). */
    maxCustomerUploadBytes: number;
  };
}

/**
 * App settings Azure App Service / Functions set on every instance. When one is present the dev
 * issuer is refused, so a deployment cannot be switched to trust the committed dev key.
 */
export const AZURE_ENVIRONMENT_MARKERS = [
  'WEBSITE_SITE_NAME',
  'WEBSITE_INSTANCE_ID',
  'WEBSITE_HOSTNAME',
  'WEBSITE_OWNER_NAME',
  'IDENTITY_ENDPOINT',
] as const;

export class SettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid app settings:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  // an empty app setting (as local.settings.json templates have) means "not set"
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const r = settingsSchema.safeParse(present);
  if (!r.success) throw new SettingsError(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const v = r.data;
  if (v[S.authDevIssuer] === 'true') {
    const marker = AZURE_ENVIRONMENT_MARKERS.find((m) => present[m] !== undefined);
    if (marker)
      throw new SettingsError([
        `${S.authDevIssuer}: the local dev token issuer is refused in Azure (${marker} is set); configure ${S.authIssuer}, ${S.authAudience} and ${S.authJwksUrl}`,
      ]);
  }
  const sbCs = v[S.serviceBusConnectionString];
  const sbNs = v[S.serviceBusNamespace];
  const storageCs = v[S.storageConnectionString];
  const aiCs = v[S.appInsightsConnectionString];
  const searchEndpoint = v[S.azureSearchEndpoint];
  return {
    storage: storageCs
      ? { kind: 'connectionString', connectionString: storageCs }
      : { kind: 'identity', accountName: v[S.storageAccountName] as string },
    serviceBus: sbCs
      ? { kind: 'connectionString', connectionString: sbCs }
      : sbNs
        ? { kind: 'identity', namespace: sbNs }
        : null,
    jobStore:
      v[S.jobStore] === 'sql'
        ? { kind: 'sql', connectionString: v[S.sqlConnectionString] as string }
        : { kind: 'table' },
    schedule: v[S.schedule] ?? DEFAULT_SCHEDULE,
    maxParallelBatches: v[S.maxParallelBatches],
    batchMaxPoints: v[S.batchMaxPoints],
    quarterlyTransition: v[S.quarterlyTransition],
    esettReceiverId: v[S.esettReceiverId],
    appInsights: aiCs
      ? {
          connectionString: aiCs,
          entraAuthentication: v[S.appInsightsAuthenticationString] !== undefined,
        }
      : null,
    maxRequestBodyBytes: { job: v[S.maxJobRequestBodyBytes], ingestion: v[S.maxIngestionBodyBytes] },
    staleRequestedJobMs: v[S.staleRequestedJobMinutes] * 60_000,
    resultsPageMaxRows: v[S.resultsPageMaxRows],
    periodLimits: { maxEnergyDays: v[S.maxPeriodDaysEnergy] },
    catalog: {
      maxUploadBytes: v[S.maxCatalogUploadBytes],
      edsUrl: v[S.catalogEdsUrl] || null,
      ckanUrl: v[S.catalogCkanUrl] || null,
      discoverySchedule: v[S.catalogDiscoverySchedule],
      queryDiscoveryMs: v[S.catalogQueryDiscoveryMs],
      azureSearch: searchEndpoint
        ? {
            endpoint: searchEndpoint,
            apiKey: v[S.azureSearchApiKey] || null,
            indexName: v[S.azureSearchIndex],
          }
        : null,
    },
    auth:
      v[S.authDevIssuer] === 'true'
        ? { kind: 'devIssuer', actorClaim: v[S.authActorClaim] }
        : {
            kind: 'entra',
            issuer: v[S.authIssuer] as string,
            audience: v[S.authAudience] as string,
            jwksUrl: v[S.authJwksUrl] as string,
            actorClaim: v[S.authActorClaim],
          },
    marketData: {
      energiDataServiceUrl: v[S.energiDataServiceUrl].replace(/\/+$/, ''),
      smardUrl: v[S.smardUrl].replace(/\/+$/, ''),
      timerSources: v[S.marketDataTimerSources] ?? DEFAULT_MARKET_DATA_TIMER_SOURCES,
      timerCron: v[S.marketDataTimerCron],
      maxParallelChunks: v[S.marketDataMaxParallelChunks],
      httpTimeoutMs: v[S.marketDataHttpTimeoutMs],
      retryBaseMs: v[S.marketDataRetryBaseMs],
      smardPauseMs: v[S.smardPauseMs],
    },
    lake: {
      accountName: v[S.lakeStorageAccountName] ?? null,
      sourcesFile: v[S.lakeSourcesFile] ?? null,
      openMeteoUrl: v[S.openMeteoUrl].replace(/\/+$/, ''),
      weatherRegionsFile: v[S.weatherRegionsFile] ?? null,
      streamFeedUrl: v[S.streamFeedUrl] ?? null,
      openMeteoArchiveUrl: v[S.openMeteoArchiveUrl].replace(/\/+$/, ''),
      weatherBackfillMaxParallel: v[S.weatherBackfillMaxParallel],
      weatherBackfillRetryBaseMs: v[S.weatherBackfillRetryBaseMs],
      pageMaxRows: v[S.lakePageMaxRows],
      maxCustomerUploadBytes: v[S.maxCustomerUploadBytes],
    },
  };
}
