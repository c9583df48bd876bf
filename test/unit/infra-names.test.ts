/**
 * Code and infrastructure cannot drift: infra/bicep takes every resource and setting name from
 * names.json (generated from NAMES) and the setting defaults from settings-defaults.json
 * (generated from the settings module), never from a literal copy; every app setting is either
 * set by the template or explicitly local-only; every role the template assigns is a known
 * built-in role bound to the right id.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as mssql from 'mssql';
import { NAMES } from '../../shared/config/names';
import { MARKET_ROLES } from '../../shared/auth/caller';
import {
  DEFAULT_SCHEDULE,
  DEFAULT_MARKET_DATA_TIMER_SOURCES,
  loadSettings,
  scheduleEntrySchema,
} from '../../shared/config/settings';
import {
  BICEP_DIR,
  NAMES_JSON,
  SETTINGS_DEFAULTS_JSON,
  main as infraNamesMain,
  renderNamesJson,
  settingsDefaults,
  staleFiles,
} from '../../tools/infra-names';
import { anyString } from '../support/matchers';

type SettingKey = keyof typeof NAMES.settings;
type ContainerKey = keyof typeof NAMES.containers;

/** Names the template deliberately does not create or set (reasons in infra/bicep/README.md). */
const LOCAL_ONLY_CONTAINERS: readonly ContainerKey[] = [
  // durable state of the local host; in Azure the Durable extension uses the host storage account
  'durableLocal',
];
const LOCAL_ONLY_SETTINGS: readonly SettingKey[] = [
  // Azurite / emulator only: in Azure the app uses its managed identity (account name, namespace)
  'storageConnectionString',
  'serviceBusConnectionString',
  // the local host's dev token issuer: refused in Azure (shared/config/settings.ts)
  'authDevIssuer',
  // Azure AI Search key: in Azure the app uses its managed identity (key auth is off on the service)
  'azureSearchApiKey',
];

/** Built-in Azure role definitions (the same ids in every tenant) the template may assign. */
const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '090c5cfd-751d-490a-894a-3ce6f1109419': 'Azure Service Bus Data Owner',
  '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39': 'Azure Service Bus Data Sender',
  '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0': 'Azure Service Bus Data Receiver',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '8ebe5a00-799e-43f5-93ac-243d3dce84a7': 'Search Index Data Contributor',
  '7ca78c08-252a-4471-8644-bb5ff32d4ba0': 'Search Service Contributor',
};

interface BicepFile {
  /** Path relative to infra/bicep. */
  path: string;
  abs: string;
  /** Raw text. */
  raw: string;
  /** Text without comments (string literals kept). */
  code: string;
}

function listBicep(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listBicep(p);
    return e.name.endsWith('.bicep') ? [p] : [];
  });
}

/** Removes // and /* *\/ comments outside Bicep string literals ('...' with \ escapes, '''...'''). */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      const stop = end < 0 ? text.length : end + 3;
      out += text.slice(i, stop);
      i = stop;
    } else if (text[i] === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== "'" && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

const BICEP: BicepFile[] = listBicep(BICEP_DIR).map((abs) => {
  const raw = readFileSync(abs, 'utf8');
  return { path: relative(BICEP_DIR, abs), abs, raw, code: stripComments(raw) };
});
const MAIN = BICEP.find((f) => f.path === 'main.bicep');
const ALL_CODE = BICEP.map((f) => f.code).join('\n');

function allMatches(re: RegExp, text: string): RegExpExecArray[] {
  return [...text.matchAll(re)];
}

/** names.<group>.<key> references in the code of every bicep file. */
function nameReferences(): { file: string; group: string; key: string }[] {
  return BICEP.flatMap((f) =>
    allMatches(/\bnames\.(\w+)\.(\w+)/g, f.code).map((m) => ({ file: f.path, group: m[1], key: m[2] })),
  );
}

function referenced(group: keyof typeof NAMES, key: string): boolean {
  return nameReferences().some((r) => r.group === group && r.key === key);
}

/** App settings whose name is a names.settings reference: key → value expression. */
function appSettingsFromNames(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const m of allMatches(/name:\s*names\.settings\.(\w+)\s*\n\s*value:\s*([^\n]+)/g, ALL_CODE)) {
    found.set(m[1], [...(found.get(m[1]) ?? []), m[2].trim()]);
  }
  return found;
}

