import { daysAgo } from '../account-facts.ts';
import type { AccountTimeline } from '../account-timeline.ts';
import type { Evidence, Health, Recommendation, RecommendationType, Severity, Signal } from '../analysis.ts';
import { addHours, localDateOf } from '../calendar.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { isRiskSignal } from '../scores.ts';
import { type ConfidenceParts, confidenceOf, historicalAcceptance, type Outcomes, recencyScore } from './confidence.ts';
import { draftPartiesOf } from './drafts.ts';
import { evidenceOfBasis, type Proposal, proposalsFor } from './triggers.ts';
import { urgencyOf } from './urgency.ts';

export interface RecommendationHistory {
  /** Types with a recommendation for this account still awaiting a decision. */
  pendingTypes: RecommendationType[];
  /** The latest rejection of each type for this account. */
  rejectedAt: Partial<Record<RecommendationType, Date>>;
  /** This tenant's decisions on each type, for the historical-acceptance part of confidence. */
  outcomes: Partial<Record<RecommendationType, Outcomes>>;
}

export interface AuthorInput {
  snapshot: AccountSnapshot;
  signals: readonly Signal[];
  health: Health;
  timeline: AccountTimeline;
  asOf: Date;
  rules: DomainRules;
  history: RecommendationHistory;
  newId: () => string;
}

const MAX_EVIDENCE = 10;

/**
 * Signals that describe the account as it stands in the snapshot (silence, a stage that has not
 * moved, tasks past due): their evidence is as fresh as the snapshot. The others report events, and
 * age with them.
 */
const STATE_SIGNALS = new Set<Signal['type']>([
  'inactivity',
  'no_recorded_activity',
  'stalled_deal',
  'closing_date_passed',
  'overdue_tasks',
  'at_risk_status',
  'renewal_window',
]);

interface RecordTimes {
  happenedAt: Date;
  modifiedAt: Date;
}

function recordTimesOf(evidence: Evidence, snapshot: AccountSnapshot): RecordTimes | undefined {
  const { account } = snapshot;
  switch (evidence.module) {
    case 'Accounts':
      return evidence.id === account.id
        ? { happenedAt: account.modifiedAt, modifiedAt: account.modifiedAt }
        : undefined;
    case 'Deals': {
      const deal = snapshot.deals.find((d) => d.id === evidence.id);
      return deal && { happenedAt: deal.modifiedAt, modifiedAt: deal.modifiedAt };
    }
    case 'Contacts': {
      const contact = snapshot.contacts.find((c) => c.id === evidence.id);
      return contact && { happenedAt: contact.modifiedAt, modifiedAt: contact.modifiedAt };
    }
    default: {
      const activity = snapshot.activities.find((a) => a.id === evidence.id && a.module === evidence.module);
      return activity && { happenedAt: activity.occurredAt, modifiedAt: activity.modifiedAt };
    }
  }
}

/**
 * DOMAIN-RULES confidence parts for one proposal:
 * - recency: half-life 14 days on the newest evidence (a state measured on the snapshot is as of now);
 * - pattern: the strongest basis signal's severity, plus a little for each other risk on the account;
 * - evidence quality: distinct sources (modules) and the share of cited records touched recently;
 * - acceptance: this tenant's history with the type.
 */
