/**
 * shared/results/result-files.ts: a committed job's energy results read one grid area at a time
 * in chunks of whole result series (the bounded senders' reader) give exactly the rows of the
 * whole-file reader, every series in one chunk, in first-appearance order — also when a file's
 * row groups cut through series and when a grid area has several files.
 */
import { join } from 'node:path';
import { parquetBytes } from '../../shared/basis-data/parquet/arrow-io';
import { readScenarioArguments, ScenarioCsvSource } from '../../shared/basis-data/scenario-source';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import { energyResultRowsFromParquet, energyResultsTable } from '../../shared/results/energy-parquet';
import type { EnergyResultRow } from '../../shared/results/energy-result-row';
import { energyResultFilesByGridArea, energyResultSeriesChunks, Pacer } from '../../shared/results/result-files';
import { CommittedFileMissingError } from '../../shared/settlement/errors';
import { manifestPath } from '../../shared/settlement/job-paths';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const F1 = join(__dirname, '..', 'scenarios', 'f1-minimal-energy');

async function collect(it: AsyncIterable<EnergyResultRow[]>): Promise<EnergyResultRow[][]> {
  const out: EnergyResultRow[][] = [];
  for await (const chunk of it) out.push(chunk);
  return out;
}

describe('energy result files by grid area, in chunks of whole series', () => {
  let store: MemoryBlobStore;
  let all: EnergyResultRow[];
  const files = [
    'jobs/j/energy/ga=800/b1.parquet',
    'jobs/j/energy/ga=800/b2.parquet',
    'jobs/j/energy/ga=801/b1.parquet',
  ];

  beforeAll(async () => {
    const results = await calculateEnergy(new ScenarioCsvSource(F1), await readScenarioArguments(F1));
    // row groups of 7 rows: series are cut across row groups (decode steps)
    const bytes = parquetBytes(energyResultsTable(results), 7);
    all = energyResultRowsFromParquet(bytes);
    store = new MemoryBlobStore('results');
    // ga=800 has two files with the same series (as a grid area cut into two batches)
    for (const f of files) await store.put(f, bytes);
    await store.put(manifestPath('j'), JSON.stringify({ jobId: 'j', files: [...files].reverse().sort() }));
  });

  it('groups the manifest files by grid area in manifest order', async () => {
    expect(await energyResultFilesByGridArea(store, 'j')).toEqual([
      { gridArea: '800', files: files.slice(0, 2) },
      { gridArea: '801', files: files.slice(2) },
    ]);
    expect(await energyResultFilesByGridArea(store, 'no-such-job')).toBeNull();
  });

  it('one file: chunks of one series each, concatenated = the whole-file rows', async () => {
    const ids = [...new Set(all.map((r) => r.result_id))];
    expect(ids.length).toBeGreaterThan(3);
    const chunks = await collect(energyResultSeriesChunks(store, files.slice(2), { maxRows: 1 }));
    expect(chunks.map((c) => [...new Set(c.map((r) => r.result_id))])).toEqual(ids.map((id) => [id]));
    expect(chunks.flat()).toEqual(all);
    expect(await collect(energyResultSeriesChunks(store, files.slice(2), { maxRows: Infinity }))).toEqual([all]);
  });

  it('two files of a grid area: a series is never split, its rows in file order', async () => {
    const chunks = await collect(energyResultSeriesChunks(store, files.slice(0, 2), { maxRows: 100 }));
    const seen = new Map<string, number>();
    chunks.forEach((c, i) =>
      c.forEach((r) => {
        expect(seen.get(r.result_id) ?? i).toBe(i);
        seen.set(r.result_id, i);
      }),
    );
    for (const c of chunks) {
      const id = c[0].result_id;
      const rowsOf = all.filter((r) => r.result_id === id);
      expect(c.filter((r) => r.result_id === id)).toEqual([...rowsOf, ...rowsOf]);
    }
    expect(chunks.flat()).toHaveLength(2 * all.length);
  });

  it('keep filters on the cells before rows exist', async () => {
    const keep = (cell: (c: 'time_series_type') => string | null) => cell('time_series_type') === 'production';
    const chunks = await collect(energyResultSeriesChunks(store, files.slice(2), { maxRows: Infinity, keep }));
    expect(chunks.flat()).toEqual(all.filter((r) => r.time_series_type === 'production'));
    expect(chunks.flat().length).toBeGreaterThan(0);
  });

  it('a missing committed file is an error naming it', async () => {
    await expect(
      collect(energyResultSeriesChunks(store, ['jobs/j/energy/ga=802/x.parquet'], { maxRows: 1 })),
    ).rejects.toThrow(CommittedFileMissingError);
  });
});

describe('Pacer: time slices for work sharing the event loop with HTTP functions', () => {
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  test('due only once its slice is used up; pause() lets a waiting callback run and starts a new slice', async () => {
    const pacer = new Pacer(20);
    expect(pacer.due()).toBe(false);
    busy(25);
    expect(pacer.due()).toBe(true);
    let ran = false;
    setImmediate(() => (ran = true));
    await pacer.pause();
    expect(ran).toBe(true);
    expect(pacer.due()).toBe(false);
  });

  test('maybePause yields to the event loop only when due', async () => {
    const pacer = new Pacer(10_000);
    let ran = false;
    setImmediate(() => (ran = true));
    await pacer.maybePause();
    expect(ran).toBe(false);
    const eager = new Pacer(0);
    await eager.maybePause();
    expect(ran).toBe(true);
  });

  test('a paced read of every chunk lets a timer fire in between', async () => {
    const store = new MemoryBlobStore();
    const results = await calculateEnergy(new ScenarioCsvSource(F1), await readScenarioArguments(F1));
    await store.put('jobs/p/energy/ga=800/b.parquet', parquetBytes(energyResultsTable(results), 7));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const chunks = await collect(
        energyResultSeriesChunks(store, ['jobs/p/energy/ga=800/b.parquet'], { maxRows: 1, pacer: new Pacer(0) }),
      );
      expect(chunks.length).toBeGreaterThan(1);
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });
});
