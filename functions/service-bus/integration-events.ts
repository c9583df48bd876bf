/** Service Bus trigger on the integration-events subscription: thin adapter over the subscriber. */
import { handleIntegrationEventMessage } from '../../shared/integration-events/subscriber';
import type { AppDeps } from '../deps';
import type { ServiceBusHandler } from '../registry';

export function integrationEventsHandler(deps: Pick<AppDeps, 'integrationEvents' | 'clock'>): ServiceBusHandler {
  return async (message, context) => {
    const outcome = await handleIntegrationEventMessage(deps.integrationEvents, message, () => deps.clock().getTime());
    context.log(
      `integration event ${message.messageId} (${String(message.applicationProperties?.MessageType ?? message.subject ?? '?')}): ${outcome}`,
    );
  };
}
