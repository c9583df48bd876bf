/** The catalog routes' parameters and answers, shared by the handlers and the OpenAPI spec. */
import { z } from 'zod';
import { DATASET_FORMATS, type DatasetFormat } from '../catalog/profile/readers';

export const datasetIdPath = z.object({
  id: z.string().min(1).max(1100).meta({
    description:
      '`<source>.<source id>`, e.g. `energidataservice.Elspotprices`, `upload.<uuid>`. A dataset the caller may not see answers 404 like a missing one.',
  }),
});

export const uploadQuery = z.object({
  name: z.string().min(1).max(200).meta({ description: 'Display name of the dataset' }),
  description: z.string().max(4000).optional(),
  format: z
    .enum(DATASET_FORMATS as readonly [DatasetFormat, ...DatasetFormat[]])
    .meta({ description: 'Overrides the Content-Type' })
    .optional(),
});

/** The catalog entry (metadata + profile); see ../shared/reference/catalog-smard-style.md §A.2 for the fields. */
export const catalogEntrySchema = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    source: z.string(),
    owner: z.string().nullable(),
    published: z.boolean(),
    materialize: z.looseObject({ kind: z.string() }),
    profile: z.looseObject({
      content_hash: z.string(),
      nb_rows: z.number(),
      columns: z.array(
        z.looseObject({ name: z.string(), structural_type: z.string(), semantic_types: z.array(z.string()) }),
      ),
      temporal_coverage: z.array(z.looseObject({})),
      spatial_coverage: z.array(z.looseObject({})),
      sample: z.string(),
    }),
    indexed_at: z.string(),
  })
  .meta({ description: 'A dataset: metadata and profile' });

export const searchResponseSchema = z
  .object({
    total: z.number().int(),
    results: z.array(
      z.object({
        id: z.string(),
        score: z.number(),
        highlights: z.array(z.object({ path: z.string(), matched: z.array(z.string()) })),
        metadata: catalogEntrySchema,
      }),
    ),
    facets: z.object({ source: z.record(z.string(), z.number()) }),
    discovery: z
      .object({
        queued: z.array(z.string()),
        timed_out: z.boolean(),
      })
      .optional()
      .meta({
        description:
          'On-query discovery (a search with keywords, when CATALOG_QUERY_DISCOVERY_MS > 0 and a CKAN / Energi Data Service source is set): ids of the datasets the sources found that the catalog did not hold, queued for profiling — a later search finds them; timed_out: a source was cut off',
      }),
  })
  .meta({ description: 'Ranked catalog hits' });
