import { activitiesWithin, daysAgo, mentionsIn, newestFirst, openDealsOf, stageKindOf } from './account-facts.ts';
import type { Evidence, Health, HealthBand, HealthFactor, RiskLevel, Severity, Signal } from './analysis.ts';
import { dateOnlyOf } from './calendar.ts';
import type { ChangedField } from './change-detection.ts';
import type { AccountSnapshot, Deal } from './crm.ts';
import type { DomainRules } from './domain-rules.ts';

const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function isRiskSignal(signal: Signal): signal is Signal & { severity: Severity } {
  return signal.severity !== 'opportunity';
}

export function severityRank(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

/** DOMAIN-RULES: risk_level is the highest severity among risk signals; `none` without any. */
export function riskLevelOf(signals: readonly Signal[]): RiskLevel {
  let level: RiskLevel = 'none';
  for (const signal of signals) {
    if (!isRiskSignal(signal)) continue;
    if (level === 'none' || severityRank(signal.severity) > severityRank(level)) level = signal.severity;
  }
  return level;
}

export function healthBandOf(score: number, rules: DomainRules): HealthBand {
  const { healthy, moderate, atRisk } = rules.health.bands;
  if (score >= healthy) return 'healthy';
  if (score >= moderate) return 'moderate';
  if (score >= atRisk) return 'at_risk';
  return 'critical';
}

/**
 * DOMAIN-RULES health: 100 − severity points per risk signal, + 5 for a high-value activity (demo,
 * executive meeting, contract review) in 30 days, + 5 for a deal won in 90 days; clamped to 0–100.
 */
export function healthOf(
  signals: readonly Signal[],
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
): Health {
  const factors: HealthFactor[] = signals.filter(isRiskSignal).map((signal) => ({
    name: signal.type,
    points: -rules.health.severityPoints[signal.severity],
    evidence: signal.evidence,
  }));
  const highValue = highValueActivityEvidence(snapshot, asOf, rules);
  if (highValue)
    factors.push({ name: 'high_value_activity', points: rules.health.highValueActivity.bonus, evidence: [highValue] });
  const win = recentWinOf(snapshot, asOf, rules);
  if (win) factors.push({ name: 'recent_win', points: rules.health.recentWin.bonus, evidence: winEvidence(win) });
  const raw = 100 + factors.reduce((sum, f) => sum + f.points, 0);
  const score = Math.min(100, Math.max(0, raw));
  return { score, band: healthBandOf(score, rules), factors };
}

function highValueActivityEvidence(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Evidence | undefined {
  const { windowDays, keywords } = rules.health.highValueActivity;
  // An open task called "Demo" has not happened yet.
  const done = activitiesWithin(snapshot, asOf, windowDays, rules).filter((a) => !a.isOpen);
  for (const activity of newestFirst(done)) {
    const mention = mentionsIn(activity, keywords);
    if (mention) return { module: activity.module, id: activity.id, field: mention.field, value: mention.excerpt };
  }
  return undefined;
}

function recentWinOf(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Deal | undefined {
  return snapshot.deals.find((deal) => {
    if (stageKindOf(deal.stage, rules) !== 'won') return false;
    const wonAt = deal.stageEnteredAt ?? deal.closingDate ?? deal.modifiedAt;
    const days = daysAgo(wonAt, asOf, rules);
    return days >= 0 && days <= rules.health.recentWin.windowDays;
  });
}

function winEvidence(deal: Deal): Evidence[] {
  const evidence: Evidence[] = [{ module: 'Deals', id: deal.id, field: 'Stage', value: deal.stage }];
  if (deal.closingDate)
    evidence.push({ module: 'Deals', id: deal.id, field: 'Closing_Date', value: dateOnlyOf(deal.closingDate) });
  return evidence;
}

export interface PriorityInput {
  riskLevel: RiskLevel;
  changes: readonly ChangedField[];
  snapshot: AccountSnapshot;
  asOf: Date;
}

export interface PriorityBreakdown {
  risk: number;
  changes: number;
  pipeline: number;
  activity: number;
  total: number;
}

function stepPoints(value: number, steps: readonly { above: number; points: number }[]): number {
  return steps.find((step) => value > step.above)?.points ?? 0;
}

/**
 * DOMAIN-RULES priority_score, part by part: risk points + min(30, 5 × changed fields) + open
 * pipeline value points + recent activity points, capped at 100.
 */
export function priorityBreakdownOf(input: PriorityInput, rules: DomainRules): PriorityBreakdown {
  const p = rules.priority;
  const risk = input.riskLevel === 'none' ? 0 : p.riskPoints[input.riskLevel];
  const changes = Math.min(p.changedFieldsCap, p.perChangedField * input.changes.length);
  const pipelineValue = openDealsOf(input.snapshot, rules).reduce((sum, d) => sum + (d.amount ?? 0), 0);
  const pipeline = stepPoints(pipelineValue, p.pipelineValue);
  const recent = activitiesWithin(input.snapshot, input.asOf, p.recentActivityWindowDays, rules).length;
  const activity = stepPoints(recent, p.recentActivities);
  return { risk, changes, pipeline, activity, total: Math.min(p.cap, risk + changes + pipeline + activity) };
}

/** DOMAIN-RULES priority_score (0–100). */
export function priorityScoreOf(input: PriorityInput, rules: DomainRules): number {
  return priorityBreakdownOf(input, rules).total;
}

/** DOMAIN-RULES needs_review: any owner/status change, risk high or critical, or priority_score > 60. */
export function needsReview(
  input: { riskLevel: RiskLevel; priorityScore: number; changes: readonly ChangedField[] },
  rules: DomainRules,
): boolean {
  return (
    input.changes.some((c) => c.kind === 'owner' || c.kind === 'status') ||
    input.riskLevel === 'high' ||
    input.riskLevel === 'critical' ||
    input.priorityScore > rules.needsReview.priorityAbove
  );
}
