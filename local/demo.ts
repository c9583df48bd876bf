/**
 * `npm run demo`: the newcomer's tour. Generates a small basis-data set (4 grid areas, ~2,000
 * metering points, 2 days), uploads it to Azurite, starts the local host, calls KickStartJob over
 * HTTP, shows progress, prints a per-grid-area summary and ends with `job <id> Completed`.
 * Before the job it publishes integration events (a new metering point with readings, a supplier
 * change) on the in-process Service Bus and afterwards shows their effect.
 * Exit code 0 only when the job completed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../bench/lake';
import { generateSynthetic, PERIOD_COLUMNS, type SyntheticData } from '../bench/synthetic';
import { integrationEventMessage } from '../shared/integration-events/encode';
import type { IntegrationEvent } from '../shared/integration-events/events';
import { NAMES } from '../shared/config/names';
import type { EnergyResultRow } from '../shared/results/energy-result-row';
import { decodeCalculationCompleted } from '../shared/messaging/calculation-completed';
import { startLocalHost } from './host';
import { uploadLake } from './upload-lake';
import { seedDemoMarketData } from './demo-market-data';
import { mintDevToken } from './dev-issuer';

const DEMO_MP = '571313180000099991';
const DEMO_SUPPLIER = '5790000990001';
const SWITCHED_SUPPLIER = '5790000990002';

/** A non-profiled consumption metering point of the lake with one period covering the whole period. */
function wholeDayConsumer(data: SyntheticData, ga: string): string {
  const col = (name: (typeof PERIOD_COLUMNS)[number]) => PERIOD_COLUMNS.indexOf(name);
  const ids = data.periods.map((r) => r[col('metering_point_id')]);
  const found = data.periods.find(
    (r) =>
      r[col('grid_area_code')] === ga &&
      r[col('type')] === 'E17' &&
      r[col('settlement_method')] === 'E02' &&
      r[col('energy_supplier_id')] !== '' &&
      Date.parse(r[col('from_date')]) <= data.args.periodStart &&
      (r[col('to_date')] === '' || Date.parse(r[col('to_date')]) >= data.args.periodEnd) &&
      ids.filter((id) => id === r[col('metering_point_id')]).length === 1,
  );
  if (!found) throw new Error(`no whole-period consumption metering point in grid area ${ga}`);
  return found[col('metering_point_id')];
}

interface JobView {
  id: string;
  status: string;
  progress: { doneBatches: number; totalBatches: number };
  error: string | null;
}

/**
 * Every result row the caller may see, streamed as NDJSON (JSON is paged at RESULTS_PAGE_MAX_ROWS;
 * the summary needs them all); qualities (a JSON array there) are not used.
 */
type SummaryRow = Omit<EnergyResultRow, 'quantity_qualities'>;

