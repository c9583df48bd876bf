/**
 * Issue 12, "no accepted input can break a calculation": time series accepted by
 * `POST /api/time-series` or as TimeSeriesPointsReceived events never make a job fail, and the job
 * uses the as-of pick of docs/energy-calculation.md ("Bi-temporal"): per (metering point, time)
 * the greatest registration time at or before as-of, a lake point without one counting as the
 * earliest, ties settled by the higher quality code, then the larger quantity.
 *
 * The jobs run through the settlement use cases (planBatches → calculateBatch → commitJob) on
 * memory stores. The expectation is computed here, independently of the engine's pick: the picked
 * points are written as a plain lake (one point per slot, no registration times, no events) and the
 * same job over it must give the same rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, PERIOD_COLUMNS, type SyntheticData, type SyntheticDay } from '../../bench/synthetic';
import { ingestTimeSeriesHandler } from '../../functions/http/time-series';
import { devAuthenticator } from '../../local/dev-issuer';
import { uploadLake } from '../../local/upload-lake';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { RESOLUTION_MS, type Resolution, QUALITIES } from '../../shared/domain/codes';
import { currentLakeLayout } from '../../shared/ingestion/time-series-ingestion';
import { encodeIntegrationEvent } from '../../shared/integration-events/encode';
import type { TimeSeriesPointsReceived } from '../../shared/integration-events/events';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { readResults } from '../../shared/results/committed-results';
import type { BatchOutput } from '../../shared/settlement/batch';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { adminToken } from '../support/tokens';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const T0 = Date.parse('2023-11-05T07:00:00Z');
const JOB = 'job-accepted-input';

/** Small seeded PRNG (mulberry32): the property runs are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A point as the engine sees it: a null quantity is 0. */
interface Value {
  milli: number;
  quality: number;
}
/** One candidate for a slot: registration -Infinity for the lake's points (no registration time). */
interface Candidate extends Value {
  reg: number;
}
interface Slot {
  mp: number;
  time: number;
}

const data: SyntheticData = generateSynthetic({
  seed: 12,
  meteringPoints: 8,
  gridAreas: 1,
  days: 1,
  periodStart: '2023-10-31T23:00:00Z',
  calculationType: 'balance_fixing',
  missingShare: 0.1,
  nullShare: 0.05,
  exchangeShare: 0,
});
const ids = data.meteringPointIds;
const resolutionOf = new Map<string, Resolution>(
  data.periods.map((row) => [
    row[PERIOD_COLUMNS.indexOf('metering_point_id')],
    row[PERIOD_COLUMNS.indexOf('resolution')] as Resolution,
  ]),
);
/** The lake's points, per slot key. */
const base = new Map<string, Candidate & Slot>();
const slotKey = (s: Slot) => `${s.mp}@${s.time}`;
for (const d of data.days())
  for (let i = 0; i < d.length; i++)
    base.set(slotKey({ mp: d.mp[i], time: d.time[i] }), {
      mp: d.mp[i],
      time: d.time[i],
      milli: d.quantityMilli[i],
      quality: d.quality[i],
      reg: -Infinity,
    });
const gridLoss = new Set(data.gridLossMeteringPointIds);
/** Slots of the calculation period whose points count (not grid-loss metering points', not those without master data). */
const slots = [...base.values()].filter(
  (s) =>
    s.time >= data.args.periodStart &&
    s.time < data.args.periodEnd &&
    resolutionOf.has(ids[s.mp]) &&
    !gridLoss.has(ids[s.mp]),
);

const root = mkdtempSync(join(tmpdir(), 'accepted-time-series-'));
const baseLake = join(root, 'base');
let runs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  // from the points recorded above: the generator's days are not guaranteed to repeat exactly
  await writeSyntheticLake(baseLake, { ...data, forEachDay: (cb) => daysOf([...base.values()]).forEach(cb) });
});

/** The documented pick (docs/energy-calculation.md), written out independently of the engine. */
function pick(cands: readonly Candidate[], asOf: number): Candidate | null {
  let best: Candidate | null = null;
  for (const c of cands) {
    if (c.reg > asOf) continue;
    if (
      best === null ||
      c.reg > best.reg ||
      (c.reg === best.reg && (c.quality > best.quality || (c.quality === best.quality && c.milli > best.milli)))
    )
      best = c;
  }
  return best;
}

