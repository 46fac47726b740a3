import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineParameters, PgDb } from '../../../shared/adapters/db/pg-db.ts';
import type { PgliteDb } from '../../../shared/adapters/db/pglite-db.ts';
import { freshPglite, type TestDatabase } from '../../support/databases.ts';

describe('the embedded database shared with other processes through its socket', () => {
  let database: TestDatabase;
  let socket: PGLiteSocketServer;
  let url: string;

  beforeAll(async () => {
    database = await freshPglite();
    socket = new PGLiteSocketServer({
      db: (database.db as PgliteDb).pglite,
      host: '127.0.0.1',
      port: 0,
      maxConnections: 16,
    });
    await socket.start();
    url = `postgresql://postgres:postgres@${socket.getServerConn()}/postgres`;
  });
  afterAll(async () => {
    await socket.stop();
    await database.drop();
  });

  it('answers many concurrent parameterised queries from several processes correctly', async () => {
    const server = PgDb.connect(url, { max: 4, protocol: 'simple' });
    const cli = PgDb.connect(url, { max: 3, protocol: 'simple' });
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 ? server : cli).query<{ n: number; s: string; arr: string[] }>(
          'SELECT $1::int AS n, $2::text AS s, $3::text[] AS arr',
          [i, `o'brien ${i}`, [`a"${i}`, 'b\\c']],
        ),
      ),
    );
    expect(results.map((rows) => rows[0])).toEqual(
      Array.from({ length: 120 }, (_, i) => ({ n: i, s: `o'brien ${i}`, arr: [`a"${i}`, 'b\\c'] })),
    );
    await Promise.all([server.close(), cli.close()]);
  });

  // With the extended protocol this mix fails ("unnamed prepared statement does not exist", wrong rows).
  it('keeps concurrent transactions and queries on several connections apart', async () => {
    const db = PgDb.connect(url, { max: 4, protocol: 'simple' });
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        try {
          if (i % 3 === 0) {
            await db.transaction(async (tx) => {
              await tx.query('INSERT INTO sync_runs (kind, status, started_at, api_calls) VALUES ($1, $2, now(), $3)', [
                'full',
                'running',
                i,
              ]);
              await tx.query('SELECT * FROM sync_runs WHERE api_calls = $1 FOR UPDATE', [i]);
              await tx.query('UPDATE sync_runs SET status = $2 WHERE api_calls = $1', [i, 'succeeded']);
            });
          } else {
            const rows = await db.query<{ a: number }>('SELECT $1::int AS a, $2::text AS b', [i, `v${i}`]);
            if (rows[0]?.a !== i) errors.push(`wrong row for ${i}`);
          }
        } catch (error) {
          errors.push((error as Error).message);
        }
      }),
    );
    await db.close();
    expect(errors).toEqual([]);
  });

  it('keeps a transaction whole while another connection works', async () => {
    const a = PgDb.connect(url, { max: 2, protocol: 'simple' });
    const b = PgDb.connect(url, { max: 2, protocol: 'simple' });
    await Promise.all([
      a.transaction(async (tx) => {
        await tx.query(`INSERT INTO sync_state (module) VALUES ($1)`, ['Accounts']);
        await tx.query(`UPDATE sync_state SET record_count = $2 WHERE module = $1`, ['Accounts', 7]);
      }),
      b.query(`INSERT INTO sync_state (module, record_count) VALUES ($1, $2)`, ['Deals', 3]),
    ]);
    expect(await a.query('SELECT module, record_count FROM sync_state ORDER BY module')).toEqual([
      { module: 'Accounts', record_count: 7 },
      { module: 'Deals', record_count: 3 },
    ]);
    await Promise.all([a.close(), b.close()]);
  });

  it('inlines parameters as literals that cannot break out of their quotes', () => {
    expect(
      inlineParameters('SELECT $1, $2, $10', ["x'; DROP TABLE accounts; --", null, 1, 2, 3, 4, 5, 6, 7, true]),
    ).toBe("SELECT 'x''; DROP TABLE accounts; --', NULL, TRUE");
  });
});
