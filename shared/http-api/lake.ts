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