function leafNames(): { group: string; key: string; value: string }[] {
  return Object.entries(NAMES).flatMap(([group, entries]) =>
    Object.entries(entries as Record<string, string>).map(([key, value]) => ({ group, key, value })),
  );
}

function camelCase(roleName: string): string {
  const words = roleName.split(/\s+/);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1))).join('');
}

/** The part of mssql's connection-string parser this test uses (shared/jobs/sql/mssql.d.ts leaves it out). */
interface MssqlConnectionStringParser {
  ConnectionPool: {
    parseConnectionString(connectionString: string): {
      authentication_type?: string;
      port?: number;
      options: { encrypt?: boolean; trustServerCertificate?: boolean };
    };
  };
}

function mssqlParser(): MssqlConnectionStringParser {
  return mssql as unknown as MssqlConnectionStringParser;
}

/** A `param` declaration with the decorators that constrain it. */
interface BicepParam {
  type: string;
  /** Default value expression, as written. */
  default?: string;
  allowed?: string[];
  min?: number;
  max?: number;
}

/**
 * The `param` declarations of one file. Decorators are the lines right above a param, back to the
 * previous param or blank line (the layout every template here uses).
 */
function bicepParams(code: string): Map<string, BicepParam> {
  const params = new Map<string, BicepParam>();
  let decorators: string[] = [];
  for (const line of code.split('\n')) {
    const m = /^param (\w+) (\w+)(?: = (.+))?$/.exec(line.trim());
    if (!m) {
      decorators = line.trim() === '' ? [] : [...decorators, line.trim()];
      continue;
    }
    const deco = decorators.join('\n');
    const allowed = /@allowed\(\[([\s\S]*?)\]\)/.exec(deco);
    const min = /@minValue\((-?\d+)\)/.exec(deco);
    const max = /@maxValue\((-?\d+)\)/.exec(deco);
    params.set(m[1], {
      type: m[2],
      ...(m[3] !== undefined && { default: m[3].trim() }),
      ...(allowed && { allowed: allowed[1].split(/\s+/).filter((v) => v !== '') }),
      ...(min && { min: Number(min[1]) }),
      ...(max && { max: Number(max[1]) }),
    });
    decorators = [];
  }
  return params;
}

/** The text between the braces of the first `{` after `header` (balanced; bicep `${}` included). */
function block(code: string | undefined, header: RegExp): string {
  const text = code ?? '';
  const at = text.search(header);
  if (at < 0) return '';
  const open = text.indexOf('{', at);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  return '';
}

const SETTING_KEYS = Object.keys(NAMES.settings) as SettingKey[];
const CONTAINER_KEYS = Object.keys(NAMES.containers) as ContainerKey[];

describe('generated JSON files (tools/infra-names.ts)', () => {
  test('names.json equals NAMES and is the committed output of the generator', () => {
    expect(JSON.parse(readFileSync(NAMES_JSON, 'utf8'))).toEqual(NAMES);
    expect(readFileSync(NAMES_JSON, 'utf8')).toBe(renderNamesJson());
    expect(staleFiles().map((p) => relative(BICEP_DIR, p))).toEqual([]);
    expect(infraNamesMain(['--check'])).toBe(0);
  });

  test('settings-defaults.json holds the settings module defaults, keyed by NAMES.settings keys', () => {
    const committed = JSON.parse(readFileSync(SETTINGS_DEFAULTS_JSON, 'utf8')) as Record<string, unknown>;
    expect(committed).toEqual(settingsDefaults());
    expect(settingsDefaults().schedule).toEqual(DEFAULT_SCHEDULE);
    for (const key of Object.keys(committed)) expect(SETTING_KEYS).toContain(key);
    for (const entry of settingsDefaults().schedule) expect(scheduleEntrySchema.safeParse(entry).success).toBe(true);
  });

  test('--check reports a stale file without writing', () => {
    expect(staleFiles([{ path: NAMES_JSON, content: '{}\n' }])).toEqual([NAMES_JSON]);
    expect(staleFiles([{ path: join(BICEP_DIR, 'does-not-exist.json'), content: '' }])).toHaveLength(1);
  });
});

