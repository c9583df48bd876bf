/**
 * What every CatalogIndex adapter must do (shared/catalog/index/catalog-index.ts): the embedded
 * index and Azure AI Search run the same suite (catalog-index.test.ts).
 */
import type { CatalogIndex } from '../../shared/catalog/index/catalog-index';
import { catalogQuerySchema, type CatalogQuery } from '../../shared/catalog/search';
import { csvBytes, entryOf, hourlyGridAreaCsv } from './fixtures';

const q = (query: Partial<CatalogQuery>): CatalogQuery => catalogQuerySchema.parse(query);
const alice = { subject: 'alice' };
const bob = { subject: 'bob' };

export function catalogIndexContract(name: string, make: () => Promise<CatalogIndex>): void {
  describe(name, () => {
    let index: CatalogIndex;
    beforeEach(async () => {
      index = await make();
      await index.put(
        await entryOf(hourlyGridAreaCsv('804', '2023-01-01', 365), {
          id: 'lake.ts-804-2023',
          name: 'Time series grid area 804',
          description: 'Hourly consumption',
        }),
      );
      await index.put(
        await entryOf(hourlyGridAreaCsv('804', '2019-01-01', 365), {
          id: 'lake.ts-804-2019',
          name: 'Time series 804, older',
        }),
      );
      await index.put(
        await entryOf(hourlyGridAreaCsv('791', '2023-01-01', 365), {
          id: 'lake.ts-791-2023',
          name: 'Time series grid area 791',
        }),
      );
      await index.put(
        await entryOf(
          csvBytes([
            ['HourUTC', 'PriceArea', 'SpotPriceDKK'],
            ['2023-05-01T00:00:00', 'DK1', '690,7'],
            ['2023-05-01T00:00:00', 'DK2', '701,1'],
            ['2023-05-01T01:00:00', 'DK1', '650,2'],
          ]),
          {
            id: 'energidataservice.Elspotprices',
            name: 'Elspot prices',
            description: '<p>Day-ahead <b>spot</b> prices</p>',
          },
        ),
      );
      await index.put(
        await entryOf(
          csvBytes([
            ['station', 'lat', 'lon'],
            ['a', '55.6', '12.5'],
            ['b', '56.1', '10.2'],
          ]),
          {
            id: 'upload.private-1',
            name: 'Weather stations',
            owner: 'alice',
          },
        ),
      );
    });

    test('"804" + 2023 finds the 2023 dataset of grid area 804, not 2019 nor 791; highlights say why', async () => {
      const r = await index.search(q({ keywords: '804 2023' }), alice);
      expect(r.results.map((h) => h.id)).toEqual(['lake.ts-804-2023']);
      expect(r.results[0].highlights).toEqual(
        expect.arrayContaining([
          { path: 'name', matched: ['804'] },
          { path: 'spatial_coverage.grid_area', matched: ['804'] },
          { path: 'temporal_coverage.time_utc', matched: ['2023'] },
        ]),
      );
      const older = await index.search(q({ keywords: '804 2019' }), alice);
      expect(older.results.map((h) => h.id)).toEqual(['lake.ts-804-2019']);
    });

    test('filters: temporal range, grid area, price area, bbox, columns, source, semantic type', async () => {
      const ids = async (query: Partial<CatalogQuery>) =>
        (await index.search(q(query), alice)).results.map((h) => h.id).sort();
      expect(await ids({ temporal: { start: '2023-06', end: '2023-06' }, spatial: { grid_area: '804' } })).toEqual([
        'lake.ts-804-2023',
      ]);
      expect(await ids({ spatial: { price_area: 'dk2' } })).toEqual(['energidataservice.Elspotprices']);
      expect(
        await ids({ spatial: { bbox: { latitude1: 55, longitude1: 12, latitude2: 56, longitude2: 13 } } }),
      ).toEqual(['upload.private-1']);
      expect(await ids({ spatial: { bbox: { latitude1: 40, longitude1: 0, latitude2: 41, longitude2: 1 } } })).toEqual(
        [],
      );
      expect(await ids({ columns: ['SpotPriceDKK'] })).toEqual(['energidataservice.Elspotprices']);
      expect(await ids({ source: ['lake'], keywords: '791' })).toEqual(['lake.ts-791-2023']);
      expect(await ids({ semantic_types: ['grid_area'], temporal: { start: '2019', end: '2019' } })).toEqual([
        'lake.ts-804-2019',
      ]);
      expect(await ids({ keywords: 'spot' })).toEqual(['energidataservice.Elspotprices']);
    });

    test('ranking: the dataset matching more (and in the name) comes first; facets count every hit', async () => {
      const r = await index.search(q({ keywords: 'grid', size: 1 }), alice);
      expect(r.total).toBe(3);
      expect(r.results).toHaveLength(1);
      expect(r.facets.source).toEqual({ lake: 3 });
      // name (3) + column grid_area (2) beats the column alone
      expect(['lake.ts-791-2023', 'lake.ts-804-2023']).toContain(r.results[0].id);
      const page2 = await index.search(q({ keywords: 'grid', size: 1, page: 3 }), alice);
      expect(page2.results.map((h) => h.id)).toEqual(['lake.ts-804-2019']);
    });

    test("an unpublished upload is only its owner's; published, everyone's", async () => {
      expect((await index.search(q({ keywords: 'weather' }), alice)).total).toBe(1);
      expect((await index.search(q({ keywords: 'weather' }), bob)).total).toBe(0);
      const e = (await index.get('upload.private-1'))!;
      await index.put({ ...e, published: true });
      expect((await index.search(q({ keywords: 'weather' }), bob)).total).toBe(1);
    });

    test('deleted or replaced datasets disappear from search', async () => {
      await index.delete('lake.ts-791-2023');
      expect(await index.get('lake.ts-791-2023')).toBeNull();
      expect((await index.search(q({ keywords: '791' }), alice)).total).toBe(0);
      // replaced: the 804/2023 dataset now holds 2024 data — no longer found for 2023
      await index.put(
        await entryOf(hourlyGridAreaCsv('804', '2024-01-01', 30), {
          id: 'lake.ts-804-2023',
          name: 'Time series grid area 804',
        }),
      );
      // (by period, not keyword: the id itself still says 2023)
      const in2023 = q({ spatial: { grid_area: '804' }, temporal: { start: '2023', end: '2023' } });
      expect((await index.search(in2023, alice)).results.map((h) => h.id)).toEqual([]);
      const in2024 = q({ spatial: { grid_area: '804' }, temporal: { start: '2024', end: '2024' } });
      expect((await index.search(in2024, alice)).results.map((h) => h.id)).toEqual(['lake.ts-804-2023']);
      expect(await index.idsOfSource('lake')).toEqual(['lake.ts-804-2019', 'lake.ts-804-2023']);
      await index.delete('no.such-id');
    });

    test('get returns the full profile as stored', async () => {
      const e = await index.get('energidataservice.Elspotprices');
      expect(e?.profile.columns.map((c) => c.name)).toEqual(['HourUTC', 'PriceArea', 'SpotPriceDKK']);
      expect(e?.profile.spatial_coverage).toEqual([
        expect.objectContaining({ type: 'price_area', values: ['DK1', 'DK2'] }),
      ]);
    });
  });
}
