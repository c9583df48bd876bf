import { uuid5, uuidBytes } from '../domain/uuid5';

/** Namespace of the reference engine's result ids (opengeh-wholesale §2.5). */
export const RESULT_ID_NAMESPACE = '681fd884-0a2e-4dc2-96ea-c61c3683449c';

const namespaceBytes = uuidBytes(RESULT_ID_NAMESPACE);

/** A v5 UUID in the result-id namespace: result ids and the ids derived from them. */
export function resultNamespaceUuid(name: string): string {
  return uuid5(name, namespaceBytes);
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
  return resultNamespaceUuid(
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
