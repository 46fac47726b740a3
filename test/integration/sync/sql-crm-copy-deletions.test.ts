import { afterEach, describe, expect, it } from 'vitest';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { toAccount } from '../../../shared/domain/zoho-mapping.ts';
import type { ZohoRecord } from '../../../shared/ports/crm-client.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const SYNCED_AT = new Date('2026-11-24T02:00:00Z');
const DELETED_AT = new Date('2026-11-24T09:30:00Z');

function zohoAccount(id: string, name: string): ZohoRecord {
  return {
    id,
    Account_Name: name,
    Owner: { id: '5725767000000100010', name: 'Jordan Blake', email: 'jordan.blake@lumenworks.io' },
    Created_Time: '2025-06-01T10:00:00+00:00',
    Modified_Time: '2026-10-01T10:00:00+00:00',
  };
}

function synced(raw: ZohoRecord) {
  const mapped = toAccount(raw);
  if (!mapped.ok) throw new Error(mapped.issue.message);
  return { value: mapped.value, raw };
}

const kept = zohoAccount('5725767000000100021', 'Harborline Freight');
const gone = zohoAccount('5725767000000100022', 'Ivorygate Outfitters');

describe.each(databases())('deleted records in the CRM copy on %s', (_name, makeDatabase) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  async function copyWithTwoAccounts() {
    database = await makeDatabase();
    const copy = new SqlCrmCopy(database.db);
    await copy.upsertAccounts([synced(kept), synced(gone)], SYNCED_AT);
    return copy;
  }

  it('hides a deleted account from listings, snapshots and counts, and keeps its row', async () => {
    const copy = await copyWithTwoAccounts();

    expect(await copy.markDeleted('Accounts', [gone.id], DELETED_AT)).toBe(1);

    expect((await copy.listAccounts()).map((a) => a.id)).toEqual([kept.id]);
    expect(await copy.loadSnapshot(gone.id)).toBeNull();
    expect((await copy.countAll()).accounts).toBe(1);
    const [row] = await database!.db.query('SELECT deleted_at FROM accounts WHERE id = $1', [gone.id]);
    expect(row).toEqual({ deleted_at: DELETED_AT });
  });

  it('counts only rows it changed: unknown and already deleted ids are not', async () => {
    const copy = await copyWithTwoAccounts();
    await copy.markDeleted('Accounts', [gone.id], DELETED_AT);

    expect(await copy.markDeleted('Accounts', [gone.id, '5725767000000999999'], DELETED_AT)).toBe(0);
  });

  it('brings a deleted account back when Zoho sends it again, even unchanged', async () => {
    const copy = await copyWithTwoAccounts();
    await copy.markDeleted('Accounts', [gone.id], DELETED_AT);

    const counts = await copy.upsertAccounts([synced(gone)], SYNCED_AT);

    expect(counts).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect((await copy.listAccounts()).map((a) => a.id)).toEqual([kept.id, gone.id]);
  });

  it('keeps the later of two cursors and each part it was not given', async () => {
    const copy = await copyWithTwoAccounts();
    const later = new Date('2026-11-24T10:00:00Z');
    await copy.saveSyncCursor('Deals', { modifiedSince: later, deletedSince: DELETED_AT });

    await copy.saveSyncCursor('Deals', { modifiedSince: SYNCED_AT });

    expect(await copy.readSyncCursor('Deals')).toEqual({
      modifiedSince: later,
      deletedSince: DELETED_AT,
      deletionsCheckedAt: null,
    });
  });
});
