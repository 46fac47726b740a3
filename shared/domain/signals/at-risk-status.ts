import { statusKindOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** DOMAIN-RULES `at_risk_status`: a status/rating that the tenant maps to "at risk" is critical. */
export function atRiskStatusSignal(snapshot: AccountSnapshot, rules: DomainRules): Signal | undefined {
  const { account } = snapshot;
  if (statusKindOf(account.status, rules) !== 'at_risk') return undefined;
  return {
    type: 'at_risk_status',
    severity: 'critical',
    detail: `The account's rating is "${account.status}"`,
    evidence: [{ module: 'Accounts', id: account.id, field: 'Rating', value: account.status }],
  };
}
