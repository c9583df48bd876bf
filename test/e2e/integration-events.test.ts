/**
 * Integration events end to end through the local host: events published on the in-process
 * Service Bus reach the subscriber trigger, are stored, and change the next calculation; a job
 * re-run with the same as-of after a correction gives identical results while a new job sees the
 * correction; GET /api/jobs/{id}/basis-data lists what a job used; a poison message is
 * dead-lettered with its reason.
 */
import { adminFetch } from '../support/tokens';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic, PERIOD_COLUMNS } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import { NAMES } from '../../shared/config/names';
import { integrationEventMessage } from '../../shared/integration-events/encode';
import type { IntegrationEvent } from '../../shared/integration-events/events';
import { INVALID_INTEGRATION_EVENT_REASON } from '../../shared/integration-events/subscriber';
import { ENERGY_RESULTS_CSV_HEADER } from '../../shared/results/energy-csv';

const TOPIC = { topic: NAMES.serviceBus.integrationEventsTopic };
const SUBSCRIPTION = {
  topic: NAMES.serviceBus.integrationEventsTopic,
  subscription: NAMES.serviceBus.basisDataSubscription,
};
const HOUR = 3_600_000;

interface JobView {
  id: string;
  status: string;
  asOf: string;
  error: string | null;
}

async function waitFor<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('integration events through the local host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'events-e2e-'));
  const data = generateSynthetic({
    seed: 5,
    meteringPoints: 120,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 1,
    periodStart: '2024-03-04T23:00:00Z',
    quarterShare: 0,
  });
  const GA = data.args.gridAreas[0];
  const NEW_MP = '571313199999999991';
  const NEW_ES = '5790000999991';
  const START = data.args.periodStart;
  let host: LocalHost;

  beforeAll(async () => {
    await writeSyntheticLake(join(dir, 'lake'), data);
    host = await startLocalHost({ port: 0, dataDir: null, timers: false, log: () => {} });
    await uploadLake(join(dir, 'lake'), host.basisData);
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const publish = (eventId: string, e: IntegrationEvent) => host.bus.send(TOPIC, integrationEventMessage(eventId, e));
  const stored = async (eventId: string, type: IntegrationEvent['messageType']) =>
    waitFor(
      async () =>
        (await host.deps.integrationEvents.readEvents(type, Number.MAX_SAFE_INTEGER)).some((e) => e.eventId === eventId)
          ? true
          : null,
      `event ${eventId}`,
    );
  const points = (kwh: number) =>
    Array.from({ length: 24 }, (_, i) => ({
      position: i + 1,
      quantityMilli: kwh * 1000,
      quality: 'measured' as const,
    }));

  async function runJob(asOf?: string): Promise<{ job: JobView; csv: string[] }> {
    const res = await adminFetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: new Date(START).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        gridAreas: [GA],
        ...(asOf ? { asOf } : {}),
      }),
    });
    expect(res.status).toBe(202);
    const { statusUrl } = (await res.json()) as { statusUrl: string };
    const job = await waitFor(async () => {
      const j = (await (await adminFetch(statusUrl)).json()) as JobView;
      return j.status === 'Completed' || j.status === 'Failed' ? j : null;
    }, 'job');
    expect(job).toMatchObject({ status: 'Completed', error: null });
    const csv = (await (await adminFetch(`${host.url}/api/jobs/${job.id}/results?format=csv`)).text())
      .trimEnd()
      .split('\n');
    expect(csv[0]).toBe(ENERGY_RESULTS_CSV_HEADER);
    return { job, csv: csv.slice(1) };
  }
  /** The supplier's non-profiled consumption per hour (kWh strings) from result lines. */
  const supplierSeries = (csv: string[], es: string) =>
    csv
      .map((l) => l.split(';'))
      .filter((c) => c[2] === 'non_profiled_consumption' && c[3] === 'energy_supplier' && c[6] === es)
      .map((c) => `${c[9]}=${c[11]}`)
      .sort();
  /** Results without the job-specific columns (calculation_id, result_id). */
  const withoutIds = (csv: string[]) =>
    csv
      .map((l) =>
        l
          .split(';')
          .filter((_, i) => i !== 0 && i !== 13)
          .join(';'),
      )
      .sort();

  it('new metering point and time series arrive as events; re-run with the same as-of is identical; a new job sees the correction', async () => {
    await publish('mp-created-1', {
      messageType: 'MeteringPointCreated',
      meteringPointId: NEW_MP,
      type: 'E17',
      gridAreaCode: GA,
      settlementMethod: 'E02',
      resolution: 'PT1H',
      fromGridAreaCode: null,
      toGridAreaCode: null,
      parentMeteringPointId: null,
      calculationType: null,
      effectiveDate: START,
    });
    await publish('mp-connected-1', {
      messageType: 'MeteringPointConnected',
      meteringPointId: NEW_MP,
      effectiveDate: START,
    });
    await publish('es-changed-1', {
      messageType: 'EnergySupplierChanged',
      meteringPointId: NEW_MP,
      energySupplierId: NEW_ES,
      effectiveDate: START,
    });
    // the points arrive twice (a redelivered publish): stored once
    const ts = {
      messageType: 'TimeSeriesPointsReceived' as const,
      meteringPointId: NEW_MP,
      resolution: 'PT1H' as const,
      registrationTime: START + 30 * HOUR,
      periodStart: START,
      periodEnd: START + 24 * HOUR,
      points: points(1.5),
    };
    await publish('ts-1', ts);
    await host.bus.send(TOPIC, { ...integrationEventMessage('ts-1', ts), messageId: 'ts-1-resent' });
    await stored('ts-1', 'TimeSeriesPointsReceived');
    await stored('es-changed-1', 'EnergySupplierChanged');

    const first = await runJob();
    const series = supplierSeries(first.csv, NEW_ES);
    // results are quarterly after the transition: each hourly 1.500 kWh is four 0.375 kWh quarters
    expect(series).toHaveLength(96);
    expect(series.every((s) => s.endsWith('=0.375'))).toBe(true);

    const basis = (await (await adminFetch(`${host.url}/api/jobs/${first.job.id}/basis-data`)).json()) as {
      asOf: string;
      integrationEvents: { masterData: Array<{ eventId: string }>; timeSeries: Array<{ eventId: string }> };
      meteringPointPeriods: Array<{ meteringPointId: string; energySupplierId: string | null }>;
      lakeBlobs: Array<{ path: string }>;
    };
    expect(basis.asOf).toBe(first.job.asOf);
    expect(basis.integrationEvents.masterData.map((e) => e.eventId).sort()).toEqual([
      'es-changed-1',
      'mp-connected-1',
      'mp-created-1',
    ]);
    expect(basis.integrationEvents.timeSeries.map((e) => e.eventId)).toEqual(['ts-1']);
    expect(basis.meteringPointPeriods).toContainEqual(
      expect.objectContaining({ meteringPointId: NEW_MP, energySupplierId: NEW_ES }),
    );
    expect(basis.lakeBlobs.some((b) => b.path.startsWith('time_series_points/'))).toBe(true);

    // a correction: newer registration of the same hours
    await new Promise((r) => setTimeout(r, 5));
    await publish('ts-2', { ...ts, registrationTime: START + 40 * HOUR, points: points(2.4) });
    await stored('ts-2', 'TimeSeriesPointsReceived');

    const rerun = await runJob(first.job.asOf);
    expect(rerun.job.asOf).toBe(first.job.asOf);
    expect(withoutIds(rerun.csv).join('\n')).toBe(withoutIds(first.csv).join('\n'));
    const rerunBasis = (await (
      await adminFetch(`${host.url}/api/jobs/${rerun.job.id}/basis-data`)
    ).json()) as typeof basis;
    expect(rerunBasis.integrationEvents).toEqual(basis.integrationEvents);

    const later = await runJob();
    const corrected = supplierSeries(later.csv, NEW_ES);
    expect(corrected).toHaveLength(96);
    expect(corrected.every((s) => s.endsWith('=0.600'))).toBe(true);
    // production does not depend on the consumption metering point: unchanged
    const production = (csv: string[]) => withoutIds(csv).filter((l) => l.split(';')[1] === 'production');
    expect(production(later.csv).length).toBeGreaterThan(0);
    expect(production(later.csv)).toEqual(production(first.csv));
    expect(withoutIds(later.csv)).not.toEqual(withoutIds(first.csv));
  }, 120_000);

  it('a supplier change for a bulk-loaded metering point splits its period at the effective date', async () => {
    const col = (name: (typeof PERIOD_COLUMNS)[number]) => PERIOD_COLUMNS.indexOf(name);
    const rows = data.periods.map((r) => ({
      meteringPointId: r[col('metering_point_id')],
      energySupplierId: r[col('energy_supplier_id')],
      ok:
        r[col('grid_area_code')] === GA &&
        r[col('type')] === 'E17' &&
        r[col('settlement_method')] === 'E02' &&
        r[col('energy_supplier_id')] !== '' &&
        Date.parse(r[col('from_date')]) <= START &&
        (r[col('to_date')] === '' || Date.parse(r[col('to_date')]) >= data.args.periodEnd),
    }));
    // one whole-day period and no other period of the same metering point
    const lakeMp = rows.find((r) => r.ok && rows.filter((o) => o.meteringPointId === r.meteringPointId).length === 1);
    if (!lakeMp) throw new Error('fixture has no whole-day E17 metering point');
    const NEXT_ES = '5790000999992';
    await publish('es-changed-lake', {
      messageType: 'EnergySupplierChanged',
      meteringPointId: lakeMp.meteringPointId,
      energySupplierId: NEXT_ES,
      effectiveDate: START + 12 * HOUR,
    });
    await stored('es-changed-lake', 'EnergySupplierChanged');
    const { job, csv } = await runJob();
    const hours = supplierSeries(csv, NEXT_ES).map((s) => s.split('=')[0]);
    expect(hours).toHaveLength(48); // 12 hours of quarters
    expect(hours[0]).toBe(new Date(START + 12 * HOUR).toISOString().replace('.000Z', 'Z'));
    const basis = (await (await adminFetch(`${host.url}/api/jobs/${job.id}/basis-data`)).json()) as {
      meteringPointPeriods: Array<{ meteringPointId: string; energySupplierId: string; fromDate: string }>;
    };
    const periods = basis.meteringPointPeriods.filter((p) => p.meteringPointId === lakeMp.meteringPointId);
    expect(periods.map((p) => p.energySupplierId)).toEqual([lakeMp.energySupplierId, NEXT_ES]);
  }, 120_000);

  it('a poison message is dead-lettered with the reason naming the field; nothing is stored', async () => {
    const bad = integrationEventMessage('bad-1', {
      messageType: 'MeteringPointConnected',
      meteringPointId: NEW_MP,
      effectiveDate: START,
    });
    await host.bus.send(TOPIC, {
      ...bad,
      applicationProperties: { ...bad.applicationProperties, MessageType: 'EnergySupplierChanged' },
    });
    const dead = await waitFor(async () => {
      const d = await host.bus.receiveDeadLettered(SUBSCRIPTION, 1, 200);
      return d.length ? d : null;
    }, 'dead letter');
    expect(dead[0].deadLetterReason).toBe(INVALID_INTEGRATION_EVENT_REASON);
    expect(dead[0].deadLetterDescription).toMatch(/^EnergySupplierChanged\.\w+/);
    expect(
      (await host.deps.integrationEvents.readEvents('EnergySupplierChanged', Number.MAX_SAFE_INTEGER)).map(
        (e) => e.eventId,
      ),
    ).not.toContain('bad-1');
  });
});
