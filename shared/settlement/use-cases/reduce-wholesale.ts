import { parquetBytes } from '../../basis-data/parquet/arrow-io';
import { addMonthlyAndTotals, mergeMonthlyAmounts, WholesaleResultsBuilder } from '../../calculation/wholesale/monthly';
import { wholesaleTable } from '../../results/wholesale-output';
import type { BlobStore } from '../../storage/blob-store';
import type { BatchOutput } from '../batch';
import { BatchOutputMissingError, InvalidWholesalePartialError, NoWholesalePartialsError } from '../errors';
import { wholesaleMonthlyPath, wholesalePartialPrefix } from '../job-paths';
import { parseWholesalePartial, type WholesalePartial } from '../wholesale-partial';

export interface ReduceWholesaleDeps {
  results: Pick<BlobStore, 'get' | 'put'>;
}

/** Whether any of `outputs` carries wholesale partial sums of `gridArea` (the grid area needs a reduce). */
export function hasWholesalePartials(jobId: string, gridArea: string, outputs: readonly BatchOutput[]): boolean {
  const prefix = wholesalePartialPrefix(jobId, gridArea);
  return outputs.some((o) => o.wholesalePartialPath?.startsWith(prefix));
}

/**
 * The monthly amounts and totals of one grid area of a wholesale job: a reduce over the exact
 * partial sums of all its time slices (the batches' `wholesalePartialPath`), written as one result
 * file next to the slices' rows. Deterministic (slices are reduced in time order, rows in canonical
 * order): the same outputs give the same bytes, so a retried or replayed commit rewrites the file
 * unchanged. The slices must tile the job's period exactly once, else a monthly sum would miss or
 * double-count a day.
 */
export async function reduceWholesale(
  deps: ReduceWholesaleDeps,
  jobId: string,
  gridArea: string,
  outputs: BatchOutput[],
): Promise<{ wholesalePath: string; wholesaleRows: number }> {
  const prefix = wholesalePartialPrefix(jobId, gridArea);
  const paths = [
    ...new Set(outputs.flatMap((o) => (o.wholesalePartialPath?.startsWith(prefix) ? [o.wholesalePartialPath] : []))),
  ];
  if (paths.length === 0) throw new NoWholesalePartialsError(jobId, gridArea);
  const partials: Array<{ path: string; p: WholesalePartial }> = [];
  for (const path of paths) {
    const bytes = await deps.results.get(path);
    if (!bytes) throw new BatchOutputMissingError(jobId, path);
    partials.push({ path, p: parseWholesalePartial(path, bytes) });
  }
  partials.sort((a, b) => Date.parse(a.p.sliceStart) - Date.parse(b.p.sliceStart) || (a.path < b.path ? -1 : 1));

  const first = partials[0].p;
  let covered = Date.parse(first.periodStart);
  for (const { path, p } of partials) {
    if (
      p.calculationId !== first.calculationId ||
      p.calculationType !== first.calculationType ||
      p.periodStart !== first.periodStart ||
      p.periodEnd !== first.periodEnd
    )
      throw new InvalidWholesalePartialError(path, `belongs to another calculation than ${paths[0]}`);
    if (p.gridArea !== gridArea) throw new InvalidWholesalePartialError(path, `is of grid area ${p.gridArea}`);
    if (p.monthly.some((m) => m.gridArea !== gridArea))
      throw new InvalidWholesalePartialError(path, `holds sums of a grid area other than ${gridArea}`);
    if (Date.parse(p.sliceStart) !== covered)
      throw new InvalidWholesalePartialError(
        path,
        `slice starts at ${p.sliceStart}, expected ${new Date(covered).toISOString()} (slices must tile the period)`,
      );
    covered = Date.parse(p.sliceEnd);
  }
  if (covered !== Date.parse(first.periodEnd))
    throw new InvalidWholesalePartialError(
      partials[partials.length - 1].path,
      `slices end at ${new Date(covered).toISOString()}, not at the period end ${first.periodEnd}`,
    );

  const b = new WholesaleResultsBuilder(first.calculationId, first.calculationType);
  addMonthlyAndTotals(b, Date.parse(first.periodStart), mergeMonthlyAmounts(partials.map(({ p }) => p.monthly)));
  const wholesalePath = wholesaleMonthlyPath(jobId, gridArea);
  await deps.results.put(wholesalePath, parquetBytes(wholesaleTable(b.results())), 'application/vnd.apache.parquet');
  return { wholesalePath, wholesaleRows: b.rows.length };
}
