import type { RecommendationOutcomeKind, Signal } from '../domain/analysis.ts';
import type { AccountSnapshot } from '../domain/crm.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { type MemoryAnalysis, memoryPatternsOf, RECALL_QUERIES } from '../domain/memory/account-memory.ts';
import { defaultMemoryRules, type MemoryRules } from '../domain/memory/memory-rules.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import { type BuildAccountGraphDeps, buildAccountGraph } from './build-account-graph.ts';
import { indexSnapshotNotes, recallSnapshotNotes } from './recall-notes.ts';
import { indexAndFindSimilar } from './similar-accounts.ts';

export interface AccountMemoryDeps extends BuildAccountGraphDeps {
  rules: DomainRules;
  /** The Memory Analyst's own thresholds; the defaults when absent. */
  memoryRules?: MemoryRules;
  /** Vector memory (similar accounts, recall of notes); without it those two parts are left out. */
  vectors?: VectorStore;
  embedder?: Embedder;
}

const SIMILAR_ACCOUNTS = 5;
const RECALLED_PER_SIGNAL = 2;

/**
 * The Memory Analyst on one account.
 * 1. build or refresh the account's subgraph from the CRM copy (nothing is written when nothing changed)
 * 2. read back the subgraph, with what became of the account's earlier recommendations
 * 3. find the patterns in its history: engagement rhythm, commitments kept, sentiment trend, renewal risk
 */
export async function analyzeAccountMemory(
  deps: AccountMemoryDeps,
  input: { snapshot: AccountSnapshot; asOf: Date; signals?: readonly Signal[] },
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
    ...memoryPatternsOf(snapshot, asOf, deps.rules, deps.memoryRules ?? deps.rules.memory ?? defaultMemoryRules),
    ...(deps.vectors && deps.embedder
      ? await vectorMemoryOf({ ...deps, vectors: deps.vectors, embedder: deps.embedder }, snapshot, asOf, input.signals)
      : {}),
  };
}

/**
 * 4. refresh the account's feature vector and find the accounts most like it (as of the analysis date)
 * 5. embed its notes and activities new or changed since the last analysis, and recall the ones closest to
 *    each risk signal it raised
 */
async function vectorMemoryOf(
  deps: AccountMemoryDeps & { vectors: VectorStore; embedder: Embedder },
  snapshot: AccountSnapshot,
  asOf: Date,
  signals: readonly Signal[] = [],
): Promise<Pick<MemoryAnalysis, 'similarAccounts' | 'recalled'>> {
  // The snapshot the analysis loaded serves every step: the account is read once, the queries embedded together.
  const similar = await indexAndFindSimilar({ ...deps, clock: { now: () => asOf } }, snapshot, SIMILAR_ACCOUNTS);
  const similarAccounts = similar.map((s) => ({ ...s, score: Math.round(s.score * 1000) / 1000 }));
  await indexSnapshotNotes(deps, snapshot);
  const asked = [...new Set(signals.map((s) => s.type))].flatMap((signal) => {
    const query = RECALL_QUERIES[signal];
    return query ? [{ signal, query }] : [];
  });
  const answers = await recallSnapshotNotes(
    deps,
    snapshot,
    asked.map((a) => a.query),
    RECALLED_PER_SIGNAL,
  );
  const recalled: NonNullable<MemoryAnalysis['recalled']> = [];
  for (const [i, { signal }] of asked.entries()) {
    for (const { activity, score } of answers[i] ?? []) {
      if (score <= 0) continue;
      recalled.push({
        signal,
        module: activity.module,
        id: activity.id,
        subject: activity.subject,
        score: Math.round(score * 1000) / 1000,
      });
    }
  }
  return { similarAccounts, recalled };
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
