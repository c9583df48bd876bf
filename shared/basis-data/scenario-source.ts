import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { QUALITY_BY_NAME } from '../domain/codes';
import { DecimalFormatError, parseScaled } from '../decimal/scaled';
import { parseCalculationArguments } from './calculation-arguments';
import { columnIndexes, readCsv } from './csv';
import { ValidationError } from './errors';
import {
  assertNoOverlaps,
  METERING_POINT_PERIOD_COLUMNS,
  parseMeteringPointPeriod,
  type RawMeteringPointPeriod,
} from './master-data';
import { parseInstant } from '../domain/time';
import type { BasisDataSource, CalculationArguments, MeteringPointPeriod, TimeSeriesBatch } from './types';
import { readChargesCsv, type ChargeData } from './charges';
import { GSRN_RE } from '../domain/identifiers';

export const SCENARIO_FILES = {
  periods: 'metering_point_periods.csv',
  points: 'time_series_points.csv',
  gridLoss: 'grid_loss_metering_points.csv',
  args: 'calculation_arguments.yml',
} as const;

/** Reads `DIR/when/calculation_arguments.yml`. */
export async function readScenarioArguments(dir: string): Promise<CalculationArguments> {
  const file = join(dir, 'when', SCENARIO_FILES.args);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ValidationError(SCENARIO_FILES.args, null, null, `cannot read YAML: ${(e as Error).message}`);
  }
  return parseCalculationArguments(raw, SCENARIO_FILES.args);
}

/** The reference scenario layout: `;`-separated CSV files in `DIR/when/`. */
export class ScenarioCsvSource implements BasisDataSource {
  readonly description: string;
  private readonly when: string;

  constructor(dir: string) {
    this.when = join(dir, 'when');
    this.description = `scenario ${dir}`;
  }

  async readMeteringPointPeriods(): Promise<MeteringPointPeriod[]> {
    const t = await readCsv(join(this.when, SCENARIO_FILES.periods), SCENARIO_FILES.periods);
    const idx = columnIndexes(t, METERING_POINT_PERIOD_COLUMNS);
    const out = t.rows.map((fields, i) => {
      const raw = {} as RawMeteringPointPeriod;
      for (const c of METERING_POINT_PERIOD_COLUMNS) raw[c] = fields[idx[c]];
      return parseMeteringPointPeriod(raw, t.file, i + 1);
    });
    assertNoOverlaps(out);
    return out;
  }

  async readCharges(): Promise<ChargeData> {
    return readChargesCsv(join(this.when, '..'));
  }

  async readGridLossMeteringPointIds(): Promise<string[]> {
    // The reference writes this single-column file with ',' — either separator works for one column.
    const t = await readCsv(join(this.when, SCENARIO_FILES.gridLoss), SCENARIO_FILES.gridLoss);
    const idx = columnIndexes(t, ['metering_point_id'] as const);
    return t.rows.map((f, i) => {
      const id = f[idx.metering_point_id];
      if (!GSRN_RE.test(id))
        throw new ValidationError(
          t.file,
          i + 1,
          'metering_point_id',
          `'${id}' is not a valid metering point id (18-digit GSRN)`,
        );
      return id;
    });
  }

  async forEachTimeSeriesBatch(
    dictionary: ReadonlyMap<string, number>,
    _range: { from: number; to: number },
    onBatch: (batch: TimeSeriesBatch) => void,
  ): Promise<void> {
    const t = await readCsv(join(this.when, SCENARIO_FILES.points), SCENARIO_FILES.points);
    const idx = columnIndexes(
      t,
      ['metering_point_id', 'quantity', 'quality', 'observation_time'] as const,
      ['registration_time'] as const,
    );
    const n = t.rows.length;
    const hasReg = idx.registration_time >= 0;
    const batch: TimeSeriesBatch = {
      length: n,
      mp: new Int32Array(n),
      time: new Float64Array(n),
      quantityMilli: new Float64Array(n),
      quality: new Uint8Array(n),
      registration: hasReg ? new Float64Array(n) : null,
      file: t.file,
      firstRow: 1,
    };
    for (let i = 0; i < n; i++) {
      const f = t.rows[i];
      const row = i + 1;
      const id = f[idx.metering_point_id];
      const mp = dictionary.get(id);
      if (mp === undefined && !GSRN_RE.test(id)) {
        throw new ValidationError(
          t.file,
          row,
          'metering_point_id',
          `'${id}' is not a valid metering point id (18-digit GSRN)`,
        );
      }
      batch.mp[i] = mp ?? -1;
      const time = parseInstant(f[idx.observation_time]);
      if (time === null)
        throw new ValidationError(
          t.file,
          row,
          'observation_time',
          `'${f[idx.observation_time]}' is not an ISO-8601 UTC timestamp`,
        );
      batch.time[i] = time;
      const q = f[idx.quantity];
      try {
        batch.quantityMilli[i] = q === '' ? 0 : parseScaled(q, 3);
      } catch (e) {
        if (e instanceof DecimalFormatError)
          throw new ValidationError(t.file, row, 'quantity', `${e.message} (decimal(18,3) expected)`);
        throw e;
      }
      const quality = QUALITY_BY_NAME.get(f[idx.quality]);
      if (quality === undefined) {
        throw new ValidationError(
          t.file,
          row,
          'quality',
          `unknown quality '${f[idx.quality]}' (expected missing, estimated, measured or calculated)`,
        );
      }
      batch.quality[i] = quality;
      if (batch.registration) {
        const reg = parseInstant(f[idx.registration_time]);
        if (reg === null)
          throw new ValidationError(
            t.file,
            row,
            'registration_time',
            `'${f[idx.registration_time]}' is not an ISO-8601 UTC timestamp`,
          );
        batch.registration[i] = reg;
      }
    }
    onBatch(batch);
  }
}
