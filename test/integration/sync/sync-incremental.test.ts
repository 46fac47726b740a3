import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import type { CrmModule } from '../../../shared/ports/crm-client.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { type SyncIncrementalResult, syncIncremental } from '../../../shared/use-cases/sync-incremental.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from '../zoho/sandbox-harness.ts';

const clock = { now: () => new Date('2026-11-24T03:00:00Z') };
const HOUR = 3600_000;
const MODULES: readonly CrmModule[] = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes'];

/** 37 records to modify, spread over every module. */
const MODIFIED: Record<CrmModule, number> = {
  Accounts: 5,
  Contacts: 10,
  Deals: 8,
  Tasks: 4,
  Calls: 3,
  Events: 2,
  Notes: 5,
};
/** 5 records to delete: activities and a note, which nothing else in the org hangs off. */
const DELETED: Partial<Record<CrmModule, number>> = { Tasks: 2, Calls: 1, Events: 1, Notes: 1 };

let org: SandboxOrg;
beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
});

const total = (counts: SyncIncrementalResult['counts'], key: 'updated' | 'inserted' | 'deleted' | 'fetched') =>
  Object.values(counts).reduce((sum, c) => sum + c[key], 0);

describe.each(databases())('an incremental sync into %s', (_name, makeDatabase) => {
  let database: TestDatabase | undefined;
  let sandbox: RunningSandbox | undefined;

  afterEach(async () => {
    await sandbox?.close();
    await database?.drop();
    sandbox = undefined;
    database = undefined;
  });

  /** A sandbox, a fresh copy, and a full sync done; every HTTP exchange from then on is recorded. */
  async function afterFullSync() {
    sandbox = await startSandbox(org);
    database = await makeDatabase();
    const copy = new SqlCrmCopy(database.db);
    const exchanges: { method: string; path: string; status: number }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      exchanges.push({ method: init?.method ?? 'GET', path: url.pathname, status: response.status });
      return response;
    };
    const { client, oauth } = sandbox.client({ fetch: recording });
    const deps = { crm: client, copy, clock };
    await syncFull(deps);
    exchanges.length = 0;
    const api = async (method: 'PUT' | 'DELETE', path: string, body?: unknown) => {
      const token = await oauth.accessToken();
      const response = await fetch(`${sandbox!.url}/crm/v8/${path}`, {
        method,
        headers: { authorization: `Zoho-oauthtoken ${token.accessToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status, `${method} ${path}`).toBe(200);
    };
    return { copy, deps, client, exchanges, api };
  }

  /** Modifies MODIFIED and deletes DELETED through the sandbox's HTTP API (PUT and DELETE, as Zoho's). */
  async function modifyAndDelete(api: (method: 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<void>) {
    const modified = new Map<CrmModule, string[]>();
    const deleted = new Map<CrmModule, string[]>();
    for (const module of MODULES) {
      const records = org[module];
      const gone = records.slice(0, DELETED[module] ?? 0).map((r) => r.id);
      const changed = records.slice(gone.length, gone.length + MODIFIED[module]).map((r) => r.id);
      const field = module === 'Notes' ? 'Note_Content' : 'Description';
      await api('PUT', module, { data: changed.map((id) => ({ id, [field]: `Changed after the full sync (${id})` })) });
      if (gone.length > 0) await api('DELETE', `${module}?ids=${gone.join(',')}`);
      modified.set(module, changed);
      deleted.set(module, gone);
    }
    return { modified, deleted };
  }

  it('fetches and writes exactly the 37 modified records and marks the 5 deleted ones', async () => {
    const { deps, api } = await afterFullSync();
    const { modified } = await modifyAndDelete(api);

    const result = await syncIncremental(deps);

    expect(total(result.counts, 'fetched')).toBe(37);
    expect(total(result.counts, 'updated')).toBe(37);
    expect(total(result.counts, 'inserted')).toBe(0);
    expect(total(result.counts, 'deleted')).toBe(5);
    for (const module of MODULES) {
      expect(result.counts[module], module).toMatchObject({
        updated: modified.get(module)?.length,
        deleted: DELETED[module] ?? 0,
      });
    }
    expect(result.deletionsChecked).toEqual(MODULES);
  });

  it('no longer shows the deleted records in snapshots or counts', async () => {
    const { copy, deps, api } = await afterFullSync();
    const before = await copy.countAll();
    const { deleted } = await modifyAndDelete(api);

    await syncIncremental(deps);

    const gone = [...deleted.values()].flat();
    const accountIds = org.Accounts.map((a) => a.id);
    const snapshots = await Promise.all(accountIds.map((id) => copy.loadSnapshot(id)));
    const shown = snapshots.flatMap((s) => s?.activities.map((a) => a.id) ?? []);
    expect(shown.filter((id) => gone.includes(id))).toEqual([]);
    expect(await copy.countAll()).toMatchObject({
      activities: before.activities - 4,
      notes: before.notes - 1,
    });
  });

  it('reads every deletion log on its first run after the full sync', async () => {
    const { deps, exchanges } = await afterFullSync();

    const result = await syncIncremental(deps);

    expect(result.deletionsChecked).toEqual(MODULES);
    expect(exchanges.filter((e) => e.path.endsWith('/deleted'))).toHaveLength(MODULES.length);
  });

  it('costs one call per module, each answered 304, when nothing changed, and writes nothing', async () => {
    const { deps, exchanges } = await afterFullSync();
    await syncIncremental(deps);
    exchanges.length = 0;

    const idle = await syncIncremental(deps);

    expect(idle.apiCalls).toBe(MODULES.length);
    expect(exchanges.map((e) => e.status)).toEqual(MODULES.map(() => 304));
    expect(total(idle.counts, 'inserted') + total(idle.counts, 'updated') + total(idle.counts, 'deleted')).toBe(0);
    expect(Object.values(idle.counts).filter((c) => c.notModified)).toHaveLength(MODULES.length);
    expect(idle).toMatchObject({ deletionsChecked: [], nextDeletionCheck: new Date(clock.now().getTime() + 6 * HOUR) });
  });

  it('reads the deletion logs again once six hours have passed, and only the deletions since', async () => {
    const { deps, api, exchanges } = await afterFullSync();
    await modifyAndDelete(api);
    await syncIncremental(deps);
    exchanges.length = 0;
    const later = { now: () => new Date(clock.now().getTime() + 6 * HOUR) };

    const idle = await syncIncremental({ ...deps, clock: later });

    expect(idle.deletionsChecked).toEqual(MODULES);
    expect(idle.apiCalls).toBe(MODULES.length * 2);
    expect(exchanges.filter((e) => e.status === 200)).toEqual([]);
    expect(total(idle.counts, 'deleted')).toBe(0);
  });

  it('reads the deletion logs on every run when asked to', async () => {
    const { deps, exchanges } = await afterFullSync();
    await syncIncremental(deps);
    exchanges.length = 0;

    const forced = await syncIncremental(deps, { deletionCheckIntervalMs: 0 });

    expect(forced.deletionsChecked).toEqual(MODULES);
    expect(exchanges.filter((e) => e.path.endsWith('/deleted'))).toHaveLength(MODULES.length);
  });

  it('inserts a record created after the full sync', async () => {
    const { copy, deps, client } = await afterFullSync();
    const account = org.Accounts[0]!;
    const [created] = await client.createRecords('Tasks', [
      { Subject: 'Send the renewal quote', What_Id: { id: account.id }, $se_module: 'Accounts', Status: 'Not Started' },
    ]);

    const result = await syncIncremental(deps);

    expect(result.counts.Tasks).toMatchObject({ fetched: 1, inserted: 1 });
    const snapshot = await copy.loadSnapshot(account.id);
    expect(snapshot?.activities.map((a) => a.id)).toContain(created?.id);
  });

  it('advances each cursor to the latest Modified_Time it saw, not to its own clock', async () => {
    const { copy, deps, api } = await afterFullSync();
    const { modified } = await modifyAndDelete(api);

    await syncIncremental(deps);

    for (const module of MODULES) {
      const latest = Math.max(
        ...(modified.get(module) ?? []).map((id) => Date.parse(String(sandbox!.store.get(module, id)?.Modified_Time))),
      );
      const cursor = await copy.readSyncCursor(module);
      expect(cursor.modifiedSince, module).toEqual(new Date(latest));
      expect(cursor.modifiedSince?.getTime()).not.toBe(clock.now().getTime());
    }
    const deletions = sandbox!.store.deleted('Tasks').map((entry) => Date.parse(entry.deleted_time));
    expect((await copy.readSyncCursor('Tasks')).deletedSince).toEqual(new Date(Math.max(...deletions)));
  });

  it('takes its first cursors from the full sync: the latest Modified_Time of each module', async () => {
    const { copy } = await afterFullSync();
    for (const module of MODULES) {
      const latest = Math.max(...org[module].map((r) => Date.parse(String(r.Modified_Time))));
      expect((await copy.readSyncCursor(module)).modifiedSince, module).toEqual(new Date(latest));
    }
  });

  it('lists a module whole when it has no cursor yet', async () => {
    sandbox = await startSandbox(org);
    database = await makeDatabase();
    const copy = new SqlCrmCopy(database.db);
    const { client } = sandbox.client();

    const result = await syncIncremental({ crm: client, copy, clock });

    expect(result.counts.Accounts).toMatchObject({ listedWhole: true, inserted: org.Accounts.length });
    expect((await copy.countAll()).accounts).toBe(org.Accounts.length);
  });

  it('books the run as an incremental one with its API calls', async () => {
    const { deps } = await afterFullSync();

    const result = await syncIncremental(deps);

    const [run] = await database!.db.query('SELECT kind, status, api_calls FROM sync_runs WHERE id = $1', [
      result.runId,
    ]);
    expect(run).toEqual({ kind: 'incremental', status: 'succeeded', api_calls: result.apiCalls });
  });
});
