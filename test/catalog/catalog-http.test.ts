/**
 * The catalog's HTTP functions end to end over the embedded index: upload (owner only until
 * published), search, full profile, sample, and the refusals (413, 415, malformed → 400 with
 * nothing kept, foreign → 404, no token → 401).
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import {
  datasetSampleHandler,
  deleteDatasetHandler,
  getDatasetHandler,
  publishDatasetHandler,
  searchCatalogHandler,
  uploadDatasetHandler,
  type CatalogHttpDeps,
} from '../../functions/http/catalog';
import { devAuthenticator } from '../../local/dev-issuer';
import { EmbeddedCatalogIndex } from '../../shared/catalog/index/embedded-index';
import { materializer } from '../../shared/catalog/materialize';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';
import { adminToken, tokenFor } from '../support/tokens';
import * as arrow from 'apache-arrow';
import { parquetBytes, stringColumn } from '../../shared/basis-data/parquet/arrow-io';

const ctx = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const LIMIT = 4096;

function deps(): CatalogHttpDeps & { files: MemoryBlobStore } {
  const files = new MemoryBlobStore('dataset-catalog');
  let n = 0;
  return {
    files,
    authenticator: devAuthenticator(),
    maxQueryBytes: 65536,
    catalog: {
      index: new EmbeddedCatalogIndex(files),
      files,
      materialize: materializer({ containers: [files], maxBytes: LIMIT }),
      clock: () => new Date('2026-01-01T00:00:00Z'),
      newId: () => `u${++n}`,
      maxBytes: LIMIT,
    },
  };
}

let alice: string;
let bob: string;
beforeAll(async () => {
  alice = await tokenFor('energy_supplier', '5790000432752', { subject: 'alice' });
  bob = await tokenFor('grid_access_provider', '5790001330583', { subject: 'bob' });
});

const req = (
  method: string,
  path: string,
  token: string | null,
  init: { body?: Uint8Array | string; type?: string; params?: Record<string, string> } = {},
) =>
  new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}`,
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? { string: init.body } : { bytes: init.body } }
      : {}),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.type ? { 'content-type': init.type } : {}),
    },
    params: init.params ?? {},
  });
const bodyOf = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

const CSV =
  'grid_area;time_utc;quantity_kwh\n804;2023-01-01T00:00:00Z;1,5\n804;2023-01-01T01:00:00Z;2,5\n805;2023-01-01T02:00:00Z;3\n';

test('upload → visible to its owner only → published → visible to everyone; profile and sample', async () => {
  const d = deps();
  const up = await uploadDatasetHandler(d)(
    req('POST', 'catalog/uploads?name=My%20meter%20data', alice, { body: CSV, type: 'text/csv' }),
    ctx(),
  );
  expect(up.status).toBe(201);
  const id = bodyOf(up).id as string;
  expect(id).toBe('upload.u1');
  expect(bodyOf(up)).toMatchObject({ owner: 'alice', published: false, name: 'My meter data' });
  expect(await d.files.list('uploads/')).toEqual(['uploads/upload.u1/data.csv']);

  const search = (token: string, query: unknown) =>
    searchCatalogHandler(d)(
      req('POST', 'catalog/search', token, { body: JSON.stringify(query), type: 'application/json' }),
      ctx(),
    );
  const mine = await search(alice, { keywords: '804 2023' });
  expect(mine.status).toBe(200);
  expect(bodyOf(mine)).toMatchObject({
    total: 1,
    results: [
      { id, highlights: expect.arrayContaining([{ path: 'spatial_coverage.grid_area', matched: ['804'] }]) as unknown },
    ],
  });
  expect(bodyOf(await search(bob, { keywords: '804' })).total).toBe(0);
  expect(
    (await getDatasetHandler(d)(req('GET', `catalog/datasets/${id}`, bob, { params: { id } }), ctx())).status,
  ).toBe(404);
  // only the owner may publish
  expect(
    (await publishDatasetHandler(d)(req('POST', `catalog/datasets/${id}/publish`, bob, { params: { id } }), ctx()))
      .status,
  ).toBe(404);
  const pub = await publishDatasetHandler(d)(
    req('POST', `catalog/datasets/${id}/publish`, alice, { params: { id } }),
    ctx(),
  );
  expect(bodyOf(pub)).toMatchObject({ published: true });
  expect(bodyOf(await search(bob, { spatial: { grid_area: '805' } })).total).toBe(1);

  const full = await getDatasetHandler(d)(req('GET', `catalog/datasets/${id}`, bob, { params: { id } }), ctx());
  expect(full.status).toBe(200);
  const profile = bodyOf(full).profile as { nb_rows: number; columns: Array<{ name: string; unit?: string }> };
  expect(profile.nb_rows).toBe(3);
  expect(profile.columns.find((c) => c.name === 'quantity_kwh')?.unit).toBe('kWh');
  const sample = await datasetSampleHandler(d)(
    req('GET', `catalog/datasets/${id}/sample`, bob, { params: { id } }),
    ctx(),
  );
  expect(sample.headers).toMatchObject({ 'content-type': 'text/csv; charset=utf-8' });
  expect((sample.body as string).split('\n')[0]).toBe('grid_area,time_utc,quantity_kwh');
});

test('Parquet upload with ?format=', async () => {
  const d = deps();
  const table = new arrow.Table({ PriceArea: arrow.makeVector(stringColumn(['DK1', 'DK2', 'DK1'])) });
  const r = await uploadDatasetHandler(d)(
    req('POST', 'catalog/uploads?name=p&format=parquet', alice, {
      body: parquetBytes(table),
      type: 'application/octet-stream',
    }),
    ctx(),
  );
  expect(r.status).toBe(201);
  expect(bodyOf(r)).toMatchObject({ materialize: { format: 'parquet' } });
});

test('refusals: too large 413, unknown format 415, malformed 400 with nothing kept, bad query 400, no token 401', async () => {
  const d = deps();
  const upload = (body: string, type: string, q = 'name=x') =>
    uploadDatasetHandler(d)(req('POST', `catalog/uploads?${q}`, alice, { body, type }), ctx());
  const huge = await upload(`a\n${'1\n'.repeat(LIMIT)}`, 'text/csv');
  expect(huge.status).toBe(413);
  expect((await upload('a,b', 'application/pdf')).status).toBe(415);
  const bad = await upload('a,b\n1,2,3\n', 'text/csv');
  expect(bad.status).toBe(400);
  expect(bodyOf(bad)).toMatchObject({
    errors: [{ path: '(body)', message: expect.stringMatching(/record 1 has 3 fields/) as unknown }],
  });
  expect((await upload('a\n1\n', 'text/csv', '')).status).toBe(400); // no name
  expect(await d.files.list('')).toEqual([]);
  const badQuery = await searchCatalogHandler(d)(
    req('POST', 'catalog/search', alice, {
      body: JSON.stringify({ temporal: { start: '2024', end: '2023' }, nonsense: 1 }),
      type: 'application/json',
    }),
    ctx(),
  );
  expect(badQuery.status).toBe(400);
  expect((await searchCatalogHandler(d)(req('POST', 'catalog/search', null, { body: '{}' }), ctx())).status).toBe(401);
});

test('delete: the owner or an administrator; the dataset leaves search and GET, its file goes; 404 for others', async () => {
  const d = deps();
  const admin = await adminToken();
  const upload = async (name: string) => {
    const r = await uploadDatasetHandler(d)(
      req('POST', `catalog/uploads?name=${name}`, alice, { body: CSV, type: 'text/csv' }),
      ctx(),
    );
    return bodyOf(r).id as string;
  };
  const a = await upload('first');
  const b = await upload('second');
  const del = (id: string, token: string) =>
    deleteDatasetHandler(d)(req('DELETE', `catalog/datasets/${id}`, token, { params: { id } }), ctx());
  const get = (id: string, token: string) =>
    getDatasetHandler(d)(req('GET', `catalog/datasets/${id}`, token, { params: { id } }), ctx());
  const found = async (token: string) =>
    (
      bodyOf(
        await searchCatalogHandler(d)(
          req('POST', 'catalog/search', token, { body: '{"keywords":"804 2023"}', type: 'application/json' }),
          ctx(),
        ),
      ).results as Array<{ id: string }>
    ).map((h) => h.id);
  expect((await found(alice)).sort()).toEqual([a, b]);

  // someone else's upload looks like no dataset at all, even once it is published
  expect((await del(a, bob)).status).toBe(404);
  await publishDatasetHandler(d)(req('POST', `catalog/datasets/${a}/publish`, alice, { params: { id: a } }), ctx());
  expect((await del(a, bob)).status).toBe(404);
  expect((await get(a, bob)).status).toBe(200);

  expect((await del(a, alice)).status).toBe(204);
  expect(await found(alice)).toEqual([b]);
  expect((await get(a, alice)).status).toBe(404);
  expect((await get(a, bob)).status).toBe(404);
  expect((await del(a, alice)).status).toBe(404); // already gone
  expect(await d.files.list('uploads/')).toEqual([`uploads/${b}/data.csv`]);

  // an administrator may delete any dataset
  expect((await del(b, admin)).status).toBe(204);
  expect(await found(alice)).toEqual([]);
  expect(await d.files.list('')).toEqual([]);
  expect((await del('no.such', admin)).status).toBe(404);
});
