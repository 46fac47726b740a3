import { daysAgo, mentionsIn, newestFirst, pastActivitiesOf } from '../account-facts.ts';
import type { Evidence, Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/**
 * DOMAIN-RULES `upsell_signal`: health ≥ 70 with annual revenue ≥ 50,000, or expansion language in
 * 90 days. An opportunity, not a risk: it never lowers health.
 */
export function upsellSignal(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
  healthScore: number,
): Signal | undefined {
  const { minHealth, minAnnualRevenue, windowDays, phrases } = rules.upsell;
  const { account } = snapshot;
  const evidence: Evidence[] = [];
  const reasons: string[] = [];
  if (healthScore >= minHealth && account.annualRevenue !== null && account.annualRevenue >= minAnnualRevenue) {
    evidence.push({ module: 'Accounts', id: account.id, field: 'Annual_Revenue', value: account.annualRevenue });
    reasons.push(`health ${healthScore} with annual revenue ${account.annualRevenue.toLocaleString('en-US')}`);
  }
  const expansion = newestFirst(pastActivitiesOf(snapshot, asOf))
    .filter((a) => daysAgo(a.occurredAt, asOf, rules) <= windowDays)
    .flatMap((activity) => {
      const mention = mentionsIn(activity, phrases);
      return mention ? [{ activity, mention }] : [];
    });
  for (const { activity, mention } of expansion) {
    evidence.push({ module: activity.module, id: activity.id, field: mention.field, value: mention.excerpt });
  }
  if (expansion.length > 0)
    reasons.push(`expansion talk in ${expansion.length} recent activit${expansion.length === 1 ? 'y' : 'ies'}`);
  if (evidence.length === 0) return undefined;
  return {
    type: 'upsell_signal',
    severity: 'opportunity',
    detail: `Upsell potential: ${reasons.join('; ')}`,
    evidence,
  };
}
