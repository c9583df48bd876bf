/**
 * Service Bus triggers of the result senders: calculation-completed → RSM-014 documents and
 * DataAvailable notifications (MessageHub) / eSett documents; MessageHub bundle requests → reply
 * with the document link. Thin: decode, call shared/market-documents, let errors abandon.
 */
import { ContractError } from '../../shared/messaging/contract-error';
import {
  decodeCalculationCompleted,
  type CalculationCompletedEvent,
} from '../../shared/messaging/calculation-completed';
import type { ReceivedMessage } from '../../shared/messaging/bus';
import { answerBundleRequest, sendResultDocuments } from '../../shared/market-documents/message-hub/result-sender';
import { decodeBundleRequest } from '../../shared/market-documents/message-hub/contracts';
import { sendEsettDocuments } from '../../shared/market-documents/esett/sender';
import type { AppDeps } from '../deps';
import type { ServiceBusHandler } from '../registry';
import { log } from '../../shared/telemetry/log';
import { measure } from '../../shared/telemetry/metrics';

export const INVALID_MESSAGE_REASON = 'InvalidMessage';

/** Decodes the message or dead-letters it (a retry cannot fix a malformed body); null when dead-lettered. */
async function decodeOrDeadLetter<T>(message: ReceivedMessage, decode: (b: Uint8Array) => T): Promise<T | null> {
  try {
    return decode(message.body);
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    await message.deadLetter(INVALID_MESSAGE_REASON, e.message);
    return null;
  }
}

function senderDeps(deps: AppDeps) {
  return {
    jobs: deps.jobs,
    results: deps.settlement.results,
    messages: deps.messages,
    bus: deps.bus(),
    events: deps.integrationEvents,
    clock: deps.clock,
  };
}

export function resultSenderHandler(deps: AppDeps): ServiceBusHandler {
  return async (message) => {
    const event = await decodeOrDeadLetter<CalculationCompletedEvent>(message, decodeCalculationCompleted);
    if (!event) return;
    const out = await sendResultDocuments(senderDeps(deps), event);
    const sent = out.filter((o) => o.sent).length;
    measure.documentsSent('rsm014', sent);
    log.info(`RSM-014: ${out.length} documents, ${sent} sent now`, { jobId: event.jobId });
  };
}

export function esettSenderHandler(deps: AppDeps): ServiceBusHandler {
  return async (message) => {
    const event = await decodeOrDeadLetter<CalculationCompletedEvent>(message, decodeCalculationCompleted);
    if (!event) return;
    const out = await sendEsettDocuments(
      { ...senderDeps(deps), esettReceiverId: deps.settings.esettReceiverId },
      event,
    );
    const sent = out.filter((o) => o.sent).length;
    measure.documentsSent('esett', sent);
    log.info(`eSett: ${out.length} documents, ${sent} sent now`, { jobId: event.jobId });
  };
}

export function bundleRequestHandler(deps: AppDeps): ServiceBusHandler {
  return async (message) => {
    const request = await decodeOrDeadLetter(message, decodeBundleRequest);
    if (!request) return;
    await answerBundleRequest(
      { messages: deps.messages, signer: deps.messages, bus: deps.bus(), clock: deps.clock },
      request,
    );
  };
}