describe('bicep takes every name from names.json', () => {
  test('main.bicep and every file that uses names.* load infra/bicep/names.json', () => {
    expect(MAIN).toBeDefined();
    const users = BICEP.filter((f) => /\bnames\./.test(f.code));
    expect(users.map((f) => f.path)).toContain('main.bicep');
    for (const f of users) {
      const load = /\bvar\s+names\s*=\s*loadJsonContent\('([^']+)'\)/.exec(f.code);
      expect({ file: f.path, loads: load ? resolve(dirname(f.abs), load[1]) : null }).toEqual({
        file: f.path,
        loads: NAMES_JSON,
      });
    }
  });

  test('every names.* reference exists in NAMES', () => {
    const unknown = nameReferences().filter(
      (r) => !(r.group in NAMES) || !(r.key in (NAMES[r.group as keyof typeof NAMES] as Record<string, string>)),
    );
    expect(unknown).toEqual([]);
  });

  test('no bicep file contains a literal copy of a NAMES value', () => {
    const copies = BICEP.flatMap((f) =>
      leafNames()
        .filter((n) => f.raw.includes(n.value))
        .map((n) => `${f.path}: '${n.value}' (NAMES.${n.group}.${n.key})`),
    );
    expect(copies).toEqual([]);
  });

  test('every blob container is created, except the local-only ones', () => {
    for (const key of CONTAINER_KEYS) {
      expect({ container: key, referenced: referenced('containers', key) }).toEqual({
        container: key,
        referenced: !LOCAL_ONLY_CONTAINERS.includes(key),
      });
    }
    expect(MAIN?.code).toMatch(/containerNames:\s*blobContainerNames/);
  });

  test('every table is created', () => {
    for (const key of Object.keys(NAMES.tables))
      expect({ table: key, referenced: referenced('tables', key) }).toEqual({ table: key, referenced: true });
    expect(MAIN?.code).toMatch(/tableNames:\s*tableNames/);
  });

  test('every Service Bus topic, subscription and queue is created (message types are not entities), with the delivery policy', () => {
    // the message type is a property value, not an entity; the trigger connection is a setting prefix (next test)
    for (const key of Object.keys(NAMES.serviceBus)) {
      expect({ entity: key, referenced: referenced('serviceBus', key) }).toEqual({
        entity: key,
        referenced: key !== 'calculationCompletedMessageType',
      });
    }
    expect(MAIN?.code).toMatch(/topics:\s*serviceBusTopics/);
    expect(MAIN?.code).toMatch(/queues:\s*serviceBusQueues/);
    expect(MAIN?.code).toMatch(/maxDeliveryCount:\s*10\b/);
    const sb = BICEP.find((f) => f.path === join('modules', 'service-bus.bicep'));
    expect(sb?.code).toMatch(/param maxDeliveryCount int = 10\b/);
    expect(sb?.code).toMatch(/deadLetteringOnMessageExpiration:\s*true/);
    expect(sb?.code).toMatch(/disableLocalAuth:\s*true/);
  });

  test('the Service Bus triggers connect with the managed identity (<prefix>__fullyQualifiedNamespace)', () => {
    expect(ALL_CODE).toMatch(
      /name:\s*'\$\{names\.serviceBus\.triggerConnection\}__fullyQualifiedNamespace'\s*\n\s*value:\s*serviceBus\.outputs\.fullyQualifiedNamespace/,
    );
  });
});

