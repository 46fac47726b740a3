import { readdir, readFile } from 'node:fs/promises';
import type { Db } from '../../ports/db.ts';

const migrationsDir = new URL('./migrations/', import.meta.url);

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Applies every migration not yet recorded, in file-name order, each in its own transaction. */
export async function migrate(db: Db): Promise<MigrationResult> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name varchar(200) PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const name of files) {
    if (done.has(name)) {
      result.alreadyApplied.push(name);
      continue;
    }
    const sql = await readFile(new URL(name, migrationsDir), 'utf8');
    await db.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    });
    result.applied.push(name);
  }
  return result;
}
