/** Service Bus trigger on the lake stream: stores each event in its raw receipt hour (thin). */
import { storeRawEvent } from '../../shared/lake/stream/stream';
import type { AppDeps } from '../deps';
import type { ServiceBusHandler } from '../registry';

/**
 * An event that does not validate throws: the message is redelivered and then dead-lettered by
 * Service Bus itself (MaxDeliveryCountExceeded, kept in the subscription's dead-letter queue) —
 * no poison queue of our own for this topic yet.
 */
export function lakeStreamRawHandler(deps: Pick<AppDeps, 'lake' | 'clock'>): ServiceBusHandler {
  return async (message, context) => {
    const path = await storeRawEvent(deps.lake, message, deps.clock());
    context.log(`lake stream ${message.messageId}: ${path}`);
  };
}
