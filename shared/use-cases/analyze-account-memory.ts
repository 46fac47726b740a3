import type { RecommendationOutcomeKind } from '../domain/analysis.ts';
import type { AccountSnapshot } from '../domain/crm.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { type MemoryAnalysis, memoryPatternsOf } from '../domain/memory/account-memory.ts';
import { defaultMemoryRules, type MemoryRules } from '../domain/memory/memory-rules.ts';
import { type BuildAccountGraphDeps, buildAccountGraph } from './build-account-graph.ts';

export interface AccountMemoryDeps extends BuildAccountGraphDeps {
  rules: DomainRules;
  /** The Memory Analyst's own thresholds; the defaults when absent. */
  memoryRules?: MemoryRules;
}

/**
 * The Memory Analyst on one account.
 * 1. build or refresh the account's subgraph from the CRM copy (nothing is written when nothing changed)
 * 2. read back the subgraph, with what became of the account's earlier recommendations
 * 3. find the patterns in its history: engagement rhythm, commitments kept, sentiment trend, renewal risk
 */
export async function analyzeAccountMemory(
  deps: AccountMemoryDeps,
  input: { snapshot: AccountSnapshot; asOf: Date },
): Promise<MemoryAnalysis> {
  const { snapshot, asOf } = input;
  const accountId = snapshot.account.id;
  const build = await buildAccountGraph(deps, { accountId, snapshot });
  const subgraph = await deps.graph.accountSubgraph(accountId);
  const pastOutcomes: Partial<Record<RecommendationOutcomeKind, number>> = {};
  for (const { outcome } of subgraph.outcomes) pastOutcomes[outcome] = (pastOutcomes[outcome] ?? 0) + 1;
  return {
    graph: { entities: subgraph.entities.length, edges: subgraph.edges.length, written: build.written },
    pastOutcomes,
    ...memoryPatternsOf(snapshot, asOf, deps.rules, deps.memoryRules ?? defaultMemoryRules),
  };
}

/** The few facts of a memory analysis worth a line in the audit trail and the workflow's state. */
export function memorySummaryOf(memory: MemoryAnalysis) {
  return {
    graphWritten: memory.graph.written,
    engagement: memory.engagementCycle.status,
    commitments: { made: memory.commitments.made, broken: memory.commitments.broken },
    sentiment: memory.sentimentTrend.trend,
    renewalRisk: memory.renewalRisk?.level ?? null,
  };
}
