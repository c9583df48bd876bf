/**
 * eSett sender: on calculation-completed for balance fixing and aggregation, one eSett document
 * per grid area (docs/esett.md) is stored in Blob and sent to the eSett queue. Idempotent per
 * document id through the outbox (a redelivery sends nothing twice); other calculation types
 * produce no documents.
 */
import { NAMES } from '../../config/names';
import type { JobStore } from '../../jobs/job-store';
import type { MessageBus } from '../../messaging/bus';
import type { CalculationCompletedEvent } from '../../messaging/calculation-completed';
import { readResults } from '../../results/committed-results';
import type { BlobStore } from '../../storage/blob-store';
import { CompletedJobWithoutResultsError } from '../errors';
import { deliverDocument, type DeliveryOutcome } from '../outbox';
import { buildEsettDocuments } from './esett-document';
import { ESETT_ROOT_ELEMENT } from './esett-codes';

export interface EsettSenderDeps {
  jobs: JobStore;
  results: BlobStore;
  messages: BlobStore;
  bus: MessageBus;
  esettReceiverId: string;
  clock: () => Date;
}

/** The documents' folder under messages/{calculationId}/. */
export const ESETT_RECEIVER_FOLDER = 'esett';

export async function sendEsettDocuments(
  deps: EsettSenderDeps,
  event: CalculationCompletedEvent,
): Promise<DeliveryOutcome[]> {
  if (event.calculationType !== 'balance_fixing' && event.calculationType !== 'aggregation') return [];
  const rows = await readResults(deps.results, event.jobId, {});
  if (!rows) throw new CompletedJobWithoutResultsError(event.jobId);
  const docs = buildEsettDocuments(
    rows,
    // createdDateTime = the commit instant: a redelivered event rebuilds byte-identical documents
    {
      calculationId: event.jobId,
      calculationType: event.calculationType,
      period: { start: minute(event.periodStart), end: minute(event.periodEnd) },
      createdAt: event.completedAt,
    },
    { receiver: deps.esettReceiverId },
  );
  const out: DeliveryOutcome[] = [];
  for (const d of docs) {
    const doc = { documentId: d.documentId, calculationId: event.jobId, receiverId: ESETT_RECEIVER_FOLDER, xml: d.xml };
    out.push(
      await deliverDocument(
        deps.messages,
        deps.bus,
        NAMES.serviceBus.esettQueue,
        doc,
        () => ({
          messageId: d.documentId,
          body: Buffer.from(d.xml, 'utf8'),
          contentType: 'application/xml',
          subject: ESETT_ROOT_ELEMENT,
          applicationProperties: { MessageType: ESETT_ROOT_ELEMENT, GridArea: d.gridAreaCode },
        }),
        deps.clock,
      ),
    );
  }
  return out;
}

/** `YYYY-MM-DDTHH:MM:SSZ` / with millis → `YYYY-MM-DDTHH:MMZ`-compatible ISO without millis. */
function minute(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().replace('.000Z', 'Z');
}
