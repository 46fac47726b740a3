import { activityTimeEvidence, daysAgo, newestFirst, pastActivitiesOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

const MAX_EVIDENCE_PER_WINDOW = 5;

/**
 * DOMAIN-RULES `engagement_drop`: activities in the last 30 days < 50 % of the 30 days before, when the
 * earlier window had ≥ 3 → medium. No activity data at all is not a drop.
 */
export function engagementDropSignal(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal | undefined {
  const { windowDays, dropBelowShare, minEarlierActivities } = rules.engagementDrop;
  const past = newestFirst(pastActivitiesOf(snapshot, asOf));
  const recent = past.filter((a) => daysAgo(a.occurredAt, asOf, rules) <= windowDays);
  const earlier = past.filter((a) => {
    const days = daysAgo(a.occurredAt, asOf, rules);
    return days > windowDays && days <= 2 * windowDays;
  });
  if (earlier.length < minEarlierActivities) return undefined;
  if (recent.length >= earlier.length * dropBelowShare) return undefined;
  return {
    type: 'engagement_drop',
    severity: 'medium',
    detail: `${recent.length} activities in the last ${windowDays} days against ${earlier.length} in the ${windowDays} days before`,
    evidence: [...recent, ...earlier.slice(0, MAX_EVIDENCE_PER_WINDOW)]
      .slice(0, 2 * MAX_EVIDENCE_PER_WINDOW)
      .map(activityTimeEvidence),
  };
}
