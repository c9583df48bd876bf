/**
 * What the app registers, independent of the host. The Azure host (functions/index.ts) maps
 * these onto `app.*` / `df.app.*`; the local host (local/host.ts) onto its own HTTP server,
 * timers and durable runtime. Handlers are the same objects in both.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

export interface FunctionRegistry {
  http(name: string, opts: { methods: Array<'GET' | 'POST'>; route: string; handler: HttpHandler; durableClient?: boolean }): void;
  timer(name: string, opts: { schedule: string; handler: TimerHandler }): void;
  orchestration(name: string, handler: OrchestrationHandler): void;
  activity(name: string, handler: ActivityHandler): void;
}

/** The part of a Durable client the app uses; Azure: df.getClient(context), local: the local runtime. */
export interface OrchestrationClient {
  start(orchestrator: string, instanceId: string, input: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
}
