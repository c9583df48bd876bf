/**
 * Issue 13: a date without a time is a Danish local date where a period starts or ends
 * (KickStartJob beginTime/endTime, the CLI's period flags and calculation_arguments.yml), refused
 * everywhere else — never silently UTC midnight.
 */
import { isDateOnly, parseInstant, parsePeriodBoundary } from '../../shared/domain/time';
import { parseKickStartRequest, type KickStartParse } from '../../shared/settlement/kick-start-request';
import { ArgumentsError, parseCalculationArguments } from '../../shared/basis-data/calculation-arguments';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('parsePeriodBoundary: a date is the start of that day in Europe/Copenhagen', () => {
  it.each([
    ['2024-02-01', '2024-01-31T23:00:00.000Z'], // winter: UTC+1
    ['2024-03-31', '2024-03-30T23:00:00.000Z'], // spring DST day starts in winter time (23-hour day)
    ['2024-04-01', '2024-03-31T22:00:00.000Z'], // the day after: summer time, UTC+2
    ['2024-10-27', '2024-10-26T22:00:00.000Z'], // autumn DST day starts in summer time (25-hour day)
    ['2024-10-28', '2024-10-27T23:00:00.000Z'], // back to UTC+1
    ['2024-02-29', '2024-02-28T23:00:00.000Z'], // leap day
    ['2024-12-31', '2024-12-30T23:00:00.000Z'], // last day of a year
    ['2025-01-01', '2024-12-31T23:00:00.000Z'], // ... and the month after it
  ])('%s → %s', (date, expected) => expect(iso(parsePeriodBoundary(date))).toBe(expected));

  it('keeps instants as parseInstant does', () => {
    expect(parsePeriodBoundary('2024-01-31T23:00:00Z')).toBe(Date.UTC(2024, 0, 31, 23));
    expect(parsePeriodBoundary('2024-02-01T00:00:00+01:00')).toBe(Date.UTC(2024, 0, 31, 23));
  });

  it.each(['2023-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '1999-06-01', '2101-06-01', '24-02-01', '2024-2-1'])(
    'rejects %s',
    (date) => expect(parsePeriodBoundary(date)).toBeNull(),
  );

  it('the documented year range applies to the local midnight as an instant: 2000-01-01 starts in 1999 (UTC)', () => {
    expect(parsePeriodBoundary('2000-01-01')).toBeNull();
    expect(iso(parsePeriodBoundary('2000-01-02'))).toBe('2000-01-01T23:00:00.000Z');
  });
});

describe('parseInstant refuses a date without a time (it was UTC midnight before issue 13)', () => {
  it.each(['2024-02-01', ' 2024-02-01 ', '2024-10-27'])('%j', (s) => {
    expect(isDateOnly(s)).toBe(true);
    expect(parseInstant(s)).toBeNull();
  });
  it('a time without a zone still means UTC (the reference scenarios’ format)', () => {
    expect(parseInstant('2024-02-01 00:00:00')).toBe(Date.UTC(2024, 1, 1));
    expect(parseInstant('2024-02-01T00:00')).toBe(Date.UTC(2024, 1, 1));
  });
});

describe('KickStartJob: date-only beginTime/endTime', () => {
  const ctx = {
    knownGridAreas: new Set(['800']),
    quarterlyTransition: Date.parse('2023-04-30T22:00:00Z'),
    now: new Date('2024-12-10T12:00:00Z'),
    createdByUserId: 'subject',
  };
  const parse = (raw: Record<string, string>): KickStartParse => parseKickStartRequest(raw, ctx);

  it('a wholesale month given as dates is the Danish month (DST-aware: March has 743 hours)', () => {
    const r = parse({ beginTime: '2024-03-01', endTime: '2024-04-01', processType: 'D05', gridAreas: '800' });
    expect(r.ok && [r.spec.periodStart, r.spec.periodEnd]).toEqual([
      '2024-02-29T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z',
    ]);
  });

  it('October (25-hour last Sunday) and a month end into the next year', () => {
    const oct = parse({ beginTime: '2024-10-01', endTime: '2024-11-01', processType: 'wholesale_fixing' });
    expect(oct.ok && [oct.spec.periodStart, oct.spec.periodEnd]).toEqual([
      '2024-09-30T22:00:00.000Z',
      '2024-10-31T23:00:00.000Z',
    ]);
    const dec = parse({ beginTime: '2024-12-01', endTime: '2025-01-01', processType: 'D05', gridAreas: '800' });
    expect(dec.ok && dec.spec.periodEnd).toBe('2024-12-31T23:00:00.000Z');
  });

  it('balance fixing of the DST days as dates', () => {
    const spring = parse({ beginTime: '2024-03-31', endTime: '2024-04-01', processType: 'D04' });
    expect(spring.ok && [spring.spec.periodStart, spring.spec.periodEnd]).toEqual([
      '2024-03-30T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z',
    ]);
    const autumn = parse({ beginTime: '2024-10-27', endTime: '2024-10-28', processType: 'D04' });
    expect(autumn.ok && [autumn.spec.periodStart, autumn.spec.periodEnd]).toEqual([
      '2024-10-26T22:00:00.000Z',
      '2024-10-27T23:00:00.000Z',
    ]);
  });

  it('asOf as a date alone is refused, naming the field and what to send instead', () => {
    const r = parse({ beginTime: '2024-02-01', endTime: '2024-02-02', processType: 'D04', asOf: '2024-02-05' });
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues.map((i) => i.path)).toEqual(['asOf']);
    expect(issues[0].message).toMatch(/^'2024-02-05': a date without a time is not an instant here/);
  });
});

describe('CLI / calculation_arguments.yml: the same rule', () => {
  const base = {
    'calculation-id': 'c1',
    'calculation-type': 'wholesale_fixing',
    'grid-areas': ['800'],
    'calculation-execution-time-start': '2024-12-01T00:00:00Z',
    'created-by-user-id': 'cli',
  };
  it('period dates are Danish local midnights', () => {
    const a = parseCalculationArguments(
      { ...base, 'period-start-datetime': '2024-10-01', 'period-end-datetime': '2024-11-01' },
      'test',
    );
    expect([iso(a.periodStart), iso(a.periodEnd)]).toEqual(['2024-09-30T22:00:00.000Z', '2024-10-31T23:00:00.000Z']);
  });
  it('as-of as a date alone is refused', () => {
    expect(() =>
      parseCalculationArguments(
        { ...base, 'period-start-datetime': '2024-10-01', 'period-end-datetime': '2024-11-01', 'as-of': '2024-11-05' },
        'test',
      ),
    ).toThrow(new RegExp(`as-of: '2024-11-05': a date without a time is not an instant here`));
    expect(() => parseCalculationArguments({ ...base, 'as-of': '2024-11-05' }, 'test')).toThrow(ArgumentsError);
  });
});
