import { describe, expect, it } from 'vitest';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { inactivitySignal } from '../../../../shared/domain/signals/inactivity.ts';
import { AS_OF, aSnapshot, callDaysAgo, daysFromNow, meetingDaysAgo } from '../../../fixtures/domain/builders.ts';

describe('inactivity', () => {
  it.each([
    [29, undefined],
    [30, 'high'],
    [60, 'high'],
    [61, 'critical'],
  ])('%i days of silence → %s', (days, severity) => {
    const signal = inactivitySignal(aSnapshot({ activities: [callDaysAgo(days)] }), AS_OF, rules);
    expect(signal?.severity).toBe(severity);
  });

  it('cites the last activity as evidence', () => {
    const call = callDaysAgo(45);
    const signal = inactivitySignal(aSnapshot({ activities: [callDaysAgo(80), call] }), AS_OF, rules);
    expect(signal?.detail).toMatch(/^No activity in 45 days/);
    expect(signal?.evidence).toEqual([
      { module: 'Calls', id: call.id, field: 'Call_Start_Time', value: call.occurredAt.toISOString() },
    ]);
  });

  it('is silent for an account that never had any activity (that is no_recorded_activity)', () => {
    expect(inactivitySignal(aSnapshot({ activities: [] }), AS_OF, rules)).toBeUndefined();
  });

  it('does not count a meeting scheduled for next week as contact', () => {
    const future = meetingDaysAgo(0, { occurredAt: daysFromNow(7) });
    const signal = inactivitySignal(aSnapshot({ activities: [callDaysAgo(40), future] }), AS_OF, rules);
    expect(signal?.detail).toMatch(/40 days/);
  });
});
