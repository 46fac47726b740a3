import { describe, expect, it } from 'vitest';
import type { Activity } from '../../../../shared/domain/crm.ts';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { commitmentsOf, deadlineOf } from '../../../../shared/domain/memory/commitments.ts';
import { defaultMemoryRules as memory } from '../../../../shared/domain/memory/memory-rules.ts';
import {
  AS_OF,
  aSnapshot,
  callDaysAgo,
  meetingDaysAgo,
  noteDaysAgo,
  taskDueDaysAgo,
} from '../../../fixtures/domain/builders.ts';
import { completedTaskDaysAgo } from '../../../fixtures/domain/memory-builders.ts';

const summaryOf = (activities: Activity[]) => commitmentsOf(aSnapshot({ activities }), AS_OF, rules, memory);

describe('deadlines named in a promise', () => {
  // 2026-11-04 is a Wednesday.
  it.each([
    ['I will send it by Friday.', '2026-11-06'],
    ['Promised an answer on Monday', '2026-11-09'],
    ["We'll share the deck next week", '2026-11-13'],
    ['Will get back tomorrow', '2026-11-05'],
    ['Will send the SOW by end of the month', '2026-11-30'],
    ['Agreed to deliver by 2026-11-20', '2026-11-20'],
    ['Promised to look into it', '2026-11-18'],
  ])('%s → due %s', (sentence, due) => {
    expect(deadlineOf(sentence, '2026-11-04', 14)).toBe(due);
  });
});

describe('commitments made vs kept', () => {
  it('keeps a promise that a later completed task fulfilled on time, citing both', () => {
    const promise = noteDaysAgo(20, {
      subject: 'Pricing call',
      description: 'Jane asked about volume tiers. I will send the revised pricing by Friday.',
    });
    const task = completedTaskDaysAgo(19, { subject: 'Send revised pricing sheet to Jane' });
    const summary = summaryOf([promise, task]);
    expect(summary).toMatchObject({ made: 1, kept: 1, broken: 0, keptRate: 1 });
    expect(summary.commitments[0]).toMatchObject({
      status: 'kept',
      phrase: 'will send',
      madeOn: '2026-11-04',
      dueOn: '2026-11-06',
      keptBy: { module: 'Tasks', id: task.id, on: '2026-11-05' },
    });
    expect(summary.commitments[0]!.evidence).toEqual([
      {
        module: 'Notes',
        id: promise.id,
        field: 'Note_Content',
        value: 'I will send the revised pricing by Friday.',
      },
      { module: 'Tasks', id: task.id, field: 'Closed_Time', value: task.occurredAt.toISOString() },
    ]);
  });

  it('breaks a promise whose deadline passed with nothing done about it', () => {
    const promise = callDaysAgo(30, { description: 'Promised to send the security questionnaire next week.' });
    const unrelated = meetingDaysAgo(10, { subject: 'Quarterly business review' });
    const summary = summaryOf([promise, unrelated]);
    expect(summary).toMatchObject({ made: 1, broken: 1, keptRate: 0 });
    expect(summary.evidence[0]).toMatchObject({ module: 'Calls', id: promise.id, field: 'Description' });
  });

  it('keeps a promise late when the follow-up came after the deadline', () => {
    const promise = noteDaysAgo(20, { description: "We'll share the rollout plan by Friday" });
    const followUp = callDaysAgo(9, { subject: 'Walked Jane through the rollout plan' });
    expect(summaryOf([promise, followUp]).commitments[0]).toMatchObject({
      status: 'kept_late',
      keptBy: { id: followUp.id },
    });
  });

  it('leaves a promise pending until its deadline and the grace days have passed', () => {
    const summary = summaryOf([
      noteDaysAgo(2, { description: 'Will share the roadmap next week.' }),
      // Due on Saturday 21 November, three days ago: still within the grace days.
      noteDaysAgo(7, { description: 'Will send the invoice copy by Saturday.' }),
      noteDaysAgo(8, { description: 'Will send the W-9 form by Friday.' }),
    ]);
    expect(summary.commitments.map((c) => [c.dueOn, c.status])).toEqual([
      ['2026-11-20', 'broken'],
      ['2026-11-21', 'pending'],
      ['2026-11-27', 'pending'],
    ]);
    expect(summary.keptRate).toBe(0);
  });

  it('does not count a note that only repeats the promise as keeping it', () => {
    const summary = summaryOf([
      noteDaysAgo(30, { description: 'Will send the contract redlines by Friday.' }),
      noteDaysAgo(20, { description: 'Chased internally: will send the contract redlines next week.' }),
    ]);
    expect(summary.commitments.map((c) => c.status)).toEqual(['broken', 'broken']);
  });

  it('finds each promise of a note with several sentences', () => {
    const note = noteDaysAgo(40, {
      description: "Good call. I'll send the case study. We'll set up a demo with their CFO next week! Nothing else.",
    });
    const summary = summaryOf([note, completedTaskDaysAgo(35, { subject: 'Send case study' })]);
    expect(summary.commitments.map((c) => [c.phrase, c.status])).toEqual([
      ["i'll", 'kept'],
      ["we'll", 'broken'],
    ]);
    expect(summary.detail).toBe('2 commitment(s) in the last 180 days: 1 kept, 0 kept late, 1 broken, 0 pending');
  });

  it('leaves open tasks to the overdue-tasks signal, and ignores promises older than the lookback', () => {
    const summary = summaryOf([
      taskDueDaysAgo(5, { description: 'Will send the renewal quote by Friday' }),
      noteDaysAgo(200, { description: 'Will send the old quote by Friday' }),
    ]);
    expect(summary.made).toBe(0);
  });
});
