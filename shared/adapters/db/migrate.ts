import { readdir, readFile } from 'node:fs/promises';
import type { Db } from '../../ports/db.ts';

const migrationsDir = new URL('./migrations/', import.meta.url);
const MIGRATION_LOCK = 7_355_001;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Applies every migration not yet recorded, in file-name order, each in its own transaction. */
export async function migrate(db: Db): Promise<MigrationResult> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name varchar(200) PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const name of files) {
    if (done.has(name)) {
      result.alreadyApplied.push(name);
      continue;
    }
    const sql = await readFile(new URL(name, migrationsDir), 'utf8');
    // Cold starts of several functions may migrate at once: the lock makes them take turns, and the
    // re-check inside it lets only the first apply each file.
    const applied = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const rows = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
      if (rows.length > 0) return false;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      return true;
    });
    (applied ? result.applied : result.alreadyApplied).push(name);
  }
  return result;
}
