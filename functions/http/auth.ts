/**
 * The HTTP functions' authentication and authorisation gate (issue 12). Function keys stay the
 * outer gate (authLevel 'function'); inside, every request needs a valid bearer token:
 * 401 + `WWW-Authenticate: Bearer` without one or with an invalid one, 403 when none of the
 * caller's roles may call the function. Which rows a caller then sees is shared/auth/access.ts.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AuthenticationError } from '../../shared/auth/errors';
import { hasRole } from '../../shared/auth/access';
import type { Caller, MarketRole } from '../../shared/auth/caller';
import type { AuditRecord } from '../../shared/audit/audit-log';
import type { AppDeps } from '../deps';
import type { HttpHandler } from '../registry';
import { problem } from './responses';

export type AuthorizedHandler = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
) => Promise<HttpResponseInit>;

/** Every role may call it (what it returns is scoped per caller). */
export const ANY_ROLE: readonly MarketRole[] = [
  'datahub_administrator',
  'grid_access_provider',
  'energy_supplier',
  'balance_responsible_party',
];

const quoted = (s: string) => s.replace(/["\\]/g, '');

export function unauthorized(e: AuthenticationError): HttpResponseInit {
  const res = problem(401, 'a valid bearer token is required', [{ path: 'Authorization', message: e.reason }]);
  return {
    ...res,
    headers: {
      ...(res.headers as Record<string, string>),
      'www-authenticate': `Bearer error="${e.code}", error_description="${quoted(e.reason)}"`,
    },
  };
}

/** Wraps a handler: authenticates the caller and checks its roles before the handler runs. */
export function authorized(
  deps: Pick<AppDeps, 'authenticator'>,
  roles: readonly MarketRole[],
  handler: AuthorizedHandler,
): HttpHandler {
  return async (request, context) => {
    let caller: Caller;
    try {
      caller = await deps.authenticator.authenticate(request.headers.get('authorization'));
    } catch (e) {
      if (e instanceof AuthenticationError) {
        context.warn(`${request.method} ${new URL(request.url).pathname}: 401 (${e.reason})`);
        return unauthorized(e);
      }
      throw e;
    }
    if (!hasRole(caller, ...roles))
      return problem(403, `this operation needs one of the roles ${roles.join(', ')}`, [
        { path: 'roles', message: `the token has ${caller.roles.join(', ')}` },
      ]);
    return handler(request, context, caller);
  };
}

/** Longest filter value kept in an audit record (the Table property limit is 64 KiB). */
const MAX_AUDIT_VALUE = 200;

/** Writes the audit record of one read; the read's answer is only sent once the record is stored. */
export async function audited(
  deps: Pick<AppDeps, 'audit' | 'clock' | 'newId'>,
  request: HttpRequest,
  caller: Caller,
  what: { operation: AuditRecord['operation']; route: string; jobId: string },
  response: HttpResponseInit,
  delivered: { rows?: number; files?: number } = {},
): Promise<HttpResponseInit> {
  const filters: Record<string, string> = {};
  for (const [k, v] of request.query.entries()) filters[k] = v.slice(0, MAX_AUDIT_VALUE);
  for (const [k, v] of Object.entries(request.params)) if (k !== 'id') filters[k] = v.slice(0, MAX_AUDIT_VALUE);
  await deps.audit.append({
    id: deps.newId(),
    at: deps.clock().toISOString(),
    subject: caller.subject,
    roles: caller.roles,
    actorNumber: caller.actorNumber,
    operation: what.operation,
    route: what.route,
    jobId: what.jobId.slice(0, MAX_AUDIT_VALUE),
    filters,
    outcome: { status: response.status ?? 200, ...delivered },
  });
  return response;
}
