import { fnv1a32 } from '../../domain/memory/feature-hashing.ts';
import { AppError } from '../../errors.ts';
import type { Db } from '../../ports/db.ts';
import {
  assertVectors,
  type CollectionSpec,
  type Payload,
  type PayloadFilter,
  snapshotsToKeep,
  VectorCollectionNotFoundError,
  type VectorDistance,
  type VectorMatch,
  type VectorPoint,
  type VectorQuery,
  type VectorRecord,
  type VectorSnapshotOptions,
  type VectorSnapshotResult,
  type VectorStore,
} from '../../ports/vector-store.ts';

interface Registered extends CollectionSpec {
  table: string;
}

const DISTANCES: Record<VectorDistance, { operator: string; opclass: string; score: (distance: number) => number }> = {
  cosine: { operator: '<=>', opclass: 'vector_cosine_ops', score: (distance) => 1 - distance },
  // `<#>` is the negated inner product, so that ascending order is nearest first.
  dot: { operator: '<#>', opclass: 'vector_ip_ops', score: (distance) => -distance },
};

/** pgvector's HNSW indexes vectors of at most 2,000 dimensions. */
const MAX_INDEXED_DIMENSION = 2000;
const UPSERT_BATCH = 100;
const MAX_EF_SEARCH = 1000;