async function allResults(url: string, headers: Record<string, string>): Promise<SummaryRow[]> {
  const res = await fetch(url, { headers: { ...headers, accept: 'application/x-ndjson' } });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as SummaryRow);
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'settlement-demo-'));
  const host = await startLocalHost({
    port: Number(process.env.DEMO_PORT ?? 7071),
    dataDir: null,
    timers: false,
    log: () => {},
  });
  try {
    console.log('1/5 generating basis data: 2,000 metering points, 4 grid areas, 2 days ...');
    const data = generateSynthetic({
      seed: 2024,
      meteringPoints: 2000,
      gridAreas: 4,
      calculationGridAreas: 4,
      days: 2,
      periodStart: '2024-01-31T23:00:00Z',
    });
    const lakeDir = join(work, 'lake');
    const points = await writeSyntheticLake(lakeDir, data);
    console.log(`    ${points.toLocaleString('en')} time series points`);
    console.log('2/5 uploading the Parquet lake to Azurite (container basis-data) ...');
    const files = await uploadLake(lakeDir, host.basisData);
    console.log(`    ${files} files`);

    // Integration events from other domains, on the in-process Service Bus topic: a new metering
    // point with its supplier and two days of hourly readings, and a supplier change for a
    // bulk-loaded metering point from the second day. The subscriber trigger stores them; the job
    // below reads them as of its as-of.
    const ga = data.args.gridAreas[0];
    const start = data.args.periodStart;
    const day2 = start + 24 * 3_600_000;
    const lakeMp = wholeDayConsumer(data, ga);
    const events: Array<[string, IntegrationEvent]> = [
      [
        'demo-mp-created',
        {
          messageType: 'MeteringPointCreated',
          meteringPointId: DEMO_MP,
          type: 'E17',
          gridAreaCode: ga,
          settlementMethod: 'E02',
          resolution: 'PT1H',
          fromGridAreaCode: null,
          toGridAreaCode: null,
          parentMeteringPointId: null,
          calculationType: null,
          effectiveDate: start,
        },
      ],
      ['demo-mp-connected', { messageType: 'MeteringPointConnected', meteringPointId: DEMO_MP, effectiveDate: start }],
      [
        'demo-mp-supplier',
        {
          messageType: 'EnergySupplierChanged',
          meteringPointId: DEMO_MP,
          energySupplierId: DEMO_SUPPLIER,
          effectiveDate: start,
        },
      ],
      [
        'demo-mp-readings',
        {
          messageType: 'TimeSeriesPointsReceived',
          meteringPointId: DEMO_MP,
          resolution: 'PT1H',
          registrationTime: data.args.periodEnd,
          periodStart: start,
          periodEnd: data.args.periodEnd,
          points: Array.from({ length: (data.args.periodEnd - start) / 3_600_000 }, (_, i) => ({
            position: i + 1,
            quantityMilli: 1_250,
            quality: 'measured' as const,
          })),
        },
      ],
      [
        'demo-supplier-change',
        {
          messageType: 'EnergySupplierChanged',
          meteringPointId: lakeMp,
          energySupplierId: SWITCHED_SUPPLIER,
          effectiveDate: day2,
        },
      ],
    ];
    console.log(
      `    publishing ${events.length} integration events: metering point ${DEMO_MP} created in grid area ${ga} with supplier ${DEMO_SUPPLIER} and 1.250 kWh every hour; metering point ${lakeMp} switches to supplier ${SWITCHED_SUPPLIER} from ${new Date(day2).toISOString()}`,
    );
    for (const [id, e] of events)
      await host.bus.send({ topic: NAMES.serviceBus.integrationEventsTopic }, integrationEventMessage(id, e));
    for (const [id, e] of events) {
      while (
        !(await host.deps.integrationEvents.readEvents(e.messageType, Number.MAX_SAFE_INTEGER)).some(
          (s) => s.eventId === id,
        )
      )
        await new Promise((r) => setTimeout(r, 50));
    }

    // every call carries a bearer token from the checkout's dev issuer (as `npm run token` prints)
    const admin = { authorization: `Bearer ${await mintDevToken({ roles: ['datahub_administrator'] })}` };
    const supplier = {
      authorization: `Bearer ${await mintDevToken({ roles: ['energy_supplier'], actor: DEMO_SUPPLIER })}`,
    };
    const unauthenticated = await fetch(`${host.url}/api/jobs`);
    console.log(`3/5 GET ${host.url}/api/jobs without a token → ${unauthenticated.status}`);
    console.log(`    POST ${host.url}/api/KickStartJob (balance fixing, all grid areas) as datahub_administrator`);
    const res = await fetch(`${host.url}/api/KickStartJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({
        processType: 'D04',
        beginTime: new Date(data.args.periodStart).toISOString(),
        endTime: new Date(data.args.periodEnd).toISOString(),
        gridAreas: data.args.gridAreas,
      }),
    });
    const started = (await res.json()) as { jobId: string; statusUrl: string };
    console.log(`    ${res.status} job ${started.jobId}`);
    if (res.status !== 202) return 1;

    console.log('4/5 waiting for the job ...');
    let job: JobView;
    let last = '';
    for (;;) {
      job = (await (await fetch(started.statusUrl, { headers: admin })).json()) as JobView;
      const line = `    ${job.status} ${job.progress.doneBatches}/${job.progress.totalBatches} batches`;
      if (line !== last) console.log(line);
      last = line;
      if (job.status === 'Completed' || job.status === 'Failed' || job.status === 'Canceled') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (job.status !== 'Completed') {
      console.log(`job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
      return 1;
    }
    const event = (
      await host.bus.receive(
        { topic: NAMES.serviceBus.domainEventsTopic, subscription: NAMES.serviceBus.resultSenderSubscription },
        1,
        2000,
      )
    )[0];
    if (event) {
      const e = decodeCalculationCompleted(event.body);
      console.log(
        `    calculation-completed event: ${e.calculationType} ${e.gridAreaCodes.join(',')} → ${e.outputPath}`,
      );
      await event.complete();
    }

    console.log('5/5 summary per grid area (kWh over the period)');
    const rows = await allResults(`${host.url}/api/jobs/${job.id}/results`, admin);
    const sum = (ga: string, type: string) =>
      rows
        .filter((r) => r.grid_area_code === ga && r.time_series_type === type && r.aggregation_level === 'grid_area')
        .reduce((s, r) => s + Math.round(Number(r.quantity) * 1000), 0) / 1000;
    const table = [['grid area', 'net exchange', 'production', 'consumption', 'grid loss']];
    for (const ga of data.args.gridAreas) {
      const consumption = Math.round((sum(ga, 'non_profiled_consumption') + sum(ga, 'flex_consumption')) * 1000) / 1000;
      table.push([
        ga,
        sum(ga, 'net_exchange_per_ga').toFixed(3),
        sum(ga, 'production').toFixed(3),
        consumption.toFixed(3),
        sum(ga, 'grid_loss').toFixed(3),
      ]);
    }
    const w = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table)
      console.log('    ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
    const supplierTotal = (es: string) => {
      const mine = rows.filter(
        (r) =>
          r.time_series_type === 'non_profiled_consumption' &&
          r.aggregation_level === 'energy_supplier' &&
          r.energy_supplier_id === es,
      );
      return {
        kwh: (mine.reduce((s, r) => s + Math.round(Number(r.quantity) * 1000), 0) / 1000).toFixed(3),
        from: mine.map((r) => r.time).sort()[0] ?? '-',
      };
    };
    const a = supplierTotal(DEMO_SUPPLIER);
    const b = supplierTotal(SWITCHED_SUPPLIER);
    console.log(
      `    effect of the events: supplier ${DEMO_SUPPLIER} ${a.kwh} kWh (the new metering point, from ${a.from}); supplier ${SWITCHED_SUPPLIER} ${b.kwh} kWh (the switched metering point, from ${b.from})`,
    );
    const own = await allResults(`${host.url}/api/jobs/${job.id}/results`, supplier);
    const others = own.filter((r) => r.energy_supplier_id !== DEMO_SUPPLIER).length;
    console.log(
      `    as energy_supplier ${DEMO_SUPPLIER}: ${own.length} of ${rows.length} result rows, ${others} of another supplier or grid-area totals`,
    );
    const basis = (await (await fetch(`${host.url}/api/jobs/${job.id}/basis-data`, { headers: admin })).json()) as {
      asOf: string;
      lakeBlobs: unknown[];
      integrationEvents: { masterData: unknown[]; timeSeries: unknown[] };
    };
    console.log(
      `    GET /api/jobs/${job.id}/basis-data: as of ${basis.asOf}, ${basis.lakeBlobs.length} lake blobs, ${basis.integrationEvents.masterData.length} master-data events, ${basis.integrationEvents.timeSeries.length} time-series events`,
    );
    // spot cost of the job's consumption (issue 14 KPIs) at offline sample prices
    await seedDemoMarketData(
      { marketData: host.deps.marketDataIngest.store, basisData: host.basisData },
      data.args.gridAreas,
      data.args.periodStart,
      data.args.periodEnd,
      Date.now(),
    );
    for (const gridArea of data.args.gridAreas.slice(0, 2)) {
      const q = new URLSearchParams({
        gridArea,
        jobId: job.id,
        from: new Date(data.args.periodStart).toISOString(),
        to: new Date(data.args.periodEnd).toISOString(),
        resolution: 'P1M',
      });
      const r = await fetch(`${host.url}/api/kpis/spot-cost?${q.toString()}`, { headers: admin });
      const kpi = (await r.json()) as { priceArea?: string; points?: Array<Record<string, string | null>> };
      const p = kpi.points?.[0];
      console.log(
        r.status === 200 && p
          ? `    spot cost, grid area ${gridArea} (${kpi.priceArea}, offline sample prices): ${p.energy_kwh} kWh consumed, ${p.cost_eur} EUR (${p.cost_dkk} DKK), average ${p.average_price_eur} EUR/MWh, ${p.co2_kg} kg CO2 — GET /api/kpis/spot-cost?${q.toString()}`
          : `    spot cost, grid area ${gridArea}: ${r.status} ${JSON.stringify(kpi)}`,
      );
    }
    console.log(`job ${job.id} Completed`);
    return 0;
  } finally {
    await host.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
