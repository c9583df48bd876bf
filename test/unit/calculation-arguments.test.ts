import { ArgumentsError, parseCalculationArguments } from '../../shared/basis-data/calculation-arguments';

const base = {
  'calculation-id': 'c1',
  'calculation-type': 'balance_fixing',
  'grid-areas': ['800', 804],
  'period-start-datetime': '2023-01-31T23:00:00Z',
  'period-end-datetime': '2023-02-28T23:00:00Z',
  'calculation-execution-time-start': '2023-03-01T10:00:00Z',
  'created-by-user-id': 'u1',
};

function issues(raw: unknown): string[] {
  try {
    parseCalculationArguments(raw, 'calculation_arguments.yml');
  } catch (e) {
    if (e instanceof ArgumentsError) return e.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('calculation arguments', () => {
  it('parses the reference keys, pads numeric grid areas and defaults as-of and the transition', () => {
    const a = parseCalculationArguments(base, 'x');
    expect(a.gridAreas).toEqual(['800', '804']);
    expect(a.asOf).toBe(Date.parse('2023-03-01T10:00:00Z'));
    expect(a.quarterlyTransition).toBe(Date.parse('2023-01-31T23:00:00Z'));
    expect(parseCalculationArguments({ ...base, 'grid-areas': [4] }, 'x').gridAreas).toEqual(['004']);
  });

  it('accepts the reference "yyyy-mm-dd hh:mm:ss" transition override as UTC', () => {
    const a = parseCalculationArguments(
      {
        ...base,
        'period-end-datetime': '2023-02-01T23:00:00Z',
        'quarterly-resolution-transition-datetime': '2023-02-02 23:00:00',
      },
      'x',
    );
    expect(a.quarterlyTransition).toBe(Date.parse('2023-02-02T23:00:00Z'));
  });

  it('names each bad field and the reason', () => {
    expect(issues({ ...base, 'calculation-type': 'nonsense' })[0]).toMatch(/^calculation-type: /);
    expect(issues({ ...base, 'grid-areas': ['80'] })[0]).toMatch(
      /^grid-areas.0: grid area code must be exactly 3 digits/,
    );
    expect(issues({ ...base, 'period-end-datetime': '2023-01-01T00:00:00Z' })).toContain(
      'period-end-datetime: must be after period-start-datetime',
    );
    expect(issues({ ...base, 'period-start-datetime': 'yesterday' })[0]).toMatch(
      /period-start-datetime: 'yesterday' is not an ISO-8601 instant/,
    );
    expect(issues({ ...base, 'created-by-user-id': undefined })[0]).toMatch(/^created-by-user-id/);
    expect(issues({ ...base, surprise: 1 })[0]).toMatch(/surprise/);
  });

  it('requires one whole Copenhagen month for wholesale types unless allow-partial-month', () => {
    expect(issues({ ...base, 'calculation-type': 'wholesale_fixing' })).toEqual([]); // Feb 2023 local
    expect(
      issues({ ...base, 'calculation-type': 'wholesale_fixing', 'period-end-datetime': '2023-02-03T23:00:00Z' })[0],
    ).toMatch(/exactly one calendar month/);
    expect(
      issues({
        ...base,
        'calculation-type': 'wholesale_fixing',
        'period-end-datetime': '2023-02-03T23:00:00Z',
        'allow-partial-month': true,
      }),
    ).toEqual([]);
    // March 2023 has a DST change: local month = 2023-02-28T23:00Z .. 2023-03-31T22:00Z
    expect(
      issues({
        ...base,
        'calculation-type': 'first_correction_settlement',
        'period-start-datetime': '2023-02-28T23:00:00Z',
        'period-end-datetime': '2023-03-31T22:00:00Z',
      }),
    ).toEqual([]);
  });
});

describe('quarterly transition', () => {
  it('rejects a period that crosses the transition instant', () => {
    expect(
      issues({
        ...base,
        'period-start-datetime': '2023-01-30T23:00:00Z',
        'period-end-datetime': '2023-02-01T23:00:00Z',
      }),
    ).toContain(
      'period-end-datetime: the period must not cross the quarterly resolution transition 2023-01-31T23:00:00.000Z',
    );
    expect(
      issues({
        ...base,
        'period-start-datetime': '2023-01-30T23:00:00Z',
        'period-end-datetime': '2023-01-31T23:00:00Z',
      }),
    ).toEqual([]);
  });
});
