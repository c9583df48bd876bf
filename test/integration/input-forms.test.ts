import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { scenarioToLake } from '../../shared/basis-data/parquet/convert';
import { ScenarioCsvSource } from '../../shared/basis-data/scenario-source';
import { calculateEnergyParallel } from '../../shared/calculation/energy/parallel';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import { energyResultRows } from '../../shared/results/energy-csv';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, writeScenarioCsv } from '../../bench/synthetic';

describe('the same basis data as scenario CSV and as Parquet lake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forms-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([false, true])('gives identical results on every path (bitemporal=%s)', async (bitemporal) => {
    const data = generateSynthetic({
      seed: 7,
      meteringPoints: 250,
      gridAreas: 4,
      days: 2,
      periodStart: '2023-11-01T23:00:00Z',
      bitemporal,
    });
    const scenario = join(dir, `scenario-${bitemporal}`);
    writeScenarioCsv(scenario, data);
    const lakeFromGenerator = join(dir, `lake-gen-${bitemporal}`);
    await writeSyntheticLake(lakeFromGenerator, data);
    const lakeFromCsv = join(dir, `lake-csv-${bitemporal}`);
    await scenarioToLake(scenario, lakeFromCsv);

    const csv = energyResultRows(await calculateEnergy(new ScenarioCsvSource(scenario), data.args));
    expect(csv.length).toBeGreaterThan(1000);
    expect(energyResultRows(await calculateEnergy(new ParquetLakeSource(lakeFromGenerator), data.args))).toEqual(csv);
    expect(energyResultRows(await calculateEnergy(new ParquetLakeSource(lakeFromCsv), data.args))).toEqual(csv);
    expect(
      energyResultRows(
        await calculateEnergyParallel(new ParquetLakeSource(lakeFromGenerator), data.args, { workers: 2 }),
      ),
    ).toEqual(csv);
  });
});