describe('app settings', () => {
  const set = appSettingsFromNames();

  test('every NAMES.settings entry is set exactly once as an app setting, or is local-only and absent', () => {
    for (const key of SETTING_KEYS) {
      const expected = LOCAL_ONLY_SETTINGS.includes(key)
        ? { setting: key, times: 0, referenced: false }
        : { setting: key, times: 1, referenced: true };
      expect({ setting: key, times: set.get(key)?.length ?? 0, referenced: referenced('settings', key) }).toEqual(
        expected,
      );
    }
    const fn = BICEP.find((f) => f.path === join('modules', 'function-app.bicep'));
    expect(fn?.code).toMatch(/appSettings:\s*concat\(platformSettings, appSettings\)/);
    expect(MAIN?.code).toMatch(/appSettings:\s*appSettings\b/);
  });

  test('job store is SQL; mssql (which the app opens it with) reads the connection string as DefaultAzureCredential', () => {
    expect(set.get('jobStore')).toEqual(["'sql'"]);
    const template = set.get('sqlConnectionString')?.[0] ?? '';
    expect(template).toMatch(/^'.*'$/);
    // the bicep interpolations become sample values; the rest is what the app receives
    const cs = template.slice(1, -1).replace(/\$\{[^}]+\}/g, 'sample');
    const parsed = mssqlParser().ConnectionPool.parseConnectionString(cs);
    expect(parsed.authentication_type).toBe('azure-active-directory-default');
    expect(parsed.options.encrypt).toBe(true);
    expect(parsed.options.trustServerCertificate).toBe(false);
    expect(parsed.port).toBe(1433);
    expect(cs).not.toMatch(/password|pwd=|user id|uid=|client secret/i);
  });

  test('tunable settings default to the settings module defaults (settings-defaults.json)', () => {
    for (const key of Object.keys(settingsDefaults())) {
      expect(MAIN?.code).toContain(`= loadJsonContent('settings-defaults.json').${key}`);
    }
    expect(set.get('schedule')).toEqual(['string(settlementSchedule)']);
  });

  test('the settings the template sets put the app in managed-identity mode with the SQL job store', () => {
    const d = settingsDefaults();
    const env: Record<string, string> = {
      [NAMES.settings.storageAccountName]: 'stdatadevabcdefghijklmn',
      [NAMES.settings.serviceBusNamespace]: 'sb-settle-dev-x.servicebus.windows.net',
      [NAMES.settings.jobStore]: (set.get('jobStore')?.[0] ?? '').replace(/'/g, ''),
      [NAMES.settings.sqlConnectionString]:
        'Server=tcp:sql.database.windows.net,1433;Database=settlement;Authentication=Active Directory Integrated;',
      [NAMES.settings.schedule]: JSON.stringify(d.schedule),
      [NAMES.settings.maxParallelBatches]: String(d.maxParallelBatches),
      [NAMES.settings.batchMaxPoints]: String(d.batchMaxPoints),
      [NAMES.settings.quarterlyTransition]: d.quarterlyTransition,
      [NAMES.settings.esettReceiverId]: d.esettReceiverId,
      [NAMES.settings.maxJobRequestBodyBytes]: String(d.maxJobRequestBodyBytes),
      [NAMES.settings.maxIngestionBodyBytes]: String(d.maxIngestionBodyBytes),
      [NAMES.settings.staleRequestedJobMinutes]: String(d.staleRequestedJobMinutes),
      [NAMES.settings.resultsPageMaxRows]: String(d.resultsPageMaxRows),
      [NAMES.settings.maxPeriodDaysEnergy]: String(d.maxPeriodDaysEnergy),
      [NAMES.settings.authIssuer]: 'https://login.microsoftonline.com/tenant/v2.0',
      [NAMES.settings.authJwksUrl]: 'https://login.microsoftonline.com/tenant/discovery/v2.0/keys',
      [NAMES.settings.authAudience]: 'api://settlement',
      [NAMES.settings.authActorClaim]: d.authActorClaim,
      [NAMES.settings.energiDataServiceUrl]: d.energiDataServiceUrl,
      [NAMES.settings.smardUrl]: d.smardUrl,
      [NAMES.settings.marketDataTimerSources]: JSON.stringify(d.marketDataTimerSources),
      [NAMES.settings.marketDataTimerCron]: d.marketDataTimerCron,
      [NAMES.settings.marketDataMaxParallelChunks]: String(d.marketDataMaxParallelChunks),
      [NAMES.settings.marketDataHttpTimeoutMs]: String(d.marketDataHttpTimeoutMs),
      [NAMES.settings.marketDataRetryBaseMs]: String(d.marketDataRetryBaseMs),
      [NAMES.settings.smardPauseMs]: String(d.smardPauseMs),
      [NAMES.settings.lakeStorageAccountName]: 'stlakedev',
      [NAMES.settings.openMeteoUrl]: d.openMeteoUrl,
      [NAMES.settings.openMeteoArchiveUrl]: d.openMeteoArchiveUrl,
      [NAMES.settings.weatherBackfillMaxParallel]: String(d.weatherBackfillMaxParallel),
      [NAMES.settings.weatherBackfillRetryBaseMs]: String(d.weatherBackfillRetryBaseMs),
      // the template's defaults: empty (no scheduled sources, the shipped regions)
      [NAMES.settings.lakeSourcesFile]: '',
      [NAMES.settings.weatherRegionsFile]: '',
      [NAMES.settings.streamFeedUrl]: '',
      [NAMES.settings.maxCatalogUploadBytes]: String(d.maxCatalogUploadBytes),
      [NAMES.settings.lakePageMaxRows]: String(d.lakePageMaxRows),
      [NAMES.settings.maxCustomerUploadBytes]: String(d.maxCustomerUploadBytes),
      [NAMES.settings.catalogDiscoverySchedule]: d.catalogDiscoverySchedule,
      [NAMES.settings.catalogEdsUrl]: 'https://api.energidataservice.dk',
      [NAMES.settings.catalogCkanUrl]: '',
      [NAMES.settings.catalogQueryDiscoveryMs]: String(d.catalogQueryDiscoveryMs),
      [NAMES.settings.azureSearchEndpoint]: 'https://srch-settle-dev-abc.search.windows.net',
      [NAMES.settings.azureSearchIndex]: d.azureSearchIndex,
      [NAMES.settings.appInsightsConnectionString]:
        'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
      [NAMES.settings.appInsightsAuthenticationString]: 'Authorization=AAD',
    };
    expect(Object.keys(env).sort()).toEqual(
      SETTING_KEYS.filter((k) => !LOCAL_ONLY_SETTINGS.includes(k))
        .map((k) => NAMES.settings[k])
        .sort(),
    );
    const s = loadSettings(env);
    expect(s.storage.kind).toBe('identity');
    expect(s.serviceBus?.kind).toBe('identity');
    expect(s.jobStore.kind).toBe('sql');
    expect(s.appInsights?.entraAuthentication).toBe(true);
    expect(s.schedule).toEqual(DEFAULT_SCHEDULE);
    expect(s.marketData.timerSources).toEqual(DEFAULT_MARKET_DATA_TIMER_SOURCES);
  });

  test('Functions host: Linux, identity-based AzureWebJobsStorage, no storage keys anywhere', () => {
    expect(ALL_CODE).toMatch(/name: 'AzureWebJobsStorage__accountName'/);
    expect(ALL_CODE).not.toMatch(/name: 'AzureWebJobsStorage'/);
    expect(ALL_CODE).toContain("kind: 'functionapp,linux'");
    expect(ALL_CODE).toMatch(/identity:\s*\{\s*type: 'SystemAssigned'/);
    expect(ALL_CODE).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(ALL_CODE).not.toMatch(/listKeys\(|AccountKey=|SharedAccessKey|WEBSITE_CONTENTAZUREFILECONNECTIONSTRING/);
  });
});

describe('role assignments', () => {
  const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const keyed = allMatches(/(\w+):\s*'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'/gi, ALL_CODE).map(
    (m) => ({ key: m[1], id: m[2].toLowerCase() }),
  );

  test('every GUID in the bicep files is a known built-in role, bound to a key named after it', () => {
    expect(keyed.length).toBeGreaterThan(0);
    expect(allMatches(GUID, ALL_CODE)).toHaveLength(keyed.length);
    for (const { key, id } of keyed) {
      const role = BUILT_IN_ROLES[id];
      expect({ id, role }).toEqual({ id, role: anyString() });
      expect({ id, key }).toEqual({ id, key: camelCase(role) });
    }
  });

  test('every declared role is assigned by roleDefinitions id, and the required roles are there', () => {
    for (const { key } of keyed)
      expect({ key, used: new RegExp(`\\broles\\.${key}\\b`).test(ALL_CODE) }).toEqual({ key, used: true });
    for (const line of ALL_CODE.split('\n').filter((l) => /roleDefinitionId:/.test(l))) {
      expect(line).toMatch(
        /roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', \w+(\.\w+)?\)/,
      );
    }
    const assigned = new Set(keyed.map((k) => BUILT_IN_ROLES[k.id]));
    for (const role of ['Storage Blob Data Owner', 'Storage Queue Data Contributor', 'Storage Table Data Contributor'])
      expect(assigned).toContain(role);
    const busOwner = assigned.has('Azure Service Bus Data Owner');
    const busSendReceive =
      assigned.has('Azure Service Bus Data Sender') && assigned.has('Azure Service Bus Data Receiver');
    expect(busOwner || busSendReceive).toBe(true);
    expect(ALL_CODE).toMatch(/principalType: 'ServicePrincipal'/);
    expect(MAIN?.code).toMatch(/principalId:\s*functionApp\.outputs\.principalId/);
  });
});

describe('Flex Consumption scale-out (issue 11)', () => {
  /** Issue 11: batches are planned so that no activity needs more than ~1.5 GB. */
  const BATCH_MEMORY_MB = 1536;
  const FUNCTION_APP = BICEP.find((f) => f.path === join('modules', 'function-app.bicep'));
  const mainParams = bicepParams(MAIN?.code ?? '');
  const hostJson = JSON.parse(readFileSync(join(BICEP_DIR, '..', '..', 'host.json'), 'utf8')) as {
    functionTimeout: string;
    extensions: { durableTask: Record<string, unknown> & { storageProvider?: Record<string, unknown> } };
  };
  const durable = hostJson.extensions.durableTask;

  function acceptsMaxParallelBatches(value: number): boolean {
    const env = {
      [NAMES.settings.storageAccountName]: 'stdatadevabcdefghijklmn',
      [NAMES.settings.maxParallelBatches]: String(value),
      [NAMES.settings.authIssuer]: 'https://login.microsoftonline.com/tenant/v2.0',
      [NAMES.settings.authJwksUrl]: 'https://login.microsoftonline.com/tenant/discovery/v2.0/keys',
      [NAMES.settings.authAudience]: 'api://settlement',
    };
    try {
      return loadSettings(env).maxParallelBatches === value;
    } catch {
      return false;
    }
  }

  test("main.bicep: instance memory 512/2048/4096 (default 2048), 40-1000 instances, MAX_PARALLEL_BATCHES in the app's range", () => {
    expect(mainParams.get('instanceMemoryMB')).toEqual({
      type: 'int',
      default: '2048',
      allowed: ['512', '2048', '4096'],
    });
    const count = mainParams.get('maximumInstanceCount');
    expect(count).toEqual({ type: 'int', default: '210', min: 40, max: 1000 });
    const batches = mainParams.get('maxParallelBatches');
    expect(batches).toMatchObject({ type: 'int', min: 1, max: 1000 });
    // the template's range is exactly the one loadSettings accepts, so a deployment never fails at start-up
    const { min = 0, max = 0 } = batches ?? {};
    expect([min - 1, min, max, max + 1].map(acceptsMaxParallelBatches)).toEqual([false, true, true, false]);
    // the default ceiling holds the scale target's window of 200 batches (one instance per batch,
    // issue 11: Denmark's month at P200) plus instances for the orchestrators; never more than the window allows
    expect(Number(count?.default)).toBeGreaterThan(200);
    expect(Number(count?.default)).toBeLessThanOrEqual(max);
  });

  test('main.bicep passes the scale parameters and the deployment container to the function app module', () => {
    const fnModule = block(MAIN?.code, /^module functionApp /m);
    expect(fnModule).toMatch(/^\s*instanceMemoryMB: instanceMemoryMB$/m);
    expect(fnModule).toMatch(/^\s*maximumInstanceCount: maximumInstanceCount$/m);
    expect(fnModule).toMatch(/^\s*deploymentContainerName: deploymentContainerName$/m);
    expect(fnModule).toMatch(/^\s*hostStorageAccountName: hostStorage\.outputs\.name$/m);
    expect(fnModule).not.toMatch(/planSku/);
    // the deployment container is created in the host storage account (where the identity is Blob Data Owner)
    expect(block(MAIN?.code, /^module hostStorage /m)).toMatch(/containerNames:\s*\[\s*deploymentContainerName\s*\]/);
    expect(MAIN?.code).toMatch(/^var deploymentContainerName = '[a-z0-9-]{3,63}'$/m);
  });

  test('function-app.bicep: FC1 plan; functionAppConfig with identity-read package container, Node 20, scale from the parameters', () => {
    const code = FUNCTION_APP?.code;
    const fnParams = bicepParams(code ?? '');
    for (const p of ['instanceMemoryMB', 'maximumInstanceCount']) expect(fnParams.get(p)).toEqual({ type: 'int' });
    expect(fnParams.get('deploymentContainerName')).toEqual({ type: 'string' });

    const plan = block(code, /^resource plan 'Microsoft\.Web\/serverfarms@/m);
    expect(
      block(plan, /\bsku:/)
        .trim()
        .split(/\s*\n\s*/),
    ).toEqual(["name: 'FC1'", "tier: 'FlexConsumption'"]);
    expect(plan).toMatch(/reserved: true/);

    // functionAppConfig exists from api version 2023-12-01 on
    const site = /^resource site 'Microsoft\.Web\/sites@(\d{4}-\d{2}-\d{2})'/m.exec(code ?? '');
    expect(site?.[1] && site[1] >= '2023-12-01').toBe(true);
    const config = block(code, /^\s*functionAppConfig:/m);
    const storage = block(config, /^\s*storage:/m);
    expect(storage).toMatch(/type: 'blobContainer'/);
    expect(storage).toMatch(
      /value: '\$\{hostStorage\.properties\.primaryEndpoints\.blob\}\$\{deploymentContainerName\}'/,
    );
    expect(block(storage, /authentication:/).trim()).toBe("type: 'SystemAssignedIdentity'");
    expect(
      block(config, /^\s*runtime:/m)
        .trim()
        .split(/\s*\n\s*/),
    ).toEqual(["name: 'node'", "version: '20'"]);
    expect(
      block(config, /^\s*scaleAndConcurrency:/m)
        .trim()
        .split(/\s*\n\s*/),
    ).toEqual(['maximumInstanceCount: maximumInstanceCount', 'instanceMemoryMB: instanceMemoryMB']);
    const pkg = JSON.parse(readFileSync(join(BICEP_DIR, '..', '..', 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toMatch(/>=20\b/);
  });

  test('no setting or site property that Flex Consumption rejects or ignores', () => {
    for (const name of [
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'WEBSITE_CONTENTSHARE',
      'WEBSITE_NODE_DEFAULT_VERSION',
      'SCM_DO_BUILD_DURING_DEPLOYMENT',
      'linuxFxVersion',
      'alwaysOn',
    ])
      expect({ name, present: ALL_CODE.includes(name) }).toEqual({ name, present: false });
  });

  test('the Node heap limit is 3/4 of the instance memory: a batch fits in the default, and the limit stays under the instance', () => {
    const m = /name: 'NODE_OPTIONS'\s*\n\s*value: '--max-old-space-size=\$\{instanceMemoryMB \* (\d+) \/ (\d+)\}'/.exec(
      FUNCTION_APP?.code ?? '',
    );
    expect(m).not.toBeNull();
    const heap = (mb: number): number => Math.floor((mb * Number(m?.[1])) / Number(m?.[2]));
    for (const mb of mainParams.get('instanceMemoryMB')?.allowed ?? [])
      expect(heap(Number(mb))).toBeLessThan(Number(mb));
    expect(heap(Number(mainParams.get('instanceMemoryMB')?.default))).toBeGreaterThanOrEqual(BATCH_MEMORY_MB);
  });

  test('host.json: the task hub is NAMES.durable.taskHub, Azure Storage provider with 16 partitions', () => {
    expect(durable.hubName).toBe(NAMES.durable.taskHub);
    // no "type": the default (Azure Storage) provider; the README says why not MSSQL/Netherite/Scheduler
    expect(durable.storageProvider?.type).toBeUndefined();
    expect(durable.storageProvider?.partitionCount).toBe(16);
    expect(durable.storageProvider?.maxQueuePollingInterval).toBe('00:00:05');
  });

  test('host.json: one activity per instance at the default memory; orchestrators bounded; no extended sessions; graceful shutdown', () => {
    const activities = durable.maxConcurrentActivityFunctions;
    expect(activities).toBe(1);
    const defaultMemory = Number(mainParams.get('instanceMemoryMB')?.default);
    // two batches would not fit next to each other on the default instance
    expect(Math.floor(defaultMemory / BATCH_MEMORY_MB)).toBe(activities);
    expect(durable.maxConcurrentOrchestratorFunctions).toEqual(expect.any(Number));
    expect(Number(durable.maxConcurrentOrchestratorFunctions)).toBeGreaterThanOrEqual(1);
    expect(durable.extendedSessionsEnabled).toBe(false);
    expect(durable.useGracefulShutdown).toBe(true);
  });

  test('host.json: functionTimeout is bounded and leaves room for multi-minute batches', () => {
    const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(hostJson.functionTimeout);
    expect(m).not.toBeNull();
    const minutes = Number(m?.[1]) * 60 + Number(m?.[2]) + Number(m?.[3]) / 60;
    expect(minutes).toBeGreaterThanOrEqual(30);
    expect(minutes).toBeLessThanOrEqual(120);
  });
});

describe('outputs', () => {
  test('main.bicep outputs the function app, storage account and Service Bus namespace', () => {
    for (const o of ['functionAppName', 'storageAccountName', 'serviceBusNamespace'])
      expect(MAIN?.code).toMatch(new RegExp(`^output ${o} string = `, 'm'));
  });
});

describe('identity and network restrictions (issue 12)', () => {
  const file = (name: string) => BICEP.find((f) => f.path === join('modules', name))?.code ?? '';
  const set = appSettingsFromNames();

  test('tokens are validated against the tenant: issuer and JWKS derived from it, audience a parameter', () => {
    expect(set.get('authIssuer')).toEqual(["'${environment().authentication.loginEndpoint}${authTenantId}/v2.0'"]);
    expect(set.get('authJwksUrl')).toEqual([
      "'${environment().authentication.loginEndpoint}${authTenantId}/discovery/v2.0/keys'",
    ]);
    expect(set.get('authAudience')).toEqual(['authAudience']);
    expect(MAIN?.code).toMatch(/^param authAudience string$/m);
    expect(ALL_CODE).not.toContain(NAMES.settings.authDevIssuer);
    expect(MAIN?.code).toContain('names.tables.auditLog');
  });

  test('the README documents every app role the app knows', () => {
    const readme = readFileSync(join(BICEP_DIR, 'README.md'), 'utf8');
    for (const role of MARKET_ROLES) expect(readme).toContain(`\`${role}\``);
  });

  test('no AllowAllWindowsAzureIps unless asked for; IP rules and private endpoints are parameters', () => {
    const sql = file('sql.bicep');
    expect(sql).toMatch(/param allowAzureServices bool = false/);
    expect(sql).toMatch(/= if \(allowAzureServices\) \{\s*parent: server\s*name: 'AllowAllWindowsAzureIps'/);
    expect(MAIN?.code).toMatch(/param sqlAllowAzureServices bool = false/);
    expect(MAIN?.code).toMatch(/param allowedIpRanges array = \[\]/);
    expect(MAIN?.code).toMatch(/param privateEndpointSubnetId string = ''/);
    for (const name of ['sql.bicep', 'storage-account.bicep', 'service-bus.bicep']) {
      const code = file(name);
      expect({ name, ipRules: /param allowedIpRanges array = \[\]/.test(code) }).toEqual({ name, ipRules: true });
      expect({ name, pe: /Microsoft\.Network\/privateEndpoints@/.test(code) }).toEqual({ name, pe: true });
      expect({
        name,
        disables:
          /publicNetworkAccess: .*\? 'Disabled' : 'Enabled'|publicNetworkAccess: empty\(privateEndpointSubnetId\) \? 'Enabled' : 'Disabled'/.test(
            code,
          ),
      }).toEqual({ name, disables: true });
    }
    // main.bicep hands the restrictions to each data module
    for (const module of ['dataStorage', 'serviceBus', 'sql']) {
      const body = block(MAIN?.code, new RegExp(`module ${module} `));
      expect({ module, ip: body.includes('allowedIpRanges: allowedIpRanges') }).toEqual({ module, ip: true });
      expect({ module, pe: body.includes('privateEndpointSubnetId: privateEndpointSubnetId') }).toEqual({
        module,
        pe: true,
      });
    }
  });
});
