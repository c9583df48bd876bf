/**
 * Customer areas over HTTP (issue 15, Case 3/4). Every route names its area by
 * `{customerId}` (the owner's actor number); only the owner and administrators may use an area,
 * anyone else gets 404 exactly like a missing one (probing ids reveals nothing). Names are
 * checked (shared/http-api/lake-serving.ts) before they reach a path (shared/lake/zones.ts).
 *
 * - `POST customers/{customerId}/uploads?name=` — CSV or Parquet into `customers/{id}/uploads/{name}`
 * - `PUT customers/{customerId}/analyses/{name}` — save a spec (400/403 naming the field)
 * - `POST …/analyses/{name}/runs` — run it as a durable orchestration: 202 + status URL
 * - `GET …/analyses/{name}/runs/{runId}` — the run's state
 * - `GET …/analyses/{name}/results?format=json|csv` — its latest results
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { NAMES } from '../../shared/config/names';
import {
  analysisPath,
  analysisResultsQuery,
  analysisRunPath,
  customerPath,
  customerUploadQuery,
} from '../../shared/http-api/lake-serving';
import { issuesOf } from '../../shared/http-api/problem';
import { parseParams, queryObject } from '../../shared/http-api/query';
import { analysisSpecSchema, checkSpecInputs, type AnalysisSpec } from '../../shared/lake/customers/analysis-spec';
import {
  UnreadableUploadError,
  mayUseArea,
  readResults,
  readRun,
  readSpec,
  readUpload,
  saveSpec,
  storeUpload,
  uploadNames,
  writeRun,
  type UploadFormat,
} from '../../shared/lake/customers/customer-area';
import { AnalysisError, dryRunAnalysis } from '../../shared/lake/customers/run-analysis';
import { datasetColumnNames } from '../../shared/lake/serving/dataset-read';
import { csvField } from '../../shared/lake/serving/cells';
import type { CustomerAnalysisInput } from '../../shared/settlement/activity-contracts';
import type { Caller } from '../../shared/auth/caller';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { ANY_ROLE, authorized } from './auth';
import { isTooLarge, readBodyCapped } from './body';
import { baseUrl, json, problem } from './responses';

const noArea = () => problem(404, 'no such customer area');

/** The path's ids, checked, and whether the caller may use the area: a response to send otherwise. */
function area<S extends typeof customerPath | typeof analysisPath | typeof analysisRunPath>(
  schema: S,
  request: HttpRequest,
  caller: Caller,
): { ok: true; value: ReturnType<S['parse']> } | { ok: false; response: HttpResponseInit } {
  const p = parseParams(schema, { ...request.params });
  if (!p.ok) return { ok: false, response: problem(400, 'invalid path', p.issues) };
  const value = p.value as ReturnType<S['parse']>;
  if (!mayUseArea(caller, value.customerId)) return { ok: false, response: noArea() };
  return { ok: true, value };
}

const FORMAT_BY_CONTENT_TYPE: ReadonlyMap<string, UploadFormat> = new Map([
  ['text/csv', 'csv'],
  ['application/vnd.apache.parquet', 'parquet'],
]);

export function customerUploadHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, context, caller) => {
    const a = area(customerPath, request, caller);
    if (!a.ok) return a.response;
    const q = parseParams(customerUploadQuery, queryObject(request.query.entries()));
    if (!q.ok) return problem(400, 'invalid upload parameters', q.issues);
    const ct = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const format = q.value.format ?? FORMAT_BY_CONTENT_TYPE.get(ct);
    if (!format)
      return problem(415, 'unsupported format: send text/csv or application/vnd.apache.parquet (or ?format=)');
    const body = await readBodyCapped(request, deps.settings.lake.maxCustomerUploadBytes);
    if (isTooLarge(body)) return body.tooLarge;
    if (body.byteLength === 0) return problem(400, 'the upload is empty', [{ path: '(body)', message: 'no bytes' }]);
    try {
      const stored = await storeUpload(deps.lake.partitions, a.value.customerId, q.value.name, body, format);
      context.log(`customer ${a.value.customerId} upload ${q.value.name}: ${stored.rows} rows`);
      return json(201, { customerId: a.value.customerId, ...stored });
    } catch (e) {
      if (e instanceof UnreadableUploadError)
        return problem(400, 'the file cannot be read', [{ path: '(body)', message: e.reason }]);
      throw e;
    }
  });
}

