import type { Job } from './api';
import { h } from './dom';

/** Status badge and progress of a job (shared by the list and the job page). */
export function statusBadge(job: Job): HTMLElement {
  return h('span', { class: `status status-${job.status.toLowerCase()}`, 'data-status': job.status }, job.status);
}

export function progress(job: Job): HTMLElement {
  const { doneBatches, totalBatches } = job.progress;
  return h(
    'span',
    { class: 'progress' },
    h('progress', {
      max: Math.max(1, totalBatches),
      value: doneBatches,
      'aria-label': `Batches done of job ${job.id}`,
    }),
    h('span', { 'data-progress': '' }, ` ${doneBatches}/${totalBatches}`),
  );
}

export const ACTIVE = new Set(['Requested', 'Started', 'Executing']);
