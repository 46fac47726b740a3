import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../shared/adapters/db/migrate.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

describe.each(databases())('migrations on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('creates the tables the loop needs', async () => {
    database = await makeDb();
    const tables = await database.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'accounts',
        'activities',
        'recommendations',
        'audit_logs',
        'agent_sessions',
        'owners',
        'contacts',
        'deals',
        'notes',
        'account_baselines',
        'approvals',
        'workflow_journal',
        'workflow_executions',
        'sync_state',
      ]),
    );
  });

  it('applies nothing the second time', async () => {
    database = await makeDb();
    const again = await migrate(database.db);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.length).toBeGreaterThan(0);
  });

  it('rolls a failing transaction back completely', async () => {
    database = await makeDb();
    const { db } = database;
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO sync_state (module) VALUES ('Accounts')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query('SELECT * FROM sync_state')).toEqual([]);
  });
});

describe('migrations started by several cold starts at once', () => {
  it('are applied exactly once on the real Postgres', async () => {
    const { freshEmptyPostgres } = await import('../../support/databases.ts');
    const database = await freshEmptyPostgres();
    try {
      const results = await Promise.all([migrate(database.db), migrate(database.db), migrate(database.db)]);
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual([...new Set(applied)].sort());
      expect(applied.length).toBe(results[0]!.applied.length + results[0]!.alreadyApplied.length);
    } finally {
      await database.drop();
    }
  });
});
