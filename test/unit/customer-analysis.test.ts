/**
 * The analysis executor's exact rules (issue 15, shared/lake/customers/run-analysis.ts) over real
 * uploads in a customer area: avg rounded HALF_UP (ties away from zero) at 6 decimals, sums at the
 * largest scale, numbers matched by value in filters and joins, a left join's missing side null,
 * min/max by value and as text, a sum over text refused naming the field.
 */
import { PartitionStore } from '../../shared/lake/partition-store';
import { analysisSpecSchema } from '../../shared/lake/customers/analysis-spec';
import { storeUpload } from '../../shared/lake/customers/customer-area';
import { AnalysisError, executeAnalysis } from '../../shared/lake/customers/run-analysis';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const C = '5790000000001';
const store = new PartitionStore(new MemoryBlobStore('lake'));

beforeAll(async () => {
  await storeUpload(
    store,
    C,
    'a',
    Buffer.from('k;v;t\nx;0.0000005;b\nx;0;a\ny;-0.0000005;c\ny;0;d\nz;5.50;e\n'),
    'csv',
  );
  await storeUpload(store, C, 'b', Buffer.from('k,w\nx,1\nz,2\nq,3\n'), 'csv');
});

const run = (spec: unknown) => executeAnalysis(store, C, [], analysisSpecSchema.parse(spec));
const rows = (out: Awaited<ReturnType<typeof run>>) =>
  Array.from({ length: out.rows }, (_, r) => Object.fromEntries(out.names.map((n, c) => [n, out.columns[c][r]])));

test('avg HALF_UP at 6 decimals (ties away from zero), sum at the largest scale, min/max', async () => {
  const out = await run({
    inputs: [{ as: 'a', upload: 'a' }],
    groupBy: ['k'],
    aggregates: [
      { fn: 'avg', column: 'v', as: 'avg' },
      { fn: 'sum', column: 'v', as: 'sum' },
      { fn: 'min', column: 't', as: 'min_t' },
      { fn: 'max', column: 'v', as: 'max_v' },
      { fn: 'count', as: 'n' },
    ],
  });
  expect(rows(out)).toEqual([
    // 0.0000005 / 2 = 0.00000025 → 0.000000; 0.0000005 + 0 = 0.0000005
    { k: 'x', avg: '0.000000', sum: '0.0000005', min_t: 'a', max_v: '0.0000005', n: 2 },
    { k: 'y', avg: '0.000000', sum: '-0.0000005', min_t: 'c', max_v: '0', n: 2 },
    { k: 'z', avg: '5.500000', sum: '5.50', min_t: 'e', max_v: '5.50', n: 1 },
  ]);
  // ties: (0.000001 + 0) / 2 = 0.0000005 → 0.000001; (−0.000001 + 0) / 2 → −0.000001 (away from zero)
  await storeUpload(store, C, 'tie', Buffer.from('g,v\np,0.000001\np,0\nn,-0.000001\nn,0\n'), 'csv');
  const tie = await run({
    inputs: [{ as: 't', upload: 'tie' }],
    groupBy: ['g'],
    aggregates: [{ fn: 'avg', column: 'v', as: 'avg' }],
  });
  expect(rows(tie)).toEqual([
    { g: 'n', avg: '-0.000001' },
    { g: 'p', avg: '0.000001' },
  ]);
});

test('filters and joins match numbers by value; a left join keeps the unmatched row with nulls', async () => {
  const eq = await run({
    inputs: [{ as: 'a', upload: 'a' }],
    filter: [{ column: 'v', op: '=', value: 5.5 }],
    select: ['t'],
  });
  expect(rows(eq)).toEqual([{ t: 'e' }]);
  const left = await run({
    inputs: [
      { as: 'b', upload: 'b' },
      { as: 'a', upload: 'a' },
    ],
    join: { type: 'left', on: [{ left: 'k', right: 'k' }] },
    filter: [{ column: 'b.k', op: '!=', value: 'x' }],
    select: ['b.k', 'w', 't'],
  });
  expect(rows(left)).toEqual([
    { k: 'z', w: '2', t: 'e' },
    { k: 'q', w: '3', t: null },
  ]);
});

test('a sum over text and an ambiguous column are refused naming the field', async () => {
  await expect(
    run({ inputs: [{ as: 'a', upload: 'a' }], aggregates: [{ fn: 'sum', column: 't', as: 's' }] }),
  ).rejects.toThrow(new AnalysisError('aggregates.0.column', 'sum of a value that is not a number: "b"'));
  await expect(
    run({
      inputs: [
        { as: 'a', upload: 'a' },
        { as: 'b', upload: 'b' },
      ],
      join: { on: [{ left: 'k', right: 'k' }] },
      select: ['k'],
    }),
  ).rejects.toThrow(/select\.0: column k is in more than one input: write a\.k or b\.k/);
});
