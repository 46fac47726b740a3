import { daysAgo, mentionsIn, newestFirst, pastActivitiesOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** DOMAIN-RULES `negative_sentiment`: ≥ 3 activities in 30 days with negative language → medium; ≥ 5 → high. */
export function negativeSentimentSignal(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal | undefined {
  const { windowDays, mediumCount, highCount, keywords } = rules.negativeSentiment;
  const negative = newestFirst(pastActivitiesOf(snapshot, asOf))
    .filter((a) => daysAgo(a.occurredAt, asOf, rules) <= windowDays)
    .flatMap((activity) => {
      const mention = mentionsIn(activity, keywords);
      return mention ? [{ activity, mention }] : [];
    });
  if (negative.length < mediumCount) return undefined;
  return {
    type: 'negative_sentiment',
    severity: negative.length >= highCount ? 'high' : 'medium',
    detail: `${negative.length} activities in the last ${windowDays} days use negative language (${[...new Set(negative.flatMap((n) => n.mention.keywords))].join(', ')})`,
    evidence: negative.map(({ activity, mention }) => ({
      module: activity.module,
      id: activity.id,
      field: mention.field,
      value: mention.excerpt,
    })),
  };
}
