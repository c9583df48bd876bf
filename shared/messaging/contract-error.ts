/**
 * An integration event that does not satisfy its contract: undecodable bytes, a missing or
 * invalid field. `field` names the offending field (proto name when decoding, TypeScript name
 * when encoding); null when the bytes are broken before any field can be blamed.
 */
export class ContractError extends Error {
  constructor(
    readonly contract: string,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${contract}${field ? `.${field}` : ''}: ${reason}`);
    this.name = 'ContractError';
  }
}
