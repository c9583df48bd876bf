import { fitLine, projectDenmark, zipfWeights } from '../../bench/scale';

describe('bench:scale projection model', () => {
  test('fitLine recovers a line and never returns a negative intercept', () => {
    expect(fitLine([1, 2, 3, 4], [3, 5, 7, 9])).toEqual({ a: 1, b: 2 });
    // y = -1 + 2x would make small batches cost nothing: the line goes through the mean instead
    const f = fitLine([1, 2, 3], [1, 3, 5]);
    expect(f.a).toBe(0);
    expect(f.b).toBeCloseTo(1.5, 12);
    // all batches of one size: the ratio
    expect(fitLine([10, 10], [4, 6])).toEqual({ a: 0, b: 0.5 });
  });

  test('zipf weights: a few large grid areas, many small', () => {
    const w = zipfWeights(60);
    const total = w.reduce((s, x) => s + x, 0);
    expect(w[0] / total).toBeGreaterThan(0.1);
    expect(w[0] / total).toBeLessThan(0.13);
    expect(w[59] / w[0]).toBeLessThan(0.06);
  });

  const base = {
    sampleMeteringPoints: 100_000,
    sampleBatches: 60,
    seconds: { a: 2, b: 1e-6 }, // 2 s + 1 s per M points
    rss: { a: 200, b: 25e-6 },
    overheadPerBatch: 1,
    planSeconds: 3,
    commitSeconds: 2,
    weights: [1, 1],
    batchMaxPoints: 45_000_000,
    wholesale: true,
  };

  test('Denmark: 3.5 M PT15M metering points over 31 days, batches as the planner makes them', () => {
    const p = projectDenmark(base);
    expect(p.dkPoints).toBe(3_500_000 * 96 * 31);
    // each of the two grid areas: 1.75 M × 2976 = 5.208 G points → ceil(/45 M) = 116 > 31 days → 31
    expect(p.dkBatches).toBe(62);
    expect(p.largestBatchPoints).toBe(Math.ceil((1_750_000 * 96 * 31) / 31));
    expect(p.largestBatchRssMb).toBeCloseTo(200 + 25 * 168, 6);
    // fixed + (work + overhead) / P + largest
    const work = 62 * 2 + p.dkPoints * 1e-6;
    const fixed = 3 * 35 + 2 * (62 / 60);
    const largest = 2 + 168;
    expect(p.minutes(100)).toBeCloseTo((fixed + (work + 62) / 100 + largest) / 60, 9);
    expect(p.minutes(200)).toBeLessThan(p.minutes(100));
  });

  test('energy jobs split a large day into hours, so more, smaller batches', () => {
    const p = projectDenmark({ ...base, wholesale: false });
    expect(p.dkBatches).toBe(2 * 116);
    expect(p.largestBatchPoints).toBeLessThanOrEqual(45_000_000);
  });
});
