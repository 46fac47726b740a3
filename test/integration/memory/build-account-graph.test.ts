import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { SqlCrmLinks } from '../../../shared/adapters/db/sql-crm-links.ts';
import { SqlKnowledgeGraph } from '../../../shared/adapters/db/sql-knowledge-graph.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import { analyzeAccountMemory } from '../../../shared/use-cases/analyze-account-memory.ts';
import { type BuildAccountGraphDeps, buildAccountGraph } from '../../../shared/use-cases/build-account-graph.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';
import { FIXTURE_AS_OF } from '../../support/local-home.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from '../zoho/sandbox-harness.ts';

const clock = { now: () => new Date('2026-11-24T02:00:00Z') };
const ACME = '4876876000000001001';
const LAURA = '4876876000000002001';
const MIKE = '4876876000000002002';
const PREMIUM_DEAL = '4876876000000003002';
const QUOTE_TASK = '4876876000000005001';
const DELTA = '4876876000000001004';

/** The small org, copied by a full sync through the sandbox's REST API, as production fills the copy. */
describe.each(databases())('building an account graph from the CRM copy on %s', (_name, makeDatabase) => {
  let database: TestDatabase;
  let sandbox: RunningSandbox;
  let copy: SqlCrmCopy;
  let deps: BuildAccountGraphDeps;

  beforeAll(async () => {
    [database, sandbox] = await Promise.all([makeDatabase(), startSandbox(await loadSandboxFile(SMALL_ORG_FILE))]);
    copy = new SqlCrmCopy(database.db);
    const result = await syncFull({ crm: sandbox.client().client, copy, clock });
    expect(result.issues).toEqual([]);
    deps = {
      copy,
      crmLinks: new SqlCrmLinks(database.db),
      graph: new SqlKnowledgeGraph(database.db),
      clock,
    };
  });
  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
  });

  it('reads the links the snapshot does not carry: What_Id, Who_Id and a deal’s Contact_Name', async () => {
    const links = await deps.crmLinks.linksOf(ACME);
    expect(links.activities).toContainEqual({ activityId: QUOTE_TASK, dealId: PREMIUM_DEAL, contactId: MIKE });
    expect(links.activities).toHaveLength(5);
    expect(links.dealContacts).toEqual([
      { dealId: '4876876000000003001', contactId: LAURA },
      { dealId: PREMIUM_DEAL, contactId: MIKE },
    ]);
  });

  it("builds the account's entities and typed edges", async () => {
    const build = await buildAccountGraph(deps, { accountId: ACME });
    expect(build).toMatchObject({ entities: { inserted: 11 }, edges: { inserted: 17 }, prunedEdges: 0 });

    const { entities, edges } = await deps.graph.accountSubgraph(ACME);
    const count = (kind: string) => entities.filter((e) => e.kind === kind).length;
    expect([count('account'), count('owner'), count('contact'), count('deal'), count('activity')]).toEqual([
      1, 1, 2, 2, 5,
    ]);
    const byType = Object.groupBy(edges, (e) => e.type);
    expect(Object.fromEntries(Object.entries(byType).map(([type, list]) => [type, list?.length]))).toEqual({
      owner_account: 1,
      account_contact: 2,
      account_deal: 2,
      deal_contact: 2,
      activity_account: 5,
      activity_deal: 1,
      activity_contact: 4,
    });
    expect(entities.find((e) => e.id === PREMIUM_DEAL)).toMatchObject({
      kind: 'deal',
      label: 'Acme Analytics - Premium support',
      props: { stage: 'Proposal/Price Quote' },
    });
    expect(
      (await deps.graph.neighbours({ kind: 'contact', id: LAURA }, ['activity_contact'])).map((e) => e.label),
    ).toEqual(['Book QBR with Laura', 'Check-in call with Laura', 'Executive business review']);
  });

  it('writes nothing when it rebuilds an account that did not change', async () => {
    const build = await buildAccountGraph(deps, { accountId: ACME });
    expect(build).toEqual({
      entities: { inserted: 0, updated: 0, unchanged: 11 },
      edges: { inserted: 0, updated: 0, unchanged: 17 },
      prunedEdges: 0,
      written: 0,
    });
  });

  it('drops the edges of a contact deleted in Zoho and rewrites what changed', async () => {
    await copy.markDeleted('Contacts', [MIKE], clock.now());
    const build = await buildAccountGraph(deps, { accountId: ACME });
    // Mike's account_contact, deal_contact and the quote task's activity_contact edges.
    expect(build).toMatchObject({ entities: { inserted: 0, updated: 0 }, prunedEdges: 3, written: 3 });
    expect(await deps.graph.neighbours({ kind: 'contact', id: MIKE })).toEqual([]);
    // The entity stays, like the copy's soft-deleted row: history that cites it still resolves.
    expect((await deps.graph.accountSubgraph(ACME)).edges).toHaveLength(14);
  });

  it('fails for an account the copy does not have', async () => {
    await expect(buildAccountGraph(deps, { accountId: '4876876000000009999' })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it("analyzes an account's memory: graph, rhythm, promises, sentiment and renewal risk", async () => {
    const snapshot = await deps.copy.loadSnapshot(DELTA);
    const memory = await analyzeAccountMemory(
      { ...deps, rules },
      { snapshot: { ...snapshot!, baseline: null }, asOf: FIXTURE_AS_OF },
    );
    expect(memory.graph).toMatchObject({ entities: 9, written: expect.any(Number) });
    expect(memory.graph.written).toBeGreaterThan(0);
    expect(memory.renewalRisk).toMatchObject({ renewalDate: '2027-01-15', daysLeft: 52 });
    expect(memory.renewalRisk?.evidence[0]).toEqual({
      module: 'Accounts',
      id: DELTA,
      field: 'Contract_End_Date',
      value: '2027-01-15',
    });
    expect(memory.pastOutcomes).toEqual({});
    const again = await analyzeAccountMemory(
      { ...deps, rules },
      { snapshot: { ...snapshot!, baseline: null }, asOf: FIXTURE_AS_OF },
    );
    expect(again.graph.written).toBe(0);
  });
});
