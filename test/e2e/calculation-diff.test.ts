/**
 * The calculation diff end to end through the local host (issue 17): job A, then a late
 * correction of one metering point's reading over POST /api/time-series, then job B for the same
 * period; GET /api/jobs/{a}/diff/{b} shows exactly which supplier's series of which grid area
 * moved, by how much and when — for the administrator, for that supplier (its own series only),
 * for another supplier (nothing of the first's), and 404 for a grid access provider owning none
 * of the jobs' grid areas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { startLocalHost, type LocalHost } from '../../local/host';
import { uploadLake } from '../../local/upload-lake';
import type { DiffJson } from '../../shared/results/diff/diff-report';
import { adminFetch, tokenFor } from '../support/tokens';
import { lateCorrection } from '../support/late-correction';

async function runJob(host: LocalHost, args: { periodStart: number; periodEnd: number; gridAreas: string[] }) {
  const res = await adminFetch(`${host.url}/api/KickStartJob`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      processType: 'D04',
      beginTime: new Date(args.periodStart).toISOString(),
      endTime: new Date(args.periodEnd).toISOString(),
      gridAreas: args.gridAreas,
    }),
  });
  expect(res.status).toBe(202);
  const { jobId, statusUrl } = (await res.json()) as { jobId: string; statusUrl: string };
  const until = Date.now() + 120_000;
  for (;;) {
    const j = (await (await adminFetch(statusUrl)).json()) as { status: string; error: string | null };
    if (j.status === 'Completed') return jobId;
    if (j.status === 'Failed' || Date.now() > until) throw new Error(`job ${jobId}: ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('calculation diff through the local host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-diff-'));
  const data = generateSynthetic({
    seed: 5,
    meteringPoints: 150,
    gridAreas: 2,
    calculationGridAreas: 2,
    days: 1,
    periodStart: '2024-01-31T23:00:00Z',
  });
  const fix = lateCorrection(data, -250); // the reading was 0.250 kWh too high
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a late correction of one reading moves exactly its supplier series, by the correction, at its quarter', async () => {
    const host = await startLocalHost({ port: 0, dataDir: join(dir, 'host'), timers: false, log: () => {} });
    try {
      await writeSyntheticLake(join(dir, 'lake'), data);
      await uploadLake(join(dir, 'lake'), host.basisData);
      const a = await runJob(host, data.args);
      const ingested = await adminFetch(`${host.url}/api/time-series`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: fix.ndjson + '\n',
      });
      expect(ingested.status).toBe(200);
      const b = await runJob(host, data.args);
      const get = (query: string, token: string) =>
        fetch(`${host.url}/api/jobs/${a}/diff/${b}?${query}`, { headers: { authorization: `Bearer ${token}` } });
      const admin = async (query: string) => {
        const res = await adminFetch(`${host.url}/api/jobs/${a}/diff/${b}?${query}`);
        expect(res.status).toBe(200);
        return (await res.json()) as DiffJson;
      };

      // the supplier level of the corrected series' type: one series moved, by 0.250 at the quarter
      const supplierLevel = await admin(`level=energy_supplier&type=${fix.timeSeriesType}`);
      expect(supplierLevel).toMatchObject({
        jobA: a,
        jobB: b,
        changedSeriesCount: 1,
        sumAbsDifference: '0.250',
      });
      expect(supplierLevel.series[0]).toMatchObject({
        key: {
          time_series_type: fix.timeSeriesType,
          aggregation_level: 'energy_supplier',
          grid_area_code: fix.gridArea,
          energy_supplier_id: fix.energySupplierId,
          balance_responsible_party_id: fix.balanceResponsiblePartyId,
          metering_point_id: null,
        },
        presence: 'both',
        slots: 96,
        changedSlots: 1,
        sumAbsDifference: '0.250',
        maxAbsDifference: '0.250',
        maxAt: fix.timeText,
      });
      // totals as exact decimals: A's is 0.250 more than B's
      const milli = (t: string) => BigInt(t.replace('.', ''));
      expect(milli(supplierLevel.series[0].totalA) - milli(supplierLevel.series[0].totalB)).toBe(250n);

      // everything: only the grid area of the metering point, only that quarter; its consumption
      // moves by 0.250 at every level and its grid loss by the same amount (the other way)
      const whole = await admin('limit=1000');
      expect(whole.gridAreas.filter((g) => g.changedSeries > 0).map((g) => g.gridArea)).toEqual([fix.gridArea]);
      expect(whole.timeline.filter((t) => t.sumAbsDifference !== '0.000')).toHaveLength(1);
      expect(whole.timeline.find((t) => t.sumAbsDifference !== '0.000')?.time).toBe(fix.timeText);
      const consumption = whole.series.filter(
        (s) => s.key.time_series_type === fix.timeSeriesType && s.changedSlots > 0,
      );
      expect(consumption.map((s) => [s.key.aggregation_level, s.sumAbsDifference]).sort()).toEqual(
        [
          ['balance_responsible_party', '0.250'],
          ['energy_supplier', '0.250'],
          ['grid_area', '0.250'],
        ].sort(),
      );
      expect(whole.series.find((s) => s.key.time_series_type === 'grid_loss' && s.changedSlots > 0)).toMatchObject({
        key: { grid_area_code: fix.gridArea },
        sumAbsDifference: '0.250',
      });
      expect(whole.series.every((s) => s.changedSlots === 0 || s.key.grid_area_code === fix.gridArea)).toBe(true);

      // the supplier sees its own series only, and the move; another supplier sees none of it
      const own = await get('', await tokenFor('energy_supplier', fix.energySupplierId));
      expect(own.status).toBe(200);
      const ownDiff = (await own.json()) as DiffJson;
      expect(ownDiff.series.every((s) => s.key.energy_supplier_id === fix.energySupplierId)).toBe(true);
      expect(
        ownDiff.series.find((s) => s.key.time_series_type === fix.timeSeriesType && s.changedSlots > 0),
      ).toMatchObject({ sumAbsDifference: '0.250', maxAt: fix.timeText });
      const other = data.periods.map((r) => r[9]).find((es) => es !== '' && es !== fix.energySupplierId) as string;
      const otherDiff = (await (await get('', await tokenFor('energy_supplier', other))).json()) as DiffJson;
      expect(otherDiff.seriesCount).toBeGreaterThan(0);
      expect(otherDiff.series.some((s) => s.key.energy_supplier_id === fix.energySupplierId)).toBe(false);
      expect(otherDiff.series.every((s) => s.key.energy_supplier_id === other)).toBe(true);
      // a grid access provider owning neither job's grid areas: the jobs do not exist for it
      const gap = await get('', await tokenFor('grid_access_provider', '5790000000777'));
      expect(gap.status).toBe(404);

      // CSV over HTTP: every series
      const csv = await (await adminFetch(`${host.url}/api/jobs/${a}/diff/${b}?format=csv`)).text();
      expect(csv.trimEnd().split('\n')).toHaveLength(whole.seriesCount + 1);
    } finally {
      await host.stop();
    }
  });
});
