/** protobufjs helpers shared by the integration contracts. */
import { Reader, Type } from 'protobufjs';

/** An int64 rendered by protobufjs (`longs: String`) as a number, or null outside ±(2^53 − 1). */
export function safeInt64(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  let big: bigint;
  try {
    big = BigInt(value);
  } catch {
    return null;
  }
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(big);
}

/**
 * Names the field at which undecodable bytes break: walks the top-level wire fields, decoding
 * embedded messages on their own.
 */
export function locateWireError(type: Type, bytes: Uint8Array): string | null {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    let tag: number;
    try {
      tag = reader.uint32();
    } catch {
      return null;
    }
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    const field = type.fieldsById[fieldNumber];
    const name = field ? field.name : `#${fieldNumber} (unknown field)`;
    if (fieldNumber === 0) return null;
    try {
      // A known field with another wire type is skipped like an unknown one (as protobufjs does).
      const nested = field?.resolvedType instanceof Type ? field.resolvedType : null;
      if (nested && wireType === 2) {
        const length = reader.uint32();
        const end = reader.pos + length;
        if (end > reader.len) return name;
        nested.decode(bytes.subarray(reader.pos, end));
        reader.pos = end;
        continue;
      }
      reader.skipType(wireType);
    } catch {
      return name;
    }
  }
  return null;
}