/** One system under test: lake in a memory blob store, event store, handler, clock. */
class World {
  readonly basisData = new MemoryBlobStore('basis-data');
  readonly events = new MemoryIntegrationEventStore();
  readonly lake: BlobLake;
  now = T0;
  /** Every accepted point per slot (the lake's own included), for the expectation. */
  readonly candidates = new Map<string, Candidate[]>();
  readonly published: Array<{ event: TimeSeriesPointsReceived; body: Uint8Array }> = [];
  private readonly handler: ReturnType<typeof ingestTimeSeriesHandler>;

  constructor() {
    this.lake = new BlobLake(this.basisData, join(root, `cache-${runs++}`));
    for (const [k, c] of base) this.candidates.set(k, [c]);
    this.handler = ingestTimeSeriesHandler({
      basisData: this.basisData,
      clock: () => new Date(this.now),
      lakeLayout: (now) => currentLakeLayout({ lake: this.lake, events: this.events }, now),
      authenticator: devAuthenticator(),
    });
  }

  async init(): Promise<this> {
    await uploadLake(baseLake, this.basisData);
    return this;
  }

  /** POST /api/time-series with NDJSON lines; records the points as candidates when accepted. */
  async ingest(points: Array<Slot & Value>): Promise<HttpResponseInit> {
    const body = points
      .map((p) =>
        JSON.stringify({
          metering_point_id: ids[p.mp],
          quantity: p.quality === 0 ? null : (p.milli / 1000).toFixed(3),
          quality: QUALITIES[p.quality],
          observation_time: new Date(p.time).toISOString(),
          resolution: resolutionOf.get(ids[p.mp]),
        }),
      )
      .join('\n');
    const request = new HttpRequest({
      url: 'http://localhost/api/time-series',
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${await adminToken()}` },
      body: { string: body },
    });
    const r = await this.handler(request, ctx());
    if (r.status === 200)
      for (const p of points) this.accept(p, { milli: p.quality === 0 ? 0 : p.milli, quality: p.quality }, this.now);
    return r;
  }

  /** A TimeSeriesPointsReceived event for one slot, stored now under a new EventId. */
  async publish(p: Slot & Value, registrationTime: number): Promise<void> {
    const resolution = resolutionOf.get(ids[p.mp]) as Resolution;
    const event: TimeSeriesPointsReceived = {
      messageType: 'TimeSeriesPointsReceived',
      meteringPointId: ids[p.mp],
      resolution,
      registrationTime,
      periodStart: p.time,
      periodEnd: p.time + RESOLUTION_MS[resolution],
      points: [
        {
          position: 1,
          quantityMilli: p.quality === 0 ? null : p.milli,
          quality: QUALITIES[p.quality],
        },
      ],
    };
    const { body } = encodeIntegrationEvent(event);
    this.published.push({ event, body });
    await this.append(event, body);
    this.accept(p, { milli: p.quality === 0 ? 0 : p.milli, quality: p.quality }, registrationTime);
  }

  /** The same event content again under a new EventId (a publisher's retry with a fresh id). */
  async republish(k: number): Promise<void> {
    const { event, body } = this.published[k];
    await this.append(event, body);
  }

  private async append(event: TimeSeriesPointsReceived, body: Uint8Array): Promise<void> {
    const eventId = `ev-${this.published.length}-${Math.round(this.now)}-${Math.random().toString(36).slice(2)}`;
    const { stored } = await this.events.append({ eventId, event, body, storedAt: this.now });
    expect(stored).toBe(true);
  }

  private accept(s: Slot, v: Value, reg: number): void {
    const k = slotKey(s);
    let list = this.candidates.get(k);
    if (!list) this.candidates.set(k, (list = []));
    list.push({ ...v, reg });
  }

  /** The job over this world's lake and events as of `asOf`: its rows, or the error that failed it. */
  async runJob(asOf: number): Promise<string[]> {
    return runEnergyJob(this.lake, this.events, asOf);
  }

  /** The same job over a plain lake holding exactly the documented pick per slot. */
  async expected(asOf: number): Promise<string[]> {
    const picked = new Map<string, Slot & Value>();
    for (const [k, cands] of this.candidates) {
      const c = pick(cands, asOf);
      const [mp, time] = k.split('@').map(Number);
      if (c) picked.set(k, { mp, time, milli: c.milli, quality: c.quality });
    }
    const dir = join(root, `expected-${runs++}`);
    await writeSyntheticLake(dir, { ...data, forEachDay: (cb) => daysOf([...picked.values()]).forEach(cb) });
    const store = new MemoryBlobStore('basis-data');
    await uploadLake(dir, store);
    rmSync(dir, { recursive: true, force: true });
    return runEnergyJob(new BlobLake(store, join(root, `cache-${runs++}`)), new MemoryIntegrationEventStore(), asOf);
  }
}

function daysOf(points: Array<Slot & Value>): SyntheticDay[] {
  const byDate = new Map<string, Array<Slot & Value>>();
  for (const p of points) {
    const date = new Date(p.time).toISOString().slice(0, 10);
    byDate.set(date, [...(byDate.get(date) ?? []), p]);
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, ps]) => ({
      date,
      length: ps.length,
      mp: Int32Array.from(ps, (p) => p.mp),
      time: Float64Array.from(ps, (p) => p.time),
      quantityMilli: Float64Array.from(ps, (p) => p.milli),
      quality: Uint8Array.from(ps, (p) => p.quality),
      quantityNull: Uint8Array.from(ps, (p) => (p.quality === 0 ? 1 : 0)),
      registration: null,
    }));
}

async function runEnergyJob(lake: BlobLake, events: MemoryIntegrationEventStore, asOf: number): Promise<string[]> {
  const jobs = new MemoryJobStore();
  const results = new MemoryBlobStore('results');
  const now = new Date(asOf);
  const args = data.args;
  await jobs.createOrGetActive(
    JOB,
    {
      calculationType: args.calculationType,
      periodStart: new Date(args.periodStart).toISOString(),
      periodEnd: new Date(args.periodEnd).toISOString(),
      gridAreas: args.gridAreas,
      asOf: now.toISOString(),
      createdByUserId: 'test',
      trigger: 'test',
    },
    now,
  );
  const deps = {
    lake,
    events,
    jobs,
    results,
    batchMaxPoints: 1_000_000,
    quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
    clock: () => now,
  };
  const batches = await planBatches(deps, JOB);
  await jobs.transition(JOB, 'Started', now);
  await jobs.transition(JOB, 'Executing', now);
  const outputs: BatchOutput[] = [];
  for (const b of batches) outputs.push(await calculateBatch(deps, JOB, b));
  await commitJob(deps, JOB, outputs);
  const rows = (await readResults(results, JOB, {})) ?? [];
  return rows.map((r) => JSON.stringify(r)).sort();
}

const problemOf = (r: HttpResponseInit) => r.jsonBody as { errors?: Array<{ path: string; message: string }> };

describe('accepted time series never break a job (issue 12, findings 1 and 2)', () => {
  const [s1, s2] = slots;
  const value = (s: Slot, milli: number, quality = 2): Slot & Value => ({ mp: s.mp, time: s.time, milli, quality });

  it('finding 1a: two points for one metering point and time in one body → 400 naming both rows, nothing written', async () => {
    const w = await new World().init();
    const before = await w.basisData.list('');
    const r = await w.ingest([value(s1, 1000), value(s2, 2000), value(s1, 3000)]);
    expect(r.status).toBe(400);
    const errors = problemOf(r).errors ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('row 3.observation_time');
    expect(errors[0].message).toMatch(/row 1 and row 3/);
    expect(errors[0].message).toContain(ids[s1.mp]);
    expect(errors[0].message).toContain(new Date(s1.time).toISOString());
    expect(await w.basisData.list('')).toEqual(before);
    expect(await w.runJob(w.now + 1000)).toEqual(await w.expected(w.now + 1000));
  }, 60_000);

  it('finding 1b: a correction of a lake point without registration_time wins, and a later correction wins again', async () => {
    const w = await new World().init();
    expect((await w.ingest([value(s1, 7777)])).status).toBe(200);
    w.now += 1000;
    expect((await w.ingest([value(s1, 8888)])).status).toBe(200);
    w.now += 1000;
    const rows = await w.runJob(w.now);
    expect(rows).toEqual(await w.expected(w.now));
    // the correction really is in the results: without it the rows differ
    expect(rows).not.toEqual(await new World().init().then((fresh) => fresh.runJob(w.now)));
  }, 60_000);

  it('two ingestions with the same registration time: the documented tie rule, not a failed job', async () => {
    const w = await new World().init();
    expect((await w.ingest([value(s1, 5000, 1)])).status).toBe(200);
    expect((await w.ingest([value(s1, 4000, 3)])).status).toBe(200); // same clock: same registration time
    expect((await w.ingest([value(s1, 9000, 3)])).status).toBe(200);
    expect(await w.runJob(w.now + 1000)).toEqual(await w.expected(w.now + 1000));
  }, 60_000);

  it('finding 2: the same event under a new EventId is harmless; a different value with the same registration time is settled by the rule', async () => {
    const w = await new World().init();
    await w.publish(value(s1, 1234), T0 - 60_000);
    w.now += 1000;
    await w.republish(0);
    w.now += 1000;
    await w.publish(value(s2, 1000, 1), T0 - 60_000);
    await w.publish(value(s2, 999, 2), T0 - 60_000);
    w.now += 1000;
    expect(await w.runJob(w.now)).toEqual(await w.expected(w.now));
  }, 60_000);

  it('property: any sequence of accepted ingestions and events leaves the job runnable with the documented pick', async () => {
    const SEQUENCES = Number(process.env.PROPERTY_RUNS ?? 200);
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const rnd = prng(seed);
      const int = (n: number) => Math.floor(rnd() * n);
      const w = await new World().init();
      // a few hot slots, so operations collide on the same (metering point, time)
      const hot = Array.from({ length: 1 + int(2) }, () => slots[int(slots.length)]);
      // mostly 'measured', so equal registration times often meet equal qualities (the quantity decides)
      const randomValue = (s: Slot): Slot & Value => {
        const quality = rnd() < 0.6 ? 2 : int(4);
        return value(s, quality === 0 ? 0 : int(4) * 250, quality);
      };
      const regs: number[] = [T0 - 3_600_000];
      const log: string[] = [];
      const steps = 2 + int(6);
      for (let k = 0; k < steps; k++) {
        if (rnd() < 0.5) w.now += 1000; // otherwise the same clock: equal registration times
        const op = int(3);
        if (op === 0) {
          const chosen = [...new Set(Array.from({ length: 1 + int(hot.length) }, () => hot[int(hot.length)]))];
          const points = chosen.map(randomValue);
          const dup = rnd() < 0.25;
          if (dup) points.push(randomValue(chosen[0]));
          const r = await w.ingest(points);
          log.push(`ingest ${points.length}${dup ? ' (dup)' : ''} → ${r.status}`);
          if (r.status !== (dup ? 400 : 200))
            throw new Error(`seed ${seed} (${log.join(', ')}): ${JSON.stringify(r.jsonBody)}`);
          if (!dup) regs.push(w.now);
        } else if (op === 1 || w.published.length === 0) {
          const reg = rnd() < 0.5 ? regs[int(regs.length)] : w.now;
          await w.publish(randomValue(hot[int(hot.length)]), reg);
          regs.push(reg);
          log.push(`publish reg ${reg - T0}`);
        } else {
          await w.republish(int(w.published.length));
          log.push('republish');
        }
      }
      const asOf = w.now + (rnd() < 0.8 ? 1000 : 0);
      let actual: string[];
      try {
        actual = await w.runJob(asOf);
      } catch (e) {
        throw new Error(`seed ${seed} (${log.join(', ')}): the job failed: ${(e as Error).message}`);
      }
      const expected = await w.expected(asOf);
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        throw new Error(`seed ${seed} (${log.join(', ')}): results differ from the documented pick`);
    }
  }, 600_000);
});