/**
 * The vector as pgvector's text literal. Sent as a string and cast in SQL (`$1::vector`), it survives both
 * the extended protocol and the simple one, where parameters are inlined (a JS array would become a
 * Postgres array literal, which does not cast to vector).
 */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.join(',')}]`;
}

/** A table per collection (pgvector indexes need a fixed dimension); the hash keeps `a-b` and `a_b` apart. */
function tableNameOf(collection: string): string {
  const slug = collection
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  return `vectors_${slug}_${fnv1a32(collection).toString(16).padStart(8, '0')}`;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * pgvector through the Db port: inside PGlite locally, or any Postgres with the extension. It creates its
 * own tables (not the numbered migrations, which must also run on a Postgres without pgvector).
 */
export class PgvectorStore implements VectorStore {
  readonly #db: Db;
  readonly #known = new Map<string, Registered>();
  #setUp: Promise<void> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  #ready(): Promise<void> {
    this.#setUp ??= this.#db
      .exec(
        `CREATE EXTENSION IF NOT EXISTS vector;
         CREATE TABLE IF NOT EXISTS vector_collections (
           name text PRIMARY KEY,
           table_name text NOT NULL,
           dimension int NOT NULL,
           distance text NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now()
         );`,
      )
      .catch((error: unknown) => {
        this.#setUp = undefined;
        throw error;
      });
    return this.#setUp;
  }

  async #lookup(collection: string): Promise<Registered | null> {
    const known = this.#known.get(collection);
    if (known) return known;
    await this.#ready();
    const [row] = await this.#db.query<{ table_name: string; dimension: number; distance: VectorDistance }>(
      'SELECT table_name, dimension, distance FROM vector_collections WHERE name = $1',
      [collection],
    );
    if (!row) return null;
    const registered = { table: row.table_name, dimension: row.dimension, distance: row.distance };
    this.#known.set(collection, registered);
    return registered;
  }

  async ensureCollection(collection: string, spec: CollectionSpec): Promise<{ created: boolean }> {
    if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_INDEXED_DIMENSION) {
      throw new AppError(
        'VECTOR_DIMENSION_UNSUPPORTED',
        `pgvector indexes 1 to 2000 dimensions, not ${spec.dimension}`,
      );
    }
    this.#known.delete(collection);
    const existing = await this.#lookup(collection);
    if (existing && existing.dimension === spec.dimension && existing.distance === spec.distance) {
      return { created: false };
    }
    const table = tableNameOf(collection);
    const { opclass } = DISTANCES[spec.distance];
    await this.#db.transaction(async (tx) => {
      if (existing) await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(existing.table)}`);
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (
           id text PRIMARY KEY,
           embedding vector(${spec.dimension}) NOT NULL,
           payload jsonb NOT NULL DEFAULT '{}'
         );
         CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table}_hnsw`)} ON ${quoteIdent(table)} USING hnsw (embedding ${opclass});
         CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table}_payload`)} ON ${quoteIdent(table)} USING gin (payload jsonb_path_ops);`,
      );
      await tx.query(
        `INSERT INTO vector_collections (name, table_name, dimension, distance) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET table_name = EXCLUDED.table_name, dimension = EXCLUDED.dimension,
           distance = EXCLUDED.distance, created_at = now()`,
        [collection, table, spec.dimension, spec.distance],
      );
    });
    this.#known.set(collection, { table, ...spec });
    return { created: true };
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const target = await this.#lookup(collection);
    if (!target) throw new VectorCollectionNotFoundError(collection);
    assertVectors(
      collection,
      target.dimension,
      points.map((p) => p.vector),
    );
    // One statement may not touch a row twice; the last point of an id wins, as in Qdrant.
    const unique = [...new Map(points.map((p) => [p.id, p])).values()];
    for (let at = 0; at < unique.length; at += UPSERT_BATCH) {
      const batch = unique.slice(at, at + UPSERT_BATCH);
      const rows = batch.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}::vector, $${3 * i + 3}::jsonb)`);
      await this.#db.query(
        `INSERT INTO ${quoteIdent(target.table)} (id, embedding, payload) VALUES ${rows.join(', ')}
         ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, payload = EXCLUDED.payload`,
        batch.flatMap((p) => [p.id, vectorLiteral(p.vector), JSON.stringify(p.payload)]),
      );
    }
  }

  async delete(collection: string, selector: { ids: readonly string[] } | { filter: PayloadFilter }): Promise<void> {
    const target = await this.#lookup(collection);
    if (!target) return;
    if ('ids' in selector) {
      if (selector.ids.length === 0) return;
      await this.#db.query(`DELETE FROM ${quoteIdent(target.table)} WHERE id = ANY($1::text[])`, [[...selector.ids]]);
    } else {
      await this.#db.query(`DELETE FROM ${quoteIdent(target.table)} WHERE payload @> $1::jsonb`, [
        JSON.stringify(selector.filter),
      ]);
    }
  }

  async query(collection: string, query: VectorQuery): Promise<VectorMatch[]> {
    const target = await this.#lookup(collection);
    if (!target) return [];
    assertVectors(collection, target.dimension, [query.vector]);
    const { operator, score } = DISTANCES[target.distance];
    const filtered = query.filter && Object.keys(query.filter).length > 0;
    const params: unknown[] = [vectorLiteral(query.vector), query.limit];
    if (filtered) params.push(JSON.stringify(query.filter));
    const rows = await this.#db.transaction(async (tx) => {
      // HNSW filters after it has found ef_search candidates, so a selective filter (one account's notes
      // among every account's) could return fewer than `limit` rows; an iterative scan keeps looking.
      await tx.exec(
        `SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = ${Math.min(MAX_EF_SEARCH, Math.max(40, query.limit))};`,
      );
      // relaxed_order may return neighbours slightly out of order; the outer ORDER BY restores it.
      return tx.query<{ id: string; payload: Payload; distance: number }>(
        `WITH nearest AS MATERIALIZED (
           SELECT id, payload, embedding ${operator} $1::vector AS distance FROM ${quoteIdent(target.table)}
           ${filtered ? 'WHERE payload @> $3::jsonb' : ''}
           ORDER BY embedding ${operator} $1::vector LIMIT $2
         ) SELECT id, payload, distance FROM nearest ORDER BY distance, id`,
        params,
      );
    });
    return rows.map((row) => ({ id: row.id, score: score(Number(row.distance)), payload: row.payload }));
  }

  async count(collection: string, filter?: PayloadFilter): Promise<number> {
    const target = await this.#lookup(collection);
    if (!target) return 0;
    const filtered = filter && Object.keys(filter).length > 0;
    const [row] = await this.#db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(target.table)} ${filtered ? 'WHERE payload @> $1::jsonb' : ''}`,
      filtered ? [JSON.stringify(filter)] : [],
    );
    return row?.n ?? 0;
  }

  async list(collection: string, filter?: PayloadFilter): Promise<VectorRecord[]> {
    const target = await this.#lookup(collection);
    if (!target) return [];
    const filtered = filter && Object.keys(filter).length > 0;
    // The GIN index on the payload answers the filter; the embeddings are never read.
    return this.#db.query<VectorRecord>(
      `SELECT id, payload FROM ${quoteIdent(target.table)} ${filtered ? 'WHERE payload @> $1::jsonb' : ''}`,
      filtered ? [JSON.stringify(filter)] : [],
    );
  }

  /** The vectors are rows of the database: whatever backs the database up covers them. */
  async snapshot(_collection: string, options?: VectorSnapshotOptions): Promise<VectorSnapshotResult | null> {
    snapshotsToKeep(options);
    return null;
  }
}
