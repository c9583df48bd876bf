/**
 * Errors of the result senders (message-hub/result-sender.ts, esett/sender.ts): a
 * calculation-completed event they cannot act on. Both are thrown, not dead-lettered by the
 * sender: the message is abandoned and redelivered, and the host dead-letters it once
 * maxDeliveryCount is reached.
 */

/** calculation-completed names a job the job store does not know. */
export class CompletedJobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`calculation-completed for unknown job ${jobId}`);
    this.name = 'CompletedJobNotFoundError';
  }
}

/** calculation-completed names a job without committed results to send. */
export class CompletedJobWithoutResultsError extends Error {
  constructor(readonly jobId: string) {
    super(`calculation-completed for job ${jobId}, which has no committed results`);
    this.name = 'CompletedJobWithoutResultsError';
  }
}
