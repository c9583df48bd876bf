/**
 * CatalogDiscovery: runs every registered discoverer (shared/catalog/discovery/registry.ts) and
 * queues what they announce for the profiler. One failing source does not stop the others (and
 * deletes nothing of its own: its run did not see everything).
 */
import { NAMES } from '../../shared/config/names';
import type { CatalogIndex } from '../../shared/catalog/index/catalog-index';
import type { Discoverer } from '../../shared/catalog/discovery/discoverer';
import { runDiscovery } from '../../shared/catalog/discovery/run-discovery';
import { profileRequestMessage } from '../../shared/catalog/profile-request';
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
              deps.bus().send({ queue: NAMES.serviceBus.catalogProfileQueue }, profileRequestMessage(meta)),
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
