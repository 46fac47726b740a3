import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { stageKindOf } from '../../../shared/domain/account-facts.ts';
import { defaultDomainRules } from '../../../shared/domain/domain-rules.ts';
import { type SyncFullResult, type SyncProgressEvent, syncFull } from '../../../shared/use-cases/sync-full.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from '../zoho/sandbox-harness.ts';

const clock = { now: () => new Date('2026-11-24T02:00:00Z') };
/** DOMAIN-RULES' open deal: neither won nor lost (unknown stages count as open). */
const isOpenStage = (stage: string) => !['won', 'lost'].includes(stageKindOf(stage, defaultDomainRules));

let org: SandboxOrg;
beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
});

/** An open deal that has Zoho stage history, and its account. */
function openDealWithHistory() {
  const deal = org.Deals.find(
    (d) =>
      isOpenStage(d.Stage) &&
      d.Account_Name &&
      org.Stage_History.some((h) => h.Deal.id === d.id && h.Stage === d.Stage),
  );
  if (!deal?.Account_Name) throw new Error('the fixture needs an open deal with stage history');
  return { deal, accountId: deal.Account_Name.id };
}

const written = (result: SyncFullResult) =>
  Object.values(result.counts).reduce((sum, c) => sum + c.inserted + c.updated, 0);

describe.each(databases())('a full sync into %s', (_name, makeDatabase) => {
  let database: TestDatabase | undefined;
  let sandbox: RunningSandbox | undefined;

  afterEach(async () => {
    await sandbox?.close();
    await database?.drop();
    sandbox = undefined;
    database = undefined;
  });

  async function setUp(served: SandboxOrg = org) {
    sandbox = await startSandbox(served);
    database = await makeDatabase();
    const copy = new SqlCrmCopy(database.db);
    const { client } = sandbox.client();
    return { copy, deps: { crm: client, copy, clock } };
  }

  it('copies every record of the small org, module by module', async () => {
    const { copy, deps } = await setUp();
    const result = await syncFull(deps);
    const fetched = Object.fromEntries(Object.entries(result.counts).map(([module, c]) => [module, c.fetched]));
    expect(fetched).toMatchObject({
      users: org.users.length,
      Accounts: org.Accounts.length,
      Contacts: org.Contacts.length,
      Deals: org.Deals.length,
      Tasks: org.Tasks.length,
      Calls: org.Calls.length,
      Events: org.Events.length,
      Notes: org.Notes.length,
    });
    expect(result.issues).toEqual([]);
    expect(await copy.countAll()).toMatchObject({
      owners: org.users.length,
      accounts: org.Accounts.length,
      contacts: org.Contacts.length,
      deals: org.Deals.length,
      activities: org.Tasks.length + org.Calls.length + org.Events.length,
      notes: org.Notes.length,
    });
  });

  it('takes Zoho’s stage history for open deals only', async () => {
    const { copy, deps } = await setUp();
    const result = await syncFull(deps);
    const openDeals = new Set(org.Deals.filter((d) => isOpenStage(d.Stage)).map((d) => d.id));
    const openHistory = org.Stage_History.filter((h) => openDeals.has(h.Deal.id));
    expect(result.counts.Stage_History).toMatchObject({ fetched: openHistory.length, inserted: openHistory.length });
    expect((await copy.countAll()).deal_stage_history).toBe(openHistory.length);
  });

  it('writes nothing and asks for no stage history the second time', async () => {
    const { deps } = await setUp();
    const first = await syncFull(deps);
    const second = await syncFull(deps);
    expect(written(second)).toBe(0);
    expect(second.counts.Stage_History.fetched).toBe(0);
    expect(second.apiCalls).toBeLessThan(first.apiCalls);
  });

  it('records a deal stage change it sees between syncs as an observed stage entry', async () => {
    const { copy, deps } = await setUp();
    await syncFull(deps);
    const { deal, accountId } = openDealWithHistory();
    const movedAt = '2026-11-23T16:45:00+00:00';
    const moved = { ...deal, Stage: 'Closed Won', Modified_Time: movedAt };
    await sandbox!.store.replace({ ...org, Deals: org.Deals.map((d) => (d.id === deal.id ? moved : d)) });

    const result = await syncFull(deps);

    expect(result.observedStageChanges).toBe(1);
    expect(result.counts.Deals).toMatchObject({ updated: 1, unchanged: org.Deals.length - 1 });
    const snapshot = await copy.loadSnapshot(accountId);
    expect(snapshot?.deals.find((d) => d.id === deal.id)).toMatchObject({
      stage: 'Closed Won',
      stageEnteredAt: new Date(movedAt),
    });
  });

  it('loads an account’s deals with their stage-entry dates and its activities and notes', async () => {
    const { copy, deps } = await setUp();
    await syncFull(deps);
    const { deal, accountId } = openDealWithHistory();

    const snapshot = await copy.loadSnapshot(accountId);

    const entries = org.Stage_History.filter((h) => h.Deal.id === deal.id && h.Stage === deal.Stage);
    const latestEntry = Math.max(...entries.map((h) => Date.parse(h.Modified_Time)));
    expect(snapshot?.deals.find((d) => d.id === deal.id)?.stageEnteredAt).toEqual(new Date(latestEntry));
    const direct = [...org.Tasks, ...org.Calls, ...org.Events]
      .filter((a) => a.$se_module === 'Accounts' && a.What_Id?.id === accountId)
      .map((a) => a.id);
    const notes = org.Notes.filter((n) => n.Parent_Id.module.api_name === 'Accounts' && n.Parent_Id.id === accountId);
    const ids = snapshot?.activities.map((a) => a.id) ?? [];
    expect(ids).toEqual(expect.arrayContaining([...direct, ...notes.map((n) => n.id)]));
    expect(snapshot?.activities.filter((a) => a.kind === 'note').every((a) => a.module === 'Notes')).toBe(true);
  });

  it('reports a record that fails validation and copies the rest', async () => {
    const [broken, ...rest] = org.Accounts;
    const { Created_Time: _, ...withoutCreatedTime } = broken!;
    const { copy, deps } = await setUp({ ...org, Accounts: [withoutCreatedTime, ...rest] });

    const result = await syncFull(deps);

    expect(result.counts.Accounts).toMatchObject({ fetched: org.Accounts.length, invalid: 1 });
    expect(result.issues).toEqual([
      expect.objectContaining({ module: 'Accounts', id: broken!.id, field: 'Created_Time' }),
    ]);
    expect((await copy.countAll()).accounts).toBe(org.Accounts.length - 1);
  });

  it('reports progress in sync order and books the run', async () => {
    const { deps } = await setUp();
    const events: SyncProgressEvent[] = [];
    const result = await syncFull(deps, { onProgress: (event) => events.push(event) });
    const order = [...new Set(events.map((e) => e.module))];
    expect(order).toEqual([
      'users',
      'Accounts',
      'Contacts',
      'Deals',
      'Stage_History',
      'Tasks',
      'Calls',
      'Events',
      'Notes',
    ]);
    const [run] = await database!.db.query('SELECT status, api_calls FROM sync_runs WHERE id = $1', [result.runId]);
    expect(run).toEqual({ status: 'succeeded', api_calls: result.apiCalls });
  });
});
