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
import {
  energyResultFilesByGridArea,
  energyResultSeriesChunks,
  Pacer,
  type ResultCell,
} from '../../results/result-files';
import type { BlobStore } from '../../storage/blob-store';
import { CompletedJobWithoutResultsError } from '../errors';
import { deliverDocument, type DeliveryOutcome } from '../outbox';
import { EsettDocumentAccumulator, esettSeriesKind } from './esett-document';
import { esettDocumentXmlPausing } from './esett-xml';
import { EsettDocumentError } from './esett-errors';
import { ESETT_ROOT_ELEMENT } from './esett-codes';
import type { EsettDocument } from './esett-model';

export interface EsettSenderDeps {
  jobs: JobStore;
  results: BlobStore;
  messages: BlobStore;
  bus: MessageBus;
  esettReceiverId: string;
  clock: () => Date;
}

/** Rows per chunk the eSett sender holds as row objects (chunks are whole series: one month-long quarter-hourly series, or a few shorter ones); the accumulated points stay compact. */
export const ESETT_SENDER_CHUNK_ROWS = 1_000;

/** The documents' folder under messages/{calculationId}/. */
export const ESETT_RECEIVER_FOLDER = 'esett';

/**
 * Builds and delivers one grid area's document at a time: only that grid area's eSett rows
 * (exchange per neighbour, per-supplier production and consumption; read in bounded chunks by
 * shared/results/result-files.ts) are held, and the event loop gets a turn after every document,
 * so a large calculation neither exhausts memory nor starves the HTTP functions of the process.
 * Documents, ids and order (by grid area) are those buildEsettDocuments gives for every row at
 * once; its one check that spans grid areas (all rows share one resolution) is repeated here.
 */
export async function sendEsettDocuments(
  deps: EsettSenderDeps,
  event: CalculationCompletedEvent,
): Promise<DeliveryOutcome[]> {
  if (event.calculationType !== 'balance_fixing' && event.calculationType !== 'aggregation') return [];
  const gridAreas = await energyResultFilesByGridArea(deps.results, event.jobId);
  if (!gridAreas) throw new CompletedJobWithoutResultsError(event.jobId);
  // createdDateTime = the commit instant: a redelivered event rebuilds byte-identical documents
  const meta = {
    calculationId: event.jobId,
    calculationType: event.calculationType,
    period: { start: minute(event.periodStart), end: minute(event.periodEnd) },
    createdAt: event.completedAt,
  };
  const out: DeliveryOutcome[] = [];
  let resolution: { value: string; gridArea: string } | null = null;
  // only eSett's rows become row objects; the rest is skipped on the Arrow cells
  const keep = (cell: ResultCell) =>
    esettSeriesKind({
      aggregation_level: cell('aggregation_level') ?? '',
      time_series_type: cell('time_series_type') ?? '',
      grid_area_code: cell('grid_area_code') ?? '',
      neighbor_grid_area_code: cell('neighbor_grid_area_code') ?? '',
    }) !== null;
  const pacer = new Pacer();
  for (const { gridArea, files } of gridAreas) {
    // one document per grid area: its rows are added chunk by chunk, the document built once
    const acc = new EsettDocumentAccumulator(meta, { receiver: deps.esettReceiverId });
    for await (const rows of energyResultSeriesChunks(deps.results, files, {
      maxRows: ESETT_SENDER_CHUNK_ROWS,
      keep,
      pacer,
    })) {
      const first = rows.find((r) => r.calculation_type === event.calculationType);
      if (first && resolution === null) resolution = { value: first.resolution, gridArea };
      else if (first && resolution && first.resolution !== resolution.value)
        throw new EsettDocumentError(
          `grid area ${gridArea}: resolution ${first.resolution}, but grid area ${resolution.gridArea} has ${resolution.value}`,
          { resultId: first.result_id },
        );
      acc.add(rows);
      await pacer.maybePause();
    }
    const docs = await acc.documentsPausing(pacer.maybePause);
    for (const document of docs) {
      const d: EsettDocument = {
        documentId: document.mRID,
        calculationId: event.jobId,
        gridAreaCode: document.gridAreaCode,
        document,
        xml: await esettDocumentXmlPausing(document, pacer.maybePause),
      };
      out.push(await deliverEsett(deps, event.jobId, d));
      await pacer.maybePause();
    }
  }
  return out;
}

function deliverEsett(deps: EsettSenderDeps, calculationId: string, d: EsettDocument): Promise<DeliveryOutcome> {
  const doc = { documentId: d.documentId, calculationId, receiverId: ESETT_RECEIVER_FOLDER, xml: d.xml };
  return deliverDocument(
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
  );
}

/** `YYYY-MM-DDTHH:MM:SSZ` / with millis → `YYYY-MM-DDTHH:MMZ`-compatible ISO without millis. */
function minute(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().replace('.000Z', 'Z');
}
