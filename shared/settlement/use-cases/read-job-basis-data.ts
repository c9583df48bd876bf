import type { EventReference, EventUsage } from '../../basis-data/bitemporal/as-of-source';
import type { BlobStore } from '../../storage/blob-store';
import type { BatchBasisData, JobBasisData } from '../basis-data-usage';
import { CommittedFileMissingError } from '../errors';
import { readManifest } from '../manifest';

/** What a committed job calculated from: the union of its batches' basis data (null before commit). */
export async function readJobBasisData(results: Pick<BlobStore, 'get'>, jobId: string): Promise<JobBasisData | null> {
  const manifest = await readManifest(results, jobId);
  if (!manifest) return null;
  const batches: BatchBasisData[] = [];
  for (const file of manifest.basisDataFiles ?? []) {
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'basis data');
    batches.push(JSON.parse(bytes.toString('utf8')) as BatchBasisData);
  }
  const unique = <T>(items: T[], key: (t: T) => string): T[] =>
    [...new Map(items.map((i) => [key(i), i])).values()].sort((a, b) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
    );
  const events = (pick: (u: EventUsage) => EventReference[]) =>
    unique(
      batches.flatMap((b) => pick(b.integrationEvents)),
      (e) => `${e.storedAt}|${e.eventId}`,
    );
  return {
    jobId,
    asOf: batches[0]?.asOf ?? null,
    batches: batches.map((b) => ({
      batchId: b.batchId,
      gridArea: b.gridArea,
      periodStart: b.periodStart,
      periodEnd: b.periodEnd,
    })),
    lakeBlobs: unique(
      batches.flatMap((b) => b.lakeBlobs),
      (b) => b.path,
    ),
    integrationEvents: {
      masterData: events((u) => u.masterData),
      timeSeries: events((u) => u.timeSeries),
      charges: events((u) => u.charges),
    },
    meteringPointPeriods: unique(
      batches.flatMap((b) => b.meteringPointPeriods),
      (p) => `${p.meteringPointId}|${p.fromDate}|${p.gridAreaCode}`,
    ),
  };
}
