import type { InvocationContext } from '@azure/functions';
import type { Settings } from '../shared/config/settings';
import type { JobStore } from '../shared/jobs/job-store';
import type { IntegrationEventStore } from '../shared/integration-events/store/event-store';
import type { SettlementDeps } from '../shared/settlement/settlement-service';
import type { BlobStore } from '../shared/storage/blob-store';
import type { OrchestrationClient } from './registry';

/** Everything the function handlers need, built once by the host's composition root. */
export interface AppDeps {
  settings: Settings;
  jobs: JobStore;
  settlement: SettlementDeps;
  /** Where the integration-event subscriber appends (and calculations read as of their as-of). */
  integrationEvents: IntegrationEventStore;
  /** The basis-data lake container (bulk ingestion writes here). */
  basisData: BlobStore;
  /** Grid areas present in the basis data (for request validation and "all"). */
  knownGridAreas(): Promise<Set<string>>;
  orchestrationClient(context: InvocationContext): OrchestrationClient;
  clock(): Date;
  newId(): string;
}
