import { PGlite, type Transaction, types } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db } from '../../ports/db.ts';

type Queryable = PGlite | Transaction;

// Same conventions as the pg adapter: dates stay 'yyyy-MM-dd' strings, int8 becomes a number.
const parsers = {
  [types.DATE]: (value: string) => value,
  [types.INT8]: (value: string) => Number.parseInt(value, 10),
};

class PgliteExecutor implements Db {
  readonly kind = 'pglite' as const;
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async query<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#db.query<R>(sql, params as unknown[], { parsers });
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {}
}

/** Embedded Postgres (WASM) under `$SERGAS_HOME`, or in memory when no directory is given. */
export class PgliteDb extends PgliteExecutor {
  readonly pglite: PGlite;

  constructor(pglite: PGlite) {
    super(pglite);
    this.pglite = pglite;
  }

  /** pgvector is loaded so that the embedded default can also be the vector store; `CREATE EXTENSION` is left to it. */
  static readonly extensions = { vector };

  static async open(dataDir?: string): Promise<PgliteDb> {
    const options = { extensions: PgliteDb.extensions };
    const pglite = dataDir ? await PGlite.create(dataDir, options) : await PGlite.create(options);
    return new PgliteDb(pglite);
  }

  override async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.pglite.transaction((tx) => fn(new PgliteExecutor(tx)));
  }

  override async close(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}
