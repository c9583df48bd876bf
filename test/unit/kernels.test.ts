import { QBIT_ACTIVE, QBIT_CALCULATED, QBIT_ESTIMATED, QBIT_MEASURED, QBIT_MISSING } from '../../shared/domain/codes';
import { ValidationError } from '../../shared/basis-data/errors';
import type { TimeSeriesBatch } from '../../shared/basis-data/types';
import {
  aggregateDays,
  allocateAccumulators,
  allocateCells,
  pickHourQuality,
  scatterBatch,
  type KernelPlan,
} from '../../shared/calculation/energy/kernels';

const T0 = Date.parse('2023-07-02T00:00:00Z');
const Q = 900_000;
const H = 3_600_000;

/** One PT15M period [T0, T0+1h) in group 0 and one PT1H period [T0, T0+1h) in group 1. */
function plan(quarterly: boolean, asOf = Number.MAX_SAFE_INTEGER): KernelPlan {
  return {
    periodStart: T0,
    asOf,
    quarterly,
    unionHourQualities: false,
    slotMs: quarterly ? Q : H,
    nSlots: quarterly ? 4 : 1,
    mpFirstPeriod: Int32Array.from([0, 1]),
    mpPeriodCount: Int32Array.from([1, 1]),
    nPeriods: 2,
    pFrom: Float64Array.from([T0, T0]),
    pTo: Float64Array.from([T0 + H, T0 + H]),
    pStep: Float64Array.from([Q, H]),
    pGroup: Int32Array.from([0, 1]),
    dayStart0: T0,
    nDays: 1,
    dpCellStart: Float64Array.from([0, 4]),
    nCells: 5,
    nGroups: 2,
  };
}

function batch(rows: Array<[mp: number, t: number, milli: number, quality: number, reg?: number]>): TimeSeriesBatch {
  const withReg = rows.some((r) => r[4] !== undefined);
  return {
    length: rows.length,
    mp: Int32Array.from(rows, (r) => r[0]),
    time: Float64Array.from(rows, (r) => r[1]),
    quantityMilli: Float64Array.from(rows, (r) => r[2]),
    quality: Uint8Array.from(rows, (r) => r[3]),
    registration: withReg ? Float64Array.from(rows, (r) => r[4] ?? 0) : null,
    file: 'points.csv',
    firstRow: 1,
  };
}

