import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import type { SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { stageKindOf } from '../../../shared/domain/account-facts.ts';
import { defaultDomainRules } from '../../../shared/domain/domain-rules.ts';
import { type SyncFullResult, syncFull } from '../../../shared/use-cases/sync-full.ts';
import { freshPglite, type TestDatabase } from '../../support/databases.ts';
import { type RunningSandbox, startSandbox } from '../zoho/sandbox-harness.ts';

const AS_OF = new Date('2026-11-24T02:00:00Z');
const clock = { now: () => AS_OF };
/** Zoho serves 10 pages of 200 by number; anything past that needs page_token. */
const DISCRETE_LIMIT = 2000;
const isOpenStage = (stage: string) => !['won', 'lost'].includes(stageKindOf(stage, defaultDomainRules));

const written = (result: SyncFullResult) =>
  Object.values(result.counts).reduce((sum, c) => sum + c.inserted + c.updated, 0);

// One org, one database, two syncs: the second one's "nothing to write" only means something after the
// first copied everything, and building a 600-account org twice would double the test's time.
describe('a full sync of an org too large for page numbers alone', () => {
  let org: SandboxOrg;
  let sandbox: RunningSandbox;
  let database: TestDatabase;
  let copy: SqlCrmCopy;
  let deps: Parameters<typeof syncFull>[0];
  let first: SyncFullResult;

  beforeAll(async () => {
    org = generateDemoOrg({ accounts: 600, seed: 1, asOf: AS_OF });
    sandbox = await startSandbox(org);
    database = await freshPglite();
    copy = new SqlCrmCopy(database.db);
    deps = { crm: sandbox.client().client, copy, clock };
  });

  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
  });

  it('starts from an org where some modules go past 2,000 records', () => {
    const modules = ['Contacts', 'Tasks', 'Calls', 'Notes'] as const;
    expect(modules.filter((module) => org[module].length > DISCRETE_LIMIT)).toEqual(modules);
  });

  it('fetches and copies every record, as many as the org holds', async () => {
    first = await syncFull(deps);

    const fetched = Object.fromEntries(Object.entries(first.counts).map(([module, c]) => [module, c.fetched]));
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
    expect(first.issues).toEqual([]);
    const openDeals = new Set(org.Deals.filter((deal) => isOpenStage(deal.Stage)).map((deal) => deal.id));
    expect(await copy.countAll()).toMatchObject({
      owners: org.users.length,
      accounts: org.Accounts.length,
      contacts: org.Contacts.length,
      deals: org.Deals.length,
      activities: org.Tasks.length + org.Calls.length + org.Events.length,
      notes: org.Notes.length,
      deal_stage_history: org.Stage_History.filter((entry) => openDeals.has(entry.Deal.id)).length,
    });
  });

  it('writes no rows the second time', async () => {
    expect(first, 'the first sync must have run').toBeDefined();
    const second = await syncFull(deps);

    expect(written(second)).toBe(0);
    expect(second.counts.Calls).toMatchObject({ fetched: org.Calls.length, unchanged: org.Calls.length });
  });
});
