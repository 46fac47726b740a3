import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDb } from '../../../shared/adapters/db/pg-db.ts';
import { PgliteDb } from '../../../shared/adapters/db/pglite-db.ts';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import { PgvectorStore } from '../../../shared/adapters/vectors/pgvector-store.ts';
import {
  ORIGINAL_ID_KEY,
  QdrantVectorStore,
  qdrantPointId,
} from '../../../shared/adapters/vectors/qdrant-vector-store.ts';
import { RetryableUpstreamError } from '../../../shared/errors.ts';
import { type FakeQdrant, startFakeQdrant } from '../../support/fake-qdrant-server.ts';
import { describeVectorStoreContract } from './vector-store-contract.ts';

describeVectorStoreContract('pgvector in PGlite', async () => {
  const db = await PgliteDb.open();
  return { store: new PgvectorStore(db), reopen: () => new PgvectorStore(db), close: () => db.close() };
});

// Other local processes reach the embedded database through its socket with the simple protocol, where
// every parameter, vectors included, is inlined as a literal.
describeVectorStoreContract('pgvector in PGlite through its socket', async () => {
  const pglite = await PgliteDb.open();
  const socket = new PGLiteSocketServer({ db: pglite.pglite, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await socket.start();
  const url = `postgresql://postgres:postgres@${socket.getServerConn()}/postgres`;
  const clients: PgDb[] = [];
  const connect = () => {
    const db = PgDb.connect(url, { max: 2, protocol: 'simple' });
    clients.push(db);
    return new PgvectorStore(db);
  };
  return {
    store: connect(),
    reopen: connect,
    async close() {
      for (const client of clients) await client.close();
      await socket.stop();
      await pglite.close();
    },
  };
});

describeVectorStoreContract('the in-memory store', async () => ({
  store: new MemoryVectorStore(),
  close: async () => undefined,
}));

describeVectorStoreContract('Qdrant over its REST API', async () => {
  const qdrant = await startFakeQdrant();
  return {
    store: new QdrantVectorStore({ url: qdrant.url }),
    reopen: () => new QdrantVectorStore({ url: qdrant.url }),
    close: () => qdrant.close(),
  };
});

describe('the pgvector store', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open();
  });
  afterAll(async () => {
    await db.close();
  });

  it('creates the extension, its table and an HNSW cosine index by itself', async () => {
    await new PgvectorStore(db).ensureCollection('activity-text', { dimension: 8, distance: 'cosine' });

    const indexes = await db.query<{ indexdef: string }>(
      `SELECT i.indexdef FROM pg_indexes i JOIN vector_collections c ON c.table_name = i.tablename
       WHERE c.name = 'activity-text'`,
    );

    expect(indexes.map((i) => i.indexdef)).toContainEqual(
      expect.stringMatching(/USING hnsw \(embedding vector_cosine_ops\)/),
    );
  });
});

