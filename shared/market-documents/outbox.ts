/**
 * Exactly-once-in-effect delivery of outgoing documents: store the document in Blob, then send its
 * message to a queue, then record that it was sent. Idempotent per document id (deterministic from
 * calculation, result and receiver), so a redelivered calculation-completed sends nothing twice:
 * - a `.sent` marker next to the document means done → skipped;
 * - the document is written only if absent, so a retry keeps the first version (its
 *   createdDateTime) and never changes what MessageHub may already have handed out;
 * - a crash after the send but before the marker resends with the same messageId, which the
 *   queue's duplicate detection drops (infra/bicep: requiresDuplicateDetection).
 */
import type { BusMessage, MessageBus } from '../messaging/bus';
import type { BlobStore } from '../storage/blob-store';

export interface OutgoingDocument {
  documentId: string;
  calculationId: string;
  /** Receiver folder: GLN/EIC, or 'esett'. */
  receiverId: string;
  xml: string;
}

export const documentPath = (d: Pick<OutgoingDocument, 'calculationId' | 'receiverId' | 'documentId'>) =>
  `messages/${d.calculationId}/${d.receiverId}/${d.documentId}.xml`;
/** Document id → its path (MessageHub asks by id). */
export const documentIndexPath = (documentId: string) => `index/${documentId}.json`;
const sentMarker = (path: string) => `${path}.sent`;

export interface DeliveryOutcome {
  documentId: string;
  path: string;
  sent: boolean;
}

export async function deliverDocument(
  store: BlobStore,
  bus: MessageBus,
  queue: string,
  doc: OutgoingDocument,
  message: (path: string) => BusMessage,
  now: () => Date,
): Promise<DeliveryOutcome> {
  const path = documentPath(doc);
  if (await store.exists(sentMarker(path))) return { documentId: doc.documentId, path, sent: false };
  if (!(await store.exists(path))) await store.put(path, doc.xml, 'application/xml; charset=utf-8');
  await store.put(
    documentIndexPath(doc.documentId),
    JSON.stringify({ path, calculationId: doc.calculationId, receiverId: doc.receiverId }),
    'application/json',
  );
  await bus.send({ queue }, { ...message(path), messageId: doc.documentId });
  await store.put(sentMarker(path), now().toISOString(), 'text/plain');
  return { documentId: doc.documentId, path, sent: true };
}

/** The stored document's path for an id (null when unknown). */
export async function findDocument(store: BlobStore, documentId: string): Promise<string | null> {
  const bytes = await store.get(documentIndexPath(documentId));
  if (!bytes) return null;
  const { path } = JSON.parse(bytes.toString('utf8')) as { path: string };
  return (await store.exists(path)) ? path : null;
}
