/**
 * What the app registers, independent of the host. The Azure host (functions/index.ts) maps
 * these onto `app.*` / `df.app.*`; the local host (local/host.ts) onto its own HTTP server,
 * timers and durable runtime. Handlers are the same objects in both.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import type { ReceivedMessage, Source } from '../shared/messaging/bus';
import type { DocumentedRoute, RouteDoc } from '../shared/http-api/openapi';

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;
/**
 * A Service Bus message handler. Like the bus port's pump (shared/messaging/subscription.ts):
 * resolving completes the message, throwing abandons it (redelivered, then dead-lettered after
 * maxDeliveryCount), and the handler may dead-letter a poison message itself with a reason.
 */
export type ServiceBusHandler = (message: ReceivedMessage, context: InvocationContext) => Promise<void>;

export interface FunctionRegistry {
  http(
    name: string,
    opts: {
      methods: Array<'GET' | 'POST' | 'PUT' | 'DELETE'>;
      route: string;
      handler: HttpHandler;
      durableClient?: boolean;
      /**
       * Largest request body the host buffers for this route (413 beyond); default the job request
       * limit. The local host enforces it before buffering; on Azure the handler reads with a cap.
       */
      maxBodyBytes?: number;
      /** Its OpenAPI description (shared/http-api/routes.ts); required of every route by test/handlers/openapi.test.ts. */
      api?: RouteDoc;
      /** No function key in Azure (authLevel 'anonymous'); the handler does no token check either. */
      anonymous?: boolean;
    },
  ): void;
  timer(name: string, opts: { schedule: string; handler: TimerHandler }): void;
  /**
   * Service Bus trigger on a queue or a topic subscription. `poisonQueue`: where the Azure host
   * forwards what the handler dead-letters (functions/service-bus-trigger.ts); the local host's
   * bus dead-letters natively.
   */
  serviceBus(name: string, opts: { source: Source; poisonQueue?: string; handler: ServiceBusHandler }): void;
  orchestration(name: string, handler: OrchestrationHandler): void;
  activity(name: string, handler: ActivityHandler): void;
}

/** The part of a Durable client the app uses; Azure: df.getClient(context), local: the local runtime. */
export interface OrchestrationClient {
  start(orchestrator: string, instanceId: string, input: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
}

/**
 * The registry with every HTTP registration also recorded into `routes` (for the OpenAPI spec),
 * so the spec lists exactly what is registered.
 */
export function documenting(registry: FunctionRegistry, routes: DocumentedRoute[]): FunctionRegistry {
  return {
    http(name, opts) {
      routes.push({ name, route: opts.route, methods: opts.methods, api: opts.api });
      registry.http(name, opts);
    },
    timer: registry.timer.bind(registry),
    serviceBus: registry.serviceBus.bind(registry),
    orchestration: registry.orchestration.bind(registry),
    activity: registry.activity.bind(registry),
  };
}
