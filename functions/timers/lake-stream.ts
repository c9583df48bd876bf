import type { InvocationContext, Timer } from '@azure/functions';
import { NAMES } from '../../shared/config/names';
import { compactHour, pollStream } from '../../shared/lake/stream/stream';
import { dayOf } from '../../shared/lake/zones';
import type { AppDeps } from '../deps';
import type { TimerHandler } from '../registry';

/** Every minute: polls the stream feed onto the lake stream topic. */
export function streamPollHandler(deps: AppDeps, feedUrl: string): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const r = await pollStream({ partitions: deps.lake.partitions, bus: deps.bus() }, feedUrl, {
      topic: NAMES.serviceBus.lakeStreamTopic,
    });
    if (r.sent > 0) context.log(`lake stream: sent ${r.sent} events, cursor ${r.cursor}`);
  };
}

/**
 * Hourly (minute 10): compacts the previous receipt hour, which is complete by then (a message
 * received at hh:59:59 is stored within the delivery lock of 1 minute).
 */
export function streamCompactionHandler(deps: AppDeps): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const previous = deps.clock().getTime() - 3_600_000;
    const r = await compactHour(deps.lake, dayOf(previous), new Date(previous).getUTCHours());
    context.log(`lake stream compaction: ${r.events} events, ${r.added} new, ${r.duplicates} duplicates`);
  };
}
