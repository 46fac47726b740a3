import { describe, expect, it } from 'vitest';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { engagementCycleOf } from '../../../../shared/domain/memory/engagement-cycle.ts';
import { defaultMemoryRules as memory } from '../../../../shared/domain/memory/memory-rules.ts';
import { AS_OF, aSnapshot, callDaysAgo, meetingDaysAgo, noteDaysAgo } from '../../../fixtures/domain/builders.ts';
import { callsEvery } from '../../../fixtures/domain/memory-builders.ts';

const cycleOf = (activities: ReturnType<typeof callsEvery>) =>
  engagementCycleOf(aSnapshot({ activities }), AS_OF, rules, memory);

describe('engagement cycle', () => {
  it('finds a weekly rhythm that is being kept', () => {
    const cycle = cycleOf(callsEvery(7, 10, 3));
    expect(cycle).toMatchObject({
      status: 'on_rhythm',
      activityDays: 10,
      typicalGapDays: 7,
      currentGapDays: 3,
      periodicity: 'regular',
      variation: 0,
    });
  });

  it.each([
    [10, 'on_rhythm'],
    [11, 'overdue'],
    [21, 'overdue'],
    [22, 'lapsed'],
  ] as const)('a weekly account silent for %i days is %s', (silentDays, status) => {
    expect(cycleOf(callsEvery(7, 8, silentDays)).status).toBe(status);
  });

  it('tells an irregular rhythm from a regular one', () => {
    const activities = [2, 5, 30, 33, 70, 72, 120].map((d) => callDaysAgo(d));
    const cycle = cycleOf(activities);
    expect(cycle.periodicity).toBe('irregular');
    expect(cycle.typicalGapDays).toBe(14);
    expect(cycle.variation).toBeGreaterThan(0.5);
  });

  it('counts several activities on one day as one day of engagement', () => {
    const sameDay = [callDaysAgo(14), noteDaysAgo(14), meetingDaysAgo(14)];
    const cycle = cycleOf([...callsEvery(14, 4, 0), ...sameDay]);
    expect(cycle.activityDays).toBe(4);
    expect(cycle.typicalGapDays).toBe(14);
  });

  it('says so when there is too little history, and still measures the silence', () => {
    const last = callDaysAgo(40);
    const cycle = cycleOf([last, callDaysAgo(80)]);
    expect(cycle).toMatchObject({ status: 'insufficient_data', typicalGapDays: null, currentGapDays: 40 });
    expect(cycle.evidence).toEqual([
      { module: 'Calls', id: last.id, field: 'Call_Start_Time', value: last.occurredAt.toISOString() },
    ]);
  });

  it('only reads the lookback for the rhythm, but the silence from the last activity ever', () => {
    const cycle = cycleOf(callsEvery(7, 6, 400));
    expect(cycle).toMatchObject({ status: 'insufficient_data', activityDays: 0, currentGapDays: 400 });
  });

  it('cites the last activity and the first one the rhythm was measured from', () => {
    const calls = callsEvery(10, 5, 31);
    const cycle = cycleOf(calls);
    expect(cycle.evidence.map((e) => e.id)).toEqual([calls[0]!.id, calls[4]!.id]);
    expect(cycle.detail).toBe(
      'Activity usually every 10 days (regular); 31 days since the last, far longer than usual',
    );
  });
});
