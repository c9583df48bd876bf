import {
  carryRoundMicroToMilli,
  DecimalFormatError,
  formatScaled,
  parseScaled,
  roundHalfUpToUnit,
} from '../../shared/decimal/scaled';

const quarters = (hourlyMilli: number) => [1, 2, 3, 4].map((i) => carryRoundMicroToMilli(hourlyMilli * 250, i));

describe('scaled decimals', () => {
  it('parses decimals exactly into scaled integers', () => {
    expect(parseScaled('20.003', 3)).toBe(20003);
    expect(parseScaled('-0.5', 3)).toBe(-500);
    expect(parseScaled('7', 3)).toBe(7000);
    expect(parseScaled('0.250', 3)).toBe(250);
    expect(parseScaled('1000000000.001', 3)).toBe(1000000000001);
  });

  it('rejects more decimals than the scale, garbage and values beyond exact range', () => {
    expect(() => parseScaled('1.0005', 3)).toThrow(DecimalFormatError);
    expect(() => parseScaled('1,5', 3)).toThrow(DecimalFormatError);
    expect(() => parseScaled('abc', 3)).toThrow(DecimalFormatError);
    expect(() => parseScaled('9999999999999999.999', 3)).toThrow(DecimalFormatError);
    expect(parseScaled('1.2500', 3)).toBe(1250); // trailing zeros are not extra precision
  });

  it('says what was refused and why', () => {
    const refusal = (text: string, scale: number, maxIntegerDigits?: number): unknown => {
      try {
        parseScaled(text, scale, maxIntegerDigits);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(refusal('1.0005', 3)).toMatchObject({
      name: 'DecimalFormatError',
      text: '1.0005',
      problem: 'too-many-decimals',
      scale: 3,
      message: "'1.0005' has more than 3 decimals",
    });
    expect(refusal('1,5', 3)).toMatchObject({ problem: 'not-a-decimal', message: "'1,5' is not a decimal number" });
    expect(refusal('12345', 3, 4)).toMatchObject({
      problem: 'too-many-integer-digits',
      maxIntegerDigits: 4,
      message: "'12345' exceeds 4 integer digits",
    });
    expect(refusal('9999999999999999.999', 3, 16)).toMatchObject({
      problem: 'not-exact',
      message: "'9999999999999999.999' is too large to be represented exactly",
    });
  });

  it('formats with exactly the scale', () => {
    expect(formatScaled(-279, 3)).toBe('-0.279');
    expect(formatScaled(0, 3)).toBe('0.000');
    expect(formatScaled(19765, 3)).toBe('19.765');
    expect(formatScaled(605734, 6)).toBe('0.605734');
  });

  it('rounds HALF_UP with ties away from zero', () => {
    expect(roundHalfUpToUnit(201750, 1000)).toBe(202000);
    expect(roundHalfUpToUnit(201500, 1000)).toBe(202000);
    expect(roundHalfUpToUnit(201499, 1000)).toBe(201000);
    expect(roundHalfUpToUnit(-279500, 1000)).toBe(-280000);
    expect(roundHalfUpToUnit(-279499, 1000)).toBe(-279000);
  });
});

describe('carry rounding of quarters (opengeh-wholesale §2.4)', () => {
  it('reproduces the reference examples and the quarters add back to the hour', () => {
    expect(quarters(3)).toEqual([1, 1, 0, 1]);
    expect(quarters(20003)).toEqual([5001, 5001, 5000, 5001]);
    expect(quarters(1117)).toEqual([279, 280, 279, 279]);
    expect(quarters(30333)).toEqual([7583, 7584, 7583, 7583]);
    expect(quarters(-1117)).toEqual([-279, -280, -279, -279]);
  });

  it('sums back exactly for every 3-dp hourly value in a range (no drift)', () => {
    for (let q = -5000; q <= 5000; q++) {
      const parts = quarters(q);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(q);
      for (const p of parts) expect(Math.abs(p * 4 - q)).toBeLessThanOrEqual(4);
    }
  });

  it('hourly results (index 1) round once', () => {
    expect(carryRoundMicroToMilli(12_345_500, 1)).toBe(12346);
  });
});
