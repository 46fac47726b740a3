import { afterEach, describe, expect, it } from 'vitest';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import type { Account, Deal } from '../../../shared/domain/crm.ts';
import {
  type AccountLinks,
  toAccount,
  toActivity,
  toDeal,
  toNote,
  toOwner,
} from '../../../shared/domain/zoho-mapping.ts';
import type { ZohoRecord } from '../../../shared/ports/crm-client.ts';
import type { Synced } from '../../../shared/ports/crm-copy.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const SYNCED_AT = new Date('2026-11-24T02:00:00Z');
const owner = { id: '5725767000000100010', name: 'Jordan Blake', email: 'jordan.blake@lumenworks.io' };

const zohoUser = {
  id: owner.id,
  full_name: 'Jordan Blake',
  email: owner.email,
  role: { name: 'Sales Rep', id: '5725767000000100002' },
  time_zone: 'America/Chicago',
  Reporting_To: null,
};

function zohoAccount(id: string, name: string, fields: Record<string, unknown> = {}): ZohoRecord {
  return {
    id,
    Account_Name: name,
    Owner: owner,
    Rating: 'Active',
    Industry: 'Retail',
    Annual_Revenue: 420000,
    Employees: 85,
    Contract_End_Date: '2027-01-31',
    Created_Time: '2025-06-01T10:00:00+00:00',
    Modified_Time: '2026-10-01T10:00:00+00:00',
    ...fields,
  };
}

function zohoDeal(id: string, stage: string, modified: string): ZohoRecord {
  return {
    id,
    Deal_Name: 'Ivorygate Outfitters - Platform subscription',
    Stage: stage,
    Amount: 81500,
    Closing_Date: '2026-12-20',
    Account_Name: { id: ACCOUNT_ID, name: 'Ivorygate Outfitters' },
    Owner: owner,
    Created_Time: '2026-06-09T11:00:00+00:00',
    Modified_Time: modified,
  };
}

const ACCOUNT_ID = '5725767000000100022';
const DEAL_ID = '5725767000000100028';

function synced<T>(map: (raw: ZohoRecord) => { ok: true; value: T } | { ok: false }, raw: ZohoRecord): Synced<T> {
  const result = map(raw);
  if (!result.ok) throw new Error(`fixture ${raw.id} does not map`);
  return { value: result.value, raw };
}

const links: AccountLinks = {
  accountOfDeal: (id) => (id === DEAL_ID ? ACCOUNT_ID : undefined),
  accountOfContact: () => undefined,
};

