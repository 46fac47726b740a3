/**
 * The system of record. Both adapters (node-postgres and PGlite) speak the same SQL; repositories are
 * written once against this port. Parameters are positional (`$1`).
 */
export interface Db {
  readonly kind: 'postgres' | 'pglite';
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs several statements at once (migrations); no parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
