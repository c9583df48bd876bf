/**
 * The CatalogProfiler trigger over the in-process bus: a queued announcement is profiled and
 * indexed; an unreadable one is dead-lettered with its reason and recorded, nothing indexed;
 * a malformed message is dead-lettered as such. The discovery timer queues what discoverers find.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { catalogProfilerHandler } from '../../functions/service-bus/catalog-profiler';
import { catalogDiscoveryHandler } from '../../functions/timers/catalog-discovery';
import { failureOf, type CatalogDeps } from '../../shared/catalog/catalog-service';
import type { DatasetMetadata } from '../../shared/catalog/dataset';
import { lakeDiscoverer } from '../../shared/catalog/discovery/lake';
import { EmbeddedCatalogIndex } from '../../shared/catalog/index/embedded-index';
import { materializer } from '../../shared/catalog/materialize';
import { encodeProfileRequest } from '../../shared/catalog/profile-request';
import { NAMES } from '../../shared/config/names';
import { InProcessBus, declareSettlementEntities } from '../../shared/messaging/in-process-bus';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const QUEUE = { queue: NAMES.serviceBus.catalogProfileQueue };

function setup() {
  const files = new MemoryBlobStore('dataset-catalog');
  const basisData = new MemoryBlobStore('basis-data');
  const catalog: CatalogDeps = {
    index: new EmbeddedCatalogIndex(files),
    files,
    materialize: materializer({ containers: [files, basisData], maxBytes: 1 << 20 }),
    clock: () => new Date('2026-01-01T00:00:00Z'),
    newId: () => 'x',
    maxBytes: 1 << 20,
  };
  const bus = new InProcessBus();
  declareSettlementEntities(bus);
  return { catalog, bus, basisData };
}

const meta = (path: string): DatasetMetadata => ({
  id: `lake.${path}`,
  name: path,
  source: 'lake',
  owner: null,
  published: true,
  materialize: {
    kind: 'blob',
    container: 'basis-data',
    path,
    format: 'csv',
    identifier: 'lake',
    date: '2026-01-01T00:00:00Z',
  },
});

async function deliver(bus: InProcessBus, catalog: CatalogDeps): Promise<void> {
  const [m] = await bus.receive(QUEUE, 1, 1000);
  await catalogProfilerHandler({ catalog })(m, ctx());
  // as the hosts do: resolving completes the message unless the handler dead-lettered it
  await m.complete().catch((e: Error) => {
    if (!/already settled/.test(e.message)) throw e;
  });
}

test('queued announcements: profiled and indexed; unreadable → dead-lettered and recorded; malformed message → dead-lettered', async () => {
  const { catalog, bus, basisData } = setup();
  await basisData.put('good.csv', 'grid_area;quantity_kwh\n804;1\n805;2\n');
  await basisData.put('bad.csv', 'a;b\n1;2;3\n');
  await bus.send(QUEUE, { messageId: '1', body: encodeProfileRequest(meta('good.csv')) });
  await bus.send(QUEUE, { messageId: '2', body: encodeProfileRequest(meta('bad.csv')) });
  await bus.send(QUEUE, { messageId: '3', body: new TextEncoder().encode('{"id":1}') });
  for (let i = 0; i < 3; i++) await deliver(bus, catalog);

  expect(await catalog.index.idsOfSource('lake')).toEqual(['lake.good.csv']);
  const dead = await bus.receiveDeadLettered(QUEUE, 10, 100);
  expect(dead.map((d) => d.deadLetterReason).sort()).toEqual(['InvalidProfileRequest', 'UnreadableDatasetError']);
  expect(await failureOf(catalog, 'lake.bad.csv')).toMatchObject({ error: 'UnreadableDatasetError' });
});

test('the discovery timer queues every lake file for the profiler', async () => {
  const { catalog, bus, basisData } = setup();
  await basisData.put('metering_point_periods/grid_area=804/a.parquet', 'x');
  const results = new MemoryBlobStore('settlement-results');
  await catalogDiscoveryHandler({
    discoverers: [lakeDiscoverer({ basisData, results })],
    index: catalog.index,
    bus: () => bus,
    clock: () => new Date('2026-01-01T03:00:00Z'),
  })({} as Timer, ctx());
  const [m] = await bus.receive(QUEUE, 1, 1000);
  expect(JSON.parse(Buffer.from(m.body).toString('utf8'))).toMatchObject({
    id: 'lake.basis-data:metering_point_periods:grid_area=804:a.parquet',
    materialize: { kind: 'blob', format: 'parquet', path: 'metering_point_periods/grid_area=804/a.parquet' },
  });
});
