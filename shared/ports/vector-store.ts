import { AppError, ValidationError } from '../errors.ts';

/**
 * Nearest-neighbour search over derived vectors (account features, note embeddings). Everything in a
 * store can be rebuilt from the CRM copy, so adapters may drop a collection whose shape changed.
 */
export type VectorDistance = 'cosine' | 'dot';

export interface CollectionSpec {
  dimension: number;
  distance: VectorDistance;
  /**
   * Payload keys that queries filter on by equality (an account's notes by `accountId`). A backend
   * indexes them so a filtered search reads only the matching points; adding one to a collection that
   * exists indexes it in place, without dropping any vector.
   */
  filterKeys?: readonly string[];
}

/** Payload values stay scalar so every backend can filter on them by equality. */
export type PayloadValue = string | number | boolean | null;
export type Payload = Record<string, PayloadValue>;
/** Every key must equal its value (AND); e.g. `{ accountId, kind: 'note' }`. */
export type PayloadFilter = Record<string, string | number | boolean>;

export interface VectorPoint {
  id: string;
  vector: readonly number[];
  payload: Payload;
}

/** A stored point without its vector, as {@link VectorStore.list} returns it. */
export interface VectorRecord {
  id: string;
  payload: Payload;
}

export interface VectorMatch {
  id: string;
  /** Higher is closer: cosine similarity for `cosine`, the inner product for `dot`. */
  score: number;
  payload: Payload;
}

export interface VectorQuery {
  vector: readonly number[];
  limit: number;
  filter?: PayloadFilter;
}

/** How many snapshots of a collection {@link VectorStore.snapshot} keeps unless told otherwise. */
export const DEFAULT_SNAPSHOTS_KEPT = 3;

export interface VectorSnapshotOptions {
  /** How many of the collection's snapshots to keep, the new one included: a whole number, at least 1. */
  keep?: number;
}

export interface VectorSnapshotResult {
  /** The name of the snapshot just taken. */
  taken: string;
  /** The older snapshots deleted so that only the newest `keep` remain. */
  deleted: string[];
}

export interface VectorStore {
  /**
   * Creates the collection when it is missing. One with another dimension or distance is dropped and
   * recreated empty (its vectors came from another embedder and are meaningless); `created` then says
   * the caller must index again.
   */
  ensureCollection(collection: string, spec: CollectionSpec): Promise<{ created: boolean }>;
  /** Inserts or replaces points by id. Throws VectorCollectionNotFoundError or VectorDimensionError. */
  upsert(collection: string, points: readonly VectorPoint[]): Promise<void>;
  /** Deletes by ids or by payload filter; a missing collection or id is not an error. */
  delete(collection: string, selector: { ids: readonly string[] } | { filter: PayloadFilter }): Promise<void>;
  /** The `limit` nearest points, closest first; a collection not created yet has none. */
  query(collection: string, query: VectorQuery): Promise<VectorMatch[]>;
  count(collection: string, filter?: PayloadFilter): Promise<number>;
  /**
   * The id and payload of every point whose payload matches `filter` (every point without one), never the
   * vectors, in no particular order; a collection not created yet has none. What an indexer reads to
   * find which of its points are still current, from what it keeps in their payloads (the hash of the
   * embedded text, the embedder's model), before it pays for embedding anything again.
   */
  list(collection: string, filter?: PayloadFilter): Promise<VectorRecord[]>;
  /**
   * Saves a point-in-time copy of the collection where the store keeps its snapshots, then deletes all
   * but the newest `keep` (default {@link DEFAULT_SNAPSHOTS_KEPT}), the one just taken included. The
   * collection itself is left as it was.
   *
   * Only a store whose live data does not outlive its server needs this: Qdrant on ECS keeps its
   * collections on a block volume that is created and deleted with its task, and a new task recovers
   * each collection from its latest snapshot. The others do nothing and return null: pgvector's data is
   * the database's (with its backups), the in-memory store has nothing durable to copy. Qdrant returns
   * null for a collection that does not exist (there is nothing to save).
   * Throws ValidationError for a `keep` that is not a whole number of at least 1.
   */
  snapshot(collection: string, options?: VectorSnapshotOptions): Promise<VectorSnapshotResult | null>;
}

/** The `keep` of a snapshot call, checked: every adapter must refuse the same values. */
export function snapshotsToKeep(options: VectorSnapshotOptions | undefined): number {
  const keep = options?.keep ?? DEFAULT_SNAPSHOTS_KEPT;
  if (!Number.isInteger(keep) || keep < 1) {
    throw new ValidationError('keep must be a whole number of at least 1', { keep });
  }
  return keep;
}

export class VectorCollectionNotFoundError extends AppError {
  constructor(collection: string) {
    super('VECTOR_COLLECTION_NOT_FOUND', `Vector collection ${collection} does not exist`, {
      details: { collection },
    });
  }
}

export class VectorDimensionError extends AppError {
  constructor(collection: string, expected: number, got: number) {
    super('VECTOR_DIMENSION_MISMATCH', `Collection ${collection} holds ${expected}-d vectors, got ${got}`, {
      details: { collection, expected, got },
    });
  }
}

/** Checks what every adapter must refuse before it reaches a backend (which would fail less clearly). */
export function assertVectors(collection: string, dimension: number, vectors: readonly (readonly number[])[]): void {
  for (const vector of vectors) {
    if (vector.length !== dimension) throw new VectorDimensionError(collection, dimension, vector.length);
    if (!vector.every(Number.isFinite)) {
      throw new AppError('VECTOR_NOT_FINITE', `A vector for ${collection} holds NaN or Infinity`);
    }
  }
}
