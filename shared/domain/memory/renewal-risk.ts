import type { Evidence } from '../analysis.ts';
import { dateOnlyOf, daysBetweenDates, localDateOf } from '../calendar.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { renewalWindowSignal } from '../signals/renewal-window.ts';
import type { CommitmentSummary } from './commitments.ts';
import type { EngagementCycle } from './engagement-cycle.ts';
import type { MemoryRules } from './memory-rules.ts';
import type { SentimentTrend } from './sentiment-trend.ts';

/**
 * How exposed an approaching renewal is. Only a contract ending within DOMAIN-RULES' renewal window
 * (90 days) has one; its points come from the other patterns: a rhythm gone quiet, language turning
 * sour, broken promises, nothing scheduled before the date, and the date itself being close.
 */
export type RenewalRiskLevel = 'low' | 'medium' | 'high';

export interface RenewalRiskFactor {
  name:
    | 'renewal_soon'
    | 'nothing_scheduled'
    | 'engagement_overdue'
    | 'engagement_lapsed'
    | 'sentiment_declining'
    | 'sentiment_negative'
    | 'commitments_broken';
  points: number;
  evidence: Evidence[];
}

export interface RenewalRisk {
  level: RenewalRiskLevel;
  renewalDate: string;
  daysLeft: number;
  points: number;
  factors: RenewalRiskFactor[];
  detail: string;
  evidence: Evidence[];
}

export interface OtherPatterns {
  engagementCycle: EngagementCycle;
  sentimentTrend: SentimentTrend;
  commitments: CommitmentSummary;
}

export function renewalRiskOf(
  snapshot: AccountSnapshot,
  asOf: Date,
  patterns: OtherPatterns,
  rules: DomainRules,
  memory: MemoryRules,
): RenewalRisk | null {
  const signal = renewalWindowSignal(snapshot, asOf, rules);
  const { renewalDate } = snapshot.account;
  if (!signal || !renewalDate) return null;
  const renewal = dateOnlyOf(renewalDate);
  const daysLeft = daysBetweenDates(localDateOf(asOf, rules.timeZone), renewal);
  const { engagementCycle: cycle, sentimentTrend: sentiment, commitments } = patterns;

  const factors: RenewalRiskFactor[] = [];
  if (daysLeft <= memory.renewalRisk.urgentDays)
    factors.push({ name: 'renewal_soon', points: 1, evidence: signal.evidence });
  if (signal.severity === 'high') factors.push({ name: 'nothing_scheduled', points: 1, evidence: signal.evidence });
  if (cycle.status === 'lapsed') factors.push({ name: 'engagement_lapsed', points: 2, evidence: cycle.evidence });
  if (cycle.status === 'overdue') factors.push({ name: 'engagement_overdue', points: 1, evidence: cycle.evidence });
  if (sentiment.trend === 'declining') {
    factors.push({ name: 'sentiment_declining', points: 1, evidence: sentiment.evidence.slice(0, 3) });
  }
  if (sentiment.current !== null && sentiment.current < 0) {
    factors.push({ name: 'sentiment_negative', points: 1, evidence: sentiment.evidence.slice(0, 3) });
  }
  if (commitments.broken > 0) {
    const broken = commitments.commitments.filter((c) => c.status === 'broken').flatMap((c) => c.evidence);
    factors.push({ name: 'commitments_broken', points: 1, evidence: broken.slice(0, 3) });
  }

  const points = factors.reduce((sum, f) => sum + f.points, 0);
  const { mediumPoints, highPoints } = memory.renewalRisk;
  const level: RenewalRiskLevel = points >= highPoints ? 'high' : points >= mediumPoints ? 'medium' : 'low';
  const contractEnd: Evidence = {
    module: 'Accounts',
    id: snapshot.account.id,
    field: 'Contract_End_Date',
    value: renewal,
  };
  const seen = new Set<string>();
  const evidence = [contractEnd, ...factors.flatMap((f) => f.evidence)].filter((e) => {
    const key = `${e.module}/${e.id}/${e.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    level,
    renewalDate: renewal,
    daysLeft,
    points,
    factors,
    detail: `Contract ends on ${renewal}, in ${daysLeft} days: ${level} risk${factors.length ? ` (${factors.map((f) => f.name.replaceAll('_', ' ')).join(', ')})` : ''}`,
    evidence,
  };
}
