/**
 * Which metering point periods belong to a grid area's export, and the master basis data file
 * (`METERINGPOINTID;VALIDFROM;VALIDTO;GRIDAREA;TOGRIDAREA;FROMGRIDAREA;TYPEOFMP;SETTLEMENTMETHOD;ENERGYSUPPLIERID`).
 */
import { formatInstant } from '../domain/time';
import type { MeteringPointPeriod } from '../basis-data/types';
import { InvariantError } from '../domain/errors';

/** A selected period, clipped to the job's period: `[from, to)`, never open. */
export interface ExportPeriod {
  period: MeteringPointPeriod;
  from: number;
  to: number;
}

/**
 * Periods of metering points that take part in the grid area's settlement, clipped to the job's
 * period and sorted by metering point id, then time:
 * - every metering point located in the grid area, whatever its type (parents and children,
 *   grid-loss metering points included: this is basis data, not a result);
 * - exchange (E20) metering points located elsewhere whose from- or to-grid area is this one —
 *   the calculation's own selection (opengeh-wholesale §2.2 step 1), because their readings
 *   make up the grid area's net exchange. Such a metering point appears in the exports of both
 *   of its grid areas; GRIDAREA still says where it is located.
 * Clipping follows the calculation's copy of its inputs (§2.2 step 1, §2.7): the file describes
 * exactly the job's period and reconciles with the time series file, so VALIDTO is always set.
 */
export function selectExportPeriods(
  periods: readonly MeteringPointPeriod[],
  gridArea: string,
  periodStart: number,
  periodEnd: number,
): ExportPeriod[] {
  const out: ExportPeriod[] = [];
  for (const p of periods) {
    const touches =
      p.gridAreaCode === gridArea ||
      (p.type === 'E20' && (p.fromGridAreaCode === gridArea || p.toGridAreaCode === gridArea));
    if (!touches) continue;
    if (!(p.fromDate < periodEnd && (p.toDate === null || p.toDate > periodStart))) continue;
    out.push({ period: p, from: Math.max(p.fromDate, periodStart), to: Math.min(p.toDate ?? periodEnd, periodEnd) });
  }
  out.sort(
    (a, b) =>
      compareIds(a.period.meteringPointId, b.period.meteringPointId) ||
      a.from - b.from ||
      compareIds(a.period.type, b.period.type),
  );
  return out;
}

/** Byte order, not locale order: the files must sort identically on every host. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const MASTER_BASIS_DATA_HEADER =
  'METERINGPOINTID;VALIDFROM;VALIDTO;GRIDAREA;TOGRIDAREA;FROMGRIDAREA;TYPEOFMP;SETTLEMENTMETHOD;ENERGYSUPPLIERID';

/** One row per selected period (not merged: a period boundary may mark a change not exported here, e.g. the BRP). */
export function masterBasisDataCsv(selected: readonly ExportPeriod[]): { csv: Buffer; rows: number } {
  const lines = [MASTER_BASIS_DATA_HEADER];
  for (const { period: p, from, to } of selected) {
    lines.push(
      [
        p.meteringPointId,
        formatInstant(from),
        formatInstant(to),
        p.gridAreaCode,
        p.toGridAreaCode ?? '',
        p.fromGridAreaCode ?? '',
        p.type,
        p.settlementMethod ?? '',
        p.energySupplierId ?? '',
      ]
        .map(csvField)
        .join(';'),
    );
  }
  return { csv: Buffer.from(lines.join('\n') + '\n', 'utf8'), rows: selected.length };
}

/**
 * Fields are codes and ids validated on input, so they never need quoting; refuse loudly rather
 * than write a row that splits into the wrong columns if that ever changes (an invariant of the
 * input validation, not something a caller handles).
 */
export function csvField(value: string): string {
  if (/[;"\r\n]/.test(value))
    throw new InvariantError(`cannot write '${value}' as a CSV field: it contains a separator, quote or line break`);
  return value;
}
