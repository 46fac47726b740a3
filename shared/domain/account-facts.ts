import type { Evidence } from './analysis.ts';
import { wholeDaysBetween } from './calendar.ts';
import type { AccountSnapshot, Activity, Contact, Deal } from './crm.ts';
import type { AccountStatusKind, DomainRules } from './domain-rules.ts';

/**
 * Small facts about an account that several rules share, so that "open deal", "activity in the last
 * N days" or "the primary contact" mean the same thing everywhere.
 */
export type StageKind = 'open' | 'won' | 'lost' | 'unknown';

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** DOMAIN-RULES: a stage we don't know (a custom stage) is "unknown", never an error. */
export function stageKindOf(stage: string, rules: DomainRules): StageKind {
  const { won, lost, open } = rules.dealStages;
  if (won.some((s) => sameText(s, stage))) return 'won';
  if (lost.some((s) => sameText(s, stage))) return 'lost';
  if (open.some((s) => sameText(s, stage))) return 'open';
  return 'unknown';
}

/** "Open deal" means a deal whose stage is not a won or lost stage — unknown stages included. */
export function isOpenDeal(deal: Deal, rules: DomainRules): boolean {
  const kind = stageKindOf(deal.stage, rules);
  return kind === 'open' || kind === 'unknown';
}

export function openDealsOf(snapshot: AccountSnapshot, rules: DomainRules): Deal[] {
  return snapshot.deals.filter((deal) => isOpenDeal(deal, rules));
}

/** DOMAIN-RULES: the status → meaning mapping is configurable; anything unmapped is "unknown". */
export function statusKindOf(status: string | null, rules: DomainRules): AccountStatusKind {
  if (status === null) return 'unknown';
  const match = Object.entries(rules.accountStatus).find(([name]) => sameText(name, status));
  return match?.[1] ?? 'unknown';
}

export function daysAgo(at: Date, asOf: Date, rules: DomainRules): number {
  return wholeDaysBetween(at, asOf, rules.timeZone);
}

/** Activities that have happened by `asOf`; a meeting scheduled for next week is not engagement yet. */
export function pastActivitiesOf(snapshot: AccountSnapshot, asOf: Date): Activity[] {
  return snapshot.activities.filter((a) => a.occurredAt.getTime() <= asOf.getTime());
}

export function newestFirst<T extends { occurredAt: Date }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime());
}

export function lastActivityOf(snapshot: AccountSnapshot, asOf: Date): Activity | undefined {
  return newestFirst(pastActivitiesOf(snapshot, asOf))[0];
}

/** Past activities within the last `windowDays` whole days (today counts as 0 days ago). */
export function activitiesWithin(snapshot: AccountSnapshot, asOf: Date, windowDays: number, rules: DomainRules) {
  return pastActivitiesOf(snapshot, asOf).filter((a) => daysAgo(a.occurredAt, asOf, rules) <= windowDays);
}

/**
 * Zoho has no "primary contact" flag on Accounts: the contact we can write to (has an e-mail) that was
 * touched most recently is the one the owner is most likely talking to.
 */
export function primaryContactOf(snapshot: AccountSnapshot): Contact | undefined {
  return [...snapshot.contacts]
    .filter((c) => c.email)
    .sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.fullName.localeCompare(b.fullName))[0];
}

/** The Zoho field that holds when an activity happened, by module. */
export function timeFieldOf(activity: Activity): string {
  switch (activity.module) {
    case 'Calls':
      return 'Call_Start_Time';
    case 'Events':
      return 'Start_DateTime';
    case 'Notes':
      return 'Created_Time';
    case 'Tasks':
      return activity.isOpen ? 'Created_Time' : 'Closed_Time';
  }
}

export function subjectFieldOf(activity: Activity): string {
  return activity.module === 'Notes' ? 'Note_Title' : 'Subject';
}

export function descriptionFieldOf(activity: Activity): string {
  return activity.module === 'Notes' ? 'Note_Content' : 'Description';
}

export function activityTimeEvidence(activity: Activity): Evidence {
  return {
    module: activity.module,
    id: activity.id,
    field: timeFieldOf(activity),
    value: activity.occurredAt.toISOString(),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The keywords an activity's subject or description mentions. Matching is by word start, so "issue"
 * also finds "issues" and "cancel" finds "cancelled".
 */
export function mentionsIn(
  activity: Activity,
  keywords: readonly string[],
): { field: string; excerpt: string; keywords: string[] } | undefined {
  for (const [field, text] of [
    [subjectFieldOf(activity), activity.subject],
    [descriptionFieldOf(activity), activity.description ?? ''],
  ] as const) {
    const found = keywords.filter((k) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(k)}`, 'iu').test(text));
    if (found.length > 0) return { field, excerpt: excerptOf(text, found[0]!), keywords: found };
  }
  return undefined;
}

const EXCERPT_CHARS = 120;

function excerptOf(text: string, keyword: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  const at = Math.max(0, text.toLowerCase().indexOf(keyword.toLowerCase()) - 40);
  return `${at > 0 ? '…' : ''}${text.slice(at, at + EXCERPT_CHARS)}…`;
}
