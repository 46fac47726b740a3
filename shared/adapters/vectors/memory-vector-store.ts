import {
  assertVectors,
  type CollectionSpec,
  type Payload,
  type PayloadFilter,
  snapshotsToKeep,
  VectorCollectionNotFoundError,
  type VectorMatch,
  type VectorPoint,
  type VectorQuery,
  type VectorRecord,
  type VectorSnapshotOptions,
  type VectorSnapshotResult,
  type VectorStore,
} from '../../ports/vector-store.ts';

interface Collection extends CollectionSpec {
  points: Map<string, { vector: number[]; payload: Payload }>;
}

function matchesFilter(payload: Payload, filter: PayloadFilter | undefined): boolean {
  return Object.entries(filter ?? {}).every(([key, value]) => payload[key] === value);
}

function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
}

/** Cosine vectors are stored unit length (as Qdrant does), so scoring is one dot product either way. */
function normalised(vector: readonly number[]): number[] {
  const length = norm(vector);
  return length === 0 ? [...vector] : vector.map((x) => x / length);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * Brute-force search in process memory: for use-case tests, and the fallback when the database has no
 * pgvector and there is no Qdrant (vectors are derived, so losing them on restart only costs a reindex).
 */
export class MemoryVectorStore implements VectorStore {
  readonly #collections = new Map<string, Collection>();

  async ensureCollection(collection: string, spec: CollectionSpec): Promise<{ created: boolean }> {
    const existing = this.#collections.get(collection);
    if (existing && existing.dimension === spec.dimension && existing.distance === spec.distance) {
      return { created: false };
    }
    this.#collections.set(collection, { ...spec, points: new Map() });
    return { created: true };
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const target = this.#collections.get(collection);
    if (!target) throw new VectorCollectionNotFoundError(collection);
    assertVectors(
      collection,
      target.dimension,
      points.map((p) => p.vector),
    );
    for (const point of points) {
      const vector = target.distance === 'cosine' ? normalised(point.vector) : [...point.vector];
      target.points.set(point.id, { vector, payload: { ...point.payload } });
    }
  }

  async delete(collection: string, selector: { ids: readonly string[] } | { filter: PayloadFilter }): Promise<void> {
    const target = this.#collections.get(collection);
    if (!target) return;
    if ('ids' in selector) {
      for (const id of selector.ids) target.points.delete(id);
      return;
    }
    for (const [id, point] of target.points) {
      if (matchesFilter(point.payload, selector.filter)) target.points.delete(id);
    }
  }

  async query(collection: string, query: VectorQuery): Promise<VectorMatch[]> {
    const target = this.#collections.get(collection);
    if (!target) return [];
    assertVectors(collection, target.dimension, [query.vector]);
    const probe = target.distance === 'cosine' ? normalised(query.vector) : query.vector;
    const matches: VectorMatch[] = [];
    for (const [id, point] of target.points) {
      if (!matchesFilter(point.payload, query.filter)) continue;
      matches.push({ id, score: dot(probe, point.vector), payload: { ...point.payload } });
    }
    return matches.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, query.limit);
  }

  async count(collection: string, filter?: PayloadFilter): Promise<number> {
    const target = this.#collections.get(collection);
    if (!target) return 0;
    let count = 0;
    for (const point of target.points.values()) if (matchesFilter(point.payload, filter)) count++;
    return count;
  }

  async list(collection: string, filter?: PayloadFilter): Promise<VectorRecord[]> {
    const target = this.#collections.get(collection);
    if (!target) return [];
    const records: VectorRecord[] = [];
    for (const [id, point] of target.points) {
      if (matchesFilter(point.payload, filter)) records.push({ id, payload: { ...point.payload } });
    }
    return records;
  }

  /** Nothing here outlives the process, so there is nothing a snapshot could be restored into. */
  async snapshot(_collection: string, options?: VectorSnapshotOptions): Promise<VectorSnapshotResult | null> {
    snapshotsToKeep(options);
    return null;
  }
}
