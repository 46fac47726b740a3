import type { RecommendationOutcomeKind } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { type CommitmentSummary, commitmentsOf } from './commitments.ts';
import { type EngagementCycle, engagementCycleOf } from './engagement-cycle.ts';
import { defaultMemoryRules, type MemoryRules } from './memory-rules.ts';
import { type RenewalRisk, renewalRiskOf } from './renewal-risk.ts';
import { type SentimentTrend, sentimentTrendOf } from './sentiment-trend.ts';

/** What the Memory Analyst learns from an account's history; each pattern cites its evidence. */
export interface MemoryPatterns {
  engagementCycle: EngagementCycle;
  commitments: CommitmentSummary;
  sentimentTrend: SentimentTrend;
  /** Null unless the contract ends within the renewal window. */
  renewalRisk: RenewalRisk | null;
}

export function memoryPatternsOf(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
  memory: MemoryRules = defaultMemoryRules,
): MemoryPatterns {
  const engagementCycle = engagementCycleOf(snapshot, asOf, rules, memory);
  const commitments = commitmentsOf(snapshot, asOf, rules, memory);
  const sentimentTrend = sentimentTrendOf(snapshot, asOf, rules, memory);
  const renewalRisk = renewalRiskOf(snapshot, asOf, { engagementCycle, sentimentTrend, commitments }, rules, memory);
  return { engagementCycle, commitments, sentimentTrend, renewalRisk };
}

/** The Memory Analyst's section of a run's analysis: the account's graph and the patterns in its history. */
export interface MemoryAnalysis extends MemoryPatterns {
  /** The account's subgraph after this run's rebuild, and how many rows the rebuild wrote (0: unchanged). */
  graph: { entities: number; edges: number; written: number };
  /** What became of the account's earlier recommendations, by outcome. */
  pastOutcomes: Partial<Record<RecommendationOutcomeKind, number>>;
  /** The accounts whose profile (industry, size, revenue, pipeline, cadence, stage mix) is closest. */
  similarAccounts?: { accountId: string; name: string; score: number }[];
  /** Per risk signal, the account's notes and activities whose text is closest to what the signal is about. */
  recalled?: { signal: string; module: string; id: string; subject: string; score: number }[];
}

/** What the Memory Analyst looks for in an account's notes when a signal fires (semantic recall). */
export const RECALL_QUERIES: Readonly<Partial<Record<string, string>>> = {
  negative_sentiment: 'problem issue concern delay frustrated unhappy disappointed complaint escalation',
  competitor_mention: 'competitor alternative evaluating switching vendor comparison',
  renewal_window: 'renewal contract term pricing budget',
  stalled_deal: 'proposal decision timeline next steps approval',
  closing_date_passed: 'decision delayed budget approval closing',
  inactivity: 'follow up call meeting check in',
  engagement_drop: 'follow up call meeting check in',
  at_risk_status: 'risk churn cancel unhappy',
};
