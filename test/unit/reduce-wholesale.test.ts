import { wholesaleRowsFromParquet } from '../../shared/results/wholesale-output';
import type { MonthlyAmount } from '../../shared/calculation/wholesale/monthly';
import type { BatchOutput } from '../../shared/settlement/batch';
import { InvalidWholesalePartialError, NoWholesalePartialsError } from '../../shared/settlement/errors';
import { wholesaleMonthlyPath } from '../../shared/settlement/job-paths';
import { reduceWholesale } from '../../shared/settlement/use-cases/reduce-wholesale';
import {
  parseWholesalePartial,
  wholesalePartialJson,
  type WholesalePartial,
} from '../../shared/settlement/wholesale-partial';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const JOB = 'job-1';
const GA = '804';
const MAX = Number.MAX_SAFE_INTEGER; // 2^53 − 1 micro-DKK

const m = (owner: string, code: string, isTax: boolean, amount: number | bigint | null, es = 'ES1'): MonthlyAmount => ({
  gridArea: GA,
  es,
  owner,
  code,
  type: 'tariff',
  isTax,
  unit: 'kWh',
  amount,
});

const slice = (from: string, to: string, monthly: MonthlyAmount[]): WholesalePartial => ({
  calculationId: JOB,
  calculationType: 'wholesale_fixing',
  periodStart: '2024-02-29T23:00:00Z',
  periodEnd: '2024-03-31T22:00:00Z',
  gridArea: GA,
  sliceStart: from,
  sliceEnd: to,
  monthly,
});

async function store(partials: WholesalePartial[]): Promise<{ results: MemoryBlobStore; outputs: BatchOutput[] }> {
  const results = new MemoryBlobStore('results');
  const outputs: BatchOutput[] = [];
  for (const [i, p] of partials.entries()) {
    const path = `jobs/${JOB}/wholesale-partials/ga=${GA}/${GA}-${i}.json`;
    await results.put(path, wholesalePartialJson(p), 'application/json');
    outputs.push({ batchId: `${GA}-${i}`, path: `e${i}`, rows: 0, counts: {}, wholesalePartialPath: path });
  }
  return { results, outputs };
}

const SLICES = [
  slice('2024-02-29T23:00:00Z', '2024-03-10T23:00:00Z', [
    m('OP', 'T1', false, MAX),
    m('OP', 'T2', false, null),
    m('TAX', 'X1', false, 5),
  ]),
  slice('2024-03-10T23:00:00Z', '2024-03-31T22:00:00Z', [
    m('OP', 'T1', false, MAX),
    m('OP', 'T2', false, null),
    // the tax charge appears only in the second slice: OP is still a tax owner of the month
    m('OP', 'TX', true, 3n),
  ]),
];

describe('reduceWholesale', () => {
  test('monthly amounts and totals are exact sums over the slices (beyond 2^53), nulls kept', async () => {
    const { results, outputs } = await store(SLICES);
    const r = await reduceWholesale({ results }, JOB, GA, outputs);
    expect(r.wholesalePath).toBe(wholesaleMonthlyPath(JOB, GA));
    const rows = wholesaleRowsFromParquet((await results.get(r.wholesalePath)) as Buffer);
    expect(rows).toHaveLength(r.wholesaleRows);
    const amount = (type: string, owner: string, code = '') =>
      rows.find((x) => x.amount_type === type && x.charge_owner_id === owner && x.charge_code === code)?.amount;
    const twoMax = (2n * BigInt(MAX)).toString();
    const micro = (n: bigint) => `${n / 1_000_000n}.${(n % 1_000_000n).toString().padStart(6, '0')}`;
    expect(amount('monthly_amount_per_charge', 'OP', 'T1')).toBe(micro(BigInt(twoMax)));
    expect(amount('monthly_amount_per_charge', 'OP', 'T2')).toBe('');
    expect(amount('monthly_amount_per_charge', 'OP', 'TX')).toBe('0.000003');
    // OP is a tax owner: its total is its non-tax sum only; TAX (non-tax charge) gets the tax added
    expect(amount('total_monthly_amount', 'OP')).toBe(micro(BigInt(twoMax)));
    expect(amount('total_monthly_amount', 'TAX')).toBe('0.000008');
    expect(amount('total_monthly_amount', '')).toBe(micro(BigInt(twoMax) + 8n));
    for (const row of rows) expect(row.time).toBe('2024-02-29T23:00:00Z');
  });

  test('deterministic: the same partials in any output order give the same bytes', async () => {
    const a = await store(SLICES);
    const b = await store([...SLICES].reverse());
    await reduceWholesale({ results: a.results }, JOB, GA, a.outputs);
    await reduceWholesale({ results: b.results }, JOB, GA, [...b.outputs].reverse());
    const bytesA = (await a.results.get(wholesaleMonthlyPath(JOB, GA))) as Buffer;
    await reduceWholesale({ results: a.results }, JOB, GA, a.outputs); // a re-run
    expect(Buffer.compare(bytesA, (await b.results.get(wholesaleMonthlyPath(JOB, GA))) as Buffer)).toBe(0);
    expect(Buffer.compare(bytesA, (await a.results.get(wholesaleMonthlyPath(JOB, GA))) as Buffer)).toBe(0);
  });

  test('refuses slices that do not tile the period, or none at all', async () => {
    const gap = await store([SLICES[0], { ...SLICES[1], sliceStart: '2024-03-11T23:00:00Z' }]);
    await expect(reduceWholesale({ results: gap.results }, JOB, GA, gap.outputs)).rejects.toBeInstanceOf(
      InvalidWholesalePartialError,
    );
    const short = await store([SLICES[0]]);
    await expect(reduceWholesale({ results: short.results }, JOB, GA, short.outputs)).rejects.toBeInstanceOf(
      InvalidWholesalePartialError,
    );
    await expect(reduceWholesale({ results: short.results }, JOB, '805', short.outputs)).rejects.toBeInstanceOf(
      NoWholesalePartialsError,
    );
  });
});

describe('wholesale partial JSON', () => {
  test('round-trips BigInt and null amounts exactly', () => {
    const big = 123456789012345678n;
    const p = slice('2024-02-29T23:00:00Z', '2024-03-31T22:00:00Z', [
      m('OP', 'T1', false, big),
      m('OP', 'T2', true, null),
    ]);
    const back = parseWholesalePartial('p.json', wholesalePartialJson(p));
    expect(back.monthly[0].amount).toBe(big);
    expect(back.monthly[1].amount).toBeNull();
    expect(wholesalePartialJson(back)).toBe(wholesalePartialJson(p));
  });
  test('rejects a malformed partial with its path', () => {
    expect(() => parseWholesalePartial('x.json', '{"calculationId":1}')).toThrow(InvalidWholesalePartialError);
    expect(() => parseWholesalePartial('x.json', 'nope')).toThrow(/x\.json/);
  });
});
