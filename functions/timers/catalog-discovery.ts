/**
 * CatalogDiscovery: runs every registered discoverer (shared/catalog/discovery/registry.ts) and
 * queues what they announce for the profiler. One failing source does not stop the others (and
 * deletes nothing of its own: its run did not see everything).
 */
import { NAMES } from '../../shared/config/names';
import type { CatalogIndex } from '../../shared/catalog/index/catalog-index';
import type { Discoverer } from '../../shared/catalog/discovery/discoverer';
import { runDiscovery } from '../../shared/catalog/discovery/run-discovery';
import { encodeProfileRequest } from '../../shared/catalog/profile-request';
import type { MessageBus } from '../../shared/messaging/bus';
import type { TimerHandler } from '../registry';

export function catalogDiscoveryHandler(deps: {
  discoverers: readonly Discoverer[];
  index: CatalogIndex;
  bus: () => MessageBus;
  clock: () => Date;
}): TimerHandler {
  return async (_timer, context) => {
    for (const d of deps.discoverers) {
      try {
        const run = await runDiscovery(
          {
            index: deps.index,
            clock: deps.clock,
            enqueue: (meta) =>
              deps.bus().send(
                { queue: NAMES.serviceBus.catalogProfileQueue },
                // one message per dataset and run day: a rerun the same day is dropped by duplicate detection
                {
                  messageId: `${meta.id}@${meta.materialize.date.slice(0, 10)}`.slice(0, 128),
                  body: encodeProfileRequest(meta),
                  contentType: 'application/json',
                },
              ),
          },
          d,
        );
        context.log(`catalog discovery ${d.identifier}: ${run.announced} announced, ${run.deleted.length} deleted`);
      } catch (e) {
        context.error(`catalog discovery ${d.identifier} failed: ${(e as Error).message}`);
      }
    }
  };
}
