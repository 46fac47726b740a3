import { daysAgo } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** DOMAIN-RULES `no_recorded_activity`: no activity at all on an account older than 30 days is critical. */
export function noRecordedActivitySignal(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
): Signal | undefined {
  if (snapshot.activities.length > 0) return undefined;
  const age = daysAgo(snapshot.account.createdAt, asOf, rules);
  // A brand-new account has simply not been worked yet.
  if (age <= rules.noRecordedActivity.minAccountAgeDays) return undefined;
  return {
    type: 'no_recorded_activity',
    severity: 'critical',
    detail: `No activity recorded since the account was created ${age} days ago`,
    evidence: [
      {
        module: 'Accounts',
        id: snapshot.account.id,
        field: 'Created_Time',
        value: snapshot.account.createdAt.toISOString(),
      },
    ],
  };
}
