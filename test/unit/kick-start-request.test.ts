import { parseKickStartRequest, type KickStartParse } from '../../shared/settlement/kick-start-request';

const ctx = {
  knownGridAreas: new Set(['800', '801', '804']),
  quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
  now: new Date('2024-02-10T12:00:00Z'),
  createdByUserId: 'token-subject-1',
};
const ok = {
  beginTime: '2024-01-31T23:00:00Z',
  endTime: '2024-02-01T23:00:00Z',
  processType: 'D04',
  gridAreas: '800,801',
};

function issues(raw: unknown): string[] {
  const r: KickStartParse = parseKickStartRequest(raw, ctx);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('KickStartJob request', () => {
  it('maps a GET query to a job spec (grid areas sorted, as-of defaults to now)', () => {
    const r = parseKickStartRequest({ ...ok, gridAreas: '801,800' }, ctx);
    expect(r).toEqual({
      ok: true,
      spec: {
        calculationType: 'balance_fixing',
        periodStart: '2024-01-31T23:00:00.000Z',
        periodEnd: '2024-02-01T23:00:00.000Z',
        gridAreas: ['800', '801'],
        asOf: '2024-02-10T12:00:00.000Z',
        createdByUserId: 'token-subject-1',
        trigger: 'http',
      },
    });
  });

  it('accepts names, JSON arrays, all grid areas by default, D32 with a settlement version', () => {
    const r1 = parseKickStartRequest({ ...ok, processType: 'aggregation', gridAreas: ['804'] }, ctx);
    expect(r1.ok && r1.spec.calculationType).toBe('aggregation');
    const r2 = parseKickStartRequest({ beginTime: ok.beginTime, endTime: ok.endTime, processType: 'D03' }, ctx);
    expect(r2.ok && r2.spec.gridAreas).toEqual(['800', '801', '804']);
    const month = { beginTime: '2024-01-31T23:00:00Z', endTime: '2024-02-29T23:00:00Z' };
    const r3 = parseKickStartRequest({ ...month, processType: 'D32', settlementVersion: 'D02' }, ctx);
    expect(r3.ok && r3.spec.calculationType).toBe('second_correction_settlement');
    const r4 = parseKickStartRequest({ ...month, processType: 'D05', asOf: '2024-02-05T00:00:00Z' }, ctx);
    expect(r4.ok && r4.spec).toMatchObject({ calculationType: 'wholesale_fixing', asOf: '2024-02-05T00:00:00.000Z' });
  });

  it('refuses createdByUserId in the request: the creator is the token subject (issue 12)', () => {
    expect(issues({ ...ok, createdByUserId: 'someone-else' })).toEqual([
      "createdByUserId: not accepted: a job's creator is the subject of the caller's bearer token",
    ]);
    expect(issues({ ...ok, createdByUserId: 'x'.repeat(80_000) })).toHaveLength(1);
  });

  it('names the field and the reason for every bad input', () => {
    expect(issues({ ...ok, beginTime: undefined })).toEqual([
      'beginTime: beginTime is required (an ISO-8601 instant with a four-digit year in 2000–2100 (e.g. 2023-11-01T23:00:00Z), or a date YYYY-MM-DD meaning its start (midnight) in Europe/Copenhagen)',
    ]);
    expect(issues({ ...ok, endTime: 'tomorrow' })).toEqual([
      "endTime: 'tomorrow' is not an ISO-8601 instant with a four-digit year in 2000–2100 (e.g. 2023-11-01T23:00:00Z), or a date YYYY-MM-DD meaning its start (midnight) in Europe/Copenhagen",
    ]);
    expect(issues({ ...ok, endTime: '2024-01-30T23:00:00Z' })).toEqual(['endTime: must be after beginTime']);
    expect(issues({ ...ok, processType: 'D99' })[0]).toMatch(/^processType: unknown process type 'D99'/);
    expect(issues({ ...ok, processType: 'D32' })[0]).toMatch(
      /^settlementVersion: D32 needs settlementVersion D01, D02 or D03/,
    );
    expect(issues({ ...ok, gridAreas: '800,999' })).toEqual(["gridAreas.1: unknown grid area '999'"]);
    expect(issues({ ...ok, gridAreas: '80' })).toEqual(["gridAreas.0: '80' is not a grid area code (3 digits)"]);
    expect(issues({ ...ok, processType: 'D05' })[0]).toMatch(
      /^beginTime: wholesale_fixing must cover exactly one calendar month in Europe\/Copenhagen/,
    );
    expect(issues({ ...ok, processType: 'D32', settlementVersion: 'D01', endTime: '2024-02-28T23:00:00Z' })[0]).toMatch(
      /first_correction_settlement must cover exactly one calendar month/,
    );
    expect(issues({ ...ok, beginTime: '2023-01-30T23:00:00Z', endTime: '2023-02-01T23:00:00Z' })[0]).toMatch(
      /^endTime: the period must not cross the quarterly resolution transition/,
    );
    expect(issues({ ...ok, beginTime: '2024-01-31T23:30:00Z' })).toContain('beginTime: must be on a whole hour');
    expect(issues({ ...ok, surprise: 'x' })[0]).toMatch(/surprise/);
    expect(issues('not an object')[0]).toMatch(/^\(body\)/);
  });
});
