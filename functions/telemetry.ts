/**
 * Azure startup of OpenTelemetry: with APPLICATIONINSIGHTS_CONNECTION_STRING set, the Azure
 * Monitor distro becomes the process's SDK, so the spans, metrics and structured logs of
 * shared/telemetry go to Application Insights (requests/dependencies, customMetrics, traces).
 * Without it nothing is exported. The local host registers the in-memory SDK instead
 * (shared/telemetry/in-process-sdk.ts).
 */
import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { DefaultAzureCredential } from '@azure/identity';
import type { Settings } from '../shared/config/settings';

/** Registers Azure Monitor as the OpenTelemetry SDK when configured; whether it did. */
export function startAzureTelemetry(settings: Settings): boolean {
  const ai = settings.appInsights;
  if (!ai) return false;
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: ai.connectionString,
      // the component disables key ingestion (infra/bicep/modules/monitoring.bicep): the identity sends
      ...(ai.entraAuthentication ? { credential: new DefaultAzureCredential() } : {}),
    },
  });
  return true;
}
