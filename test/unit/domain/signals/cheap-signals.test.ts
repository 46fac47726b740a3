import { describe, expect, it } from 'vitest';
import { domainRulesOf, defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { atRiskStatusSignal } from '../../../../shared/domain/signals/at-risk-status.ts';
import { closingDatePassedSignals } from '../../../../shared/domain/signals/closing-date-passed.ts';
import { competitorMentionSignal } from '../../../../shared/domain/signals/competitor-mention.ts';
import { engagementDropSignal } from '../../../../shared/domain/signals/engagement-drop.ts';
import { negativeSentimentSignal } from '../../../../shared/domain/signals/negative-sentiment.ts';
import { renewalWindowSignal } from '../../../../shared/domain/signals/renewal-window.ts';
import { upsellSignal } from '../../../../shared/domain/signals/upsell.ts';
import {
  AS_OF,
  aDeal,
  anAccount,
  aSnapshot,
  callDaysAgo,
  dateOnly,
  daysFromNow,
  meetingDaysAgo,
  noteDaysAgo,
  taskDueDaysAgo,
} from '../../../fixtures/domain/builders.ts';

describe('closing date passed', () => {
  it.each([
    [-1, 0],
    [0, 0],
    [1, 1],
  ])('an open deal due to close %i day(s) ago → %i signal(s)', (daysPast, count) => {
    const deal = aDeal({ closingDate: dateOnly(-daysPast) });
    expect(closingDatePassedSignals(aSnapshot({ deals: [deal] }), AS_OF, rules)).toHaveLength(count);
  });

  it('ignores a won deal whose closing date is behind it', () => {
    const deal = aDeal({ stage: 'Closed Won', closingDate: dateOnly(-20) });
    expect(closingDatePassedSignals(aSnapshot({ deals: [deal] }), AS_OF, rules)).toEqual([]);
  });

  it('is high and cites the closing date and the stage', () => {
    const deal = aDeal({ closingDate: dateOnly(-5) });
    const [signal] = closingDatePassedSignals(aSnapshot({ deals: [deal] }), AS_OF, rules);
    expect(signal?.severity).toBe('high');
    expect(signal?.evidence).toEqual([
      { module: 'Deals', id: deal.id, field: 'Closing_Date', value: '2026-11-19' },
      { module: 'Deals', id: deal.id, field: 'Stage', value: 'Negotiation/Review' },
    ]);
  });
});

describe('at-risk status', () => {
  it.each([
    ['Market Failed', 'critical'],
    ['Project Cancelled', 'critical'],
    ['at risk', 'critical'],
    ['Active', undefined],
    ['Platinum (custom)', undefined],
    [null, undefined],
  ])('rating %s → %s', (status, severity) => {
    expect(atRiskStatusSignal(aSnapshot({ account: anAccount({ status }) }), rules)?.severity).toBe(severity);
  });

  it('follows the tenant mapping', () => {
    const tenant = domainRulesOf({ accountStatus: { Churning: 'at_risk' } });
    expect(atRiskStatusSignal(aSnapshot({ account: anAccount({ status: 'Churning' }) }), tenant)?.severity).toBe(
      'critical',
    );
  });
});

describe('renewal window', () => {
  const withRenewalIn = (days: number, activities = [callDaysAgo(3)]) =>
    renewalWindowSignal(aSnapshot({ account: anAccount({ renewalDate: dateOnly(days) }), activities }), AS_OF, rules);

  it.each([
    [91, undefined],
    [90, 'high'],
    [0, 'high'],
    [-1, undefined],
  ])('contract ending in %i days with nothing scheduled → %s', (days, severity) => {
    expect(withRenewalIn(days)?.severity).toBe(severity);
  });

  it('is medium when a meeting is scheduled before the renewal', () => {
    const meeting = meetingDaysAgo(0, { occurredAt: daysFromNow(20) });
    expect(withRenewalIn(60, [meeting])?.severity).toBe('medium');
  });

  it('is medium when an open task is due before the renewal', () => {
    expect(withRenewalIn(60, [taskDueDaysAgo(-10)])?.severity).toBe('medium');
  });

  it('stays high when the only scheduled meeting is after the renewal', () => {
    const meeting = meetingDaysAgo(0, { occurredAt: daysFromNow(70) });
    expect(withRenewalIn(60, [meeting])?.severity).toBe('high');
  });
});

describe('engagement drop', () => {
  const activitiesAt = (days: number[]) => days.map((d) => callDaysAgo(d));

  it('is medium when the last 30 days have under half the activity of the 30 before', () => {
    const snapshot = aSnapshot({ activities: activitiesAt([5, 35, 40, 45]) });
    expect(engagementDropSignal(snapshot, AS_OF, rules)?.severity).toBe('medium');
  });

  it('is silent at exactly half', () => {
    const snapshot = aSnapshot({ activities: activitiesAt([5, 10, 35, 40, 45, 50]) });
    expect(engagementDropSignal(snapshot, AS_OF, rules)).toBeUndefined();
  });

  it('needs at least 3 activities in the earlier window', () => {
    expect(engagementDropSignal(aSnapshot({ activities: activitiesAt([35, 40]) }), AS_OF, rules)).toBeUndefined();
  });

  it('does not call an account with no activity data a drop', () => {
    expect(engagementDropSignal(aSnapshot({ activities: [] }), AS_OF, rules)).toBeUndefined();
  });
});

describe('negative sentiment', () => {
  const complaints = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      noteDaysAgo(i + 1, { description: 'Customer is frustrated with the delivery delays' }),
    );

  it.each([
    [2, undefined],
    [3, 'medium'],
    [4, 'medium'],
    [5, 'high'],
  ])('%i negative notes in 30 days → %s', (n, severity) => {
    expect(negativeSentimentSignal(aSnapshot({ activities: complaints(n) }), AS_OF, rules)?.severity).toBe(severity);
  });

  it('ignores complaints older than 30 days', () => {
    const old = [31, 40, 50].map((d) => noteDaysAgo(d, { subject: 'Complaint about invoice' }));
    expect(negativeSentimentSignal(aSnapshot({ activities: old }), AS_OF, rules)).toBeUndefined();
  });

  it('cites the field and an excerpt of each negative activity', () => {
    const [note] = complaints(1);
    const signal = negativeSentimentSignal(aSnapshot({ activities: [note!, ...complaints(2)] }), AS_OF, rules);
    expect(signal?.evidence[0]).toEqual({
      module: 'Notes',
      id: note!.id,
      field: 'Note_Content',
      value: 'Customer is frustrated with the delivery delays',
    });
  });
});

