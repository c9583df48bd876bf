/**
 * A local-only HTTP door onto the local host's in-process Service Bus: `POST
 * /api/local/integration-events?messageType=T&eventId=ID` with one protobuf integration event as
 * the body puts it on the `integration-events` topic exactly as another domain would publish it
 * (body, MessageType / EventId / OperationTimestamp properties), so the app's own subscriber
 * trigger decodes and stores it. `npm run events -- publish` uses it.
 *
 * Only the local host registers it (functions/app.ts does not; test/e2e/newcomer-cli.test.ts
 * checks): in Azure, publishers send to Service Bus itself. Administrators only.
 */
import type { HttpRequest } from '@azure/functions';
import { authorized } from '../functions/http/auth';
import { json, problem } from '../functions/http/responses';
import type { AppDeps } from '../functions/deps';
import { NAMES } from '../shared/config/names';
import { ContractError } from '../shared/messaging/contract-error';
import { decodeIntegrationEvent } from '../shared/integration-events/decode';
import { isIntegrationEventType, type IntegrationEvent } from '../shared/integration-events/events';
import { MAX_EVENT_BODY_BYTES, MAX_EVENT_ID_LENGTH } from '../shared/integration-events/store/stored-event';
import { INTEGRATION_EVENT_CONTENT_TYPE } from '../shared/integration-events/wire';
import type { MessageBus } from '../shared/messaging/bus';
import type { LocalRegistry } from './registry';

export const LOCAL_PUBLISH_ROUTE = 'local/integration-events';

/** How long the route waits for the subscriber to store the event before answering 202. */
const STORE_WAIT_MS = 15_000;

/**
 * Whether the subscriber has stored the event. The answer waits for it so that a KickStartJob
 * sent right after `events publish` pins an as-of that already includes the event (a grid area
 * owner published a moment too late would otherwise be missing from that job's documents).
 */
async function isStored(deps: Pick<AppDeps, 'integrationEvents'>, eventId: string, e: IntegrationEvent) {
  const observed = e.messageType === 'TimeSeriesPointsReceived' ? { from: e.periodStart, to: e.periodEnd } : undefined;
  const stored = await deps.integrationEvents.readEvents(e.messageType, Number.MAX_SAFE_INTEGER, observed);
  return stored.find((s) => s.eventId === eventId) ?? null;
}

export function registerLocalRoutes(
  registry: LocalRegistry,
  deps: Pick<AppDeps, 'authenticator' | 'integrationEvents' | 'clock'>,
  bus: MessageBus,
): void {
  registry.http('LocalPublishIntegrationEvent', {
    methods: ['POST'],
    route: LOCAL_PUBLISH_ROUTE,
    maxBodyBytes: MAX_EVENT_BODY_BYTES,
    handler: authorized(deps, ['datahub_administrator'], async (request: HttpRequest, context) => {
      const messageType = request.query.get('messageType') ?? '';
      const eventId = request.query.get('eventId') ?? '';
      if (!isIntegrationEventType(messageType))
        return problem(400, 'messageType must name an integration event', [
          { path: 'messageType', message: `'${messageType.slice(0, 100)}' is not a known message type` },
        ]);
      if (eventId === '' || eventId.length > MAX_EVENT_ID_LENGTH)
        return problem(400, 'eventId is required', [
          { path: 'eventId', message: `1 to ${MAX_EVENT_ID_LENGTH} characters` },
        ]);
      const body = new Uint8Array(await request.arrayBuffer());
      let event: IntegrationEvent;
      try {
        // the subscriber would dead-letter it; refusing here tells the publisher why at once
        event = decodeIntegrationEvent(messageType, body);
      } catch (e) {
        if (!(e instanceof ContractError)) throw e;
        return problem(400, `invalid ${messageType}`, [{ path: e.field ?? '(body)', message: e.reason }]);
      }
      await bus.send(
        { topic: NAMES.serviceBus.integrationEventsTopic },
        {
          messageId: eventId,
          body,
          contentType: INTEGRATION_EVENT_CONTENT_TYPE,
          subject: messageType,
          applicationProperties: {
            MessageType: messageType,
            EventId: eventId,
            OperationTimestamp: deps.clock().toISOString(),
          },
        },
      );
      const until = Date.now() + STORE_WAIT_MS;
      for (;;) {
        const stored = await isStored(deps, eventId, event);
        if (stored) {
          context.log(`published ${messageType} ${eventId}: stored`);
          return json(200, { eventId, messageType, stored: true, storedAt: new Date(stored.storedAt).toISOString() });
        }
        if (Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return json(202, { eventId, messageType, stored: false });
    }),
  });
}
