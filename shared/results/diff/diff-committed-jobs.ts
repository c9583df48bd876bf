/**
 * The calculation diff of two committed jobs (issue 17), one grid area at a time: a job's result
 * files are per grid area (`.../ga=GGG/...`, every row of a series in its grid area's files), so
 * both jobs' files of one grid area hold every slot of its series. Memory is that grid area's
 * kept rows in typed arrays (both jobs) plus one decoded row group — never a whole job.
 */
import type { RowScope } from '../../auth/access';
import { CommittedFileMissingError } from '../../settlement/errors';
import type { Manifest } from '../../settlement/manifest';
import type { BlobStore } from '../../storage/blob-store';
import { fileWanted, gridAreaOfFile, resultFiles } from '../result-stream';
import { yieldToEventLoop } from '../result-files';
import { appendParquetFile } from './arrow-diff-columns';
import { GridAreaDiff, type GridAreaDiffResult } from './diff-kernel';
import { seriesFilter, type DiffQuery } from './diff-filter';
import { diffSpecOf } from './diff-spec';
import type { DiffTask, DiffWorkerPool } from './diff-pool';

export interface CommittedDiffSide {
  manifest: Manifest;
  /** The caller's scope on this job (shared/auth/access.ts jobAccess); absent = every row. */
  scope?: RowScope;
}

export interface GridAreaDiffOutput {
  /** The files' grid area (a file without one forms its own group, named by its path). */
  gridArea: string;
  result: GridAreaDiffResult;
}

/** The side's wanted files grouped by grid area, in manifest order. */
function filesByGridArea(side: CommittedDiffSide, query: DiffQuery): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const file of resultFiles(side.manifest, query.kind)) {
    if (!fileWanted(file, { gridArea: query.gridArea, scope: side.scope })) continue;
    const ga = gridAreaOfFile(file) ?? file;
    const group = groups.get(ga);
    if (group) group.push(file);
    else groups.set(ga, [file]);
  }
  return groups;
}

/**
 * The two jobs' kept series compared, grid area by grid area in code order. With a worker pool
 * (diff-pool.ts) as many grid areas as it has workers are compared at once — their files read
 * here and handed over — and still handed out in code order; without one, in this thread,
 * yielding to the event loop after every row group.
 */
export async function* diffCommittedJobs(
  results: Pick<BlobStore, 'get'>,
  a: CommittedDiffSide,
  b: CommittedDiffSide,
  query: DiffQuery,
  pool?: DiffWorkerPool,
): AsyncGenerator<GridAreaDiffOutput> {
  const spec = diffSpecOf(query.kind);
  const filesA = filesByGridArea(a, query);
  const filesB = filesByGridArea(b, query);
  const gridAreas = [...new Set([...filesA.keys(), ...filesB.keys()])].sort();
  const read = async (file: string) => {
    const bytes = await results.get(file);
    if (!bytes) throw new CommittedFileMissingError(file, 'result');
    return bytes;
  };
  if (pool) {
    // a window of pool.size + 1 grid areas in flight: every worker busy while the next is read
    const inFlight: Array<Promise<GridAreaDiffOutput>> = [];
    const start = (gridArea: string): Promise<GridAreaDiffOutput> =>
      (async () => {
        const task = {
          query,
          scopes: [a.scope, b.scope] as DiffTask['scopes'],
          filesA: await Promise.all((filesA.get(gridArea) ?? []).map(read)),
          filesB: await Promise.all((filesB.get(gridArea) ?? []).map(read)),
        };
        return { gridArea, result: await pool.run(task) };
      })();
    let next = 0;
    while (next < gridAreas.length && inFlight.length <= pool.size) inFlight.push(start(gridAreas[next++]));
    while (inFlight.length) {
      const done = await (inFlight.shift() as Promise<GridAreaDiffOutput>);
      if (next < gridAreas.length) inFlight.push(start(gridAreas[next++]));
      yield done;
    }
    return;
  }
  for (const gridArea of gridAreas) {
    const diff = new GridAreaDiff(spec, [seriesFilter(query, a.scope), seriesFilter(query, b.scope)]);
    for (const [side, files] of [
      [0, filesA.get(gridArea) ?? []],
      [1, filesB.get(gridArea) ?? []],
    ] as const)
      for (const file of files)
        // HTTP requests of the same process get their turn after every row group
        await appendParquetFile(diff, side, await read(file), yieldToEventLoop);
    const result = diff.finish();
    await yieldToEventLoop();
    yield { gridArea, result };
  }
}
