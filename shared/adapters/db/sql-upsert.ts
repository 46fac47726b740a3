import { createHash } from 'node:crypto';
import type { Db } from '../../ports/db.ts';

/**
 * Batched, change-detecting upserts for the CRM copy. A whole batch travels as ONE jsonb parameter
 * (`jsonb_to_recordset`), which avoids Postgres's 65,535-parameter limit and keeps one SQL text per table,
 * and the `WHERE sync_hash IS DISTINCT FROM` guard makes an unchanged row cost no write at all.
 */

export type SqlType = 'text' | 'integer' | 'double precision' | 'boolean' | 'date' | 'timestamptz' | 'jsonb';

export interface UpsertTable {
  name: string;
  /** Every column the sync writes except `synced_at`, in order; `id`, `raw` and `sync_hash` included. */
  columns: readonly (readonly [name: string, type: SqlType])[];
}

export interface RowCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Rows per statement: large enough to amortise the round trip, small enough to keep PGlite's memory flat. */
export const UPSERT_BATCH = 500;

/** JSON with object keys sorted at every depth, so equal records serialise (and hash) equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner !== undefined) sorted[key] = sortKeys(inner);
    }
    return sorted;
  }
  return value;
}

/** sha256 (hex) of the canonical JSON of `value`. */
export function sha256Of(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Cuts a string to a varchar limit (Zoho's limits are ours, but one over-long value must not fail a batch). */
export function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}

/** A Date as the `yyyy-MM-dd` of its UTC day (date-only fields are stored at UTC midnight). */
export function dateOnly(value: Date | null): string | null {
  return value ? value.toISOString().slice(0, 10) : null;
}

/**
 * Inserts new rows and rewrites rows whose `sync_hash` changed; rows with the same hash are untouched.
 * Duplicate ids within `rows` keep the last one (Postgres refuses to update one row twice per statement).
 */
export async function upsertChanged(
  db: Db,
  table: UpsertTable,
  rows: readonly Record<string, unknown>[],
  syncedAt: Date,
): Promise<RowCounts> {
  const unique = [...new Map(rows.map((row) => [row.id, row])).values()];
  const counts: RowCounts = { inserted: 0, updated: 0, unchanged: 0 };
  const sql = upsertSql(table);
  for (let start = 0; start < unique.length; start += UPSERT_BATCH) {
    const batch = unique.slice(start, start + UPSERT_BATCH);
    const written = await db.query<{ inserted: boolean }>(sql, [JSON.stringify(batch), syncedAt.toISOString()]);
    const inserted = written.filter((row) => row.inserted).length;
    counts.inserted += inserted;
    counts.updated += written.length - inserted;
    counts.unchanged += batch.length - written.length;
  }
  return counts;
}

const sqlCache = new Map<string, string>();

function upsertSql(table: UpsertTable): string {
  const cached = sqlCache.get(table.name);
  if (cached) return cached;
  const names = table.columns.map(([name]) => name);
  const definitions = table.columns.map(([name, type]) => `${name} ${type}`).join(', ');
  const updates = names
    .filter((name) => name !== 'id')
    .map((name) => `${name} = EXCLUDED.${name}`)
    .join(', ');
  // `xmax = 0` is true only for a freshly inserted tuple: the standard way to tell insert from update.
  const sql = `INSERT INTO ${table.name} (${names.join(', ')}, synced_at)
    SELECT ${names.map((name) => `x.${name}`).join(', ')}, $2::timestamptz
    FROM jsonb_to_recordset($1::jsonb) AS x(${definitions})
    ON CONFLICT (id) DO UPDATE SET ${updates}, synced_at = EXCLUDED.synced_at
    WHERE ${table.name}.sync_hash IS DISTINCT FROM EXCLUDED.sync_hash
    RETURNING (xmax = 0) AS inserted`;
  sqlCache.set(table.name, sql);
  return sql;
}