export function confidencePartsOf(
  proposal: Pick<Proposal, 'type' | 'basis'>,
  evidence: readonly Evidence[],
  input: Pick<AuthorInput, 'snapshot' | 'signals' | 'asOf' | 'rules' | 'history'>,
): ConfidenceParts {
  const { snapshot, signals, asOf, rules, history } = input;
  const c = rules.recommendations.confidence;
  const times = evidence.map((e) => recordTimesOf(e, snapshot)).filter((t): t is RecordTimes => t !== undefined);

  const isState = proposal.basis.every((s) => STATE_SIGNALS.has(s.type));
  const newest = Math.max(...times.map((t) => t.happenedAt.getTime()));
  const age = isState || times.length === 0 ? 0 : daysAgo(new Date(newest), asOf, rules);

  const strongest = Math.max(
    ...proposal.basis.map((s) =>
      isRiskSignal(s) ? c.patternStrength[s.severity as Severity] : c.patternStrength.opportunity,
    ),
  );
  const corroborating = signals.filter((s) => isRiskSignal(s) && !proposal.basis.includes(s)).length;
  const pattern = Math.min(1, strongest + corroborating * c.patternStrength.perCorroboratingSignal);

  const sources = new Set(evidence.map((e) => e.module)).size;
  const fresh = times.filter((t) => daysAgo(t.modifiedAt, asOf, rules) <= c.evidence.freshDays).length;
  const evidenceQuality =
    0.5 * Math.min(1, sources / c.evidence.sourcesForFullScore) + 0.5 * (times.length === 0 ? 0 : fresh / times.length);

  return {
    recency: recencyScore(age, c.recencyHalfLifeDays),
    pattern,
    evidence: evidenceQuality,
    acceptance: historicalAcceptance(history.outcomes[proposal.type], rules),
  };
}

/** DOMAIN-RULES dedupe: not while one of the type is pending, nor within 14 days of a rejection. */
export function isSuppressedByHistory(
  type: RecommendationType,
  history: RecommendationHistory,
  asOf: Date,
  rules: DomainRules,
): boolean {
  if (history.pendingTypes.includes(type)) return true;
  const rejected = history.rejectedAt[type];
  return rejected !== undefined && daysAgo(rejected, asOf, rules) < rules.recommendations.dedupeDaysAfterRejection;
}

interface Ranked {
  proposal: Proposal;
  confidence: number;
  evidence: Evidence[];
  expiresAt: Date;
  urgency: number;
}

/**
 * The Recommendation Author's deterministic rules (DOMAIN-RULES § Recommendations): trigger table →
 * history dedupe → confidence (not emitted below 0.5) → one per type → urgency ranking → at most 3.
 * Every recommendation cites its signals' evidence and requires approval.
 */
export function authorRecommendations(input: AuthorInput): Recommendation[] {
  const { snapshot, asOf, rules, history } = input;
  const r = rules.recommendations;
  const proposals = proposalsFor(input.signals, {
    snapshot,
    asOf,
    rules,
    health: input.health,
    timeline: input.timeline,
    parties: draftPartiesOf(snapshot),
  });

  const bestOfType = new Map<RecommendationType, Ranked>();
  for (const proposal of proposals) {
    if (isSuppressedByHistory(proposal.type, history, asOf, rules)) continue;
    const evidence = evidenceOfBasis(proposal.basis, MAX_EVIDENCE);
    if (evidence.length === 0) continue;
    const confidence = confidenceOf(confidencePartsOf(proposal, evidence, input), rules);
    if (confidence < r.minConfidence) continue;
    const expiresAt = addHours(asOf, r.expiryHours[proposal.priority]);
    const urgency = urgencyOf({ type: proposal.type, priority: proposal.priority, confidence, expiresAt }, asOf, rules);
    const current = bestOfType.get(proposal.type);
    // One per type: a second one would be a duplicate the moment the first is pending.
    if (!current || urgency > current.urgency)
      bestOfType.set(proposal.type, { proposal, confidence, evidence, expiresAt, urgency });
  }

  return [...bestOfType.values()]
    .sort((a, b) => b.urgency - a.urgency || a.proposal.type.localeCompare(b.proposal.type))
    .slice(0, r.maxPerAccount)
    .map(({ proposal, confidence, evidence, expiresAt }) => ({
      id: input.newId(),
      accountId: snapshot.account.id,
      type: proposal.type,
      priority: proposal.priority,
      confidence,
      action: proposal.action,
      rationale: proposal.rationale,
      evidence,
      draft: proposal.draft(localDateOf(expiresAt, rules.timeZone)),
      requiresApproval: true,
      expiresAt,
      author: 'rules',
    }));
}
