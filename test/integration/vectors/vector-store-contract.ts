import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import {
  VectorCollectionNotFoundError,
  VectorDimensionError,
  type VectorPoint,
  type VectorStore,
} from '../../../shared/ports/vector-store.ts';

/** How a contract run reaches one backend. `reopen` is a second client of the same data, when it has one. */
export interface VectorStoreBackend {
  store: VectorStore;
  reopen?: () => VectorStore;
  close(): Promise<void>;
}

const ACCOUNT_A = '4876876000000100001';
const ACCOUNT_B = '4876876000000100002';

function point(id: string, vector: number[], payload: VectorPoint['payload'] = {}): VectorPoint {
  return { id, vector, payload };
}

/** A deterministic pseudo-random unit-ish vector, so large sets read the same on every backend. */
function seededVector(seed: number, dimension: number): number[] {
  let state = seed * 2654435761;
  return Array.from({ length: dimension }, () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
}

/** The behaviour every VectorStore adapter must share; run once per backend. */
export function describeVectorStoreContract(name: string, open: () => Promise<VectorStoreBackend>): void {
  describe(`${name} as a vector store`, () => {
    let backend: VectorStoreBackend;
    let store: VectorStore;
    let collection: string;
    let n = 0;

    beforeAll(async () => {
      backend = await open();
      store = backend.store;
    });
    afterAll(async () => {
      await backend?.close();
    });
    beforeEach(() => {
      n += 1;
      collection = `contract-${n}`;
    });

    it('creates a collection once and reports it was already there the second time', async () => {
      expect(await store.ensureCollection(collection, { dimension: 4, distance: 'cosine' })).toEqual({ created: true });
      expect(await store.ensureCollection(collection, { dimension: 4, distance: 'cosine' })).toEqual({
        created: false,
      });
    });

    it('keeps every vector when filter keys are added to a collection that exists', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [point('n1', [1, 0], { accountId: ACCOUNT_A })]);

      const again = await store.ensureCollection(collection, {
        dimension: 2,
        distance: 'cosine',
        filterKeys: ['accountId'],
      });

      expect(again).toEqual({ created: false });
      expect(await store.count(collection, { accountId: ACCOUNT_A })).toBe(1);
    });

    it('returns the nearest points first, scored by cosine similarity', async () => {
      await store.ensureCollection(collection, { dimension: 4, distance: 'cosine' });
      await store.upsert(collection, [
        point('far', [0, 0, 1, 0]),
        point('exact', [1, 0, 0, 0]),
        point('close', [0.9, 0.1, 0, 0]),
        point('orthogonal', [0, 1, 0, 0]),
      ]);

      const matches = await store.query(collection, { vector: [1, 0, 0, 0], limit: 2 });

      expect(matches.map((m) => m.id)).toEqual(['exact', 'close']);
      expect(matches[0]!.score).toBeCloseTo(1, 5);
      expect(matches[1]!.score).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 5);
    });

    it('ignores the length of vectors under cosine distance', async () => {
      await store.ensureCollection(collection, { dimension: 3, distance: 'cosine' });
      await store.upsert(collection, [point('long', [10, 0, 0])]);

      const [match] = await store.query(collection, { vector: [0.5, 0, 0], limit: 1 });

      expect(match?.score).toBeCloseTo(1, 5);
    });

    it('scores by the inner product under dot distance', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'dot' });
      await store.upsert(collection, [point('small', [1, 0]), point('large', [3, 0]), point('against', [-2, 0])]);

      const matches = await store.query(collection, { vector: [2, 0], limit: 3 });

      expect(matches.map((m) => [m.id, Math.round(m.score * 1000) / 1000])).toEqual([
        ['large', 6],
        ['small', 2],
        ['against', -4],
      ]);
    });

    it('keeps string ids and payload values exactly as given', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      const payload = {
        accountId: ACCOUNT_A,
        module: 'Notes',
        title: `O'Brien said "renewal" — $1 ok? 50% {x}`,
        amount: 80000,
        isOpen: false,
        closedAt: null,
      };
      await store.upsert(collection, [point(`Notes:${ACCOUNT_A}`, [1, 1], payload)]);

      const [match] = await store.query(collection, { vector: [1, 1], limit: 1 });

      expect(match).toMatchObject({ id: `Notes:${ACCOUNT_A}`, payload });
    });

    it('replaces the vector and payload of a point upserted again under the same id', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [point('p', [1, 0], { version: 1 })]);
      await store.upsert(collection, [point('p', [0, 1], { version: 2 })]);

      const [match] = await store.query(collection, { vector: [0, 1], limit: 5 });

      expect(await store.count(collection)).toBe(1);
      expect(match).toMatchObject({ id: 'p', payload: { version: 2 } });
      expect(match?.score).toBeCloseTo(1, 5);
    });

    it('only returns points whose payload equals every key of the filter', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [
        point('a-note', [1, 0], { tenant: 'sergas', accountId: ACCOUNT_A, kind: 'note' }),
        point('a-call', [1, 0], { tenant: 'sergas', accountId: ACCOUNT_A, kind: 'call' }),
        point('b-note', [1, 0], { tenant: 'sergas', accountId: ACCOUNT_B, kind: 'note' }),
      ]);

      const matches = await store.query(collection, {
        vector: [1, 0],
        limit: 10,
        filter: { tenant: 'sergas', accountId: ACCOUNT_A, kind: 'note' },
      });

      expect(matches.map((m) => m.id)).toEqual(['a-note']);
    });

    it("finds a small account's points among many others' when filtering by it", async () => {
      const dimension = 16;
      await store.ensureCollection(collection, { dimension, distance: 'cosine' });
      const others = Array.from({ length: 400 }, (_, i) =>
        point(`other-${i}`, seededVector(i + 1, dimension), { accountId: ACCOUNT_B }),
      );
      const mine = Array.from({ length: 5 }, (_, i) =>
        point(`mine-${i}`, seededVector(1000 + i, dimension), { accountId: ACCOUNT_A }),
      );
      await store.upsert(collection, [...others, ...mine]);

      const matches = await store.query(collection, {
        vector: seededVector(7, dimension),
        limit: 5,
        filter: { accountId: ACCOUNT_A },
      });

      expect(matches.map((m) => m.id).sort()).toEqual(mine.map((p) => p.id).sort());
      expect(matches.map((m) => m.score)).toEqual([...matches.map((m) => m.score)].sort((a, b) => b - a));
    });

    it('deletes points by id and leaves the others', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [point('keep', [1, 0]), point('drop-1', [1, 0]), point('drop-2', [0, 1])]);

      await store.delete(collection, { ids: ['drop-1', 'drop-2', 'never-there'] });

      expect((await store.query(collection, { vector: [1, 0], limit: 10 })).map((m) => m.id)).toEqual(['keep']);
    });

    it('deletes the points whose payload matches a filter', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [
        point('a1', [1, 0], { accountId: ACCOUNT_A }),
        point('a2', [0, 1], { accountId: ACCOUNT_A }),
        point('b1', [1, 0], { accountId: ACCOUNT_B }),
      ]);

      await store.delete(collection, { filter: { accountId: ACCOUNT_A } });

      expect(await store.count(collection)).toBe(1);
      expect(await store.count(collection, { accountId: ACCOUNT_B })).toBe(1);
    });

    it('counts every point, or those matching a filter', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [
        point('1', [1, 0], { kind: 'note', pinned: true }),
        point('2', [1, 0], { kind: 'note', pinned: false }),
        point('3', [1, 0], { kind: 'call', pinned: true }),
      ]);

      expect(await store.count(collection)).toBe(3);
      expect(await store.count(collection, { kind: 'note' })).toBe(2);
      expect(await store.count(collection, { kind: 'note', pinned: true })).toBe(1);
    });

    it('lists the id and payload of the points matching a filter, without their vectors', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      const hash = 'c0ffee'.repeat(10);
      await store.upsert(collection, [
        point(`Notes:${ACCOUNT_A}1`, [1, 0], { accountId: ACCOUNT_A, contentHash: hash, model: 'm-1' }),
        point(`Calls:${ACCOUNT_A}2`, [0, 1], { accountId: ACCOUNT_A, contentHash: null, model: 'm-1' }),
        point(`Notes:${ACCOUNT_B}1`, [1, 1], { accountId: ACCOUNT_B, contentHash: hash, model: 'm-1' }),
      ]);

      const listed = await store.list(collection, { accountId: ACCOUNT_A });

      expect(listed.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: `Calls:${ACCOUNT_A}2`, payload: { accountId: ACCOUNT_A, contentHash: null, model: 'm-1' } },
        { id: `Notes:${ACCOUNT_A}1`, payload: { accountId: ACCOUNT_A, contentHash: hash, model: 'm-1' } },
      ]);
      expect((await store.list(collection)).map((r) => r.id).sort()).toEqual(
        [`Calls:${ACCOUNT_A}2`, `Notes:${ACCOUNT_A}1`, `Notes:${ACCOUNT_B}1`].sort(),
      );
    });

    it('lists every matching point of a collection, however many there are', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      const mine = Array.from({ length: 2_345 }, (_, i) => point(`mine-${i}`, [1, i], { accountId: ACCOUNT_A, i }));
      await store.upsert(collection, [...mine, point('other', [1, 0], { accountId: ACCOUNT_B })]);

      const listed = await store.list(collection, { accountId: ACCOUNT_A });

      expect(listed).toHaveLength(mine.length);
      expect(new Set(listed.map((r) => r.id))).toEqual(new Set(mine.map((p) => p.id)));
      expect(listed.find((r) => r.id === 'mine-2000')?.payload).toEqual({ accountId: ACCOUNT_A, i: 2000 });
    });

    it('treats a collection that was never created as empty', async () => {
      expect(await store.query(`${collection}-missing`, { vector: [1, 0], limit: 3 })).toEqual([]);
      expect(await store.list(`${collection}-missing`, { accountId: ACCOUNT_A })).toEqual([]);
      expect(await store.count(`${collection}-missing`)).toBe(0);
      await expect(store.delete(`${collection}-missing`, { ids: ['x'] })).resolves.toBeUndefined();
    });

    it('refuses to write into a collection that was never created', async () => {
      await expect(store.upsert(`${collection}-missing`, [point('x', [1, 0])])).rejects.toBeInstanceOf(
        VectorCollectionNotFoundError,
      );
    });

    it('refuses vectors of another dimension than the collection holds', async () => {
      await store.ensureCollection(collection, { dimension: 3, distance: 'cosine' });

      await expect(store.upsert(collection, [point('x', [1, 0])])).rejects.toBeInstanceOf(VectorDimensionError);
      await expect(store.query(collection, { vector: [1, 0, 0, 0], limit: 1 })).rejects.toBeInstanceOf(
        VectorDimensionError,
      );
    });

    it('recreates a collection empty when it is ensured with another dimension', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [point('old', [1, 0])]);

      expect(await store.ensureCollection(collection, { dimension: 3, distance: 'cosine' })).toEqual({ created: true });
      expect(await store.count(collection)).toBe(0);
      await store.upsert(collection, [point('new', [1, 0, 0])]);
      expect((await store.query(collection, { vector: [1, 0, 0], limit: 1 }))[0]?.id).toBe('new');
    });

    it('takes a snapshot without changing the collection, and has nothing to save of a missing one', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [point('kept', [1, 0], { accountId: ACCOUNT_A }), point('other', [0, 1])]);

      const result = await store.snapshot(collection, { keep: 2 });

      // Only a store whose data dies with its server saves one (Qdrant); the others say there is none.
      if (result) expect(result).toEqual({ taken: expect.stringMatching(/\S/), deleted: [] });
      expect(await store.count(collection)).toBe(2);
      expect((await store.query(collection, { vector: [1, 0], limit: 1 }))[0]).toMatchObject({
        id: 'kept',
        payload: { accountId: ACCOUNT_A },
      });
      expect(await store.snapshot(`${collection}-missing`)).toBeNull();
    });

    it('refuses to keep fewer than one snapshot, or a fraction of one', async () => {
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });

      await expect(store.snapshot(collection, { keep: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(store.snapshot(collection, { keep: 1.5 })).rejects.toBeInstanceOf(ValidationError);
    });

    it('shows what one client wrote to another client of the same backend', async (context) => {
      if (!backend.reopen) return context.skip();
      await store.ensureCollection(collection, { dimension: 2, distance: 'cosine' });
      await store.upsert(collection, [point('shared', [1, 0], { accountId: ACCOUNT_A })]);

      const other = backend.reopen();

      expect(await other.ensureCollection(collection, { dimension: 2, distance: 'cosine' })).toEqual({
        created: false,
      });
      expect(await other.query(collection, { vector: [1, 0], limit: 1 })).toMatchObject([
        { id: 'shared', payload: { accountId: ACCOUNT_A } },
      ]);
    });
  });
}
