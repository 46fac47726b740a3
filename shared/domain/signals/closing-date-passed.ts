import { openDealsOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import { dateOnlyOf, localDateOf } from '../calendar.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** DOMAIN-RULES `closing_date_passed`: an open deal whose Closing_Date is before today → high, one per deal. */
export function closingDatePassedSignals(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal[] {
  const today = localDateOf(asOf, rules.timeZone);
  return openDealsOf(snapshot, rules)
    .filter((deal) => deal.closingDate !== null && dateOnlyOf(deal.closingDate) < today)
    .map((deal) => ({
      type: 'closing_date_passed',
      severity: 'high',
      detail: `Deal "${deal.name}" was due to close on ${dateOnlyOf(deal.closingDate!)} and is still in ${deal.stage}`,
      evidence: [
        { module: 'Deals', id: deal.id, field: 'Closing_Date', value: dateOnlyOf(deal.closingDate!) },
        { module: 'Deals', id: deal.id, field: 'Stage', value: deal.stage },
      ],
    }));
}
