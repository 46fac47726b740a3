import { describe, expect, it } from 'vitest';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { memoryPatternsOf } from '../../../../shared/domain/memory/account-memory.ts';
import {
  AS_OF,
  anAccount,
  aSnapshot,
  callDaysAgo,
  dateOnly,
  daysFromNow,
  meetingDaysAgo,
  noteDaysAgo,
} from '../../../fixtures/domain/builders.ts';
import { callsEvery } from '../../../fixtures/domain/memory-builders.ts';

const renewingIn = (days: number | null) => anAccount({ renewalDate: days === null ? null : dateOnly(days) });

describe('renewal-window risk', () => {
  it.each([
    ['no contract end date', null],
    ['a renewal beyond 90 days', 120],
    ['a renewal date behind us', -5],
  ])('is absent with %s', (_case, days) => {
    const snapshot = aSnapshot({ account: renewingIn(days), activities: callsEvery(7, 8, 2) });
    expect(memoryPatternsOf(snapshot, AS_OF, rules).renewalRisk).toBeNull();
  });

  it('is low when engagement keeps its rhythm and a meeting is booked before the date', () => {
    const booked = meetingDaysAgo(0, { subject: 'Renewal review', occurredAt: daysFromNow(10) });
    const snapshot = aSnapshot({ account: renewingIn(80), activities: [...callsEvery(7, 8, 2), booked] });
    const risk = memoryPatternsOf(snapshot, AS_OF, rules).renewalRisk;
    expect(risk).toMatchObject({ level: 'low', daysLeft: 80, points: 0, factors: [] });
    expect(risk?.evidence).toEqual([
      { module: 'Accounts', id: snapshot.account.id, field: 'Contract_End_Date', value: '2027-02-12' },
    ]);
  });

  it('is medium when only the date is close', () => {
    const booked = meetingDaysAgo(0, { subject: 'Renewal review', occurredAt: daysFromNow(5) });
    const snapshot = aSnapshot({ account: renewingIn(20), activities: [...callsEvery(7, 8, 2), booked] });
    expect(memoryPatternsOf(snapshot, AS_OF, rules).renewalRisk).toMatchObject({
      level: 'medium',
      factors: [{ name: 'renewal_soon', points: 1 }],
    });
  });

  it('is high when a close renewal meets a lapsed rhythm, souring language and nothing booked', () => {
    const complaint = noteDaysAgo(25, { description: 'Unhappy with the delay on the API fix; raised a complaint' });
    const praise = noteDaysAgo(90, { description: 'Very pleased with the pilot' });
    const snapshot = aSnapshot({ account: renewingIn(20), activities: [...callsEvery(7, 8, 40), complaint, praise] });
    const risk = memoryPatternsOf(snapshot, AS_OF, rules).renewalRisk;
    expect(risk?.level).toBe('high');
    expect(risk?.factors.map((f) => [f.name, f.points])).toEqual([
      ['renewal_soon', 1],
      ['nothing_scheduled', 1],
      ['engagement_lapsed', 2],
      ['sentiment_declining', 1],
      ['sentiment_negative', 1],
    ]);
    expect(risk?.points).toBe(6);
    expect(risk?.evidence.map((e) => e.id)).toEqual(
      expect.arrayContaining([snapshot.account.id, complaint.id, praise.id]),
    );
    expect(risk?.detail).toMatch(
      /^Contract ends on 2026-12-14, in 20 days: high risk \(renewal soon, nothing scheduled/,
    );
  });

  it('counts broken promises against the renewal', () => {
    const promise = callDaysAgo(40, { description: 'Promised to send the renewal proposal by Friday.' });
    const booked = meetingDaysAgo(0, { subject: 'Renewal review', occurredAt: daysFromNow(30) });
    const snapshot = aSnapshot({
      account: renewingIn(60),
      activities: [...callsEvery(7, 8, 2), promise, booked],
    });
    const risk = memoryPatternsOf(snapshot, AS_OF, rules).renewalRisk;
    expect(risk).toMatchObject({ level: 'medium', factors: [{ name: 'commitments_broken' }] });
    expect(risk?.factors[0]?.evidence[0]).toMatchObject({ module: 'Calls', id: promise.id, field: 'Description' });
  });
});
