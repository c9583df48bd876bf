import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChargesCsv, writeChargesLake } from '../../shared/basis-data/charges';
import { scenarioToLake } from '../../shared/basis-data/parquet/convert';
import { ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { calculateWholesale, calculateWholesaleScenario } from '../../shared/calculation/wholesale/run';
import { wholesaleResultRows, wholesaleRowsFromParquet, wholesaleTable } from '../../shared/results/wholesale-output';
import { parquetBytes } from '../../shared/basis-data/parquet/arrow-io';

describe('wholesale inputs as scenario CSV and as Parquet lake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wforms-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('F5 gives identical wholesale results from both forms, and the results Parquet round-trips', async () => {
    const f5 = join(__dirname, '..', 'scenarios-wholesale', 'f5-minimal-wholesale');
    const lake = join(dir, 'lake');
    await scenarioToLake(f5, lake);
    await writeChargesLake(lake, await readChargesCsv(f5));
    const fromCsv = await calculateWholesaleScenario(f5);
    const results = await calculateWholesale(new ParquetLakeSource(lake), await readScenarioArguments(f5));
    expect(wholesaleResultRows(results)).toEqual(fromCsv);
    expect(fromCsv.length).toBe(495);
    expect(wholesaleRowsFromParquet(parquetBytes(wholesaleTable(results)))).toEqual(fromCsv);
    // worker threads (energy and per-metering-point energy) give the same rows
    const parallel = await calculateWholesale(new ParquetLakeSource(lake), await readScenarioArguments(f5), undefined, { workers: 2 });
    expect(wholesaleResultRows(parallel)).toEqual(fromCsv);
  });
});