describe.each(databases())('the CRM copy on %s', (_name, makeDatabase) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  async function freshCopy(): Promise<SqlCrmCopy> {
    database = await makeDatabase();
    return new SqlCrmCopy(database.db);
  }

  const accountRows = () => [
    synced<Account>(toAccount, zohoAccount(ACCOUNT_ID, 'Ivorygate Outfitters')),
    synced<Account>(toAccount, zohoAccount('5725767000000100044', 'Driftwood Software')),
  ];

  it('inserts new rows, then leaves identical ones untouched', async () => {
    const copy = await freshCopy();
    expect(await copy.upsertAccounts(accountRows(), SYNCED_AT)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await copy.upsertAccounts(accountRows(), SYNCED_AT)).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
  });

  it('rewrites only the row whose Zoho record changed', async () => {
    const copy = await freshCopy();
    await copy.upsertAccounts(accountRows(), SYNCED_AT);
    const [first, second] = accountRows();
    const renamed = synced<Account>(
      toAccount,
      zohoAccount(ACCOUNT_ID, 'Ivorygate Outfitters', {
        Rating: 'At Risk',
        Modified_Time: '2026-11-20T10:00:00+00:00',
      }),
    );
    expect(first && second).toBeTruthy();
    expect(await copy.upsertAccounts([renamed, second!], SYNCED_AT)).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    const [account] = (await copy.listAccounts()).filter((a) => a.id === ACCOUNT_ID);
    expect(account?.status).toBe('At Risk');
  });

  it('treats the same record with its keys in another order as unchanged', async () => {
    const copy = await freshCopy();
    const raw = zohoAccount(ACCOUNT_ID, 'Ivorygate Outfitters');
    await copy.upsertAccounts([synced<Account>(toAccount, raw)], SYNCED_AT);
    const reordered = Object.fromEntries(Object.entries(raw).reverse()) as ZohoRecord;
    const counts = await copy.upsertAccounts([synced<Account>(toAccount, reordered)], SYNCED_AT);
    expect(counts.unchanged).toBe(1);
  });

  it('records a stage change it observes, dated by the deal’s Modified_Time', async () => {
    const copy = await freshCopy();
    await copy.upsertDeals(
      [synced<Deal>(toDeal, zohoDeal(DEAL_ID, 'Qualification', '2026-10-01T09:00:00+00:00'))],
      SYNCED_AT,
    );
    const moved = await copy.upsertDeals(
      [synced<Deal>(toDeal, zohoDeal(DEAL_ID, 'Negotiation/Review', '2026-11-02T15:30:00+00:00'))],
      SYNCED_AT,
    );
    expect(moved.stageChanges).toEqual([{ dealId: DEAL_ID, from: 'Qualification', to: 'Negotiation/Review' }]);
    const history = await database!.db.query('SELECT stage, entered_at, source FROM deal_stage_history');
    expect(history).toEqual([
      { stage: 'Negotiation/Review', entered_at: new Date('2026-11-02T15:30:00Z'), source: 'observed' },
    ]);
  });

  it('reports a deal new to the copy as a change from nothing, without inventing a stage-entry date', async () => {
    const copy = await freshCopy();
    const result = await copy.upsertDeals(
      [synced<Deal>(toDeal, zohoDeal(DEAL_ID, 'Qualification', '2026-10-01T09:00:00+00:00'))],
      SYNCED_AT,
    );
    expect(result.stageChanges).toEqual([{ dealId: DEAL_ID, from: null, to: 'Qualification' }]);
    expect((await copy.countAll()).deal_stage_history).toBe(0);
  });

  it('keeps each Zoho stage-history row once', async () => {
    const copy = await freshCopy();
    const entry = { dealId: DEAL_ID, stage: 'Qualification', enteredAt: new Date('2026-06-09T11:00:00Z') };
    expect(await copy.recordStageHistory([entry])).toBe(1);
    expect(await copy.recordStageHistory([entry])).toBe(0);
  });

  it('loads an account snapshot: owner, deals with stage-entry dates, activities and notes newest first', async () => {
    const copy = await freshCopy();
    await copy.upsertOwners([synced(toOwner, zohoUser)], SYNCED_AT);
    await copy.upsertAccounts(accountRows(), SYNCED_AT);
    await copy.upsertDeals(
      [synced<Deal>(toDeal, zohoDeal(DEAL_ID, 'Proposal/Price Quote', '2026-11-01T09:00:00+00:00'))],
      SYNCED_AT,
    );
    await copy.recordStageHistory([
      { dealId: DEAL_ID, stage: 'Qualification', enteredAt: new Date('2026-06-09T11:00:00Z') },
      { dealId: DEAL_ID, stage: 'Proposal/Price Quote', enteredAt: new Date('2026-09-15T11:00:00Z') },
    ]);
    const call = {
      id: '5725767000000100040',
      Subject: 'Pricing follow-up',
      Call_Start_Time: '2026-11-10T15:00:00+00:00',
      What_Id: { id: DEAL_ID, name: 'Ivorygate Outfitters - Platform subscription' },
      $se_module: 'Deals',
      Owner: owner,
      Created_Time: '2026-11-10T15:30:00+00:00',
      Modified_Time: '2026-11-10T15:30:00+00:00',
    };
    await copy.upsertActivities([synced((raw) => toActivity('Calls', raw, links), call)], SYNCED_AT);
    const note = {
      id: '5725767000000100054',
      Note_Title: 'Meeting notes',
      Note_Content: 'They are evaluating alternatives.',
      Parent_Id: { id: ACCOUNT_ID, name: 'Ivorygate Outfitters', module: { api_name: 'Accounts' } },
      Owner: owner,
      Created_Time: '2026-11-15T20:05:00+00:00',
      Modified_Time: '2026-11-15T20:05:00+00:00',
    };
    await copy.upsertNotes([synced((raw) => toNote(raw, links), note)], SYNCED_AT);

    const snapshot = await copy.loadSnapshot(ACCOUNT_ID);

    expect(snapshot?.account).toMatchObject({
      name: 'Ivorygate Outfitters',
      renewalDate: new Date('2027-01-31T00:00:00Z'),
    });
    expect(snapshot?.owner).toMatchObject({ id: owner.id, timeZone: 'America/Chicago' });
    expect(snapshot?.deals).toMatchObject([
      { id: DEAL_ID, stage: 'Proposal/Price Quote', stageEnteredAt: new Date('2026-09-15T11:00:00Z') },
    ]);
    expect(snapshot?.activities.map((a) => [a.kind, a.module, a.id])).toEqual([
      ['note', 'Notes', note.id],
      ['call', 'Calls', call.id],
    ]);
    expect(snapshot?.activities[1]?.ownerId).toBe(owner.id);
  });

  it('has no snapshot for an account it does not hold', async () => {
    const copy = await freshCopy();
    expect(await copy.loadSnapshot('5725767000000999999')).toBeNull();
  });

  it('lists one owner’s accounts by name', async () => {
    const copy = await freshCopy();
    await copy.upsertAccounts(
      [
        ...accountRows(),
        synced<Account>(toAccount, zohoAccount('5725767000000100090', 'Acme', { Owner: { id: '1', name: 'X' } })),
      ],
      SYNCED_AT,
    );
    expect((await copy.listAccounts({ ownerId: owner.id })).map((a) => a.name)).toEqual([
      'Driftwood Software',
      'Ivorygate Outfitters',
    ]);
  });

  it('books a sync run from running to succeeded with its counts', async () => {
    const copy = await freshCopy();
    const runId = await copy.startSyncRun('full', SYNCED_AT);
    await copy.finishSyncRun(runId, {
      status: 'succeeded',
      finishedAt: new Date('2026-11-24T02:00:05Z'),
      counts: { Accounts: { fetched: 2 } },
      apiCalls: 9,
      error: null,
    });
    const [run] = await database!.db.query('SELECT kind, status, counts, api_calls FROM sync_runs WHERE id = $1', [
      runId,
    ]);
    expect(run).toEqual({ kind: 'full', status: 'succeeded', counts: { Accounts: { fetched: 2 } }, api_calls: 9 });
  });
});
