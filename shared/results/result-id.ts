import { createHash } from 'node:crypto';

/** Namespace of the reference engine's result ids (opengeh-wholesale §2.5). */
export const RESULT_ID_NAMESPACE = '681fd884-0a2e-4dc2-96ea-c61c3683449c';

const namespaceBytes = Buffer.from(RESULT_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/** RFC 4122 version-5 (SHA-1, name-based) UUID. */
export function uuid5(name: string, namespace: Buffer = namespaceBytes): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface ResultSeriesKey {
  calculationId: string;
  timeSeriesType: string;
  aggregationLevel: string;
  gridAreaCode: string;
  neighborGridAreaCode: string | null;
  energySupplierId: string | null;
  balanceResponsiblePartyId: string | null;
  meteringPointId: string | null;
}

/**
 * Deterministic id of one result series (all its points share it): a retried or replayed
 * calculation writes the same ids, so writes are idempotent. Fields are joined with '|'
 * (no field can contain it) so that ('80','0') and ('8','00') cannot collide.
 */
export function resultId(k: ResultSeriesKey): string {
  return uuid5(
    [
      k.calculationId,
      k.timeSeriesType,
      k.aggregationLevel,
      k.gridAreaCode,
      k.neighborGridAreaCode ?? '',
      k.energySupplierId ?? '',
      k.balanceResponsiblePartyId ?? '',
      k.meteringPointId ?? '',
    ].join('|'),
  );
}