/** The columns of each input (null: a dataset without partitions in the range — not checkable now). */
async function inputColumns(deps: AppDeps, customerId: string, spec: AnalysisSpec): Promise<Array<string[] | null>> {
  const out: Array<string[] | null> = [];
  for (const i of spec.inputs) {
    if (i.upload !== undefined) out.push((await readUpload(deps.lake.partitions, customerId, i.upload))?.names ?? null);
    else {
      const dataset = deps.lake.served.find((d) => d.name === i.dataset);
      out.push(
        dataset && i.from
          ? await datasetColumnNames(deps.lake.partitions, {
              dataset,
              from: i.from,
              to: i.to ?? i.from,
              region: i.region,
            })
          : null,
      );
    }
  }
  return out;
}

export function putAnalysisHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const a = area(analysisPath, request, caller);
    if (!a.ok) return a.response;
    const body = await readBodyCapped(request, deps.settings.maxRequestBodyBytes.job);
    if (isTooLarge(body)) return body.tooLarge;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(body).toString('utf8'));
    } catch {
      return problem(400, 'the body is not JSON', [{ path: '(body)', message: 'expected an analysis spec object' }]);
    }
    const parsed = analysisSpecSchema.safeParse(raw);
    if (!parsed.success) return problem(400, 'invalid analysis spec', issuesOf(parsed.error, '(body)'));
    const spec = parsed.data;
    const { customerId, name } = a.value;
    const issues = checkSpecInputs(
      spec,
      customerId,
      deps.lake.served,
      await uploadNames(deps.lake.partitions, customerId),
    );
    if (issues.length > 0)
      return problem(
        issues.some((i) => i.status === 403) ? 403 : 400,
        issues.some((i) => i.status === 403) ? 'the spec reads outside its area' : 'invalid analysis spec',
        issues.map(({ path, message }) => ({ path, message })),
      );
    const columns = await inputColumns(deps, customerId, spec);
    const known = columns.filter((c): c is string[] => c !== null);
    if (known.length === columns.length)
      try {
        dryRunAnalysis(spec, known);
      } catch (e) {
        if (e instanceof AnalysisError)
          return problem(400, 'invalid analysis spec', [{ path: e.field, message: e.reason }]);
        throw e;
      }
    await saveSpec(deps.lake.partitions, customerId, name, spec);
    return json(200, { customerId, name, spec });
  });
}

const runUrl = (request: HttpRequest, c: string, n: string, runId: string) =>
  `${baseUrl(request)}/api/customers/${c}/analyses/${n}/runs/${runId}`;

export function startAnalysisRunHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, context, caller) => {
    const a = area(analysisPath, request, caller);
    if (!a.ok) return a.response;
    const { customerId, name } = a.value;
    const spec = await readSpec(deps.lake.partitions, customerId, name);
    if (!spec) return problem(404, `no analysis ${name}`);
    const runId = `run-${randomUUID()}`;
    await writeRun(deps.lake.partitions, {
      runId,
      customerId,
      analysis: name,
      status: 'Running',
      requestedAt: deps.clock().toISOString(),
      spec,
    });
    await deps.orchestrationClient(context).start(NAMES.durable.customerAnalysisOrchestrator, runId, {
      customerId,
      analysis: name,
      runId,
    } satisfies CustomerAnalysisInput);
    const url = runUrl(request, customerId, name, runId);
    return json(202, { runId, status: 'Running', statusUrl: url }, { location: url });
  });
}

export function analysisRunHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const a = area(analysisRunPath, request, caller);
    if (!a.ok) return a.response;
    const run = await readRun(deps.lake.partitions, a.value.customerId, a.value.name, a.value.runId);
    return run ? json(200, run) : problem(404, `no run ${a.value.runId}`);
  });
}

export function analysisResultsHandler(deps: AppDeps): HttpHandler {
  return authorized(deps, ANY_ROLE, async (request, _context, caller) => {
    const a = area(analysisPath, request, caller);
    if (!a.ok) return a.response;
    const q = parseParams(analysisResultsQuery, queryObject(request.query.entries()));
    if (!q.ok) return problem(400, 'invalid query', q.issues);
    const results = await readResults(deps.lake.partitions, a.value.customerId, a.value.name);
    if (!results) return problem(404, `analysis ${a.value.name} has no results (no completed run)`);
    const { names, columns, rows } = results.cells;
    if (q.value.format === 'csv') {
      const lines = [names.map(csvField).join(',')];
      for (let r = 0; r < rows; r++) lines.push(columns.map((col) => csvField(col[r])).join(','));
      return { status: 200, headers: { 'content-type': 'text/csv' }, body: `${lines.join('\r\n')}\r\n` };
    }
    return json(200, {
      customerId: a.value.customerId,
      analysis: a.value.name,
      runId: results.runId,
      count: rows,
      rows: Array.from({ length: rows }, (_, r) => Object.fromEntries(names.map((n, c) => [n, columns[c][r]]))),
    });
  });
}
