import { daysAgo, newestFirst, pastActivitiesOf, timeFieldOf } from './account-facts.ts';
import type { AccountSnapshot, ActivityKind } from './crm.ts';
import { type DomainRules, defaultDomainRules } from './domain-rules.ts';

/**
 * The Memory Analyst's first slice: what happened on an account, newest first, and the numbers that
 * describe its rhythm.
 */
export type TimelineEntryKind = ActivityKind | 'deal';

export interface TimelineEntry {
  kind: TimelineEntryKind;
  module: string;
  id: string;
  /** The field `at` comes from, so an entry can be cited as evidence. */
  field: string;
  at: Date;
  subject: string;
  summary: string;
}

export interface TimelineStats {
  lastActivityAt: Date | null;
  activitiesLast30Days: number;
  activitiesLast60Days: number;
  activitiesLast90Days: number;
  openTasks: number;
  /** The kinds of activity (task, call, event, note) the account has had, sorted. */
  activityKinds: ActivityKind[];
  /** Mean whole days between consecutive past activities; null with fewer than two. */
  averageGapDays: number | null;
}

export interface AccountTimeline {
  entries: TimelineEntry[];
  stats: TimelineStats;
}

const SUMMARY_CHARS = 200;

function summaryOf(text: string | null, fallback: string): string {
  const clean = (text ?? '').replace(/\s+/g, ' ').trim();
  if (!clean) return fallback;
  return clean.length <= SUMMARY_CHARS ? clean : `${clean.slice(0, SUMMARY_CHARS - 1)}…`;
}

/** The account's past activities and deal stage entries, newest first, with rhythm statistics. */
export function buildTimeline(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules = defaultDomainRules,
): AccountTimeline {
  const past = newestFirst(pastActivitiesOf(snapshot, asOf));
  const entries: TimelineEntry[] = past.map((a) => ({
    kind: a.kind,
    module: a.module,
    id: a.id,
    field: timeFieldOf(a),
    at: a.occurredAt,
    subject: a.subject,
    summary: summaryOf(a.description, a.status ? `${a.kind} (${a.status})` : a.kind),
  }));
  for (const deal of snapshot.deals) {
    const at = deal.stageEnteredAt ?? deal.createdAt;
    if (at.getTime() > asOf.getTime()) continue;
    entries.push({
      kind: 'deal',
      module: 'Deals',
      id: deal.id,
      field: deal.stageEnteredAt ? 'Stage_History.Modified_Time' : 'Created_Time',
      at,
      subject: deal.name,
      summary: `${deal.stageEnteredAt ? 'Entered' : 'Created in'} ${deal.stage}${deal.amount !== null ? ` (${deal.amount})` : ''}`,
    });
  }
  entries.sort((a, b) => b.at.getTime() - a.at.getTime() || a.id.localeCompare(b.id));

  const within = (days: number) => past.filter((a) => daysAgo(a.occurredAt, asOf, rules) <= days).length;
  const gaps = past.slice(1).map((a, i) => daysAgo(a.occurredAt, past[i]!.occurredAt, rules));
  return {
    entries,
    stats: {
      lastActivityAt: past[0]?.occurredAt ?? null,
      activitiesLast30Days: within(30),
      activitiesLast60Days: within(60),
      activitiesLast90Days: within(90),
      openTasks: snapshot.activities.filter((a) => a.module === 'Tasks' && a.isOpen).length,
      activityKinds: [...new Set(past.map((a) => a.kind))].sort(),
      averageGapDays: gaps.length === 0 ? null : Math.round((gaps.reduce((s, g) => s + g, 0) / gaps.length) * 10) / 10,
    },
  };
}
