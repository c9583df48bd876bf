import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { TIME_SERIES_TYPES } from '../../shared/domain/codes';
import { DIFF_DEFAULT_LIMIT, jobDiffQuery, type jobDiffSchema } from '../../shared/http-api/job-diff';
import { AMOUNT_TYPES } from '../../shared/http-api/job-results';
import type { Issue } from '../../shared/http-api/problem';
import { parseParams, queryObject } from '../../shared/http-api/query';
import { isWholesaleType } from '../../shared/calculation/wholesale/run';
import { diffCommittedJobs, type CommittedDiffSide } from '../../shared/results/diff/diff-committed-jobs';
import { DiffReport, diffCsvHeader, diffCsvLines } from '../../shared/results/diff/diff-report';
import { diffSpecOf } from '../../shared/results/diff/diff-spec';
import { readManifest } from '../../shared/settlement/manifest';
import type { z } from 'zod';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, audited, authorized } from './auth';
import { visibleJob } from './jobs';
import { json, problem } from './responses';

const DIFF_ROUTE = 'GET /api/jobs/{a}/diff/{b}';
const utf8 = new TextEncoder();

/**
 * GET /api/jobs/{a}/diff/{b}?kind=energy|wholesale&type=&gridArea=&level=&format=json|csv&limit=
 * (issue 17): the committed results of job B compared with job A's, series by series and slot
 * by slot (shared/results/diff). Each job is read with the caller's scope on it, exactly as its
 * results would be (a job the caller may not see: 404, as on every job route); both must be
 * Completed (409 naming the one that is not). JSON is the summary with the `limit` biggest
 * series; CSV streams one line per series, grid area by grid area. Audited like a results read.
 */
export function jobDiffHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request: HttpRequest, _context, caller) => {
    const ids = [request.params.a, request.params.b] as const;
    const audit = (response: HttpResponseInit, rows?: number) =>
      audited(deps, request, caller, { operation: 'diff', route: DIFF_ROUTE, jobId: ids[0] }, response, { rows });
    const parsed = parseParams(jobDiffQuery, queryObject(request.query.entries()));
    const errors: Issue[] = parsed.ok ? [] : parsed.issues;
    const q = parsed.ok ? parsed.value : null;
    if (q?.type) {
      const types: readonly string[] = q.kind === 'wholesale' ? AMOUNT_TYPES : TIME_SERIES_TYPES;
      if (!types.includes(q.type))
        errors.push({
          path: 'type',
          message: `unknown ${q.kind === 'wholesale' ? 'amount' : 'time series'} type '${q.type}'`,
        });
    }
    if (q?.kind === 'wholesale' && q.level)
      errors.push({ path: 'level', message: 'wholesale results have no aggregation levels' });
    if (errors.length || !q) return audit(problem(400, 'invalid query', errors));

    const found = [await visibleJob(deps, caller, ids[0]), await visibleJob(deps, caller, ids[1])] as const;
    const missing = ids.filter((_, k) => !found[k]);
    if (missing.length) return audit(problem(404, `job ${missing.join(' and job ')} not found`));
    const [fa, fb] = found as readonly [NonNullable<(typeof found)[0]>, NonNullable<(typeof found)[1]>];
    const notDone = [fa.job, fb.job].filter((j) => j.status !== 'Completed');
    if (notDone.length)
      return audit(
        problem(
          409,
          `${notDone.map((j) => `job ${j.id} has no committed results (status ${j.status})`).join('; ')}`,
          notDone.map((j) => ({
            path: j.id === ids[0] ? 'a' : 'b',
            message: `job ${j.id} is ${j.status}; a diff needs two Completed jobs`,
          })),
        ),
      );
    if (q.kind === 'wholesale') {
      const energyOnly = [fa.job, fb.job].filter((j) => !isWholesaleType(j.calculationType));
      if (energyOnly.length)
        return audit(
          problem(400, 'invalid query', [
            {
              path: 'kind',
              message: `${energyOnly.map((j) => `job ${j.id} is ${j.calculationType}`).join(', ')}: energy results only; ask for kind=energy`,
            },
          ]),
        );
    }
    const [ma, mb] = [
      await readManifest(deps.settlement.results, ids[0]),
      await readManifest(deps.settlement.results, ids[1]),
    ];
    if (!ma || !mb) return audit(problem(409, `job ${!ma ? ids[0] : ids[1]} has no committed results`));
    const a: CommittedDiffSide = { manifest: ma, scope: fa.scope };
    const b: CommittedDiffSide = { manifest: mb, scope: fb.scope };
    const query = { kind: q.kind, type: q.type, gridArea: q.gridArea, level: q.level };
    const spec = diffSpecOf(q.kind);
    const results = deps.settlement.results;

    if (q.format === 'json') {
      const report = new DiffReport(spec, q.limit ?? DIFF_DEFAULT_LIMIT);
      for await (const { result } of diffCommittedJobs(results, a, b, query)) report.add(result);
      const body: z.input<typeof jobDiffSchema> = report.json(ids[0], ids[1], {
        type: q.type ?? null,
        gridArea: q.gridArea ?? null,
        level: q.level ?? null,
      });
      return audit(json(200, body), body.seriesCount);
    }

    // CSV: every series, written as each grid area is done; audited when it starts
    async function* csv(): AsyncGenerator<Uint8Array> {
      yield utf8.encode(diffCsvHeader(spec));
      for await (const { result } of diffCommittedJobs(results, a, b, query))
        if (result.series.length) yield utf8.encode(diffCsvLines(spec, result.series));
    }
    const started = await audit({
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="diff-${ids[0]}-${ids[1]}-${q.kind}.csv"`,
      },
      body: null,
    });
    return { ...started, body: csv() };
  });
}
