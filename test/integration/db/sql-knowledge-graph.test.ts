import { afterEach, describe, expect, it } from 'vitest';
import { SqlKnowledgeGraph } from '../../../shared/adapters/db/sql-knowledge-graph.ts';
import type {
  EntityRef,
  GraphEdge,
  GraphEntity,
  RecommendationOutcome,
} from '../../../shared/ports/knowledge-graph.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const AT = new Date('2026-11-24T02:00:00Z');
const LATER = new Date('2026-11-25T02:00:00Z');
const ACCOUNT = '4876876000000001001';
const OTHER_ACCOUNT = '4876876000000001002';

const account: GraphEntity = {
  kind: 'account',
  id: ACCOUNT,
  label: 'Acme Analytics Inc.',
  props: { status: 'Active', industry: 'Software', annualRevenue: 1_200_000, renewalDate: '2027-06-30' },
};
const owner: GraphEntity = { kind: 'owner', id: '4876876000000000102', label: 'Tom Becker', props: { role: 'Rep' } };
const laura: GraphEntity = { kind: 'contact', id: '4876876000000002001', label: 'Laura Chen', props: { title: 'VP' } };
const mike: GraphEntity = { kind: 'contact', id: '4876876000000002002', label: 'Mike Johnson', props: { title: null } };
const deal: GraphEntity = {
  kind: 'deal',
  id: '4876876000000003002',
  label: 'Acme Analytics - Premium support',
  props: { stage: 'Proposal/Price Quote', amount: 18_000, closingDate: '2026-12-15' },
};
const call: GraphEntity = {
  kind: 'activity',
  id: '4876876000000006001',
  label: 'Check-in call with Laura',
  props: { kind: 'call', module: 'Calls', occurredAt: '2026-11-20T16:40:00.000Z', isOpen: false },
};

const ref = (e: GraphEntity): EntityRef => ({ kind: e.kind, id: e.id });
const edge = (type: GraphEdge['type'], from: GraphEntity, to: GraphEntity, accountId = ACCOUNT): GraphEdge => ({
  type,
  from: ref(from),
  to: ref(to),
  accountId,
});

const acmeEdges = [
  edge('owner_account', owner, account),
  edge('account_contact', account, laura),
  edge('account_contact', account, mike),
  edge('account_deal', account, deal),
  edge('deal_contact', deal, mike),
  edge('activity_account', call, account),
  edge('activity_contact', call, laura),
];

function outcome(
  recommendationId: string,
  kind: RecommendationOutcome['outcome'],
  type: RecommendationOutcome['recommendationType'] = 're_engagement',
): RecommendationOutcome {
  return {
    recommendationId,
    recommendationType: type,
    accountId: ACCOUNT,
    outcome: kind,
    at: AT,
    by: kind === 'expired' ? null : 'maria@example.com',
  };
}

