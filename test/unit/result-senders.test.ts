/**
 * The result senders refuse a calculation-completed event they cannot act on with typed errors,
 * on in-memory stores (no Azurite needed).
 */
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { CompletedJobNotFoundError, CompletedJobWithoutResultsError } from '../../shared/market-documents/errors';
import { sendEsettDocuments } from '../../shared/market-documents/esett/sender';
import { sendResultDocuments } from '../../shared/market-documents/message-hub/result-sender';
import type { CalculationCompletedEvent } from '../../shared/messaging/calculation-completed';
import { InProcessBus } from '../../shared/messaging/in-process-bus';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const event: CalculationCompletedEvent = {
  jobId: 'job-1',
  calculationType: 'balance_fixing',
  periodStart: '2023-10-31T23:00:00.000Z',
  periodEnd: '2023-11-30T23:00:00.000Z',
  gridAreaCodes: ['800'],
  outputPath: 'jobs/job-1/',
  completedAt: '2023-12-05T08:00:00.000Z',
  version: 1,
};

function deps() {
  return {
    jobs: new MemoryJobStore(),
    results: new MemoryBlobStore('results'),
    messages: new MemoryBlobStore('messages'),
    bus: new InProcessBus(),
    events: { readEvents: () => Promise.resolve([]) },
    esettReceiverId: '44X-00000000004B',
    clock: () => new Date('2023-12-05T09:00:00Z'),
  };
}

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('result senders on an event they cannot act on', () => {
  it('RSM-014: an unknown job, then a job without committed results', async () => {
    const d = deps();
    const unknown = await refusal(sendResultDocuments(d, event));
    expect(unknown).toBeInstanceOf(CompletedJobNotFoundError);
    expect(unknown).toMatchObject({ jobId: 'job-1', message: 'calculation-completed for unknown job job-1' });

    await d.jobs.createOrGetActive(
      'job-1',
      {
        calculationType: 'balance_fixing',
        periodStart: event.periodStart,
        periodEnd: event.periodEnd,
        gridAreas: ['800'],
        asOf: event.completedAt,
        createdByUserId: 'u',
        trigger: 'http',
      },
      new Date(event.completedAt),
    );
    const empty = await refusal(sendResultDocuments(d, event));
    expect(empty).toBeInstanceOf(CompletedJobWithoutResultsError);
    expect(empty).toMatchObject({
      jobId: 'job-1',
      message: 'calculation-completed for job job-1, which has no committed results',
    });
  });

  it('eSett: a job without committed results', async () => {
    const empty = await refusal(sendEsettDocuments(deps(), event));
    expect(empty).toBeInstanceOf(CompletedJobWithoutResultsError);
    expect(empty).toMatchObject({ jobId: 'job-1' });
  });
});
