/**
 * Generates the JSON files that infra/bicep loads with loadJsonContent, so the infrastructure
 * takes every resource and setting name (and the app's setting defaults) from the code instead
 * of a copy:
 *   infra/bicep/names.json             = NAMES (shared/config/names.ts), verbatim
 *   infra/bicep/settings-defaults.json = what loadSettings (shared/config/settings.ts) uses when a
 *                                        setting is absent, keyed like NAMES.settings
 * Both are committed. `npx tsx tools/infra-names.ts` rewrites them; `--check` rewrites nothing and
 * exits 1 when either is missing or stale. test/unit/infra-names.test.ts checks the same.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NAMES } from '../shared/config/names';
import {
  DEFAULT_AZURE_SEARCH_INDEX,
  loadSettings,
  type MarketDataTimerSource,
  type ScheduleEntry,
} from '../shared/config/settings';

export const REPO_ROOT = join(__dirname, '..');
export const BICEP_DIR = join(REPO_ROOT, 'infra', 'bicep');
export const NAMES_JSON = join(BICEP_DIR, 'names.json');
export const SETTINGS_DEFAULTS_JSON = join(BICEP_DIR, 'settings-defaults.json');

/** The defaults of the settings the infrastructure sets explicitly; keys are NAMES.settings keys. */
export interface SettingsDefaults {
  schedule: ScheduleEntry[];
  maxParallelBatches: number;
  batchMaxPoints: number;
  quarterlyTransition: string;
  esettReceiverId: string;
  authActorClaim: string;
  maxJobRequestBodyBytes: number;
  maxIngestionBodyBytes: number;
  staleRequestedJobMinutes: number;
  energiDataServiceUrl: string;
  smardUrl: string;
  marketDataTimerSources: MarketDataTimerSource[];
  marketDataTimerCron: string;
  marketDataMaxParallelChunks: number;
  marketDataHttpTimeoutMs: number;
  marketDataRetryBaseMs: number;
  smardPauseMs: number;
  resultsPageMaxRows: number;
  maxPeriodDaysEnergy: number;
  openMeteoUrl: string;
  openMeteoArchiveUrl: string;
  weatherBackfillMaxParallel: number;
  weatherBackfillRetryBaseMs: number;
  maxCatalogUploadBytes: number;
  catalogDiscoverySchedule: string;
  catalogQueryDiscoveryMs: number;
  azureSearchIndex: string;
  lakePageMaxRows: number;
  maxCustomerUploadBytes: number;
}

export interface GeneratedFile {
  path: string;
  content: string;
}

function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function renderNamesJson(): string {
  return renderJson(NAMES);
}

/** Asks the settings module itself: an environment with only the required storage account name set. */
export function settingsDefaults(): SettingsDefaults {
  const s = loadSettings({
    [NAMES.settings.storageAccountName]: 'placeholder',
    // required, no default: main.bicep derives them from the tenant and takes the audience as a parameter
    [NAMES.settings.authIssuer]: 'https://login.microsoftonline.com/placeholder/v2.0',
    [NAMES.settings.authAudience]: 'api://placeholder',
    [NAMES.settings.authJwksUrl]: 'https://login.microsoftonline.com/placeholder/discovery/v2.0/keys',
  });
  return {
    schedule: s.schedule,
    maxParallelBatches: s.maxParallelBatches,
    batchMaxPoints: s.batchMaxPoints,
    // the app setting is text (ISO-8601); the settings module parses it into an instant
    quarterlyTransition: new Date(s.quarterlyTransition).toISOString().replace('.000Z', 'Z'),
    esettReceiverId: s.esettReceiverId,
    authActorClaim: s.auth.actorClaim,
    maxJobRequestBodyBytes: s.maxRequestBodyBytes.job,
    maxIngestionBodyBytes: s.maxRequestBodyBytes.ingestion,
    staleRequestedJobMinutes: s.staleRequestedJobMs / 60_000,
    energiDataServiceUrl: s.marketData.energiDataServiceUrl,
    smardUrl: s.marketData.smardUrl,
    marketDataTimerSources: s.marketData.timerSources,
    marketDataTimerCron: s.marketData.timerCron,
    marketDataMaxParallelChunks: s.marketData.maxParallelChunks,
    marketDataHttpTimeoutMs: s.marketData.httpTimeoutMs,
    marketDataRetryBaseMs: s.marketData.retryBaseMs,
    smardPauseMs: s.marketData.smardPauseMs,
    resultsPageMaxRows: s.resultsPageMaxRows,
    maxPeriodDaysEnergy: s.periodLimits.maxEnergyDays,
    openMeteoUrl: s.lake.openMeteoUrl,
    openMeteoArchiveUrl: s.lake.openMeteoArchiveUrl,
    weatherBackfillMaxParallel: s.lake.weatherBackfillMaxParallel,
    weatherBackfillRetryBaseMs: s.lake.weatherBackfillRetryBaseMs,
    maxCatalogUploadBytes: s.catalog.maxUploadBytes,
    catalogDiscoverySchedule: s.catalog.discoverySchedule,
    catalogQueryDiscoveryMs: s.catalog.queryDiscoveryMs,
    azureSearchIndex: DEFAULT_AZURE_SEARCH_INDEX,
    lakePageMaxRows: s.lake.pageMaxRows,
    maxCustomerUploadBytes: s.lake.maxCustomerUploadBytes,
  };
}

export function renderSettingsDefaultsJson(): string {
  return renderJson(settingsDefaults());
}

export function generatedFiles(): GeneratedFile[] {
  return [
    { path: NAMES_JSON, content: renderNamesJson() },
    { path: SETTINGS_DEFAULTS_JSON, content: renderSettingsDefaultsJson() },
  ];
}

/** Generated files whose committed content differs from what the code renders (or that are missing). */
export function staleFiles(files: GeneratedFile[] = generatedFiles()): string[] {
  return files.filter((f) => !existsSync(f.path) || readFileSync(f.path, 'utf8') !== f.content).map((f) => f.path);
}

export function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`unknown argument(s): ${unknown.join(' ')}\nusage: npx tsx tools/infra-names.ts [--check]`);
    return 2;
  }
  const files = generatedFiles();
  const stale = staleFiles(files);
  if (argv.includes('--check')) {
    if (stale.length === 0) return 0;
    for (const p of stale)
      console.error(
        `${relative(REPO_ROOT, p)} is stale (differs from shared/config); run: npx tsx tools/infra-names.ts`,
      );
    return 1;
  }
  for (const f of files) {
    if (stale.includes(f.path)) writeFileSync(f.path, f.content);
    console.log(`${relative(REPO_ROOT, f.path)} ${stale.includes(f.path) ? 'written' : 'up to date'}`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