describe.each(databases())('the knowledge graph on %s', (_name, makeDatabase) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  async function freshGraph(tenant?: string): Promise<SqlKnowledgeGraph> {
    database ??= await makeDatabase();
    return new SqlKnowledgeGraph(database.db, tenant);
  }

  async function acme(): Promise<SqlKnowledgeGraph> {
    const graph = await freshGraph();
    await graph.upsertEntities([account, owner, laura, mike, deal, call], AT);
    await graph.upsertEdges(acmeEdges, AT);
    return graph;
  }

  it('writes an entity once and rewrites it only when its label or props change', async () => {
    const graph = await freshGraph();
    expect(await graph.upsertEntities([account, owner, laura], AT)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(await graph.upsertEntities([account, owner, laura], LATER)).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 3,
    });
    const moved = { ...deal, props: { ...deal.props, stage: 'Negotiation/Review' } };
    expect(await graph.upsertEntities([account, { ...laura, label: 'Laura Chen-Park' }, moved], LATER)).toEqual({
      inserted: 1,
      updated: 1,
      unchanged: 1,
    });
    const [row] = await database!.db.query<{ first_seen_at: Date; updated_at: Date }>(
      `SELECT first_seen_at, updated_at FROM graph_entities WHERE kind = 'contact' AND id = $1`,
      [laura.id],
    );
    expect([row?.first_seen_at.toISOString(), row?.updated_at.toISOString()]).toEqual([
      AT.toISOString(),
      LATER.toISOString(),
    ]);
  });

  it('writes an edge once, and moves it when another account claims it', async () => {
    const graph = await acme();
    expect(await graph.upsertEdges(acmeEdges, LATER)).toEqual({ inserted: 0, updated: 0, unchanged: 7 });
    const claimed = edge('account_contact', account, mike, OTHER_ACCOUNT);
    expect(await graph.upsertEdges([claimed], LATER)).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect((await graph.accountSubgraph(OTHER_ACCOUNT)).edges).toEqual([claimed]);
  });

  it('refuses an edge whose ends are not the kinds its type joins', async () => {
    const graph = await freshGraph();
    await expect(graph.upsertEdges([edge('account_deal', account, laura)], AT)).rejects.toThrow(
      'A account_deal edge joins account → deal, not account → contact',
    );
  });

  it('finds neighbours in both directions, by edge type or any', async () => {
    const graph = await acme();
    const ids = (entities: GraphEntity[]) => entities.map((e) => e.id);
    expect(ids(await graph.neighbours(ref(account), ['account_contact']))).toEqual([laura.id, mike.id]);
    expect(await graph.neighbours(ref(mike), ['deal_contact'])).toEqual([deal]);
    expect(ids(await graph.neighbours(ref(laura)))).toEqual([account.id, call.id]);
    // Ordered by kind, then label.
    expect(ids(await graph.neighbours(ref(account)))).toEqual([call.id, laura.id, mike.id, deal.id, owner.id]);
  });

  it("returns an account's subgraph with its recommendations' outcomes", async () => {
    const graph = await acme();
    const recommendation: GraphEntity = {
      kind: 'recommendation',
      id: '0f2a1c5e-3b1d-4e55-9c0e-1d2f3a4b5c6d',
      label: 'Re-engage Laura Chen',
      props: { type: 're_engagement', priority: 'high', confidence: 0.72, status: 'executed' },
    };
    await graph.upsertEntities([recommendation], AT);
    await graph.upsertEdges([edge('recommendation_account', recommendation, account)], AT);
    await graph.recordOutcomes([outcome(recommendation.id, 'approved'), outcome(recommendation.id, 'executed')]);

    const subgraph = await graph.accountSubgraph(ACCOUNT);
    expect(subgraph.entities.map((e) => e.kind)).toEqual([
      'account',
      'activity',
      'contact',
      'contact',
      'deal',
      'owner',
      'recommendation',
    ]);
    expect(subgraph.edges).toHaveLength(8);
    expect(subgraph.outcomes.map((o) => [o.outcome, o.by, o.at.toISOString()])).toEqual([
      ['approved', 'maria@example.com', AT.toISOString()],
      ['executed', 'maria@example.com', AT.toISOString()],
    ]);
    expect((await graph.accountSubgraph('4876876000000009999')).entities).toEqual([]);
  });

  it("prunes only the account's edges of the given types that it no longer has", async () => {
    const graph = await acme();
    await graph.upsertEdges([edge('account_contact', account, laura, OTHER_ACCOUNT)], AT);
    const keep = acmeEdges.filter((e) => e.to.id !== mike.id);
    // Laura's account_contact edge now belongs to the other account; Mike's two edges go.
    expect(await graph.pruneEdges(ACCOUNT, ['account_contact', 'deal_contact'], keep)).toBe(2);
    expect(await graph.pruneEdges(ACCOUNT, ['account_contact', 'deal_contact'], keep)).toBe(0);
    expect((await graph.accountSubgraph(ACCOUNT)).edges.map((e) => e.type)).toEqual([
      'account_deal',
      'activity_account',
      'activity_contact',
      'owner_account',
    ]);
    expect(await graph.pruneEdges(ACCOUNT, [], [])).toBe(0);
  });

  it("counts this tenant's decided recommendations by type, each once, expiry not a decision", async () => {
    const graph = await freshGraph();
    const recorded = await graph.recordOutcomes([
      outcome('r1', 'approved'),
      outcome('r1', 'executed'),
      outcome('r2', 'rejected'),
      outcome('r3', 'edited'),
      outcome('r4', 'expired'),
      outcome('r5', 'rejected', 'escalation'),
    ]);
    expect(recorded).toBe(6);
    expect(await graph.recordOutcomes([outcome('r1', 'approved'), outcome('r2', 'rejected')])).toBe(0);
    expect(await graph.outcomesByType()).toEqual({
      re_engagement: { accepted: 2, total: 3 },
      escalation: { accepted: 0, total: 1 },
    });

    const other = new SqlKnowledgeGraph(database!.db, 'another-org');
    expect(await other.outcomesByType()).toEqual({});
    expect((await other.accountSubgraph(ACCOUNT)).outcomes).toEqual([]);
  });

  it('writes batches larger than one statement', async () => {
    const graph = await freshGraph();
    const activities = Array.from({ length: 1_203 }, (_, i) => ({
      ...call,
      id: `48768760000${String(10_000_000 + i)}`,
      label: `Call ${i}`,
    }));
    const edges = activities.map((a) => edge('activity_account', a, account));
    expect(await graph.upsertEntities([account, ...activities], AT)).toMatchObject({ inserted: 1_204 });
    expect(await graph.upsertEdges(edges, AT)).toMatchObject({ inserted: 1_203 });
    expect(await graph.upsertEdges(edges, LATER)).toEqual({ inserted: 0, updated: 0, unchanged: 1_203 });
    expect((await graph.neighbours(ref(account), ['activity_account'])).length).toBe(1_203);
  });
});
