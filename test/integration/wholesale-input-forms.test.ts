import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChargesCsv, writeChargesLake } from '../../shared/basis-data/charges';
import { scenarioToLake } from '../../shared/basis-data/parquet/convert';
import { lakeLayoutOf, ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { calculateWholesale, calculateWholesaleScenario } from '../../shared/calculation/wholesale/run';
import { wholesaleResultRows, wholesaleRowsFromParquet, wholesaleTable } from '../../shared/results/wholesale-output';
import { parquetBytes } from '../../shared/basis-data/parquet/arrow-io';
import { ValidationError } from '../../shared/basis-data/errors';

describe('wholesale inputs as scenario CSV and as Parquet lake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wforms-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('F5 gives identical wholesale results from both forms, and the results Parquet round-trips', async () => {
    const f5 = join(__dirname, '..', 'scenarios-wholesale', 'f5-minimal-wholesale');
    const lake = join(dir, 'lake');
    await scenarioToLake(f5, lake);
    await writeChargesLake(lake, await readChargesCsv(f5), await lakeLayoutOf(lake));
    const fromCsv = await calculateWholesaleScenario(f5);
    const results = await calculateWholesale(new ParquetLakeSource(lake), await readScenarioArguments(f5));
    expect(wholesaleResultRows(results)).toEqual(fromCsv);
    expect(fromCsv.length).toBe(495);
    expect(wholesaleRowsFromParquet(parquetBytes(wholesaleTable(results)))).toEqual(fromCsv);
    // worker threads (energy and per-metering-point energy) give the same rows
    const parallel = await calculateWholesale(new ParquetLakeSource(lake), await readScenarioArguments(f5), undefined, {
      workers: 2,
    });
    expect(wholesaleResultRows(parallel)).toEqual(fromCsv);
  });

  it('rejects a P1M price point off the local day start, naming the part file, its row and the column', async () => {
    // tax-owner-per-supplier: price points tax-x (tariff), sub-x (subscription), tax-y (tariff), all at 2023-01-04T23:00Z
    const scenario = join(__dirname, '..', 'scenarios-wholesale', 'tax-owner-per-supplier');
    const lake = join(dir, 'lake-p1m');
    const charges = await readChargesCsv(scenario);
    await scenarioToLake(scenario, lake);
    await writeChargesLake(lake, charges, await lakeLayoutOf(lake));
    const args = await readScenarioArguments(scenario);
    expect(wholesaleResultRows(await calculateWholesale(new ParquetLakeSource(lake), args))).toEqual(
      await calculateWholesaleScenario(scenario),
    );

    // A second part file of charge_price_points whose row 2 (sub-x) is at 05:00Z: rows count per file.
    const other = join(dir, 'other-p1m');
    const sub = charges.prices.findIndex((p) => p.chargeCode === 'sub-x');
    expect(sub).toBe(1);
    const offDay = charges.prices.map((p, i) =>
      i === sub ? { ...p, chargeTime: Date.parse('2023-01-05T05:00:00Z') } : p,
    );
    await writeChargesLake(other, { ...charges, prices: offDay }, await lakeLayoutOf(lake));
    copyFileSync(
      join(other, 'charge_price_points', 'part-0.parquet'),
      join(lake, 'charge_price_points', 'part-1.parquet'),
    );

    const error = await calculateWholesale(new ParquetLakeSource(lake), args).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ file: 'charge_price_points/part-1.parquet', row: 2, column: 'charge_time' });
    expect((error as Error).message).toBe(
      'charge_price_points/part-1.parquet, row 2, column charge_time: a subscription (P1M) price point must lie on a local day start (midnight Europe/Copenhagen), not at 2023-01-05T05:00:00Z',
    );
  });
});
