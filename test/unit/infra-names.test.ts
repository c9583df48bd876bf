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
import { DEFAULT_SCHEDULE, loadSettings, scheduleEntrySchema } from '../../shared/config/settings';
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
    expect(s.schedule).toEqual(DEFAULT_SCHEDULE);
  });

  test('Functions host: v4, Node 20 on Linux, identity-based AzureWebJobsStorage, no storage keys anywhere', () => {
    expect(ALL_CODE).toMatch(/name: 'FUNCTIONS_EXTENSION_VERSION'\s*\n\s*value: '~4'/);
    expect(ALL_CODE).toMatch(/name: 'FUNCTIONS_WORKER_RUNTIME'\s*\n\s*value: 'node'/);
    expect(ALL_CODE).toMatch(/name: 'AzureWebJobsStorage__accountName'/);
    expect(ALL_CODE).not.toMatch(/name: 'AzureWebJobsStorage'/);
    expect(ALL_CODE).toContain("linuxFxVersion: 'NODE|20'");
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

describe('outputs', () => {
  test('main.bicep outputs the function app, storage account and Service Bus namespace', () => {
    for (const o of ['functionAppName', 'storageAccountName', 'serviceBusNamespace'])
      expect(MAIN?.code).toMatch(new RegExp(`^output ${o} string = `, 'm'));
  });
});
