import { join } from 'node:path';
import { QUALITY_BY_NAME } from '../../domain/codes';
import { parseScaled } from '../../decimal/scaled';
import { columnIndexes, readCsv } from '../csv';
import { METERING_POINT_PERIOD_COLUMNS, type RawMeteringPointPeriod } from '../master-data';
import { SCENARIO_FILES } from '../scenario-source';
import { parseInstant } from '../../domain/time';
import { writeGridLossMeteringPoints, writeMeteringPointPeriods, writeTimeSeriesDay } from './lake';

/**
 * Writes a scenario folder's basis data as a Parquet lake (same rows, same values). Used to
 * prove both input forms give identical results; expects valid input.
 */
export async function scenarioToLake(scenarioDir: string, lakeDir: string): Promise<void> {
  const when = join(scenarioDir, 'when');
  const periods = await readCsv(join(when, SCENARIO_FILES.periods), SCENARIO_FILES.periods);
  const pi = columnIndexes(periods, METERING_POINT_PERIOD_COLUMNS);
  const layout = await writeMeteringPointPeriods(
    lakeDir,
    periods.rows.map((f) => {
      const raw = {} as RawMeteringPointPeriod;
      for (const c of METERING_POINT_PERIOD_COLUMNS) raw[c] = f[pi[c]];
      return raw;
    }),
  );
  const gl = await readCsv(join(when, SCENARIO_FILES.gridLoss), SCENARIO_FILES.gridLoss);
  await writeGridLossMeteringPoints(
    lakeDir,
    gl.rows.map((f) => f[0]),
  );

  const pts = await readCsv(join(when, SCENARIO_FILES.points), SCENARIO_FILES.points);
  const ti = columnIndexes(
    pts,
    ['metering_point_id', 'quantity', 'quality', 'observation_time'] as const,
    ['registration_time'] as const,
  );
  const ids: string[] = [];
  const idIndex = new Map<string, number>();
  const byDate = new Map<string, string[][]>();
  for (const f of pts.rows) {
    const date = new Date(parseInstant(f[ti.observation_time]) as number).toISOString().slice(0, 10);
    (byDate.get(date) ?? byDate.set(date, []).get(date))?.push(f);
    const id = f[ti.metering_point_id];
    if (!idIndex.has(id)) {
      idIndex.set(id, ids.length);
      ids.push(id);
    }
  }
  for (const [date, rows] of byDate) {
    const n = rows.length;
    await writeTimeSeriesDay(
      lakeDir,
      ids,
      {
        date,
        length: n,
        mp: Int32Array.from(rows, (f) => idIndex.get(f[ti.metering_point_id]) as number),
        time: Float64Array.from(rows, (f) => parseInstant(f[ti.observation_time]) as number),
        quantityMilli: Float64Array.from(rows, (f) => (f[ti.quantity] === '' ? 0 : parseScaled(f[ti.quantity], 3))),
        quantityNull: Uint8Array.from(rows, (f) => (f[ti.quantity] === '' ? 1 : 0)),
        quality: Uint8Array.from(rows, (f) => QUALITY_BY_NAME.get(f[ti.quality]) as number),
        registration:
          ti.registration_time >= 0
            ? Float64Array.from(rows, (f) => parseInstant(f[ti.registration_time]) as number)
            : null,
      },
      layout,
    );
  }
}
