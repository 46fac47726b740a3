import { AppError } from '../errors.ts';

/**
 * Nearest-neighbour search over derived vectors (account features, note embeddings). Everything in a
 * store can be rebuilt from the CRM copy, so adapters may drop a collection whose shape changed.
 */
export type VectorDistance = 'cosine' | 'dot';

export interface CollectionSpec {
  dimension: number;
  distance: VectorDistance;
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
