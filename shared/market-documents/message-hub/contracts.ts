/**
 * MessageHub contracts (opengeh-wholesale §5.3): the DataAvailable notification this domain sends
 * per document, the bundle request MessageHub sends back when an actor peeks, and our reply. Protobuf
 * like the reference's contracts; the schema is embedded (one copy, no .proto to keep in sync).
 */
import { parse, type Type } from 'protobufjs';
import { ContractError } from '../../messaging/contract-error';

const SCHEMA = `
syntax = "proto3";
package settlement.message_hub.v1;

// One per outgoing document: MessageHub queues it for the recipient until the actor peeks.
message DataAvailableNotification {
  string uuid = 1;                // the document id; MessageHub's reference back to us
  string recipient_id = 2;        // GLN (or EIC) of the receiver
  string recipient_role = 3;      // MDR / DDQ / DDK / DDX
  string message_type = 4;        // e.g. NotifyAggregatedMeasureData
  string origin = 5;              // Wholesale
  bool supports_bundling = 6;     // false: one document per bundle (EDI bundle size 1 for RSM-014)
  int32 relative_weight = 7;
  string calculation_id = 8;
}

message DataBundleRequest {
  string idempotency_id = 1;
  repeated string data_available_notification_ids = 2;
}

message DataBundleResponse {
  repeated string data_available_notification_ids = 1;
  string content_uri = 2;         // time-limited read link to the document
  bool is_error_response = 3;
  string error_reason = 4;        // DatasetNotFound | DatasetNotAvailable | InternalError
  string error_description = 5;
}
`;

export interface DataAvailableNotification {
  uuid: string;
  recipientId: string;
  recipientRole: string;
  messageType: string;
  origin: string;
  supportsBundling: boolean;
  relativeWeight: number;
  calculationId: string;
}

export interface DataBundleRequest {
  idempotencyId: string;
  dataAvailableNotificationIds: string[];
}

export type BundleErrorReason = 'DatasetNotFound' | 'DatasetNotAvailable' | 'InternalError';

export interface DataBundleResponse {
  dataAvailableNotificationIds: string[];
  contentUri: string;
  isErrorResponse: boolean;
  errorReason: BundleErrorReason | '';
  errorDescription: string;
}

let root: ReturnType<typeof parse>['root'] | null = null;
function type(name: string): Type {
  root ??= parse(SCHEMA, { keepCase: false }).root;
  return root.lookupType(`settlement.message_hub.v1.${name}`);
}

export const DATA_AVAILABLE_MESSAGE_TYPE = 'DataAvailableNotification';
export const DATA_BUNDLE_REQUEST_MESSAGE_TYPE = 'DataBundleRequest';
export const DATA_BUNDLE_RESPONSE_MESSAGE_TYPE = 'DataBundleResponse';

export const encodeDataAvailable = (n: DataAvailableNotification): Uint8Array =>
  type('DataAvailableNotification').encode(n).finish();
export const decodeDataAvailable = (bytes: Uint8Array): DataAvailableNotification =>
  type('DataAvailableNotification').toObject(type('DataAvailableNotification').decode(bytes), {
    defaults: true,
  }) as DataAvailableNotification;
export const encodeBundleRequest = (r: DataBundleRequest): Uint8Array => type('DataBundleRequest').encode(r).finish();
export const encodeBundleResponse = (r: DataBundleResponse): Uint8Array =>
  type('DataBundleResponse').encode(r).finish();
export const decodeBundleResponse = (bytes: Uint8Array): DataBundleResponse =>
  type('DataBundleResponse').toObject(type('DataBundleResponse').decode(bytes), {
    defaults: true,
  }) as DataBundleResponse;

/** Decodes and validates a bundle request; ContractError naming the field otherwise. */
export function decodeBundleRequest(bytes: Uint8Array): DataBundleRequest {
  let r: DataBundleRequest;
  try {
    r = type('DataBundleRequest').toObject(type('DataBundleRequest').decode(bytes), {
      defaults: true,
    }) as DataBundleRequest;
  } catch (e) {
    throw new ContractError(DATA_BUNDLE_REQUEST_MESSAGE_TYPE, null, `undecodable protobuf: ${(e as Error).message}`);
  }
  if (!r.idempotencyId) throw new ContractError(DATA_BUNDLE_REQUEST_MESSAGE_TYPE, 'idempotency_id', 'missing');
  if (r.dataAvailableNotificationIds.length !== 1) {
    // bundling is not supported: every notification says supports_bundling=false
    throw new ContractError(
      DATA_BUNDLE_REQUEST_MESSAGE_TYPE,
      'data_available_notification_ids',
      `expected exactly one id (no bundling), got ${r.dataAvailableNotificationIds.length}`,
    );
  }
  return r;
}