describe('the Qdrant store', () => {
  let qdrant: FakeQdrant;
  beforeAll(async () => {
    qdrant = await startFakeQdrant({ apiKey: 'qdrant-test-key' });
  });
  afterAll(async () => {
    await qdrant.close();
  });

  it('stores each id under a UUIDv5 derived from it and keeps the original in the payload', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url, apiKey: 'qdrant-test-key' });
    await store.ensureCollection('ids', { dimension: 2, distance: 'cosine' });
    qdrant.requests.length = 0;

    await store.upsert('ids', [{ id: 'Notes:4876876000000600001', vector: [1, 0], payload: {} }]);

    const upsert = qdrant.requests.find((r) => r.method === 'PUT' && r.path === '/collections/ids/points');
    expect(upsert?.query.wait).toBe('true');
    expect(upsert?.body).toEqual({
      points: [
        {
          id: qdrantPointId('Notes:4876876000000600001'),
          vector: [1, 0],
          payload: { [ORIGINAL_ID_KEY]: 'Notes:4876876000000600001' },
        },
      ],
    });
    expect(qdrantPointId('Notes:4876876000000600001')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('indexes each filter key as a keyword once, also on a collection created before it had any', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url, apiKey: 'qdrant-test-key' });
    await store.ensureCollection('indexed', { dimension: 2, distance: 'cosine' });
    qdrant.requests.length = 0;

    await store.ensureCollection('indexed', { dimension: 2, distance: 'cosine', filterKeys: ['accountId', 'model'] });
    await store.ensureCollection('indexed', { dimension: 2, distance: 'cosine', filterKeys: ['accountId', 'model'] });

    const indexes = qdrant.requests.filter((r) => r.method === 'PUT' && r.path === '/collections/indexed/index');
    expect(indexes.map((r) => r.body)).toEqual([
      { field_name: 'accountId', field_schema: 'keyword' },
      { field_name: 'model', field_schema: 'keyword' },
    ]);
    expect(indexes.every((r) => r.query.wait === 'true')).toBe(true);
  });

  it('sends payload filters as must/match conditions', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url, apiKey: 'qdrant-test-key' });
    await store.ensureCollection('filters', { dimension: 2, distance: 'cosine' });
    qdrant.requests.length = 0;

    await store.query('filters', { vector: [1, 0], limit: 3, filter: { accountId: 'a1', kind: 'note' } });

    expect(qdrant.requests.at(-1)?.body).toEqual({
      query: [1, 0],
      limit: 3,
      with_payload: true,
      filter: {
        must: [
          { key: 'accountId', match: { value: 'a1' } },
          { key: 'kind', match: { value: 'note' } },
        ],
      },
    });
  });

  it('lists payloads by scrolling a page at a time, never asking for the vectors', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url, apiKey: 'qdrant-test-key' });
    await store.ensureCollection('scroll', { dimension: 2, distance: 'cosine' });
    await store.upsert(
      'scroll',
      Array.from({ length: 1_500 }, (_, i) => ({ id: `p-${i}`, vector: [1, i], payload: { accountId: 'a1' } })),
    );
    qdrant.requests.length = 0;

    const listed = await store.list('scroll', { accountId: 'a1' });

    expect(listed).toHaveLength(1_500);
    expect(listed.every((r) => r.id.startsWith('p-') && !(ORIGINAL_ID_KEY in r.payload))).toBe(true);
    const pages = qdrant.requests.filter((r) => r.path === '/collections/scroll/points/scroll');
    expect(pages.map((r) => r.body)).toEqual([
      {
        limit: 1000,
        with_payload: true,
        with_vector: false,
        filter: { must: [{ key: 'accountId', match: { value: 'a1' } }] },
      },
      {
        limit: 1000,
        with_payload: true,
        with_vector: false,
        filter: { must: [{ key: 'accountId', match: { value: 'a1' } }] },
        offset: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
  });

  it('snapshots a collection through its API and deletes all but the newest `keep`, oldest by creation time', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url, apiKey: 'qdrant-test-key' });
    await store.ensureCollection('snapshots', { dimension: 2, distance: 'cosine' });
    await store.upsert('snapshots', [{ id: 'a', vector: [1, 0], payload: {} }]);
    // Left by earlier tasks: each had its own peer id, so names do not sort by age.
    const earlier = (peer: number, day: string) => ({
      name: `snapshots-${peer}-${day}-02-00-07.snapshot`,
      creation_time: `${day}T02:00:07`,
      size: 2048,
      checksum: null,
    });
    qdrant.snapshots('snapshots').push(earlier(9_000_000_000, '2026-11-20'), earlier(1_000, '2026-11-22'));
    qdrant.requests.length = 0;

    const first = await store.snapshot('snapshots', { keep: 2 });

    expect(first).toEqual({
      taken: expect.stringMatching(/^snapshots-\d+-[\d-]+\.snapshot$/),
      deleted: [earlier(9_000_000_000, '2026-11-20').name],
    });
    expect(qdrant.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['POST', '/collections/snapshots/snapshots', { wait: 'true' }],
      ['GET', '/collections/snapshots/snapshots', {}],
      ['DELETE', `/collections/snapshots/snapshots/${earlier(9_000_000_000, '2026-11-20').name}`, { wait: 'true' }],
    ]);

    const second = await store.snapshot('snapshots', { keep: 2 });

    expect(second?.deleted).toEqual([earlier(1_000, '2026-11-22').name]);
    expect(
      qdrant
        .snapshots('snapshots')
        .map((s) => s.name)
        .sort(),
    ).toEqual([first!.taken, second!.taken].sort());
  });

  it('keeps the newest three snapshots of a collection unless told otherwise', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url, apiKey: 'qdrant-test-key' });
    await store.ensureCollection('three', { dimension: 2, distance: 'cosine' });

    const taken: string[] = [];
    for (let i = 0; i < 5; i++) taken.push((await store.snapshot('three'))!.taken);

    expect(new Set(taken).size).toBe(5);
    expect(
      qdrant
        .snapshots('three')
        .map((s) => s.name)
        .sort(),
    ).toEqual(taken.slice(2).sort());
  });

  it('is refused without the API key', async () => {
    const store = new QdrantVectorStore({ url: qdrant.url });

    await expect(store.ensureCollection('no-key', { dimension: 2, distance: 'cosine' })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('reports an unreachable server as a retryable upstream failure', async () => {
    const gone = await startFakeQdrant();
    await gone.close();
    const store = new QdrantVectorStore({ url: gone.url });

    await expect(store.count('anything')).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(store.snapshot('anything')).rejects.toBeInstanceOf(RetryableUpstreamError);
  });
});

describe('the fake Qdrant server', () => {
  let qdrant: FakeQdrant;
  const post = (path: string, body: unknown) =>
    fetch(`${qdrant.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  beforeAll(async () => {
    qdrant = await startFakeQdrant();
    await new QdrantVectorStore({ url: qdrant.url }).ensureCollection('strict', { dimension: 2, distance: 'cosine' });
  });
  afterAll(async () => {
    await qdrant.close();
  });

  it('refuses a query body shaped for the search endpoint the client no longer has', async () => {
    const response = await post('/collections/strict/points/query', { vector: [1, 0], top: 3 });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: { error: expect.stringMatching(/^Format error/) } });
  });

  it('answers 501 to a valid request it does not implement rather than ignoring part of it', async () => {
    const response = await post('/collections/strict/points/query', { query: [1, 0], prefetch: { query: [0, 1] } });

    expect(response.status).toBe(501);
  });
});
