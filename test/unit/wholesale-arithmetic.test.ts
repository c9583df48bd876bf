import { addExact, localDayStarts, tariffAmount } from '../../shared/calculation/wholesale/amounts';

/** Reference: BigInt arithmetic, HALF_UP with ties away from zero. */
function reference(q: number, p: number): bigint {
  const n = BigInt(q) * BigInt(p);
  const r = n % 1000n;
  const base = n / 1000n;
  return 2n * (r < 0n ? -r : r) >= 1000n ? base + (n < 0n ? -1n : 1n) : base;
}

describe('wholesale arithmetic', () => {
  it('price × quantity rounds HALF_UP to 6 dp exactly, also beyond 2^53', () => {
    expect(tariffAmount(10137, 666666666)).toBe(6757999993); // F5: 10.137 kWh × 666.666666 = 6757.999993
    expect(tariffAmount(44280, 7654321)).toBe(338933334); // F5: 44.280 × 7.654321 = 338.933334 (…33334.28)
    expect(tariffAmount(1, 500)).toBe(1); // 0.001 × 0.0005 → tie → away from zero
    expect(tariffAmount(-1, 500)).toBe(-1);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const q = Math.floor(rnd() * 1e12);
      const p = Math.floor(rnd() * 1e10);
      expect(BigInt(tariffAmount(q, p))).toBe(reference(q, p));
    }
    const big = tariffAmount(9_000_000_000_000, 9_000_000_000);
    expect(typeof big).toBe('bigint');
    expect(big).toBe(reference(9_000_000_000_000, 9_000_000_000));
  });

  it('sums stay exact past 2^53', () => {
    const s = addExact(Number.MAX_SAFE_INTEGER, 10);
    expect(s).toBe(BigInt(Number.MAX_SAFE_INTEGER) + 10n);
    expect(addExact(s, 5)).toBe(BigInt(Number.MAX_SAFE_INTEGER) + 15n);
    expect(addExact(1, 2)).toBe(3);
  });

  it('local days: 23 and 25 hours on DST days', () => {
    const spring = localDayStarts(Date.parse('2021-03-27T23:00:00Z'), Date.parse('2021-03-29T22:00:00Z'));
    expect(spring.map((t) => new Date(t).toISOString())).toEqual([
      '2021-03-27T23:00:00.000Z',
      '2021-03-28T22:00:00.000Z',
    ]);
    const autumn = localDayStarts(Date.parse('2021-10-30T22:00:00Z'), Date.parse('2021-11-01T23:00:00Z'));
    expect(autumn.map((t) => new Date(t).toISOString())).toEqual([
      '2021-10-30T22:00:00.000Z',
      '2021-10-31T23:00:00.000Z',
    ]);
  });
});