describe('kernels', () => {
  it('picks one quality per hour like the reference quarter_to_hour', () => {
    expect(pickHourQuality(QBIT_MEASURED)).toBe(QBIT_MEASURED);
    expect(pickHourQuality(QBIT_MEASURED | QBIT_MISSING)).toBe(QBIT_ESTIMATED);
    expect(pickHourQuality(QBIT_MEASURED | QBIT_CALCULATED | QBIT_MISSING)).toBe(QBIT_CALCULATED);
    expect(pickHourQuality(QBIT_ESTIMATED | QBIT_MEASURED)).toBe(QBIT_ESTIMATED);
    expect(pickHourQuality(QBIT_MISSING)).toBe(QBIT_MISSING);
  });

  it('pads absent slots as missing and splits hourly readings into exact quarters', () => {
    const p = plan(true);
    const cells = allocateCells(p.nCells, false);
    scatterBatch(
      p,
      cells,
      batch([
        [0, T0, 5000, 2],
        [1, T0, 1117, 2],
        [0, T0 + Q, 1, 1],
      ]),
    );
    const acc = allocateAccumulators(2, 4);
    aggregateDays(p, cells, acc, 0, 1);
    expect(Array.from(acc.sum.subarray(0, 4))).toEqual([5_000_000, 1000, 0, 0]);
    expect(Array.from(acc.mask.subarray(0, 4))).toEqual(
      [QBIT_MEASURED, QBIT_ESTIMATED, QBIT_MISSING, QBIT_MISSING].map((b) => b | QBIT_ACTIVE),
    );
    expect(Array.from(acc.sum.subarray(4, 8))).toEqual([279_250, 279_250, 279_250, 279_250]);
  });

  it('sums quarters to the hour with the picked quality in hourly mode', () => {
    const p = plan(false);
    const cells = allocateCells(p.nCells, false);
    scatterBatch(
      p,
      cells,
      batch([
        [0, T0, 1000, 2],
        [0, T0 + Q, 2000, 2],
        [0, T0 + 2 * Q, 3000, 2],
      ]),
    );
    const acc = allocateAccumulators(2, 1);
    aggregateDays(p, cells, acc, 0, 1);
    expect(acc.sum[0]).toBe(6_000_000);
    expect(acc.mask[0]).toBe(QBIT_ESTIMATED | QBIT_ACTIVE); // measured + one padded missing quarter
    expect(acc.mask[1]).toBe(QBIT_MISSING | QBIT_ACTIVE); // PT1H MP without readings
  });

  it('keeps the newest registration at or before as-of', () => {
    const asOf = 100;
    const p = plan(true, asOf);
    const cells = allocateCells(p.nCells, true);
    scatterBatch(
      p,
      cells,
      batch([
        [0, T0, 1000, 2, 10],
        [0, T0, 3000, 2, 150],
        [0, T0, 2000, 1, 50],
        [0, T0, 500, 2, 20],
      ]),
    );
    expect(cells.qty[0]).toBe(2000);
    expect(cells.qual[0]).toBe(1 + 1);
  });

  it('rejects duplicates and misaligned points naming file, row and column', () => {
    const p = plan(true);
    const dup = () =>
      scatterBatch(
        p,
        allocateCells(p.nCells, false),
        batch([
          [0, T0, 1, 2],
          [0, T0, 2, 2],
        ]),
      );
    expect(dup).toThrow(ValidationError);
    expect(dup).toThrow('points.csv, row 2, column observation_time: duplicate point');
    const misaligned = () => scatterBatch(p, allocateCells(p.nCells, false), batch([[1, T0 + Q, 1, 2]]));
    expect(misaligned).toThrow('points.csv, row 1, column observation_time: 2023-07-02T00:15:00Z is not aligned');
  });

  it('the as-of pick never fails and does not depend on the order batches are read in', () => {
    // one slot, candidates (milli, quality, registration; undefined = a lake file without the column)
    const cands: Array<[milli: number, quality: number, reg: number | undefined]> = [
      [100, 2, undefined], // lake point: the earliest
      [300, 1, undefined], // a second lake point without registration time
      [200, 1, 50],
      [700, 1, 50], // same registration time, same quality: larger quantity wins
      [150, 3, 50], // same registration time, higher quality: wins over both
      [150, 3, 50], // the same point again (a re-published event)
      [999, 3, 90], // registered after as-of: not known yet
    ];
    const p = plan(true, 60);
    const orders = [
      [0, 1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1, 0],
      [2, 0, 4, 6, 1, 3, 5],
      [3, 1, 5, 0, 6, 2, 4],
    ];
    for (const order of orders) {
      const cells = allocateCells(p.nCells, true);
      for (const k of order) {
        const [milli, quality, reg] = cands[k];
        const b = batch([[0, T0, milli, quality]]);
        if (reg !== undefined) b.registration = Float64Array.of(reg);
        scatterBatch(p, cells, b);
      }
      expect({ qty: cells.qty[0], qual: cells.qual[0] - 1 }).toEqual({ qty: 150, qual: 3 });
    }
    // only lake points: the content rule between them, too
    const lakeOnly = allocateCells(p.nCells, true);
    scatterBatch(p, lakeOnly, batch([[0, T0, 300, 1]]));
    scatterBatch(p, lakeOnly, batch([[0, T0, 100, 2]]));
    expect({ qty: lakeOnly.qty[0], qual: lakeOnly.qual[0] - 1 }).toEqual({ qty: 100, qual: 2 });
  });

  it('ignores points outside the selected periods and of unknown metering points', () => {
    const p = plan(true);
    const cells = allocateCells(p.nCells, false);
    scatterBatch(
      p,
      cells,
      batch([
        [0, T0 - Q, 1, 2],
        [0, T0 + H, 1, 2],
        [-1, T0, 1, 2],
      ]),
    );
    expect(Array.from(cells.qual)).toEqual([0, 0, 0, 0, 0]);
  });
});
