/**
 * The lake's source registry (issue 15): which sources are ingested, how and when, as data
 * (a JSON file named by the LAKE_SOURCES_FILE setting; `sources.example.json` beside this file shows sources A and B).
 * Validated with zod when the app starts, so a bad entry stops the host with the field named
 * (`sources[1].partitionDate.days: …`) instead of failing on the first tick days later.
 *
 * `{env:NAME}` in a URL is replaced by that environment variable when the registry is loaded
 * (base URLs per environment, FTP credentials from Key Vault references), so secrets never sit in
 * the file; an unset one is a registry error naming the source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SourceRegistryError } from './errors';
import { LAKE_NAME_RE, checkDay, daysBetween } from './zones';

/** The shipped example (sources A and B); the app ingests nothing unless LAKE_SOURCES_FILE is set. */
export const EXAMPLE_SOURCES_FILE = join(__dirname, 'sources.example.json');

const lakeName = z.string().regex(LAKE_NAME_RE, `must match ${LAKE_NAME_RE.source}`);
const day = z.string().refine((d) => {
  try {
    checkDay(d);
    return true;
  } catch {
    return false;
  }
}, 'must be a calendar day YYYY-MM-DD');

/** Placeholders a URL template may use; all are the ingestion day (UTC). */
export const URL_PLACEHOLDERS = ['{day}', '{yyyy}', '{mm}', '{dd}', '{yyyymmdd}'] as const;

const sourceSchema = z
  .object({
    name: lakeName,
    /** Curated dataset the source's rows go to (default: the source's name). */
    dataset: lakeName.optional(),
    kind: z.enum(['http', 'ftp']),
    /** URL template: http(s):// for kind http, ftp:// for kind ftp; placeholders: URL_PLACEHOLDERS. */
    url: z.string().min(1),
    schedule: z
      .object({
        /** 6-field NCRONTAB (sec min hour day month weekday), UTC: when the timer ticks. */
        cron: z.string().regex(/^(\S+\s+){5}\S+$/, 'must be a 6-field NCRONTAB expression'),
        /**
         * Only every n-th day counted from `anchorDay` is ingested (NCRONTAB cannot say "every 14
         * days": `*\/14` in the day field restarts each month). Default 1.
         */
        everyDays: z.number().int().min(1).max(366).default(1),
        anchorDay: day.optional(),
      })
      .strict()
      .refine((s) => s.everyDays === 1 || s.anchorDay !== undefined, {
        message: 'everyDays > 1 needs anchorDay',
        path: ['anchorDay'],
      }),
    format: z.discriminatedUnion('type', [
      z.object({ type: z.literal('csv'), delimiter: z.enum([',', ';', '\t']).default(',') }).strict(),
      z
        .object({
          type: z.literal('json'),
          /** Dot path to the array of records in the document; absent: the document is the array. */
          recordsPath: z
            .string()
            .regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/)
            .optional(),
        })
        .strict(),
    ]),
    /** How a delivered row's curated date is decided. */
    partitionDate: z.discriminatedUnion('rule', [
      /** The data is `days` late: raw day=D lands in curated date D − days. */
      z.object({ rule: z.literal('lag'), days: z.number().int().min(0).max(366) }).strict(),
      /** Each row's own timestamp (ISO-8601 instant or YYYY-MM-DD) decides; its UTC date. */
      z.object({ rule: z.literal('field'), field: z.string().min(1) }).strict(),
      /** The ingestion day (nothing better is known). */
      z.object({ rule: z.literal('ingestion') }).strict(),
    ]),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(10).default(3),
        /** First back-off; doubled per further attempt. */
        backoffMs: z.number().int().min(0).max(600_000).default(2_000),
      })
      .strict()
      .default({ attempts: 3, backoffMs: 2_000 }),
    /** Longest a single download may take. */
    timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
  })
  .strict()
  .superRefine((s, ctx) => {
    // a URL starting with {env:…} is checked again once substituted (parseSourceRegistry)
    const problem = schemeProblem(s.kind, s.url);
    if (problem && !s.url.startsWith('{env:')) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
    const unknown = (s.url.match(/\{[^}]*\}/g) ?? []).filter(
      (p) => !(URL_PLACEHOLDERS as readonly string[]).includes(p) && !/^\{env:[A-Z0-9_]+\}$/.test(p),
    );
    if (unknown.length > 0)
      ctx.addIssue({ code: 'custom', path: ['url'], message: `unknown placeholder ${unknown.join(', ')}` });
  });

function schemeProblem(kind: 'http' | 'ftp', url: string): string | null {
  const scheme = kind === 'http' ? /^https?:\/\//i : /^ftp:\/\//i;
  return scheme.test(url) ? null : `a ${kind} source needs a URL matching ${scheme.source}`;
}

const registrySchema = z
  .object({
    sources: z.array(sourceSchema).superRefine((sources, ctx) => {
      const seen = new Set<string>();
      sources.forEach((s, i) => {
        if (seen.has(s.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate source ${s.name}` });
        seen.add(s.name);
      });
    }),
  })
  .strict();

export type SourceDefinition = z.infer<typeof sourceSchema> & { dataset: string };
export type SourceRegistry = SourceDefinition[];

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

/** Validates a parsed registry document; `file` names it in errors. */
export function parseSourceRegistry(
  doc: unknown,
  file: string,
  env: Record<string, string | undefined> = process.env,
): SourceRegistry {
  const r = registrySchema.safeParse(doc);
  if (!r.success)
    throw new SourceRegistryError(
      file,
      r.error.issues.map((i) => `${issuePath(i.path) || '(root)'}: ${i.message}`),
    );
  const issues: string[] = [];
  const sources = r.data.sources.map((s, i) => {
    const url = s.url.replace(/\{env:([A-Z0-9_]+)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined || v === '') {
        issues.push(`sources[${i}].url: environment variable ${name} is not set`);
        return '';
      }
      return v;
    });
    const problem = url && schemeProblem(s.kind, url);
    if (problem) issues.push(`sources[${i}].url: ${problem}`);
    return { ...s, url, dataset: s.dataset ?? s.name };
  });
  if (issues.length > 0) throw new SourceRegistryError(file, issues);
  return sources;
}

/** Reads and validates the registry file; throws SourceRegistryError naming the field. */
export function loadSourceRegistry(
  file: string,
  env: Record<string, string | undefined> = process.env,
): SourceRegistry {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SourceRegistryError(file, [`(file): ${(e as Error).message}`]);
  }
  return parseSourceRegistry(doc, file, env);
}

/** The URL of a source for one ingestion day. */
export function sourceUrl(source: SourceDefinition, ingestionDay: string): string {
  const [yyyy, mm, dd] = checkDay(ingestionDay).split('-');
  return source.url
    .replaceAll('{day}', ingestionDay)
    .replaceAll('{yyyymmdd}', `${yyyy}${mm}${dd}`)
    .replaceAll('{yyyy}', yyyy)
    .replaceAll('{mm}', mm)
    .replaceAll('{dd}', dd);
}

/** Whether the source is ingested on `ingestionDay` (its every-n-days rule; the cron decides the hour). */
export function isDue(source: SourceDefinition, ingestionDay: string): boolean {
  const { everyDays, anchorDay } = source.schedule;
  if (everyDays === 1) return true;
  const d = daysBetween(anchorDay as string, ingestionDay);
  return d >= 0 && d % everyDays === 0;
}
