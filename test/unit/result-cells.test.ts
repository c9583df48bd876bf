/**
 * The results reader's direct buffer access (shared/results/arrow-cells.ts) gives what Arrow's
 * own accessors give: decimals exact on both sides of 2^53 and negative (two's complement),
 * nulls, dictionary strings of a sliced batch, quality lists as masks.
 */
import * as arrow from 'apache-arrow';
import { decimalCells, qualityMaskCells, textCells } from '../../shared/results/arrow-cells';
import { energyResultsTable } from '../../shared/results/energy-parquet';
import {
  QBIT_ACTIVE,
  QBIT_CALCULATED,
  QBIT_ESTIMATED,
  QBIT_MEASURED,
  QBIT_MISSING,
  QUALITIES,
} from '../../shared/domain/codes';

function decimalVector(values: Array<bigint | null>): arrow.Vector<arrow.Decimal> {
  const words = new Uint32Array(values.length * 4);
  const nullBitmap = new Uint8Array((values.length + 7) >> 3).fill(0xff);
  values.forEach((v, i) => {
    if (v === null) {
      nullBitmap[i >> 3] &= ~(1 << (i & 7));
      return;
    }
    const u = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++) words[i * 4 + w] = Number((u >> BigInt(32 * w)) & 0xffffffffn);
  });
  const nullCount = values.filter((v) => v === null).length;
  return arrow.makeVector(
    arrow.makeData({ type: new arrow.Decimal(3, 38, 128), length: values.length, data: words, nullBitmap, nullCount }),
  );
}

describe('arrow cells', () => {
  it('decimals: exact integers either side of 2^53, negative ones, nulls', () => {
    const limit = 2n ** 53n;
    const values = [
      0n,
      1n,
      -1n,
      limit - 1n,
      -limit,
      limit,
      -limit - 1n,
      2n ** 64n + 5n,
      -(10n ** 30n),
      -(2n ** 32n),
      -(2n ** 32n) + 1n,
      null,
    ];
    const read = decimalCells(decimalVector(values));
    for (const [i, v] of values.entries()) {
      const got = read(i);
      expect({ i, got: got === null ? null : BigInt(got) }).toEqual({ i, got: v });
      // a number only where a double holds it exactly
      if (got !== null && typeof got === 'number') expect(Number.isSafeInteger(got)).toBe(true);
    }
  });

  it('dictionary strings and quality lists of a sliced batch (offset) equal Vector.get', () => {
    const n = 10;
    const masks = [QBIT_MEASURED, QBIT_MISSING | QBIT_ESTIMATED, QBIT_CALCULATED, QBIT_MISSING | QBIT_MEASURED];
    const table = energyResultsTable({
      calculationId: 'c',
      calculationType: 'balance_fixing',
      resolution: 'PT1H',
      periodStart: 0,
      slotMs: 3_600_000,
      nSlots: n,
      series: ['a', 'b'].map((s, k) => ({
        timeSeriesType: 'production',
        aggregationLevel: k ? 'energy_supplier' : 'grid_area',
        gridAreaCode: '800',
        neighborGridAreaCode: null,
        energySupplierId: k ? '5790000000001' : null,
        balanceResponsiblePartyId: null,
        meteringPointId: null,
        resultId: s,
      })),
      values: [new Float64Array(n), new Float64Array(n)],
      masks: [0, 1].map((k) => Uint8Array.from({ length: n }, (_, s) => QBIT_ACTIVE | masks[(s + k) % masks.length])),
    });
    const batch = table.batches[0].slice(7, 16);
    const supplier = textCells(batch.getChild('energy_supplier_id') as arrow.Vector);
    const qualities = qualityMaskCells(batch.getChild('quantity_qualities') as arrow.Vector);
    const seen = new Set<number>();
    for (let i = 0; i < batch.numRows; i++) {
      expect(supplier(i)).toBe((batch.getChild('energy_supplier_id')?.get(i) as string | null) ?? null);
      const names = [...(batch.getChild('quantity_qualities')?.get(i) as Iterable<string>)];
      const mask = names.reduce((m, q) => m | (1 << QUALITIES.indexOf(q as (typeof QUALITIES)[number])), 0);
      expect(qualities(i)).toBe(mask);
      seen.add(mask);
    }
    expect(seen.size).toBe(masks.length);
  });
});
