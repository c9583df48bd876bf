import {
  METERING_POINT_CALCULATION_TYPES,
  METERING_POINT_TYPES,
  RESOLUTION_MS,
  RESOLUTIONS,
  SETTLEMENT_METHODS,
  type MeteringPointType,
  type Resolution,
  type SettlementMethod,
} from '../domain/codes';
import { ValidationError } from './errors';
import { parseInstant } from '../domain/time';
import type { MeteringPointPeriod } from './types';
import { GRID_AREA_CODE_RE, GSRN_RE } from '../domain/identifiers';

export const METERING_POINT_PERIOD_COLUMNS = [
  'metering_point_id',
  'type',
  'calculation_type',
  'settlement_method',
  'grid_area_code',
  'resolution',
  'from_grid_area_code',
  'to_grid_area_code',
  'parent_metering_point_id',
  'energy_supplier_id',
  'balance_responsible_party_id',
  'from_date',
  'to_date',
] as const;
export type MeteringPointPeriodColumn = (typeof METERING_POINT_PERIOD_COLUMNS)[number];

/** A master-data row as text ('' = null), whichever file format it came from. */
export type RawMeteringPointPeriod = Record<MeteringPointPeriodColumn, string>;

const ACTOR_RE = /^[0-9A-Za-z-]{1,16}$/; // 13-digit GLN or EIC (16 chars)

function oneOf<T extends string>(
  values: readonly T[],
  v: string,
  file: string,
  row: number,
  column: string,
  nullable: boolean,
): T | null {
  if (v === '') {
    if (nullable) return null;
    throw new ValidationError(file, row, column, 'value is required');
  }
  if (!(values as readonly string[]).includes(v))
    throw new ValidationError(file, row, column, `unknown code '${v}' (expected one of ${values.join(', ')})`);
  return v as T;
}

function matching(
  re: RegExp,
  what: string,
  v: string,
  file: string,
  row: number,
  column: string,
  nullable: boolean,
): string | null {
  if (v === '') {
    if (nullable) return null;
    throw new ValidationError(file, row, column, 'value is required');
  }
  if (!re.test(v)) throw new ValidationError(file, row, column, `'${v}' is not a valid ${what}`);
  return v;
}

function instant(v: string, file: string, row: number, column: string, nullable: boolean): number | null {
  if (v === '') {
    if (nullable) return null;
    throw new ValidationError(file, row, column, 'value is required');
  }
  const ms = parseInstant(v);
  if (ms === null) throw new ValidationError(file, row, column, `'${v}' is not an ISO-8601 UTC timestamp`);
  return ms;
}

/** Parses and validates one row; `row` is the 1-based data row number used in messages. */
export function parseMeteringPointPeriod(r: RawMeteringPointPeriod, file: string, row: number): MeteringPointPeriod {
  const type = oneOf(METERING_POINT_TYPES, r.type, file, row, 'type', false) as MeteringPointType;
  const resolution = oneOf(RESOLUTIONS, r.resolution, file, row, 'resolution', false) as Resolution;
  const settlementMethod: SettlementMethod | null = oneOf(
    SETTLEMENT_METHODS,
    r.settlement_method,
    file,
    row,
    'settlement_method',
    true,
  );
  if (type !== 'E17' && settlementMethod !== null) {
    throw new ValidationError(
      file,
      row,
      'settlement_method',
      `only consumption (E17) metering points have a settlement method, not ${type}`,
    );
  }
  const fromGa = matching(
    GRID_AREA_CODE_RE,
    'grid area code (3 digits)',
    r.from_grid_area_code,
    file,
    row,
    'from_grid_area_code',
    true,
  );
  const toGa = matching(
    GRID_AREA_CODE_RE,
    'grid area code (3 digits)',
    r.to_grid_area_code,
    file,
    row,
    'to_grid_area_code',
    true,
  );
  if (type === 'E20' && (fromGa === null || toGa === null)) {
    throw new ValidationError(
      file,
      row,
      fromGa === null ? 'from_grid_area_code' : 'to_grid_area_code',
      'exchange (E20) metering points need from and to grid areas',
    );
  }
  const es = matching(
    ACTOR_RE,
    'energy supplier id (GLN/EIC)',
    r.energy_supplier_id,
    file,
    row,
    'energy_supplier_id',
    true,
  );
  const brp = matching(
    ACTOR_RE,
    'balance responsible party id (GLN/EIC)',
    r.balance_responsible_party_id,
    file,
    row,
    'balance_responsible_party_id',
    true,
  );
  if ((type === 'E17' || type === 'E18') && es === null) {
    throw new ValidationError(
      file,
      row,
      'energy_supplier_id',
      `${type} metering point periods need an energy supplier`,
    );
  }
  if ((type === 'E17' || type === 'E18') && brp === null) {
    throw new ValidationError(
      file,
      row,
      'balance_responsible_party_id',
      `${type} metering point periods need a balance responsible party`,
    );
  }
  const fromDate = instant(r.from_date, file, row, 'from_date', false) as number;
  const toDate = instant(r.to_date, file, row, 'to_date', true);
  if (toDate !== null && toDate <= fromDate) throw new ValidationError(file, row, 'to_date', 'must be after from_date');
  const step = RESOLUTION_MS[resolution];
  if (fromDate % step !== 0)
    throw new ValidationError(file, row, 'from_date', `not aligned to the metering point's resolution ${resolution}`);
  if (toDate !== null && toDate % step !== 0)
    throw new ValidationError(file, row, 'to_date', `not aligned to the metering point's resolution ${resolution}`);
  return {
    meteringPointId: matching(
      GSRN_RE,
      'metering point id (18-digit GSRN)',
      r.metering_point_id,
      file,
      row,
      'metering_point_id',
      false,
    ) as string,
    type,
    calculationType: oneOf(METERING_POINT_CALCULATION_TYPES, r.calculation_type, file, row, 'calculation_type', true),
    settlementMethod,
    gridAreaCode: matching(
      GRID_AREA_CODE_RE,
      'grid area code (3 digits)',
      r.grid_area_code,
      file,
      row,
      'grid_area_code',
      false,
    ) as string,
    resolution,
    fromGridAreaCode: fromGa,
    toGridAreaCode: toGa,
    parentMeteringPointId: matching(
      GSRN_RE,
      'metering point id (18-digit GSRN)',
      r.parent_metering_point_id,
      file,
      row,
      'parent_metering_point_id',
      true,
    ),
    energySupplierId: es,
    balanceResponsiblePartyId: brp,
    fromDate,
    toDate,
    source: { file, row },
  };
}

/** Periods of one metering point must not overlap (domain.md); the error names the metering point. */
export function assertNoOverlaps(periods: readonly MeteringPointPeriod[]): void {
  const byMp = new Map<string, MeteringPointPeriod[]>();
  for (const p of periods) {
    const list = byMp.get(p.meteringPointId);
    if (list) list.push(p);
    else byMp.set(p.meteringPointId, [p]);
  }
  for (const [mp, list] of byMp) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.fromDate - b.fromDate);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      const cur = list[i];
      if (prev.toDate === null || prev.toDate > cur.fromDate) {
        throw new ValidationError(
          cur.source.file,
          cur.source.row,
          'from_date',
          `period of metering point ${mp} overlaps its period in row ${prev.source.row}`,
        );
      }
    }
  }
}
