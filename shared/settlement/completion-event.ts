import { NAMES } from '../config/names';
import type { Job } from '../jobs/job';
import type { MessageBus } from '../messaging/bus';
import { calculationCompletedMessage, type CalculationCompletedEvent } from '../messaging/calculation-completed';
import { jobOutputPath } from './job-paths';
import type { Manifest } from './manifest';
import type { CompletionPublisher } from './use-cases/publish-completed';

export function completionEvent(job: Job, manifest: Manifest): CalculationCompletedEvent {
  return {
    jobId: job.id,
    calculationType: job.calculationType,
    periodStart: job.periodStart,
    periodEnd: job.periodEnd,
    gridAreaCodes: job.gridAreas,
    outputPath: jobOutputPath(job.id),
    completedAt: manifest.committedAt,
    // monotonically increasing per commit, like the reference's calculation version
    version: Date.parse(manifest.committedAt),
  };
}

/** Publishes on the domain events topic; the message id derives from the job id, so a retried publish is a detectable duplicate. */
export function publisherOn(bus: MessageBus): CompletionPublisher {
  return (job, manifest) =>
    bus.send(
      { topic: NAMES.serviceBus.domainEventsTopic },
      calculationCompletedMessage(completionEvent(job, manifest)),
    );
}
