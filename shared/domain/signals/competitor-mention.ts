import { daysAgo, mentionsIn, newestFirst, pastActivitiesOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** DOMAIN-RULES `competitor_mention`: an activity in 60 days names a competitor or alternatives → high. */
export function competitorMentionSignal(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal | undefined {
  const { windowDays, competitors, phrases } = rules.competitorMention;
  const mentions = newestFirst(pastActivitiesOf(snapshot, asOf))
    .filter((a) => daysAgo(a.occurredAt, asOf, rules) <= windowDays)
    .flatMap((activity) => {
      const mention = mentionsIn(activity, [...competitors, ...phrases]);
      return mention ? [{ activity, mention }] : [];
    });
  if (mentions.length === 0) return undefined;
  return {
    type: 'competitor_mention',
    severity: 'high',
    detail: `Competition mentioned in ${mentions.length} activit${mentions.length === 1 ? 'y' : 'ies'} in the last ${windowDays} days`,
    evidence: mentions.map(({ activity, mention }) => ({
      module: activity.module,
      id: activity.id,
      field: mention.field,
      value: mention.excerpt,
    })),
  };
}
