import { describe, expect, it } from 'vitest';
import type { Activity } from '../../../../shared/domain/crm.ts';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { defaultMemoryRules as memory } from '../../../../shared/domain/memory/memory-rules.ts';
import { readingOf, sentimentTrendOf } from '../../../../shared/domain/memory/sentiment-trend.ts';
import { AS_OF, aSnapshot, callDaysAgo, meetingDaysAgo, noteDaysAgo } from '../../../fixtures/domain/builders.ts';

const negative = rules.negativeSentiment.keywords;
const positive = memory.sentimentTrend.positiveKeywords;
const trendOf = (activities: Activity[]) => sentimentTrendOf(aSnapshot({ activities }), AS_OF, rules, memory);

describe('reading an activity', () => {
  it.each([
    ['Jane is very happy with the rollout', 1],
    ['Carla is unhappy: third outage this month', -1],
    ['Not happy with the response times', -1],
    ["Finance isn't satisfied with the invoice format", -1],
    ['No issues since the upgrade, thanks for the quick fix', 1],
    ['Great progress, but a concern about the delay and a complaint from IT', -1],
    ['Quarterly check-in', 0],
  ] as const)('%s → %i', (description, polarity) => {
    expect(readingOf(noteDaysAgo(1, { description }), negative, positive).polarity).toBe(polarity);
  });
});

describe('sentiment trend', () => {
  const souring = () => [
    noteDaysAgo(100, { description: 'Jane is very happy with the rollout' }),
    callDaysAgo(70, { description: 'Great QBR; they appreciate the support team' }),
    noteDaysAgo(40, { description: 'Concern about the delay of the ERP integration' }),
    callDaysAgo(10, { description: 'Frustrated about another outage' }),
    noteDaysAgo(5, { subject: 'Complaint raised by procurement' }),
  ];

  it('declines when the language turns from praise to complaints, citing the newest words first', () => {
    const activities = souring();
    const trend = trendOf(activities);
    expect(trend).toMatchObject({ trend: 'declining', slope: -0.8, current: -1 });
    expect(trend.windows.map((w) => w.net)).toEqual([null, null, 1, 1, -1, -1]);
    expect(trend.evidence[0]).toEqual({
      module: 'Notes',
      id: activities[4]!.id,
      field: 'Note_Title',
      value: 'Complaint raised by procurement',
    });
    expect(trend.evidence.map((e) => e.id)).toEqual(activities.map((a) => a.id).reverse());
  });

  it('improves when complaints give way to praise', () => {
    const trend = trendOf([
      noteDaysAgo(95, { description: 'Escalation: the data export keeps failing' }),
      callDaysAgo(65, { description: 'Still a problem with the export' }),
      meetingDaysAgo(35, { description: 'Export fixed; they are pleased' }),
      callDaysAgo(3, { description: 'Excellent feedback from the ops team' }),
    ]);
    expect(trend).toMatchObject({ trend: 'improving', current: 1 });
    expect(trend.slope).toBeGreaterThan(0.1);
  });

  it('is stable when the mix does not move, and shares out neutral activities', () => {
    const trend = trendOf([
      noteDaysAgo(50, { description: 'Pleased with onboarding' }),
      callDaysAgo(45, { description: 'Routine check-in' }),
      noteDaysAgo(20, { description: 'Happy with the new dashboard' }),
      callDaysAgo(15, { description: 'Routine check-in' }),
    ]);
    expect(trend).toMatchObject({ trend: 'stable', slope: 0, current: 0.5 });
    expect(trend.windows.at(-1)).toEqual({
      from: '2026-10-26',
      to: '2026-11-24',
      activities: 2,
      positive: 1,
      negative: 0,
      net: 0.5,
    });
  });

  it('needs activities in two windows before it calls a trend', () => {
    const trend = trendOf([callDaysAgo(3, { description: 'Frustrated with support' })]);
    expect(trend).toMatchObject({ trend: 'insufficient_data', slope: null, current: -1 });
    expect(trend.windows).toHaveLength(6);
    expect(trend.windows[0]).toMatchObject({ from: '2026-05-29', to: '2026-06-27', net: null });
  });
});
