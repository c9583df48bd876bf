/**
 * Runtime copy of integration_events_v1.proto (the consumed contract), embedded because the
 * TypeScript build (tsc) does not copy .proto files into dist/. Keep it byte-identical to the
 * .proto file: test/unit/integration-events.test.ts fails otherwise.
 */
export const INTEGRATION_EVENTS_V1_PROTO = `// Integration events consumed by the settlement platform: metering point master data, market
// roles, grid areas, charges and metered time series (modelled on the events DataHub's
// IntegrationEventListener consumed, opengeh-wholesale §4.1, with the codes of the basis data,
// §2.1 and §3.1).
//
// Each Service Bus message carries exactly one of these messages as its body; the application
// property MessageType (and the subject) names the message, e.g. 'MeteringPointCreated'.
// The body carries no envelope: the message type is known only from MessageType.
//
// Conventions:
// - metering point ids are 18-digit GSRNs; grid area codes are 3 digits;
// - codes are the DataHub spellings of the basis data (shared/domain/codes.ts), as strings:
//   metering point type 'E17', settlement method 'E02', resolution 'PT1H', quality 'measured';
// - instants are google.protobuf.Timestamp, UTC; periods are start inclusive, end exclusive;
// - quantities are exact integers of milli-kWh (3 decimals), prices integers of micro-DKK
//   (6 decimals), both sint64 and within ±(2^53 − 1);
// - 'optional' marks a field that may be absent; an absent Timestamp means "open ended".
//
// Compatibility rules: never renumber or reuse a field number; add fields with new numbers;
// a breaking change is a new message or a new file (integration_events_v2.proto).
//
// shared/integration-events/contracts/integration-events-v1.schema.ts embeds this text verbatim
// for the runtime (test/unit/integration-events.test.ts checks they are identical).

syntax = "proto3";

package settlement.integration_events.v1;

import "google/protobuf/timestamp.proto";

// A metering point was created (or its master data changed) with effect from effective_date.
message MeteringPointCreated {
  // GSRN, 18 digits.
  string metering_point_id = 1;
  // E17 consumption, E18 production, E20 exchange; children D01, D05–D12, D14, D15, D19.
  string metering_point_type = 2;
  // Three-digit grid area code.
  string grid_area_code = 3;
  // E02 non-profiled | D01 flex; consumption (E17) only.
  optional string settlement_method = 4;
  // PT15M | PT1H.
  string resolution = 5;
  // Exchange (E20) only, and required there.
  optional string from_grid_area_code = 6;
  optional string to_grid_area_code = 7;
  // GSRN of the parent; required for child types (D..), absent for E17, E18, E20.
  optional string parent_metering_point_id = 8;
  // Start of validity (UTC of a local midnight), aligned to the resolution.
  google.protobuf.Timestamp effective_date = 9;
  // grid-loss | system-correction, for the grid loss and system correction metering points.
  optional string calculation_type = 10;
}

// A metering point was connected (E22) with effect from effective_date.
message MeteringPointConnected {
  string metering_point_id = 1;
  google.protobuf.Timestamp effective_date = 2;
}

// The energy supplier of a metering point changed with effect from effective_date.
message EnergySupplierChanged {
  string metering_point_id = 1;
  // GLN (13 digits) or EIC (16 characters).
  string energy_supplier_gln = 2;
  google.protobuf.Timestamp effective_date = 3;
}

// The balance responsible party of a metering point changed with effect from effective_date.
message BalanceResponsiblePartyChanged {
  string metering_point_id = 1;
  // GLN (13 digits) or EIC (16 characters).
  string balance_responsible_party_id = 2;
  google.protobuf.Timestamp effective_date = 3;
}

// A grid area was created or updated with effect from effective_date.
message GridAreaUpdated {
  string grid_area_code = 1;
  string grid_area_name = 2;
  // GLN/EIC of the grid access provider owning the grid area.
  string grid_access_provider_id = 3;
  // DK1 | DK2.
  string price_area_code = 4;
  google.protobuf.Timestamp effective_date = 5;
}

// Price information of a charge (charge key = charge_code, charge_type, charge_owner_id).
message ChargeInformationChanged {
  string charge_code = 1;
  // tariff | subscription | fee.
  string charge_type = 2;
  // GLN/EIC of the charge owner.
  string charge_owner_id = 3;
  // Tariffs PT1H | P1D; subscriptions and fees P1M.
  string resolution = 4;
  // Tariffs only.
  bool is_tax = 5;
  google.protobuf.Timestamp from_date = 6;
  // Absent: open ended.
  google.protobuf.Timestamp to_date = 7;
}

message ChargePricePoint {
  google.protobuf.Timestamp time = 1;
  // DKK in micro units (6 decimals).
  sint64 price_micro = 2;
}

// Prices of a charge within [period_start, period_end); replaces the prices in that period.
message ChargePricesChanged {
  string charge_code = 1;
  string charge_type = 2;
  string charge_owner_id = 3;
  google.protobuf.Timestamp period_start = 4;
  google.protobuf.Timestamp period_end = 5;
  // Strictly increasing times within the period.
  repeated ChargePricePoint points = 6;
}

// A charge was linked to a metering point for [from_date, to_date).
message ChargeLinkChanged {
  string charge_code = 1;
  string charge_type = 2;
  string charge_owner_id = 3;
  string metering_point_id = 4;
  // Number of times the charge applies, >= 1; always 1 for tariffs.
  uint32 factor = 5;
  google.protobuf.Timestamp from_date = 6;
  // Absent: open ended.
  google.protobuf.Timestamp to_date = 7;
}

message TimeSeriesPoint {
  // 1-based slot in the period: the point covers
  // [period_start + (position − 1) × resolution, period_start + position × resolution).
  uint32 position = 1;
  // milli-kWh (3 decimals); absent exactly when quality is 'missing'.
  optional sint64 quantity_milli = 2;
  // missing | estimated | measured | calculated.
  string quality = 3;
}

// Metered quantities of one metering point for [period_start, period_end).
message TimeSeriesPointsReceived {
  string metering_point_id = 1;
  // PT15M | PT1H; the period is aligned to it.
  string resolution = 2;
  // When DataHub registered the values (the system time of the bi-temporal basis data).
  google.protobuf.Timestamp registration_time = 3;
  google.protobuf.Timestamp period_start = 4;
  google.protobuf.Timestamp period_end = 5;
  // Strictly increasing positions within the period.
  repeated TimeSeriesPoint points = 6;
}
`;
