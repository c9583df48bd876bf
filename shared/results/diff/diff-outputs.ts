/**
 * The calculation diff of two CLI outputs (`npm run calculate` folders, issue 17): the same
 * kernel and report as the API's diff of committed jobs, over OUT/energy_results.parquet or
 * OUT/wholesale_results.parquet. A CLI output is one file for all its grid areas, so it is read
 * as one group, row group by row group (the kernel's rows of both outputs in typed arrays: the
 * operator's own process, which held all those results when it calculated them); the series come
 * back per grid area, in code order, like the API's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WHOLESALE_RESULTS_FILES } from '../wholesale-output';
import { appendParquetFile } from './arrow-diff-columns';
import type { GridAreaDiffOutput } from './diff-committed-jobs';
import { seriesFilter, type DiffQuery } from './diff-filter';
import { GridAreaDiff, type SeriesDiff } from './diff-kernel';
import { diffSpecOf } from './diff-spec';

export const OUTPUT_FILES = { energy: 'energy_results.parquet', wholesale: WHOLESALE_RESULTS_FILES.parquet } as const;

/** An output folder without the kind's Parquet file. */
export class OutputFileMissingError extends Error {
  constructor(readonly path: string) {
    super(`${path} not found: not an output folder of npm run calculate (or no such results in it)`);
    this.name = 'OutputFileMissingError';
  }
}

async function bytesOf(dir: string, file: string): Promise<Uint8Array> {
  const path = join(dir, file);
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new OutputFileMissingError(path);
    throw e;
  }
}

export async function* diffOutputDirectories(
  dirA: string,
  dirB: string,
  query: DiffQuery,
): AsyncGenerator<GridAreaDiffOutput> {
  const spec = diffSpecOf(query.kind);
  const file = OUTPUT_FILES[query.kind];
  const [a, b] = [await bytesOf(dirA, file), await bytesOf(dirB, file)];
  const keep = seriesFilter(query);
  const diff = new GridAreaDiff(spec, [keep, keep]);
  await appendParquetFile(diff, 0, a);
  await appendParquetFile(diff, 1, b);
  const { series, timeline } = diff.finish();
  const gridAreaColumn = spec.keyColumns.indexOf('grid_area_code');
  const byGridArea = new Map<string, SeriesDiff[]>();
  for (const s of series) {
    const ga = s.key[gridAreaColumn] ?? '';
    const list = byGridArea.get(ga);
    if (list) list.push(s);
    else byGridArea.set(ga, [s]);
  }
  const gridAreas = [...byGridArea.keys()].sort();
  // the timeline belongs to the whole output: handed out once, with the first grid area
  for (const [k, gridArea] of gridAreas.entries())
    yield {
      gridArea,
      result: { series: byGridArea.get(gridArea) ?? [], timeline: k === 0 ? timeline : new Map<number, bigint>() },
    };
}
