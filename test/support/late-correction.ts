/**
 * A late correction for the calculation diff tests (issue 17): one reading of one ordinary
 * PT15M non-profiled consumption metering point of synthetic data, with what the diff must then show — the
 * supplier's consumption series of that grid area moving by exactly the correction at that
 * quarter.
 */
import { PERIOD_COLUMNS, type SyntheticData } from '../../bench/synthetic';
import { formatScaled } from '../../shared/decimal/scaled';
import { formatInstant } from '../../shared/domain/time';

export interface LateCorrection {
  meteringPointId: string;
  gridArea: string;
  energySupplierId: string;
  balanceResponsiblePartyId: string;
  /** The consumption series the metering point is part of. */
  timeSeriesType: 'non_profiled_consumption';
  /** The corrected quarter: epoch ms and as the results write it. */
  time: number;
  timeText: string;
  oldMilli: number;
  newMilli: number;
  /** |new − old| as the diff writes it (3 decimals). */
  differenceText: string;
  /** The corrected reading as a `;`-CSV line of the scenario layout and as an ingestion NDJSON line. */
  scenarioLine: (oldLine: boolean) => string;
  ndjson: string;
}

const column = (name: (typeof PERIOD_COLUMNS)[number]) => PERIOD_COLUMNS.indexOf(name);

/** The first fitting metering point and a measured quarter of it, moved by `deltaMilli`. */
export function lateCorrection(data: SyntheticData, deltaMilli: number, slot = 10): LateCorrection {
  const rowsOf = new Map<string, string[][]>();
  for (const r of data.periods) rowsOf.set(r[column('metering_point_id')], [...(rowsOf.get(r[0]) ?? []), r]);
  const pick = data.periods.find(
    (r) =>
      r[column('type')] === 'E17' &&
      // non-profiled: a flex one can be the grid-loss supplier's own series, where the grid loss
      // (residual) takes the correction back
      r[column('settlement_method')] === 'E02' &&
      r[column('calculation_type')] === '' &&
      r[column('resolution')] === 'PT15M' &&
      r[column('energy_supplier_id')] !== '' &&
      data.args.gridAreas.includes(r[column('grid_area_code')]) &&
      rowsOf.get(r[0])?.length === 1,
  );
  if (!pick) throw new Error('no ordinary PT15M consumption metering point in the synthetic data');
  const meteringPointId = pick[column('metering_point_id')];
  const mp = data.meteringPointIds.indexOf(meteringPointId);
  const time = data.args.periodStart + slot * 900_000;
  let oldMilli: number | null = null;
  let quality = 0;
  data.forEachDay((day) => {
    for (let i = 0; i < day.length; i++)
      if (day.mp[i] === mp && day.time[i] === time && !day.quantityNull[i]) {
        oldMilli = day.quantityMilli[i];
        quality = day.quality[i];
      }
  });
  if (oldMilli === null) throw new Error(`no reading of ${meteringPointId} at ${formatInstant(time)}`);
  const old: number = oldMilli;
  const newMilli = old + deltaMilli;
  const timeText = formatInstant(time);
  const qualities = ['missing', 'estimated', 'measured', 'calculated'];
  return {
    meteringPointId,
    gridArea: pick[column('grid_area_code')],
    energySupplierId: pick[column('energy_supplier_id')],
    balanceResponsiblePartyId: pick[column('balance_responsible_party_id')],
    timeSeriesType: 'non_profiled_consumption',
    time,
    timeText,
    oldMilli: old,
    newMilli,
    differenceText: formatScaled(Math.abs(deltaMilli), 3),
    scenarioLine: (oldLine) =>
      `${meteringPointId};${formatScaled(oldLine ? old : newMilli, 3)};${oldLine ? qualities[quality] : 'measured'};${timeText}`,
    ndjson: JSON.stringify({
      metering_point_id: meteringPointId,
      quantity: formatScaled(newMilli, 3),
      quality: 'measured',
      observation_time: timeText,
      resolution: 'PT15M',
    }),
  };
}
