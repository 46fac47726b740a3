import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from '../../shared/adapters/db/migrate.ts';
import { PgDb } from '../../shared/adapters/db/pg-db.ts';
import { PgliteDb } from '../../shared/adapters/db/pglite-db.ts';
import type { Db } from '../../shared/ports/db.ts';

/** The real Postgres every machine runs (trust auth); `TEST_PG_URL` overrides it. */
export const postgresAdminUrl = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  db: Db;
  /** The connection string, for code that opens its own connection (real Postgres only). */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the real Postgres server, dropped afterwards. */
export async function freshPostgres(): Promise<TestDatabase> {
  const database = await freshEmptyPostgres();
  await migrate(database.db);
  return database;
}

/** A fresh database on the real Postgres server with nothing in it yet. */
export async function freshEmptyPostgres(): Promise<TestDatabase> {
  const name = `sergas_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  const db = PgDb.connect(url.toString(), { max: 10 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: postgresAdminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

let template: Promise<Blob> | undefined;

/** A fresh, migrated in-memory PGlite, cloned from a per-worker migrated template (creating one costs ~2 s). */
export async function freshPglite(): Promise<TestDatabase> {
  template ??= (async () => {
    const seed = await PgliteDb.open();
    await migrate(seed);
    const dump = await seed.pglite.dumpDataDir('none');
    await seed.close();
    return dump;
  })();
  const db = new PgliteDb(await PGlite.create({ loadDataDir: await template, extensions: PgliteDb.extensions }));
  return { db, drop: () => db.close() };
}

/** For `describe.each`: every data-layer test runs against the real Postgres and against PGlite. */
export function databases(): [string, () => Promise<TestDatabase>][] {
  return [
    ['postgres', freshPostgres],
    ['pglite', freshPglite],
  ];
}

/** A database for a whole local stack (`openLocalContainer`), which migrates it itself. */
export interface StackDatabase {
  /** What to add to the stack's environment: nothing for the embedded PGlite, DATABASE_URL for Postgres. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** For `describe.each` over a local stack: its embedded PGlite, and a fresh database on the real Postgres. */
export function stackDatabases(): [string, () => Promise<StackDatabase>][] {
  return [
    ['pglite', async () => ({ env: {}, drop: async () => undefined })],
    [
      'postgres',
      async () => {
        const database = await freshEmptyPostgres();
        return { env: { DATABASE_URL: database.url! }, drop: () => database.drop() };
      },
    ],
  ];
}
