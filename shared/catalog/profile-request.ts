/**
 * The profile queue's message: an announced dataset's metadata as JSON. Decoded with a schema so
 * a malformed message is dead-lettered with its reason instead of failing deep in the profiler.
 */
import { z } from 'zod';
import type { BusMessage } from '../messaging/bus';
import type { DatasetMetadata } from './dataset';
import { DATASET_FORMATS, type DatasetFormat } from './profile/readers';

const format = z.enum(DATASET_FORMATS as readonly [DatasetFormat, ...DatasetFormat[]]);
const stamp = { identifier: z.string().min(1), date: z.string() };

const profileRequestSchema = z.object({
  id: z.string().min(3).max(1100),
  name: z.string().min(1),
  description: z.string().optional(),
  source: z.string().min(1),
  source_url: z.string().optional(),
  license: z.string().optional(),
  materialize: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('url'), url: z.string().url(), format, ...stamp }),
    z.object({ kind: z.literal('blob'), container: z.string().min(1), path: z.string().min(1), format, ...stamp }),
  ]),
  owner: z.string().nullable(),
  published: z.boolean(),
});

export const encodeProfileRequest = (m: DatasetMetadata): Uint8Array => new TextEncoder().encode(JSON.stringify(m));

/**
 * The queue message for an announcement, nightly or on a query: one message per dataset and
 * day, so the same dataset announced again that day (a rerun, or many searches finding it) is
 * dropped by the queue's duplicate detection instead of being fetched again.
 */
export const profileRequestMessage = (m: DatasetMetadata): BusMessage => ({
  messageId: `${m.id}@${m.materialize.date.slice(0, 10)}`.slice(0, 128),
  body: encodeProfileRequest(m),
  contentType: 'application/json',
});

/** The request, or the reason it is not one. */
export function decodeProfileRequest(body: Uint8Array): DatasetMetadata | { invalid: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return { invalid: 'not JSON' };
  }
  const r = profileRequestSchema.safeParse(raw);
  return r.success ? r.data : { invalid: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
