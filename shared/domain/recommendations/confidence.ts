import type { RecommendationType } from '../analysis.ts';
import type { DomainRules } from '../domain-rules.ts';

/**
 * DOMAIN-RULES confidence: 0.25 recency + 0.25 pattern strength + 0.30 evidence quality + 0.20
 * historical acceptance. Each part is a 0–1 score; this file turns them into one number and a band.
 */
export interface ConfidenceParts {
  recency: number;
  pattern: number;
  evidence: number;
  acceptance: number;
}

export type ConfidenceBand = 'high' | 'medium' | 'low';

export interface Outcomes {
  accepted: number;
  total: number;
}

/** Halves every `halfLifeDays` of age of the newest evidence. */
export function recencyScore(ageDays: number, halfLifeDays: number): number {
  return 0.5 ** (Math.max(0, ageDays) / halfLifeDays);
}

/** Lower bound of the Wilson score interval: a rate that small samples cannot inflate. */
export function wilsonLowerBound(accepted: number, total: number, z: number): number {
  if (total <= 0) return 0;
  const p = accepted / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return Math.max(0, (centre - margin) / (1 + z2 / total));
}

/**
 * How often this tenant accepted recommendations of this type: the Wilson lower bound (z = 1.645)
 * once there are enough outcomes to say something, the neutral prior 0.5 before that.
 */
export function historicalAcceptance(outcomes: Outcomes | undefined, rules: DomainRules): number {
  const { wilsonZ, minOutcomes, prior } = rules.recommendations.confidence.acceptance;
  if (!outcomes || outcomes.total <= 0 || outcomes.total < minOutcomes) return prior;
  return wilsonLowerBound(Math.min(outcomes.accepted, outcomes.total), outcomes.total, wilsonZ);
}

/** The weighted confidence, rounded to two decimals as it is shown and compared. */
export function confidenceOf(parts: ConfidenceParts, rules: DomainRules): number {
  const w = rules.recommendations.confidence.weights;
  const raw =
    w.recency * parts.recency +
    w.pattern * parts.pattern +
    w.evidence * parts.evidence +
    w.acceptance * parts.acceptance;
  return Math.round(Math.min(1, Math.max(0, raw)) * 100) / 100;
}

/** DOMAIN-RULES bands: ≥ 0.8 high, ≥ 0.6 medium, else low. */
export function confidenceBandOf(confidence: number, rules: DomainRules): ConfidenceBand {
  const { high, medium } = rules.recommendations.confidence.bands;
  if (confidence >= high) return 'high';
  if (confidence >= medium) return 'medium';
  return 'low';
}

export type AcceptanceHistory = Partial<Record<RecommendationType, Outcomes>>;
