import type { RecommendationOutcomeKind } from '../domain/analysis.ts';
import type { Clock } from '../ports/clock.ts';
import type { GraphEdge, GraphEntity, KnowledgeGraph, RecommendationOutcome } from '../ports/knowledge-graph.ts';
import type { RecommendationRepository, StoredRecommendation } from '../ports/recommendations.ts';

/**
 * The Memory Analyst's feedback loop: what people did with each recommendation is remembered in the
 * knowledge graph, and those outcomes are this tenant's historical acceptance of each type.
 */
export interface RecordOutcomesDeps {
  recommendations: Pick<RecommendationRepository, 'listByRun'>;
  graph: KnowledgeGraph;
  clock: Clock;
}

/**
 * The outcomes a recommendation's status stands for when its run completes. A recommendation still
 * pending then waited out its approval (the workflow only completes once every wait has ended).
 * Drafts and blocked ones never reached a person and have none.
 */
export function outcomesOf(recommendation: StoredRecommendation, now: Date): RecommendationOutcome[] {
  const decidedAt = recommendation.approvedAt ?? now;
  const outcome = (kind: RecommendationOutcomeKind, at: Date): RecommendationOutcome => ({
    recommendationId: recommendation.id,
    recommendationType: recommendation.type,
    accountId: recommendation.accountId,
    outcome: kind,
    at,
    by: kind === 'expired' ? null : recommendation.approvedBy,
  });
  switch (recommendation.status) {
    case 'approved':
      return [outcome('approved', decidedAt)];
    case 'executed':
      return [outcome('approved', decidedAt), outcome('executed', now)];
    case 'rejected':
      return [outcome('rejected', decidedAt)];
    case 'pending':
    case 'expired':
      return [outcome('expired', now)];
    default:
      return [];
  }
}

function entityOf(r: StoredRecommendation): GraphEntity {
  return {
    kind: 'recommendation',
    id: r.id,
    label: r.action,
    props: { type: r.type, priority: r.priority, confidence: r.confidence, status: r.status, runId: r.runId },
  };
}

function edgeOf(r: StoredRecommendation): GraphEdge {
  return {
    type: 'recommendation_account',
    from: { kind: 'recommendation', id: r.id },
    to: { kind: 'account', id: r.accountId },
    accountId: r.accountId,
  };
}

/** Puts a run's recommendations in the graph with their outcomes; a replay records nothing twice. */
export async function recordRecommendationOutcomes(deps: RecordOutcomesDeps, runId: string) {
  const recommendations = await deps.recommendations.listByRun(runId);
  const now = deps.clock.now();
  await deps.graph.upsertEntities(recommendations.map(entityOf), now);
  await deps.graph.upsertEdges(recommendations.map(edgeOf), now);
  const outcomes = recommendations.flatMap((r) => outcomesOf(r, now));
  const recorded = await deps.graph.recordOutcomes(outcomes);
  return {
    recorded,
    outcomes: recommendations.map((r) => ({
      id: r.id,
      type: r.type,
      status: r.status,
      outcomes: outcomes.filter((o) => o.recommendationId === r.id).map((o) => o.outcome),
    })),
  };
}

/**
 * The recommendation repository, with the historical acceptance of each type taken from the outcomes
 * recorded in the knowledge graph for this tenant (pending types and rejections stay the repository's).
 */
export function withRecordedAcceptance(
  recommendations: RecommendationRepository,
  graph: Pick<KnowledgeGraph, 'outcomesByType'>,
): RecommendationRepository {
  const history: RecommendationRepository['history'] = async (accountId, asOf) => ({
    ...(await recommendations.history(accountId, asOf)),
    outcomes: await graph.outcomesByType(),
  });
  // A proxy rather than a class, so methods added to the port later pass through untouched.
  return new Proxy(recommendations, {
    get(target, property) {
      if (property === 'history') return history;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