describe('competitor mention', () => {
  it('is high when a recent call mentions evaluating alternatives', () => {
    const call = callDaysAgo(10, { description: 'They are evaluating alternatives before renewal' });
    expect(competitorMentionSignal(aSnapshot({ activities: [call] }), AS_OF, rules)?.severity).toBe('high');
  });

  it('finds a competitor the tenant named', () => {
    const tenant = domainRulesOf({ competitorMention: { competitors: ['Salesforce'] } });
    const note = noteDaysAgo(3, { description: 'Demo of Salesforce scheduled by their IT team' });
    expect(competitorMentionSignal(aSnapshot({ activities: [note] }), AS_OF, tenant)?.evidence[0]?.id).toBe(note.id);
  });

  it.each([
    [60, 'high'],
    [61, undefined],
  ])('a mention %i days ago → %s', (days, severity) => {
    const call = callDaysAgo(days, { subject: 'Competitor pricing came up' });
    expect(competitorMentionSignal(aSnapshot({ activities: [call] }), AS_OF, rules)?.severity).toBe(severity);
  });
});

describe('upsell signal', () => {
  it('is an opportunity for a healthy account with enough revenue', () => {
    const snapshot = aSnapshot({ account: anAccount({ annualRevenue: 50_000 }) });
    const signal = upsellSignal(snapshot, AS_OF, rules, 70);
    expect(signal?.severity).toBe('opportunity');
    expect(signal?.evidence).toEqual([
      { module: 'Accounts', id: snapshot.account.id, field: 'Annual_Revenue', value: 50_000 },
    ]);
  });

  it.each([
    [69, 50_000],
    [70, 49_999],
  ])('is silent at health %i and revenue %i without expansion talk', (health, revenue) => {
    expect(
      upsellSignal(aSnapshot({ account: anAccount({ annualRevenue: revenue }) }), AS_OF, rules, health),
    ).toBeUndefined();
  });

  it('fires on expansion language whatever the health', () => {
    const call = callDaysAgo(20, { description: 'They want 40 more seats for the Madrid team' });
    const signal = upsellSignal(
      aSnapshot({ account: anAccount({ annualRevenue: 1000 }), activities: [call] }),
      AS_OF,
      rules,
      30,
    );
    expect(signal?.evidence[0]?.id).toBe(call.id);
  });
});
