/**
 * The JobStore contract (shared/jobs/job-store.ts): every implementation runs this one suite, so
 * the Functions app can switch stores (JOB_STORE) without behaviour changing. Each test gets a
 * fresh, empty store from `create` and releases it with `cleanup`.
 */
import { specKey, type Job, type JobSpec, type JobStatus } from '../../shared/jobs/job';
import { InvalidJobTransitionError, JobNotFoundError, type JobStore } from '../../shared/jobs/job-store';
import { anyString } from '../support/matchers';

export interface JobStoreUnderTest {
  store: JobStore;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2024-01-01T10:00:00.000Z');
/** Deterministic clock: `at(n)` = T0 + n seconds. */
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

function spec(over: Partial<JobSpec> = {}): JobSpec {
  return {
    calculationType: 'balance_fixing',
    periodStart: '2023-10-31T23:00:00.000Z',
    periodEnd: '2023-11-30T23:00:00.000Z',
    gridAreas: ['800', '801'],
    asOf: '2023-12-05T08:00:00.000Z',
    createdByUserId: 'user-1',
    trigger: 'http',
    ...over,
  };
}

/** Specs that differ in the spec key: one per month of 2023. */
function monthSpec(month: number, over: Partial<JobSpec> = {}): JobSpec {
  const start = new Date(Date.UTC(2023, month, 1) - 3_600_000).toISOString();
  const end = new Date(Date.UTC(2023, month + 1, 1) - 3_600_000).toISOString();
  return spec({ periodStart: start, periodEnd: end, ...over });
}

async function expectInvalid(p: Promise<unknown>, id: string, from: JobStatus, to: JobStatus): Promise<void> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidJobTransitionError);
  expect(err).toMatchObject({ jobId: id, from, to });
}

