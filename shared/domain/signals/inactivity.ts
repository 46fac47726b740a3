import { activityTimeEvidence, daysAgo, lastActivityOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** DOMAIN-RULES `inactivity`: silence ≥ 30 days is high, > 60 days critical. */
export function inactivitySignal(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal | undefined {
  const last = lastActivityOf(snapshot, asOf);
  // An account that never had any activity is `no_recorded_activity`, its own rule.
  if (!last) return undefined;
  const days = daysAgo(last.occurredAt, asOf, rules);
  if (days < rules.inactivity.highDays) return undefined;
  return {
    type: 'inactivity',
    severity: days > rules.inactivity.criticalDays ? 'critical' : 'high',
    detail: `No activity in ${days} days (last: ${last.module.slice(0, -1).toLowerCase()} "${last.subject}")`,
    evidence: [activityTimeEvidence(last)],
  };
}
