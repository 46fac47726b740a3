import { describe, expect, it } from 'vitest';
import { buildTimeline } from '../../../shared/domain/account-timeline.ts';
import {
  AS_OF,
  aSnapshot,
  callDaysAgo,
  daysAgo,
  daysFromNow,
  dealInStageFor,
  meetingDaysAgo,
  noteDaysAgo,
  taskDueDaysAgo,
} from '../../fixtures/domain/builders.ts';

describe('account timeline', () => {
  it('lists activities and deal stage entries newest first', () => {
    const call = callDaysAgo(2);
    const deal = dealInStageFor(10);
    const note = noteDaysAgo(20, { description: 'Asked for an updated   quote\nbefore Q1' });
    const { entries } = buildTimeline(aSnapshot({ activities: [note, call], deals: [deal] }), AS_OF);
    expect(entries.map((e) => [e.kind, e.id])).toEqual([
      ['call', call.id],
      ['deal', deal.id],
      ['note', note.id],
    ]);
    expect(entries[2]).toMatchObject({
      module: 'Notes',
      field: 'Created_Time',
      summary: 'Asked for an updated quote before Q1',
    });
    expect(entries[1]).toMatchObject({ module: 'Deals', summary: 'Entered Negotiation/Review (80000)' });
  });

  it('leaves out what has not happened yet', () => {
    const future = meetingDaysAgo(0, { occurredAt: daysFromNow(3) });
    expect(buildTimeline(aSnapshot({ activities: [future] }), AS_OF).entries).toEqual([]);
  });

  it('counts activities in the last 30, 60 and 90 days', () => {
    const activities = [1, 30, 31, 60, 61, 90, 91].map((d) => callDaysAgo(d));
    const { stats } = buildTimeline(aSnapshot({ activities }), AS_OF);
    expect([stats.activitiesLast30Days, stats.activitiesLast60Days, stats.activitiesLast90Days]).toEqual([2, 4, 6]);
  });

  it('gives the last activity, open tasks, kinds and the average gap', () => {
    const activities = [callDaysAgo(2), meetingDaysAgo(6), noteDaysAgo(14), taskDueDaysAgo(-3)];
    const { stats } = buildTimeline(aSnapshot({ activities }), AS_OF);
    expect(stats.lastActivityAt).toEqual(daysAgo(2));
    expect(stats.openTasks).toBe(1);
    expect(stats.activityKinds).toEqual(['call', 'event', 'note', 'task']);
    // 2 → 6 → 10 (the task was created 10 days ago) → 14: gaps of 4 days.
    expect(stats.averageGapDays).toBe(4);
  });

  it('has no last activity and no gap for an empty account', () => {
    const { stats } = buildTimeline(aSnapshot({ activities: [] }), AS_OF);
    expect(stats.lastActivityAt).toBeNull();
    expect(stats.averageGapDays).toBeNull();
  });
});
