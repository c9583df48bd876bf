/**
 * The console's only way to the platform: the public HTTP API (the routes of
 * /api/openapi.json) with the signed-in user's bearer token — no private endpoints.
 */
import type { CalculationType } from '../../../shared/domain/codes';
import type { JobStatus } from '../../../shared/jobs/job';

const TOKEN_KEY = 'settlement-console.token';
const FUNCTION_KEY = 'settlement-console.function-key';

/** The token lives in sessionStorage: gone when the tab closes, never sent anywhere but this API. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  functionKey: (): string | null => sessionStorage.getItem(FUNCTION_KEY),
  signIn(token: string, functionKey: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    if (functionKey) sessionStorage.setItem(FUNCTION_KEY, functionKey);
    else sessionStorage.removeItem(FUNCTION_KEY);
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(FUNCTION_KEY);
  },
};

export interface Issue {
  path: string;
  message: string;
}

/** A non-2xx answer: its status and the problem body (`{title, status, errors}`) when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly issues: Issue[],
    readonly body: unknown,
  ) {
    super(`${status}: ${title}`);
    this.name = 'ApiError';
  }
}

/** Listeners told about a 401 (the sign-in view shows itself). */
const unauthorized: Array<(message: string) => void> = [];
export function onUnauthorized(f: (message: string) => void): void {
  unauthorized.push(f);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { ...extra };
  const token = session.token();
  if (token) h.authorization = `Bearer ${token}`;
  // Azure also asks for the function key (x-functions-key); the local host has none
  const key = session.functionKey();
  if (key) h['x-functions-key'] = key;
  return h;
}

/** A request to the API; resolves with the Response for 2xx (and 3xx), rejects with ApiError otherwise. */
export async function request(path: string, init: RequestInit & { accept?: string } = {}): Promise<Response> {
  const res = await fetch(`/api/${path}`, {
    ...init,
    headers: headers({
      accept: init.accept ?? 'application/json',
      ...((init.headers as Record<string, string> | undefined) ?? {}),
    }),
  });
  if (res.ok) return res;
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const problem = (body ?? {}) as { title?: string; errors?: Issue[] };
  const error = new ApiError(res.status, problem.title ?? res.statusText, problem.errors ?? [], body);
  if (res.status === 401) for (const f of unauthorized) f(error.title);
  throw error;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request(path)).json()) as T;
}

export interface Job {
  id: string;
  status: JobStatus;
  calculationType: CalculationType;
  periodStart: string;
  periodEnd: string;
  gridAreas: string[];
  asOf: string;
  trigger: string;
  requestedAt: string;
  startedAt: string | null;
  executingAt: string | null;
  finishedAt: string | null;
  progress: { doneBatches: number; totalBatches: number };
  error: string | null;
  outputPath?: string | null;
  resultCounts?: Record<string, number> | null;
}

/** An energy result row as the results API's JSON gives it (decimals as strings). */
export interface EnergyRow {
  time_series_type: string;
  aggregation_level: string;
  grid_area_code: string;
  neighbor_grid_area_code: string;
  energy_supplier_id: string;
  balance_responsible_party_id: string;
  metering_point_id: string;
  time: string;
  resolution: string;
  quantity: string;
  quantity_qualities: string[] | null;
}

interface ResultsPage {
  results: EnergyRow[];
  nextCursor: string | null;
}

/** Every energy row of one grid area and type, page by page (nextCursor) until the last. */
export async function energyRows(jobId: string, gridArea: string, type: string): Promise<EnergyRow[]> {
  const rows: EnergyRow[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ kind: 'energy', gridArea, type, format: 'json' });
    if (cursor) q.set('cursor', cursor);
    const page: ResultsPage = await getJson<ResultsPage>(`jobs/${encodeURIComponent(jobId)}/results?${q}`);
    rows.push(...page.results);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

export interface BasisData {
  jobId: string;
  asOf: string | null;
  batches: Array<{ batchId: string; gridArea: string; periodStart: string; periodEnd: string }>;
  lakeBlobs: Array<{ path: string; etag: string }>;
  integrationEvents: Record<
    'masterData' | 'timeSeries' | 'charges',
    Array<{ eventId: string; messageType: string; storedAt: string }>
  >;
  meteringPointPeriods: Array<{
    meteringPointId: string;
    type: string;
    gridAreaCode: string;
    energySupplierId: string | null;
    balanceResponsiblePartyId: string | null;
    fromDate: string;
    toDate: string | null;
  }>;
}

export type BasisDataExport =
  | { state: 'Running'; jobId: string; gridArea: string; statusUrl: string }
  | {
      state: 'Completed';
      jobId: string;
      gridArea: string;
      asOf: string;
      completedAt: string;
      files: Array<{ name: string; url: string; expiresOn: string }>;
    };

/** GET /api/jobs/{a}/diff/{b} (the calculation diff of issue 17). */
export interface SeriesKey {
  time_series_type: string;
  aggregation_level: string;
  grid_area_code: string;
  neighbor_grid_area_code: string | null;
  energy_supplier_id: string | null;
  balance_responsible_party_id: string | null;
  metering_point_id: string | null;
}
export interface Diff {
  jobA: string;
  jobB: string;
  kind: string;
  unit: string;
  filters: Record<string, unknown>;
  seriesCount: number;
  changedSeriesCount: number;
  sumAbsDifference: string;
  series: Array<{
    key: SeriesKey;
    presence: 'both' | 'onlyA' | 'onlyB';
    slots: number;
    changedSlots: number;
    totalA: string | null;
    totalB: string | null;
    sumAbsDifference: string;
    maxAbsDifference: string;
    maxAt: string | null;
  }>;
  gridAreas: Array<{ gridArea: string; sumAbsDifference: string; changedSeries: number }>;
  actors: Array<{ role: string; actorId: string; sumAbsDifference: string; changedSeries: number }>;
  timeline: Array<{ time: string; sumAbsDifference: string }>;
}
