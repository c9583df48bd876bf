/**
 * Runtime copy of calculation_completed_v1.proto (the published contract), embedded because the
 * TypeScript build (tsc) does not copy .proto files into dist/. Keep it byte-identical to the
 * .proto file: test/unit/calculation-completed.test.ts fails otherwise.
 */
export const CALCULATION_COMPLETED_V1_PROTO = `// Integration event: a settlement calculation job completed and its results are committed.
// Published on the Service Bus topic 'settlement-domain-events' with subject and application
// property MessageType = 'CalculationCompletedV1' (shared/config/names.ts).
//
// Compatibility rules: never renumber or reuse a field number; add fields with new numbers;
// a breaking change is a new message (CalculationCompletedV2).
//
// shared/messaging/contracts/calculation-completed-v1.schema.ts embeds this text verbatim for
// the runtime (test/unit/calculation-completed.test.ts checks they are identical).

syntax = "proto3";

package settlement.contracts;

import "google/protobuf/timestamp.proto";

// Numbering as CALCULATION_TYPE_* in DataHub's CalculationCompletedV1 / EnergyResultProducedV2.
enum CalculationType {
  CALCULATION_TYPE_UNSPECIFIED = 0;
  CALCULATION_TYPE_BALANCE_FIXING = 1;
  CALCULATION_TYPE_AGGREGATION = 2;
  CALCULATION_TYPE_WHOLESALE_FIXING = 3;
  CALCULATION_TYPE_FIRST_CORRECTION_SETTLEMENT = 4;
  CALCULATION_TYPE_SECOND_CORRECTION_SETTLEMENT = 5;
  CALCULATION_TYPE_THIRD_CORRECTION_SETTLEMENT = 6;
}

message CalculationCompletedV1 {
  // Settlement job id.
  string job_id = 1;
  CalculationType calculation_type = 2;
  // Calculation period, UTC; start inclusive, end exclusive.
  google.protobuf.Timestamp period_start = 3;
  google.protobuf.Timestamp period_end = 4;
  // Three-digit grid area codes, sorted.
  repeated string grid_area_codes = 5;
  // Blob path prefix of the committed results in container 'settlement-results', e.g. 'jobs/{job_id}/'.
  string output_path = 6;
  // When the results were committed, UTC.
  google.protobuf.Timestamp completed_at = 7;
  // Calculation version (DataHub calculation_version): a later calculation has a higher version.
  int64 version = 8;
}
`;
