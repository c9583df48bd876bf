/**
 * Parameters and answers of the lake ingestion run routes (issue 15), for the OpenAPI spec. The
 * handlers (functions/http/lake.ts) check `source` against the registry the host loaded and `day`
 * with the zones' calendar check (shared/lake/zones.ts), which is why they are not re-validated here.
 */
import { z } from 'zod';

const source = z
  .string()
  .meta({ description: 'A source of the registry (LAKE_SOURCES_FILE); 404 naming the known ones otherwise' });
const day = z.string().meta({ description: 'The ingestion day YYYY-MM-DD (UTC)', examples: ['2021-10-04'] });

export const lakeRunsQuery = z.object({
  source,
  day: day.optional().meta({ description: 'One run; without it every run of the source, newest day first' }),
});

export const startLakeRunQuery = z.object({
  source,
  day,
  force: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true repeats a succeeded run (e.g. a changed file)' }),
});

/** A run's state: status (running | succeeded | failed), attempts, raw and curated versions, error. */
export const lakeRunStateSchema = z.looseObject({ source: z.string(), day: z.string(), status: z.string() });
export const lakeRunListSchema = z.object({ source: z.string(), runs: z.array(lakeRunStateSchema) });

const calendarDay = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'must be a calendar day')
    .meta({ description, examples: ['2010-01-01'] });

/** POST /api/lake/backfills?dataset=weather_daily&from=&to= */
export const startLakeBackfillQuery = z
  .object({
    dataset: z.enum(['weather_daily']).meta({ description: 'The dataset to backfill (daily weather of every region)' }),
    from: calendarDay('First day (UTC), inclusive'),
    to: calendarDay('Last day (UTC), inclusive, as Open-Meteo’s end_date'),
  })
  .superRefine((v, ctx) => {
    if (v.to < v.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if ((Date.parse(v.to) - Date.parse(v.from)) / 86_400_000 + 1 > 16 * 366)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'at most 16 years per request' });
    if (v.from < '1940-01-01')
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be 1940-01-01 or later (the archive’s start)' });
  });

export const lakeBackfillPath = z.object({
  id: z.string().meta({ description: 'The backfill id (from the start answer)' }),
});

/** The start and status answers: the request, its state, the stored chunks, the result once finished. */
export const lakeBackfillSchema = z.looseObject({
  id: z.string(),
  dataset: z.string(),
  from: z.string(),
  to: z.string(),
  regions: z.array(z.string()),
  state: z.enum(['Stored', 'Running', 'Completed', 'CompletedWithErrors']),
  statusUrl: z.string(),
  coverage: z.object({ chunks: z.number(), stored: z.number() }),
  result: z.looseObject({}).optional(),
});
