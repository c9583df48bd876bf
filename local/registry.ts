/**
 * The local host's FunctionRegistry: HTTP routes for its own server, timers on a one-second
 * tick, orchestrations and activities into the local durable runtime. The handlers are the
 * objects functions/app.ts registers in Azure too.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import type { FunctionRegistry, HttpHandler, ServiceBusHandler, TimerHandler } from '../functions/registry';
import type { Source } from '../shared/messaging/bus';
import type { SubscribableBus } from '../shared/messaging/subscription';
import { matches, parseNcrontab, type CronSchedule } from './ncrontab';
import { DEFAULT_MAX_JOB_REQUEST_BODY_BYTES } from '../shared/config/settings';

/** A path segment that is not valid percent-encoding (`%ZZ`): answered 400, not thrown. */
export class MalformedPathError extends Error {
  constructor(readonly path: string) {
    super(`malformed percent-encoding in ${path.slice(0, 200)}`);
    this.name = 'MalformedPathError';
  }
}

export interface HttpRoute {
  name: string;
  methods: string[];
  /** e.g. 'jobs/{id}/cancel' */
  route: string;
  pattern: RegExp;
  params: string[];
  handler: HttpHandler;
  /** Largest body the server buffers for this route (413 beyond). */
  maxBodyBytes: number;
}

export interface TimerRegistration {
  name: string;
  schedule: CronSchedule;
  handler: TimerHandler;
}

export interface ServiceBusRegistration {
  name: string;
  source: Source;
  handler: ServiceBusHandler;
}

export class LocalRegistry implements FunctionRegistry {
  readonly routes: HttpRoute[] = [];
  readonly timers: TimerRegistration[] = [];
  readonly serviceBusTriggers: ServiceBusRegistration[] = [];
  readonly orchestrations = new Map<string, OrchestrationHandler>();
  readonly activities = new Map<string, ActivityHandler>();

  http(name: string, opts: Parameters<FunctionRegistry['http']>[1]): void {
    const params: string[] = [];
    // a last segment `{*name}` is a catch-all like Azure's: the rest of the path, slashes
    // included, possibly empty (`console/{*path}` answers /api/console, /api/console/ and /api/console/a/b.js)
    const segments = opts.route.split('/');
    const catchAll = /^\{\*(\w+)\}$/.exec(segments[segments.length - 1]);
    if (catchAll) segments.pop();
    const source = segments
      .map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        params.push(m[1]);
        return '([^/]+)';
      })
      .join('/');
    if (catchAll) params.push(catchAll[1]);
    this.routes.push({
      name,
      methods: opts.methods,
      route: opts.route,
      pattern: catchAll ? new RegExp(`^/api/${source}(?:/(.*))?$`, 'i') : new RegExp(`^/api/${source}/?$`, 'i'),
      params,
      handler: opts.handler,
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_JOB_REQUEST_BODY_BYTES,
    });
  }

  timer(name: string, opts: { schedule: string; handler: TimerHandler }): void {
    this.timers.push({ name, schedule: parseNcrontab(opts.schedule), handler: opts.handler });
  }

  serviceBus(name: string, opts: { source: Source; handler: ServiceBusHandler }): void {
    this.serviceBusTriggers.push({ name, source: opts.source, handler: opts.handler });
  }

  /** Pumps every Service Bus trigger's source on the in-process bus; returns a stop function. */
  startServiceBusTriggers(bus: SubscribableBus, log: (s: string) => void): () => Promise<void> {
    const subs = this.serviceBusTriggers.map((t) =>
      bus.subscribe(
        t.source,
        (message) =>
          t.handler(
            message,
            new InvocationContext({
              functionName: t.name,
              triggerMetadata: { messageId: message.messageId, deliveryCount: message.deliveryCount },
              logHandler: (_level, ...args) => log(`[${t.name}] ${args.map(String).join(' ')}`),
            }),
          ),
        {
          onError: (e) => log(`${t.name} failed: ${(e as Error).message}`),
        },
      ),
    );
    return async () => {
      await Promise.all(subs.map((s) => s.close()));
    };
  }

  orchestration(name: string, handler: OrchestrationHandler): void {
    this.orchestrations.set(name, handler);
  }

  activity(name: string, handler: ActivityHandler): void {
    this.activities.set(name, handler);
  }

  match(method: string, path: string): { route: HttpRoute; params: Record<string, string> } | null {
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m || !route.methods.includes(method)) continue;
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(m[i + 1] ?? '')]));
      } catch {
        throw new MalformedPathError(path);
      }
      return { route, params };
    }
    return null;
  }

  /** Starts the one-second timer tick; returns a stop function. */
  startTimers(log: (s: string) => void, now: () => Date = () => new Date()): () => void {
    const tick = setInterval(() => {
      const at = now();
      for (const t of this.timers) {
        if (!matches(t.schedule, at)) continue;
        const timer: Timer = {
          isPastDue: false,
          schedule: { adjustForDST: false },
          scheduleStatus: { last: at.toISOString(), next: '', lastUpdated: at.toISOString() },
        };
        t.handler(timer, new InvocationContext({ functionName: t.name })).catch((e: unknown) =>
          log(`timer ${t.name} failed: ${(e as Error).message}`),
        );
      }
    }, 1000);
    tick.unref();
    return () => clearInterval(tick);
  }
}
