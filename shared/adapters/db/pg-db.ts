import pg from 'pg';
import type { Db } from '../../ports/db.ts';

// node-postgres returns int8 and numeric as strings; our schema keeps counts as int and money as float8,
// and the few bigserial ids we read are small enough for a JS number.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));
pg.types.setTypeParser(1082, (value) => value);

type Queryable = pg.Pool | pg.PoolClient;

export interface PgDbOptions {
  max?: number;
  /**
   * `simple` sends each query as one message with its parameters inlined as literals. PGlite's socket
   * server interleaves the messages of concurrent connections, so the extended protocol's
   * Parse/Bind/Execute of one client can be split by another's; a single message cannot.
   */
  protocol?: 'extended' | 'simple';
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A parameter as a SQL literal; arrays become array literals (the SQL casts them, e.g. `$1::text[]`). */
function literalOf(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot send ${value} to Postgres`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return quote(value.toISOString());
  if (Array.isArray(value)) {
    const items = value.map((item) =>
      item === null ? 'NULL' : `"${String(item).replace(/["\\]/g, (c) => `\\${c}`)}"`,
    );
    return quote(`{${items.join(',')}}`);
  }
  if (typeof value === 'object') return quote(JSON.stringify(value));
  return quote(String(value));
}

export function inlineParameters(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (match, index: string) => {
    const position = Number(index) - 1;
    if (position >= params.length) throw new Error(`No value for ${match}`);
    return literalOf(params[position]);
  });
}

class PgExecutor implements Db {
  readonly kind = 'postgres' as const;
  readonly #client: Queryable;
  protected readonly simple: boolean;

  constructor(client: Queryable, simple: boolean) {
    this.#client = client;
    this.simple = simple;
  }

  async query<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = this.simple
      ? await this.#client.query(params.length > 0 ? inlineParameters(sql, params) : sql)
      : await this.#client.query(sql, params as unknown[]);
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

  constructor(pool: pg.Pool, options: PgDbOptions = {}) {
    super(pool, options.protocol === 'simple');
    this.#pool = pool;
    // An idle client whose connection drops (restart, failover) is replaced on next use; without a
    // listener the pool's 'error' event would crash the process.
    pool.on('error', () => undefined);
  }

  static connect(connectionString: string, options: PgDbOptions = {}): PgDb {
    return new PgDb(new pg.Pool({ connectionString, max: options.max ?? 5 }), options);
  }

  override async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgExecutor(client, this.simple));
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
