/**
 * The wire contract of the integration events (contracts/integration_events_v1.proto): the body
 * of a Service Bus message is one protobuf message; which one is named by the application
 * property `MessageType` (one of INTEGRATION_EVENT_TYPES). This file holds what decoding and
 * encoding share: the embedded schema (parsed once), the content type, the contract name of
 * errors raised before the message type is known, and the range of a google.protobuf.Timestamp.
 */
import { Root, Type, common, parse } from 'protobufjs';
import { INTEGRATION_EVENTS_V1_PROTO } from './contracts/integration-events-v1.schema';
import type { IntegrationEventType } from './events';

export const INTEGRATION_EVENT_CONTENT_TYPE = 'application/x-protobuf';
/** Contract name of errors raised before the message type is known. */
export const INTEGRATION_EVENT_CONTRACT = 'IntegrationEvent';
const PACKAGE = 'settlement.integration_events.v1';

/** google.protobuf.Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
export const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
export const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

/** The protobufjs installation lacks a well-known type the schema imports (a broken dependency). */
export class MissingWellKnownProtoError extends Error {
  constructor(readonly file: string) {
    super(`protobufjs does not ship ${file}`);
    this.name = 'MissingWellKnownProtoError';
  }
}

let cachedRoot: Root | null = null;

/** The protobuf type of one message, parsed once from the embedded schema. */
export function integrationEventProtoType(messageType: IntegrationEventType): Type {
  if (!cachedRoot) {
    const root = new Root();
    const timestampFile = 'google/protobuf/timestamp.proto';
    const timestamp = common.get(timestampFile);
    if (!timestamp?.nested) throw new MissingWellKnownProtoError(timestampFile);
    root.addJSON(timestamp.nested);
    parse(INTEGRATION_EVENTS_V1_PROTO, root, { keepCase: true });
    root.resolveAll();
    cachedRoot = root;
  }
  return cachedRoot.lookupType(`${PACKAGE}.${messageType}`);
}