export function jobStoreContract(name: string, create: () => Promise<JobStoreUnderTest>): void {
  describe(name, () => {
    let sut: JobStoreUnderTest | undefined;
    let store: JobStore;
    beforeEach(async () => {
      sut = await create();
      store = sut.store;
    });
    afterEach(async () => {
      await sut?.cleanup();
      sut = undefined;
    });

    /** Drives a fresh job to `status` through the normal path. */
    async function jobIn(id: string, s: JobSpec, status: JobStatus): Promise<Job> {
      let job = (await store.createOrGetActive(id, s, at(0))).job;
      const path: Record<JobStatus, JobStatus[]> = {
        Requested: [],
        Started: ['Started'],
        Executing: ['Started', 'Executing'],
        Completed: ['Started', 'Executing', 'Completed'],
        Failed: ['Failed'],
        Canceled: ['Canceled'],
      };
      for (const [i, next] of path[status].entries()) job = await store.transition(id, next, at(i + 1));
      return job;
    }

    describe('createOrGetActive', () => {
      it('registers a Requested job with requestedAt and an empty result', async () => {
        const s = spec();
        const { job, created } = await store.createOrGetActive('job-1', s, at(0));
        expect(created).toBe(true);
        expect(job).toEqual({
          ...s,
          id: 'job-1',
          status: 'Requested',
          specKey: specKey(s),
          requestedAt: at(0).toISOString(),
          startedAt: null,
          executingAt: null,
          finishedAt: null,
          progress: { doneBatches: 0, totalBatches: 0 },
          error: null,
          outputPath: null,
          resultCounts: null,
          version: anyString(),
        });
        expect(job.version).not.toBe('');
        expect(await store.get('job-1')).toEqual(job);
      });

      it('returns the active job for the same spec instead of a second one', async () => {
        const first = await store.createOrGetActive('job-1', spec(), at(0));
        const second = await store.createOrGetActive(
          'job-2',
          spec({ createdByUserId: 'someone-else', trigger: 'schedule:nightly' }),
          at(5),
        );
        expect(second.created).toBe(false);
        expect(second.job).toEqual(first.job);
        expect(await store.get('job-2')).toBeNull();
      });

      it('keeps returning the job while it is Started or Executing', async () => {
        await jobIn('job-1', spec(), 'Started');
        expect(await store.createOrGetActive('job-2', spec(), at(10))).toMatchObject({
          created: false,
          job: { id: 'job-1', status: 'Started' },
        });
        await store.transition('job-1', 'Executing', at(11));
        expect(await store.createOrGetActive('job-3', spec(), at(12))).toMatchObject({
          created: false,
          job: { id: 'job-1', status: 'Executing' },
        });
      });

      it('treats grid areas as a set: order does not change the spec key', async () => {
        const a = await store.createOrGetActive('job-1', spec({ gridAreas: ['801', '800', '543'] }), at(0));
        expect(a.job.gridAreas).toEqual(['543', '800', '801']);
        expect(a.job.specKey).toBe(specKey(spec({ gridAreas: ['543', '800', '801'] })));
        expect(a.job.specKey).toBe(specKey(spec({ gridAreas: ['800', '543', '801'] })));
        const b = await store.createOrGetActive('job-2', spec({ gridAreas: ['543', '800', '801'] }), at(1));
        expect(b).toMatchObject({ created: false, job: { id: 'job-1' } });
      });

      it('stores instants canonically, so equal instants written differently are one spec', async () => {
        const a = await store.createOrGetActive(
          'job-1',
          spec({ periodStart: '2023-10-31T23:00:00Z', asOf: '2023-12-05T09:00:00+01:00' }),
          at(0),
        );
        expect(a.job).toMatchObject({
          periodStart: '2023-10-31T23:00:00.000Z',
          asOf: '2023-12-05T08:00:00.000Z',
          specKey: specKey(spec()),
        });
        expect(await store.createOrGetActive('job-2', spec(), at(1))).toMatchObject({
          created: false,
          job: { id: 'job-1' },
        });
        await expect(
          store.createOrGetActive('job-3', spec({ periodEnd: 'not a date', gridAreas: ['900'] }), at(2)),
        ).rejects.toThrow(/periodEnd/);
      });

      it('rejects ids no store can hold (empty, over 128 characters, / \\ # ? or control characters)', async () => {
        for (const id of ['', 'a/b', 'a\\b', 'a#b', 'a?b', 'a\nb', 'x'.repeat(129)]) {
          await expect(store.createOrGetActive(id, spec(), at(0))).rejects.toThrow(/invalid job id/);
          expect(await store.get(id)).toBeNull();
          await expect(store.transition(id, 'Started', at(1))).rejects.toBeInstanceOf(JobNotFoundError);
          await expect(store.setProgress(id, { doneBatches: 1, totalBatches: 1 })).rejects.toBeInstanceOf(
            JobNotFoundError,
          );
        }
        expect(await store.list({})).toEqual([]);
        const id = 'x'.repeat(128);
        expect((await store.createOrGetActive(id, spec(), at(0))).job.id).toBe(id);
      });

      it('creates separate jobs for specs that differ in type, period or grid areas', async () => {
        const specs = [
          spec(),
          spec({ calculationType: 'wholesale_fixing' }),
          spec({ periodEnd: '2023-11-15T23:00:00.000Z' }),
          spec({ periodStart: '2023-11-01T23:00:00.000Z' }),
          spec({ gridAreas: ['800'] }),
        ];
        const results = [];
        for (const [i, s] of specs.entries()) results.push(await store.createOrGetActive(`job-${i}`, s, at(i)));
        expect(results.map((r) => r.created)).toEqual([true, true, true, true, true]);
        expect(new Set(results.map((r) => r.job.specKey)).size).toBe(specs.length);
      });

      it('creates exactly one job for 10 concurrent calls with the same spec', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.createOrGetActive(`job-${i}`, spec({ createdByUserId: `user-${i}` }), at(i)),
          ),
        );
        const created = results.filter((r) => r.created);
        expect(created).toHaveLength(1);
        const winner = created[0].job;
        for (const r of results) expect(r.job.id).toBe(winner.id);
        expect(await store.list({})).toEqual([winner]);
      });

      it.each(['Completed', 'Failed', 'Canceled'] as const)(
        'creates a new job once the previous one is %s',
        async (terminal) => {
          await jobIn('job-1', spec(), terminal);
          const next = await store.createOrGetActive('job-2', spec(), at(20));
          expect(next.created).toBe(true);
          expect(next.job).toMatchObject({ id: 'job-2', status: 'Requested', requestedAt: at(20).toISOString() });
          expect((await store.get('job-1'))?.status).toBe(terminal);
          // …and the new job dedupes again
          expect(await store.createOrGetActive('job-3', spec(), at(21))).toMatchObject({
            created: false,
            job: { id: 'job-2' },
          });
        },
      );

      it('returns the job again for a retried call with the same id', async () => {
        const first = await store.createOrGetActive('job-1', spec(), at(0));
        const retry = await store.createOrGetActive('job-1', spec(), at(3));
        expect(retry.created).toBe(false);
        expect(retry.job).toEqual(first.job);
      });
    });

    describe('transition', () => {
      it('walks Requested → Started → Executing → Completed, setting timestamps and results', async () => {
        const { job: requested } = await store.createOrGetActive('job-1', spec(), at(0));
        const started = await store.transition('job-1', 'Started', at(1));
        expect(started).toMatchObject({
          status: 'Started',
          startedAt: at(1).toISOString(),
          executingAt: null,
          finishedAt: null,
        });
        expect(started.version).not.toBe(requested.version);
        const executing = await store.transition('job-1', 'Executing', at(2), {
          progress: { doneBatches: 0, totalBatches: 4 },
        });
        expect(executing).toMatchObject({
          status: 'Executing',
          startedAt: at(1).toISOString(),
          executingAt: at(2).toISOString(),
          finishedAt: null,
          progress: { doneBatches: 0, totalBatches: 4 },
        });
        const resultCounts = { non_profiled_consumption: 96, production: 48, total_consumption: 0 };
        const completed = await store.transition('job-1', 'Completed', at(3), {
          outputPath: 'jobs/job-1/',
          resultCounts,
          progress: { doneBatches: 4, totalBatches: 4 },
        });
        expect(completed).toEqual({
          ...requested,
          status: 'Completed',
          startedAt: at(1).toISOString(),
          executingAt: at(2).toISOString(),
          finishedAt: at(3).toISOString(),
          progress: { doneBatches: 4, totalBatches: 4 },
          outputPath: 'jobs/job-1/',
          resultCounts,
          version: anyString(),
        });
        expect(await store.get('job-1')).toEqual(completed);
      });

      it('fails a job with the error text', async () => {
        await jobIn('job-1', spec(), 'Executing');
        const error =
          'batch 3: time_series_points.parquet row 17: quantity has 4 decimals\n    at scatter (kernels.ts:120)';
        const failed = await store.transition('job-1', 'Failed', at(9), { error });
        expect(failed).toMatchObject({
          status: 'Failed',
          error,
          finishedAt: at(9).toISOString(),
          outputPath: null,
          resultCounts: null,
        });
        expect(await store.get('job-1')).toEqual(failed);
      });

      it('fails a job straight from Requested (e.g. planning rejected the input)', async () => {
        await store.createOrGetActive('job-1', spec(), at(0));
        expect(await store.transition('job-1', 'Failed', at(1), { error: 'no basis data' })).toMatchObject({
          status: 'Failed',
          startedAt: null,
          finishedAt: at(1).toISOString(),
          error: 'no basis data',
        });
      });

      it.each(['Requested', 'Started', 'Executing'] as const)('cancels a job that is %s', async (from) => {
        await jobIn('job-1', spec(), from);
        const canceled = await store.transition('job-1', 'Canceled', at(30));
        expect(canceled).toMatchObject({ status: 'Canceled', finishedAt: at(30).toISOString() });
        expect(await store.get('job-1')).toEqual(canceled);
      });

      it('rejects transitions NEXT_STATUSES does not allow and leaves the job unchanged', async () => {
        const { job } = await store.createOrGetActive('job-1', spec(), at(0));
        await expectInvalid(store.transition('job-1', 'Completed', at(1)), 'job-1', 'Requested', 'Completed');
        await expectInvalid(store.transition('job-1', 'Executing', at(1)), 'job-1', 'Requested', 'Executing');
        expect(await store.get('job-1')).toEqual(job);

        const completed = await jobIn('job-2', spec({ gridAreas: ['804'] }), 'Completed');
        await expectInvalid(store.transition('job-2', 'Executing', at(9)), 'job-2', 'Completed', 'Executing');
        await expectInvalid(
          store.transition('job-2', 'Failed', at(9), { error: 'late' }),
          'job-2',
          'Completed',
          'Failed',
        );
        await expectInvalid(store.transition('job-2', 'Requested', at(9)), 'job-2', 'Completed', 'Requested');
        expect(await store.get('job-2')).toEqual(completed);

        const canceled = await jobIn('job-3', spec({ gridAreas: ['805'] }), 'Canceled');
        await expectInvalid(store.transition('job-3', 'Started', at(9)), 'job-3', 'Canceled', 'Started');
        expect(await store.get('job-3')).toEqual(canceled);
      });

      it('is an idempotent no-op when the job already has the status', async () => {
        const started = await jobIn('job-1', spec(), 'Started');
        const again = await store.transition('job-1', 'Started', at(50));
        expect(again).toEqual(started); // first startedAt kept, nothing rewritten
        const completed = await jobIn('job-2', spec({ gridAreas: ['804'] }), 'Completed');
        const redelivered = await store.transition('job-2', 'Completed', at(60), { outputPath: 'jobs/other/' });
        expect(redelivered).toEqual(completed);
        expect(await store.get('job-2')).toEqual(completed);
      });

      it('never loses a concurrent transition (each is validated against the latest state)', async () => {
        await store.createOrGetActive('job-1', spec(), at(0));
        // Canceled is allowed from Requested and Started and final; Started only from Requested.
        // Whatever the interleaving, the job must end Canceled and a Started that comes after
        // the cancel must be rejected, never written over it.
        const calls = Array.from({ length: 8 }, (_, i) =>
          store
            .transition(
              'job-1',
              i % 2 === 0 ? 'Started' : 'Canceled',
              at(1 + i),
              i % 2 === 0 ? undefined : { error: `cancel ${i}` },
            )
            .then(
              (job) => ({ ok: true as const, job }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
        );
        await store.setProgress('job-1', { doneBatches: 0, totalBatches: 3 });
        const results = await Promise.all(calls);
        for (const [i, r] of results.entries()) {
          if (i % 2 === 1) expect(r).toMatchObject({ ok: true, job: { status: 'Canceled' } });
          else if (!r.ok)
            expect(r.error).toMatchObject({ name: 'InvalidJobTransitionError', from: 'Canceled', to: 'Started' });
        }
        const final = await store.get('job-1');
        expect(final).toMatchObject({ status: 'Canceled', progress: { doneBatches: 0, totalBatches: 3 } });
        // exactly one cancel was written; the others were idempotent no-ops returning it
        const canceled = results.filter((r, i) => i % 2 === 1 && r.ok).map((r) => (r.ok ? r.job.finishedAt : null));
        expect(new Set(canceled).size).toBe(1);
        expect(canceled[0]).toBe(final?.finishedAt);
      });

      it('throws JobNotFoundError for an unknown id', async () => {
        await expect(store.transition('nope', 'Started', at(0))).rejects.toBeInstanceOf(JobNotFoundError);
        await expect(store.transition('nope', 'Started', at(0))).rejects.toMatchObject({ jobId: 'nope' });
      });
    });

    describe('setProgress', () => {
      it('updates progress without changing the status', async () => {
        const executing = await jobIn('job-1', spec(), 'Executing');
        await store.setProgress('job-1', { doneBatches: 3, totalBatches: 10 });
        const after = await store.get('job-1');
        expect(after).toEqual({
          ...executing,
          progress: { doneBatches: 3, totalBatches: 10 },
          version: anyString(),
        });
        // a later transition keeps it
        await store.setProgress('job-1', { doneBatches: 10, totalBatches: 10 });
        const done = await store.transition('job-1', 'Completed', at(9), { outputPath: 'jobs/job-1/' });
        expect(done.progress).toEqual({ doneBatches: 10, totalBatches: 10 });
      });

      it('throws JobNotFoundError for an unknown id', async () => {
        await expect(store.setProgress('nope', { doneBatches: 1, totalBatches: 2 })).rejects.toBeInstanceOf(
          JobNotFoundError,
        );
      });
    });

    describe('get and list', () => {
      it('returns null for an unknown id', async () => {
        expect(await store.get('nope')).toBeNull();
      });

      it('lists newest first, by status and by calculation type, with a limit', async () => {
        // requestedAt order differs from id order and from insertion order on purpose
        const plan: Array<[id: string, month: number, type: JobSpec['calculationType'], seconds: number]> = [
          ['c', 0, 'balance_fixing', 30],
          ['a', 1, 'wholesale_fixing', 10],
          ['e', 2, 'balance_fixing', 50],
          ['b', 3, 'aggregation', 20],
          ['d', 4, 'wholesale_fixing', 40],
        ];
        for (const [id, month, calculationType, seconds] of plan)
          await store.createOrGetActive(id, monthSpec(month, { calculationType }), at(seconds));
        await store.transition('a', 'Started', at(60));
        await store.transition('d', 'Canceled', at(61));

        const ids = (jobs: Job[]): string[] => jobs.map((j) => j.id);
        expect(ids(await store.list({}))).toEqual(['e', 'd', 'c', 'b', 'a']);
        expect(ids(await store.list({ limit: 2 }))).toEqual(['e', 'd']);
        expect(ids(await store.list({ status: 'Requested' }))).toEqual(['e', 'c', 'b']);
        expect(ids(await store.list({ status: 'Started' }))).toEqual(['a']);
        expect(ids(await store.list({ status: 'Completed' }))).toEqual([]);
        expect(ids(await store.list({ calculationType: 'wholesale_fixing' }))).toEqual(['d', 'a']);
        expect(ids(await store.list({ calculationType: 'balance_fixing', status: 'Requested', limit: 1 }))).toEqual([
          'e',
        ]);
        expect(await store.list({ limit: 0 })).toEqual([]);
        // list returns the same jobs get does
        const listed = await store.list({ status: 'Started' });
        expect(listed[0]).toEqual(await store.get('a'));
      });

      it('returns at most 100 jobs by default', async () => {
        const n = 105;
        for (let i = 0; i < n; i += 15) {
          await Promise.all(
            Array.from({ length: Math.min(15, n - i) }, (_, k) => {
              const j = i + k;
              return store.createOrGetActive(
                `job-${String(j).padStart(3, '0')}`,
                spec({ gridAreas: [String(100 + j)] }),
                at(j),
              );
            }),
          );
        }
        const listed = await store.list({});
        expect(listed).toHaveLength(100);
        expect(listed[0].id).toBe('job-104');
        expect(listed[99].id).toBe('job-005');
      });
    });
  });
}
