import type { Signal } from './analysis.ts';
import type { AccountSnapshot } from './crm.ts';
import type { DomainRules } from './domain-rules.ts';
import { healthOf } from './scores.ts';
import { atRiskStatusSignal } from './signals/at-risk-status.ts';
import { closingDatePassedSignals } from './signals/closing-date-passed.ts';
import { competitorMentionSignal } from './signals/competitor-mention.ts';
import { engagementDropSignal } from './signals/engagement-drop.ts';
import { inactivitySignal } from './signals/inactivity.ts';
import { negativeSentimentSignal } from './signals/negative-sentiment.ts';
import { noRecordedActivitySignal } from './signals/no-recorded-activity.ts';
import { overdueTasksSignal } from './signals/overdue-tasks.ts';
import { ownerChangeSignal } from './signals/owner-change.ts';
import { renewalWindowSignal } from './signals/renewal-window.ts';
import { type SignalFindings, stalledDealSignals } from './signals/stalled-deal.ts';
import { upsellSignal } from './signals/upsell.ts';

export type { SignalFindings } from './signals/stalled-deal.ts';

/**
 * The Data Scout: every signal of DOMAIN-RULES for one account as of an instant, in the order of the
 * rule book's table, plus what could not be judged for lack of data.
 */
export function detectSignals(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): SignalFindings {
  const stalled = stalledDealSignals(snapshot, asOf, rules);
  const risks: Signal[] = [
    inactivitySignal(snapshot, asOf, rules),
    noRecordedActivitySignal(snapshot, asOf, rules),
    ...stalled.signals,
    ...closingDatePassedSignals(snapshot, asOf, rules),
    engagementDropSignal(snapshot, asOf, rules),
    overdueTasksSignal(snapshot, asOf, rules),
    ownerChangeSignal(snapshot),
    atRiskStatusSignal(snapshot, rules),
    renewalWindowSignal(snapshot, asOf, rules),
    negativeSentimentSignal(snapshot, asOf, rules),
    competitorMentionSignal(snapshot, asOf, rules),
  ].filter((s): s is Signal => s !== undefined);
  // Upsell depends on health, and health only on risk signals, so the opportunity comes last.
  const upsell = upsellSignal(snapshot, asOf, rules, healthOf(risks, snapshot, asOf, rules).score);
  return { signals: upsell ? [...risks, upsell] : risks, insufficientData: stalled.insufficientData };
}
