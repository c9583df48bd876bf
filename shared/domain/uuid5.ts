import { createHash } from 'node:crypto';

/** The 16 bytes of a UUID written in its canonical text form (namespace of a v5 UUID). */
export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`not a UUID: '${uuid}'`);
  return Buffer.from(hex, 'hex');
}

/** RFC 4122 version-5 (SHA-1, name-based) UUID: the same name in the same namespace is the same id. */
export function uuid5(name: string, namespace: Buffer): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
