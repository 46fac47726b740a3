import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { analyzeAccount } from '../../../shared/use-cases/analyze-accounts.ts';
import { decideApproval } from '../../../shared/use-cases/decide-approval.ts';
import { indexAccountFeatures } from '../../../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { FIXTURE_AS_OF, tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
/** Falcon Media: a cancelled project, an outage, complaints and a competitor in the notes. */
const FALCON = '4876876000000001006';

/**
 * The Memory Analyst through the real workflow (local Step Functions runner, embedded database, sandbox):
 * MemoryAnalysis leaves a memory section in the run's analysis, and MemorySync records what people did
 * with each recommendation in the knowledge graph, where the next analysis's confidence reads it.
 */
describe('the memory loop', () => {
  let deps: LocalContainer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const home = await tempHome();
    deps = await openLocalContainer(home.config());
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);
    await indexAccountFeatures(deps);
    cleanup = async () => {
      await deps.close();
      await home.remove();
    };
  });
  afterAll(async () => cleanup?.());

  it("keeps the account's graph and history patterns in the run's analysis", async () => {
    const run = await analyzeAccount(deps, { accountId: FALCON, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
    expect(run.status).toBe('AWAITING_APPROVAL');
    const memory = (await deps.runs.get(run.id))?.analysis.memory;
    expect(memory?.graph.entities).toBeGreaterThan(5);
    expect(memory?.graph.written).toBeGreaterThan(0);
    expect(memory?.pastOutcomes).toEqual({});
    expect(memory?.engagementCycle.currentGapDays).toBe(7);
    expect(memory?.sentimentTrend.current).toBeLessThan(0);
    expect(memory?.sentimentTrend.evidence.map((e) => e.id)).toContain('4876876000000006004');
    expect(memory?.renewalRisk).toBeNull();

    const audit = await deps.audit.list({ runId: run.id });
    expect(audit.find((e) => e.action === 'account.memory_analyzed')).toMatchObject({
      agentId: 'memory-analyst',
      resourceId: FALCON,
    });
  });

  it('finds the accounts most like this one in the vector memory, closest first, never itself', async () => {
    const run = (await deps.runs.latestForAccount(FALCON))!;
    const similar = run.analysis.memory?.similarAccounts ?? [];
    const others = (await deps.copy.listAccounts()).filter((a) => a.id !== FALCON).map((a) => a.id);
    expect(similar.length).toBe(Math.min(5, others.length));
    expect(similar.every((s) => others.includes(s.accountId))).toBe(true);
    expect(similar.map((s) => s.score)).toEqual([...similar.map((s) => s.score)].sort((a, b) => b - a));
  });

  it('recalls the notes that speak to each risk signal', async () => {
    const run = (await deps.runs.latestForAccount(FALCON))!;
    const signals = new Set((run.analysis.signals ?? []).map((s) => s.type));
    const recalled = run.analysis.memory?.recalled ?? [];
    expect(signals.has('negative_sentiment')).toBe(true);
    const onSentiment = recalled.filter((r) => r.signal === 'negative_sentiment');
    expect(onSentiment.length).toBeGreaterThan(0);
    const snapshot = (await deps.copy.loadSnapshot(FALCON))!;
    const texts = new Map(snapshot.activities.map((a) => [a.id, `${a.subject} ${a.description ?? ''}`.toLowerCase()]));
    expect(texts.get(onSentiment[0]!.id)).toMatch(
      /problem|issue|concern|delay|frustrat|unhappy|disappoint|complain|escalat/,
    );
  });

  it('records each outcome in the graph once the run completes, and confidence reads them', async () => {
    const run = (await deps.runs.latestForAccount(FALCON))!;
    const recommendations = await deps.recommendations.listByRun(run.id);
    const approvals = (await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)))).filter(
      (a) => a !== null,
    );
    expect(approvals.length).toBeGreaterThan(1);
    const [approved, ...rejected] = approvals;
    await decideApproval(deps, {
      approvalId: approved!.id,
      decision: 'approve',
      by: 'nina@example.com',
      channel: 'web',
    });
    for (const approval of rejected) {
      await decideApproval(deps, {
        approvalId: approval.id,
        decision: 'reject',
        by: 'nina@example.com',
        channel: 'web',
        reason: 'already handled by phone',
      });
    }
    await deps.engine!.idle();
    expect((await deps.runs.get(run.id))?.status).toBe('COMPLETED');

    const { entities, outcomes } = await deps.graph.accountSubgraph(FALCON);
    const outcomesOf = (recommendationId: string) =>
      outcomes.filter((o) => o.recommendationId === recommendationId).map((o) => o.outcome);
    expect(outcomesOf(approved!.recommendationId)).toEqual(['approved', 'executed']);
    for (const approval of rejected) expect(outcomesOf(approval.recommendationId)).toEqual(['rejected']);
    expect(outcomes.find((o) => o.outcome === 'rejected')?.by).toBe('nina@example.com');
    expect(entities.filter((e) => e.kind === 'recommendation')).toHaveLength(recommendations.length);

    const byType = await deps.graph.outcomesByType();
    const decided = Object.values(byType).reduce((sum, o) => sum + (o?.total ?? 0), 0);
    expect(decided).toBe(approvals.length);
    expect((await deps.recommendations.history(FALCON, FIXTURE_AS_OF)).outcomes).toEqual(byType);
  });

  it('remembers those outcomes at the next analysis, and rebuilds an unchanged graph without writing', async () => {
    const run = await analyzeAccount(deps, { accountId: FALCON, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
    const memory = (await deps.runs.get(run.id))?.analysis.memory;
    expect(memory?.graph.written).toBe(0);
    const previous = await deps.graph.accountSubgraph(FALCON);
    expect(memory?.pastOutcomes).toMatchObject({
      approved: 1,
      executed: 1,
      rejected: previous.outcomes.filter((o) => o.outcome === 'rejected').length,
    });
  });
});
