/**
 * The Azure Service Bus trigger adapter (functions/service-bus-trigger.ts) with the integration
 * events handler behind it: a valid event is stored and the invocation succeeds (the host
 * completes it); a poison message is forwarded to the poison queue with DeadLetterReason and the
 * description naming the field; a storage failure fails the invocation (the host abandons it).
 */
import { InvocationContext } from '@azure/functions';
import { integrationEventsHandler } from '../../functions/service-bus/integration-events';
import {
  runTriggered,
  MessageAbandonedError,
  MessageAlreadySettledError,
  type DeadLetterForwarder,
} from '../../functions/service-bus-trigger';
import { integrationEventMessage } from '../../shared/integration-events/encode';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { BusMessage } from '../../shared/messaging/bus';

const MP = '571313180400012345';
const D = Date.parse('2024-03-04T23:00:00Z');

function invocation(m: BusMessage, deliveryCount = 1): { body: unknown; context: InvocationContext } {
  // what the Functions host hands a Node function: the body (binary → Buffer) and trigger metadata
  const context = new InvocationContext({
    functionName: 'IntegrationEventsSubscriber',
    triggerMetadata: {
      messageId: m.messageId,
      deliveryCount,
      contentType: m.contentType,
      applicationProperties: m.applicationProperties,
    },
    logHandler: () => undefined,
  });
  return { body: Buffer.from(m.body), context };
}

describe('Service Bus trigger adapter (Azure host)', () => {
  const forwarded: Array<{ message: BusMessage; reason: string; description: string | undefined }> = [];
  const forward: DeadLetterForwarder = (message, reason, description) => {
    forwarded.push({ message, reason, description });
    return Promise.resolve();
  };
  beforeEach(() => forwarded.splice(0));

  it('stores a valid event once; a redelivery is a duplicate and also succeeds', async () => {
    const store = new MemoryIntegrationEventStore();
    const handler = integrationEventsHandler({ integrationEvents: store, clock: () => new Date(D + 1000) });
    const m = integrationEventMessage('ev-1', {
      messageType: 'MeteringPointConnected',
      meteringPointId: MP,
      effectiveDate: D,
    });
    for (const delivery of [1, 2]) {
      const { body, context } = invocation(m, delivery);
      await expect(runTriggered(handler, body, context, forward)).resolves.toBeUndefined();
    }
    expect(await store.readEvents('MeteringPointConnected', D + 1000)).toEqual([
      {
        messageType: 'MeteringPointConnected',
        meteringPointId: MP,
        effectiveDate: D,
        eventId: 'ev-1',
        storedAt: D + 1000,
      },
    ]);
    expect(forwarded).toEqual([]);
  });

  it('forwards a poison message with its reason and succeeds, so the host completes the original; nothing stored', async () => {
    const store = new MemoryIntegrationEventStore();
    const handler = integrationEventsHandler({ integrationEvents: store, clock: () => new Date(D) });
    const m = integrationEventMessage('ev-bad', {
      messageType: 'MeteringPointConnected',
      meteringPointId: MP,
      effectiveDate: D,
    });
    const bad = { ...m, applicationProperties: { ...m.applicationProperties, MessageType: 'GridAreaUpdated' } };
    const { body, context } = invocation(bad);
    await runTriggered(handler, body, context, forward);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0].reason).toBe('InvalidIntegrationEvent');
    expect(forwarded[0].description).toMatch(/^GridAreaUpdated\.\w+/);
    expect(forwarded[0].message).toMatchObject({
      messageId: 'ev-bad',
      applicationProperties: { MessageType: 'GridAreaUpdated', EventId: 'ev-bad' },
    });
    expect(Buffer.from(forwarded[0].message.body)).toEqual(Buffer.from(bad.body));
    expect(await store.countEvents()).toBe(0);
  });

  it('a malformed OperationTimestamp is a poison message naming the property', async () => {
    const store = new MemoryIntegrationEventStore();
    const handler = integrationEventsHandler({ integrationEvents: store, clock: () => new Date(D) });
    const m = integrationEventMessage('ev-op', {
      messageType: 'MeteringPointConnected',
      meteringPointId: MP,
      effectiveDate: D,
    });
    expect(m.applicationProperties.OperationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const { body, context } = invocation({
      ...m,
      applicationProperties: { ...m.applicationProperties, OperationTimestamp: 'yesterday' },
    });
    await runTriggered(handler, body, context, forward);
    expect(forwarded.map((f) => f.description)).toEqual([
      'IntegrationEvent.OperationTimestamp: not an ISO-8601 instant with a four-digit year in 2000–2100 (e.g. 2023-11-01T23:00:00Z): "yesterday"',
    ]);
    expect(await store.countEvents()).toBe(0);
  });

  it('a storage failure fails the invocation (the host abandons and redelivers)', async () => {
    const failing = {
      append: async () => Promise.reject(new Error('table unavailable')),
      readMasterData: () => Promise.resolve([]),
      readEvents: () => Promise.resolve([]),
    };
    const handler = integrationEventsHandler({ integrationEvents: failing, clock: () => new Date(D) });
    const { body, context } = invocation(
      integrationEventMessage('ev-2', { messageType: 'MeteringPointConnected', meteringPointId: MP, effectiveDate: D }),
    );
    await expect(runTriggered(handler, body, context, forward)).rejects.toThrow('table unavailable');
    expect(forwarded).toEqual([]);
  });

  it('a handler that abandons makes the invocation fail; settling twice is refused', async () => {
    const { body, context } = invocation({ messageId: 'x', body: new Uint8Array([1]) });
    await expect(runTriggered(async (m) => m.abandon(), body, context, forward)).rejects.toThrow(MessageAbandonedError);
    await expect(
      runTriggered(
        async (m) => {
          await m.complete();
          await m.deadLetter('r');
        },
        body,
        context,
        forward,
      ),
    ).rejects.toThrow(/already settled/);
    await expect(runTriggered(async (m) => m.abandon(), body, context, forward)).rejects.toMatchObject({
      messageId: 'x',
    });
    await expect(
      runTriggered(
        async (m) => {
          await m.abandon();
          await m.complete();
        },
        body,
        context,
        forward,
      ),
    ).rejects.toEqual(new MessageAlreadySettledError('x', 'complete'));
  });
});
