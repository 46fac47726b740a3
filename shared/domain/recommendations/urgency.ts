import type { Priority, RecommendationType } from '../analysis.ts';
import type { DomainRules } from '../domain-rules.ts';

const MS_PER_DAY = 86_400_000;

export interface UrgencyInput {
  type: RecommendationType;
  priority: Priority;
  confidence: number;
  expiresAt: Date;
}

/** DOMAIN-RULES time points: expires within 1 day 100, 3 days 75, 7 days 50, later 25. */
export function timePointsOf(expiresAt: Date, asOf: Date, rules: DomainRules): number {
  const { timePoints, laterPoints } = rules.recommendations.urgency;
  const daysLeft = (expiresAt.getTime() - asOf.getTime()) / MS_PER_DAY;
  return timePoints.find((step) => daysLeft <= step.withinDays)?.points ?? laterPoints;
}

/**
 * DOMAIN-RULES urgency = (0.4 × priority points + 0.3 × confidence × 100 + 0.3 × time points) × type
 * weight (escalation 1.2, risk_mitigation 1.15, renewal_reminder 1.1, upsell 0.95, re_engagement 0.9).
 */
export function urgencyOf(rec: UrgencyInput, asOf: Date, rules: DomainRules): number {
  const { weights, priorityPoints, typeWeights } = rules.recommendations.urgency;
  const base =
    weights.priority * priorityPoints[rec.priority] +
    weights.confidence * rec.confidence * 100 +
    weights.time * timePointsOf(rec.expiresAt, asOf, rules);
  return base * typeWeights[rec.type];
}
