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

/** The two jobs' kept series compared, grid area by grid area in code order. */
export async function* diffCommittedJobs(
  results: Pick<BlobStore, 'get'>,
  a: CommittedDiffSide,
  b: CommittedDiffSide,
  query: DiffQuery,
): AsyncGenerator<GridAreaDiffOutput> {
  const spec = diffSpecOf(query.kind);
  const filesA = filesByGridArea(a, query);
  const filesB = filesByGridArea(b, query);
  const gridAreas = [...new Set([...filesA.keys(), ...filesB.keys()])].sort();
  for (const gridArea of gridAreas) {
    const diff = new GridAreaDiff(spec, [seriesFilter(query, a.scope), seriesFilter(query, b.scope)]);
    for (const [side, files] of [
      [0, filesA.get(gridArea) ?? []],
      [1, filesB.get(gridArea) ?? []],
    ] as const)
      for (const file of files) {
        const bytes = await results.get(file);
        if (!bytes) throw new CommittedFileMissingError(file, 'result');
        // HTTP requests of the same process get their turn after every row group
        await appendParquetFile(diff, side, bytes, yieldToEventLoop);
      }
    const result = diff.finish();
    await yieldToEventLoop();
    yield { gridArea, result };
  }
}
