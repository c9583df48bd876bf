import { rmSync } from 'node:fs';
import type { RawMeteringPointPeriod } from '../shared/basis-data/master-data';
import {
  writeGridLossMeteringPoints,
  writeMeteringPointPeriods,
  writeTimeSeriesDaySync,
} from '../shared/basis-data/parquet/lake';
import { PERIOD_COLUMNS, type SyntheticData } from './synthetic';

/** Writes synthetic basis data as a Parquet lake (grid-area layout), one observation date at a time. */
export async function writeSyntheticLake(dir: string, data: SyntheticData): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  const layout = await writeMeteringPointPeriods(
    dir,
    data.periods.map((row) => Object.fromEntries(PERIOD_COLUMNS.map((c, i) => [c, row[i]])) as RawMeteringPointPeriod),
  );
  await writeGridLossMeteringPoints(dir, data.gridLossMeteringPointIds);
  let points = 0;
  data.forEachDay((day) => {
    writeTimeSeriesDaySync(dir, data.meteringPointIds, day, layout);
    points += day.length;
  });
  return points;
}
