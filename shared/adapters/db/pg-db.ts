import pg from 'pg';
import type { Db } from '../../ports/db.ts';

// node-postgres returns int8 and numeric as strings; our schema keeps counts as int and money as float8,
// and the few bigserial ids we read are small enough for a JS number.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));
pg.types.setTypeParser(1082, (value) => value);

type Queryable = pg.Pool | pg.PoolClient;

class PgExecutor implements Db {
  readonly kind = 'postgres' as const;
  readonly #client: Queryable;

  constructor(client: Queryable) {
    this.#client = client;
  }

  async query<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#client.query(sql, params as unknown[]);
    return result.rows as R[];
  }

  async exec(sql: string): Promise<void> {
    await this.#client.query(sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {}
}

/** Postgres through a `pg.Pool` (RDS Proxy on AWS, 127.0.0.1 in tests, PGlite's socket server locally). */
export class PgDb extends PgExecutor {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    super(pool);
    this.#pool = pool;
  }

  static connect(connectionString: string, options: { max?: number } = {}): PgDb {
    return new PgDb(new pg.Pool({ connectionString, max: options.max ?? 5 }));
  }

  override async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  override async close(): Promise<void> {
    await this.#pool.end();
  }
}
