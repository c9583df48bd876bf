/**
 * The paths of the app's OpenAPI document, built synchronously from what functions/app.ts
 * registers (with in-memory ports). Lets a test decide at definition time whether a route exists,
 * e.g. the console's compare test, which needs the calculation diff route.
 */
import { registerFunctions } from '../../functions/app';
import { buildDeps } from '../../functions/composition';
import { documenting } from '../../functions/registry';
import { LocalRegistry } from '../../local/registry';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { loadSettings } from '../../shared/config/settings';
import { buildOpenApi, type DocumentedRoute } from '../../shared/http-api/openapi';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

export function openApiPaths(): string[] {
  const blobs = new MemoryBlobStore();
  const deps = buildDeps({
    settings: loadSettings({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      SETTLEMENT_SCHEDULE: '[]',
      AUTH_DEV_ISSUER: 'true',
    }),
    basisData: blobs,
    results: blobs,
    messages: blobs,
    exports: blobs,
    jobs: new MemoryJobStore(),
    integrationEvents: new MemoryIntegrationEventStore(),
    bus: () => {
      throw new Error('not used');
    },
    publishCompleted: async () => {},
    orchestrationClient: () => {
      throw new Error('not used');
    },
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
  });
  const routes: DocumentedRoute[] = [];
  registerFunctions(documenting(new LocalRegistry(), routes), deps);
  return Object.keys(buildOpenApi(routes, { title: 'probe', version: '0', description: '' }).paths);
}
