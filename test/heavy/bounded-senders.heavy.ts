/**
 * Issue 12 "bounded work", at full size: a balance fixing month with ≥ 5 M energy result rows
 * (44 grid areas × ~129 k rows: 6,600 metering points, 4 suppliers per grid area, 31 days of
 * quarter hours) completes, and the RSM-014 and eSett senders deliver every document, while
 * `GET /api/jobs/{id}`, polled every ~100 ms from the job's start until both senders finished,
 * answers within 1 s every time. test/support/bounded-senders.ts describes the setup; the
 * scaled-down variant runs in `npm test` (test/e2e/bounded-senders.test.ts).
 */
import { runBoundedSenders } from '../support/bounded-senders';

it('≥ 5 M result rows: the job completes, both senders finish, status answers < 1 s throughout', async () => {
  const f = await runBoundedSenders({
    meteringPoints: 6600,
    gridAreas: 44,
    suppliersPerGridArea: 4,
    days: 31,
    timeoutMs: 3_000_000,
  });
  console.log(JSON.stringify(f));
  expect(f.jobStatus).toBe('Completed');
  expect(f.energyRows).toBeGreaterThanOrEqual(5_000_000);
  expect(f.rsm014Documents).toBeGreaterThan(0);
  expect(f.rsm014SentMarkers).toBe(f.rsm014Documents);
  expect(f.esettDocuments).toBe(44);
  expect(f.esettSentMarkers).toBe(44);
  expect(f.maxStatusLatencyMs).toBeLessThan(1000);
});
