/** Service Bus trigger on the integration-events subscription: thin adapter over the subscriber. */
import { handleIntegrationEventMessage } from '../../shared/integration-events/subscriber';
import type { AppDeps } from '../deps';
import type { ServiceBusHandler } from '../registry';
import { log } from '../../shared/telemetry/log';
import { measure } from '../../shared/telemetry/metrics';

export function integrationEventsHandler(deps: Pick<AppDeps, 'integrationEvents' | 'clock'>): ServiceBusHandler {
  return async (message) => {
    const outcome = await handleIntegrationEventMessage(deps.integrationEvents, message, () => deps.clock().getTime());
    const messageType = String(message.applicationProperties?.MessageType ?? message.subject ?? '?');
    if (outcome !== 'dead-lettered') measure.eventStored(messageType, outcome);
    // eventId and messageId are the line's fields (functions/traced-registry.ts)
    log.info(`integration event ${messageType}: ${outcome}`);
  };
}
