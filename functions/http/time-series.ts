import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../../shared/basis-data/errors';
import { ingestTimeSeries, type IngestFormat } from '../../shared/ingestion/time-series-ingestion';
import { ingestQuery, type IngestAnswer } from '../../shared/http-api/schemas';
import { parseParams, queryObject } from '../../shared/http-api/query';
import type { BlobStore } from '../../shared/storage/blob-store';
import type { LakeLayout } from '../../shared/basis-data/parquet/lake-layout';
import type { HttpHandler } from '../registry';
import { json, problem } from './responses';
import { authorized } from './auth';
import { isTooLarge, readBodyCapped } from './body';
import { DEFAULT_MAX_INGESTION_BODY_BYTES } from '../../shared/config/settings';
import type { Authenticator } from '../../shared/auth/token-validator';
import { log } from '../../shared/telemetry/log';
import { measure } from '../../shared/telemetry/metrics';

export interface TimeSeriesIngestionDeps {
  basisData: BlobStore;
  clock(): Date;
  /** Where points go in the lake: metering points' grid areas as of now (currentLakeLayout). */
  lakeLayout(now: Date): Promise<LakeLayout>;
  authenticator: Authenticator;
  /** Largest body accepted (MAX_INGESTION_BODY_BYTES, default 64 MiB); 413 beyond, before it is read whole. */
  maxBodyBytes?: number;
}

const FORMAT_BY_CONTENT_TYPE: ReadonlyMap<string, IngestFormat> = new Map([
  ['application/vnd.apache.parquet', 'parquet'],
  ['application/x-ndjson', 'ndjson'],
  ['text/csv', 'csv'],
]);

/** `?format=` wins over the Content-Type; null when neither names a supported format. */
export function ingestFormatOf(request: HttpRequest): IngestFormat | null {
  const q = parseParams(ingestQuery, queryObject(request.query.entries()));
  if (!q.ok) return null;
  if (q.value.format !== undefined) return q.value.format;
  const ct = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  return FORMAT_BY_CONTENT_TYPE.get(ct) ?? null;
}

/**
 * POST /api/time-series: bulk ingestion of time series points (backfills). 200 `{ points, files }`
 * once every file is durably written; 400 with the offending row and column (nothing written);
 * 415 for a format other than Parquet, NDJSON or `;`-CSV; 413 beyond MAX_INGESTION_BODY_BYTES. Administrators only.
 */
export function ingestTimeSeriesHandler(deps: TimeSeriesIngestionDeps): HttpHandler {
  return authorized(deps, ['datahub_administrator'], async (request: HttpRequest) => {
    const format = ingestFormatOf(request);
    if (format === null) {
      return problem(
        415,
        'unsupported format: send application/vnd.apache.parquet, application/x-ndjson or text/csv (or ?format=parquet|ndjson|csv)',
      );
    }
    const body = await readBodyCapped(request, deps.maxBodyBytes ?? DEFAULT_MAX_INGESTION_BODY_BYTES);
    if (isTooLarge(body)) return body.tooLarge;
    try {
      const now = deps.clock();
      const started = performance.now();
      const result = await ingestTimeSeries(body, format, deps.basisData, now, () => deps.lakeLayout(now));
      measure.ingested(started, result.points);
      log.info(`time series ingested: ${result.points} points (${format}) into ${result.files.length} file(s)`);
      return json(200, result satisfies IngestAnswer);
    } catch (e) {
      if (e instanceof ValidationError) {
        const path = e.row !== null ? `row ${e.row}${e.column ? `.${e.column}` : ''}` : (e.column ?? '(body)');
        return problem(400, 'invalid time series', [{ path, message: e.reason }]);
      }
      log.error(`time series ingestion failed: ${(e as Error).message}`);
      return problem(500, 'the time series could not be stored; nothing was kept');
    }
  });
}
