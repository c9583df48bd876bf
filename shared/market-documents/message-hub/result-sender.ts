/**
 * Result sender (opengeh-wholesale §5.1–5.3): on calculation-completed, one RSM-014 document per
 * (result series, receiver) is stored in Blob and announced to MessageHub with a DataAvailable
 * notification; MessageHub's bundle request is answered with a time-limited link to the document.
 */
import { NAMES } from '../../config/names';
import type { IntegrationEventStore } from '../../integration-events/store/event-store';
import type { JobStore } from '../../jobs/job-store';
import type { MessageBus } from '../../messaging/bus';
import type { CalculationCompletedEvent } from '../../messaging/calculation-completed';
import { energyResultFilesByGridArea, energyResultSeriesChunks, Pacer } from '../../results/result-files';
import type { BlobStore, UrlSigner } from '../../storage/blob-store';
import { CompletedJobNotFoundError, CompletedJobWithoutResultsError } from '../errors';
import { deliverDocument, findDocument, type DeliveryOutcome } from '../outbox';
import { buildRsm014DocumentsPausing, type GridAreaOwnerResolver, type Rsm014Document } from '../rsm014';
import {
  DATA_AVAILABLE_MESSAGE_TYPE,
  DATA_BUNDLE_RESPONSE_MESSAGE_TYPE,
  encodeBundleResponse,
  encodeDataAvailable,
  type DataBundleRequest,
  type DataBundleResponse,
} from './contracts';

export interface ResultSenderDeps {
  jobs: JobStore;
  /** Committed settlement results. */
  results: BlobStore;
  /** Outgoing documents (NAMES.containers.messages). */
  messages: BlobStore;
  bus: MessageBus;
  events: Pick<IntegrationEventStore, 'readEvents'>;
  clock: () => Date;
}

/**
 * Grid area owners (grid access providers) as known at `asOf` from GridAreaUpdated events: per
 * grid area the owner effective at the end of the period (latest effective date before it, a
 * later-stored event for the same date winning).
 */
export async function gridAreaOwners(
  events: Pick<IntegrationEventStore, 'readEvents'>,
  asOf: number,
  periodEnd: number,
): Promise<GridAreaOwnerResolver> {
  const owners = new Map<string, { effective: number; owner: string }>();
  for (const e of await events.readEvents('GridAreaUpdated', asOf)) {
    if (e.effectiveDate >= periodEnd) continue;
    const cur = owners.get(e.gridAreaCode);
    // events arrive ordered by storedAt: >= lets the later-stored one win a tie
    if (!cur || e.effectiveDate >= cur.effective)
      owners.set(e.gridAreaCode, { effective: e.effectiveDate, owner: e.gridAccessProviderId });
  }
  return (ga) => owners.get(ga)?.owner ?? null;
}

/**
 * Rows per chunk of result series the sender holds as row objects (with their documents' XML):
 * chunks are whole series, so this is one quarter-hourly series of a month (2,976 rows) or a few
 * shorter ones. Bounds the sender's memory whatever the job's size, and keeps the one step that
 * is not time-sliced (grouping a chunk's rows into series) short.
 */
export const RESULT_SENDER_CHUNK_ROWS = 1_000;

/**
 * Builds and delivers the documents of a completed calculation one grid area, and within it one
 * chunk of whole result series, at a time (shared/results/result-files.ts), in time slices
 * (reading, building and delivering share one Pacer), so a national month neither exhausts memory nor starves the HTTP
 * functions of the same process. The documents (ids, XML) and their order are those of
 * buildRsm014Documents over every row at once. An error (e.g. a grid area without a known owner)
 * surfaces when its grid area is reached, after earlier grid areas' documents were delivered; a
 * redelivered event then skips those (outbox) and retries the rest.
 */
export async function sendResultDocuments(
  deps: ResultSenderDeps,
  event: CalculationCompletedEvent,
): Promise<DeliveryOutcome[]> {
  const job = await deps.jobs.get(event.jobId);
  if (!job) throw new CompletedJobNotFoundError(event.jobId);
  const gridAreas = await energyResultFilesByGridArea(deps.results, event.jobId);
  if (!gridAreas) throw new CompletedJobWithoutResultsError(event.jobId);
  const periodEnd = Date.parse(event.periodEnd);
  const owners = await gridAreaOwners(deps.events, Date.parse(job.asOf), periodEnd);
  const calculation = {
    calculationId: event.jobId,
    calculationType: event.calculationType,
    periodStart: Date.parse(event.periodStart),
    periodEnd,
    createdAt: deps.clock().getTime(),
  };
  const out: DeliveryOutcome[] = [];
  const pacer = new Pacer();
  for (const { files } of gridAreas) {
    for await (const rows of energyResultSeriesChunks(deps.results, files, {
      maxRows: RESULT_SENDER_CHUNK_ROWS,
      pacer,
    })) {
      for (const d of await buildRsm014DocumentsPausing(rows, calculation, owners, pacer.maybePause)) {
        out.push(await deliverRsm014(deps, event.jobId, d));
        await pacer.maybePause();
      }
    }
  }
  return out;
}

function deliverRsm014(deps: ResultSenderDeps, calculationId: string, d: Rsm014Document): Promise<DeliveryOutcome> {
  const doc = { documentId: d.documentId, calculationId, receiverId: d.receiver.id, xml: d.xml };
  return deliverDocument(
    deps.messages,
    deps.bus,
    NAMES.serviceBus.dataAvailableQueue,
    doc,
    () => ({
      messageId: d.documentId,
      body: encodeDataAvailable({
        uuid: d.documentId,
        recipientId: d.receiver.id,
        recipientRole: d.receiver.role,
        messageType: 'NotifyAggregatedMeasureData',
        origin: 'Wholesale',
        supportsBundling: false,
        relativeWeight: 1,
        calculationId,
      }),
      contentType: 'application/x-protobuf',
      subject: DATA_AVAILABLE_MESSAGE_TYPE,
      applicationProperties: { MessageType: DATA_AVAILABLE_MESSAGE_TYPE },
    }),
    deps.clock,
  );
}

/** How long the document link in a bundle response stays valid. */
export const BUNDLE_LINK_TTL_MS = 60 * 60_000;

/** Answers a bundle request with a read link to the document (or DatasetNotFound), on the reply queue. */
export async function answerBundleRequest(
  deps: { messages: BlobStore; signer: UrlSigner; bus: MessageBus; clock: () => Date },
  request: DataBundleRequest,
): Promise<DataBundleResponse> {
  const [id] = request.dataAvailableNotificationIds;
  const path = await findDocument(deps.messages, id);
  const response: DataBundleResponse = path
    ? {
        dataAvailableNotificationIds: [id],
        contentUri: await deps.signer.signedReadUrl(path, new Date(deps.clock().getTime() + BUNDLE_LINK_TTL_MS)),
        isErrorResponse: false,
        errorReason: '',
        errorDescription: '',
      }
    : {
        dataAvailableNotificationIds: [id],
        contentUri: '',
        isErrorResponse: true,
        errorReason: 'DatasetNotFound',
        errorDescription: `no document with id ${id}`,
      };
  await deps.bus.send(
    { queue: NAMES.serviceBus.bundleReplyQueue },
    {
      messageId: request.idempotencyId,
      body: encodeBundleResponse(response),
      contentType: 'application/x-protobuf',
      subject: DATA_BUNDLE_RESPONSE_MESSAGE_TYPE,
      applicationProperties: { MessageType: DATA_BUNDLE_RESPONSE_MESSAGE_TYPE },
    },
  );
  return response;
}
