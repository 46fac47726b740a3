import { describe, expect, it } from 'vitest';
import { domainRulesOf, defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { overdueTasksSignal } from '../../../../shared/domain/signals/overdue-tasks.ts';
import { AS_OF, aSnapshot, taskDueDaysAgo } from '../../../fixtures/domain/builders.ts';

const signalFor = (...tasks: ReturnType<typeof taskDueDaysAgo>[]) =>
  overdueTasksSignal(aSnapshot({ activities: tasks }), AS_OF, rules);

describe('overdue tasks', () => {
  it.each([
    [0, undefined],
    [1, 'medium'],
    [2, 'medium'],
    [3, 'high'],
    [5, 'high'],
  ])('%i open tasks past due → %s', (count, severity) => {
    const tasks = Array.from({ length: count }, (_, i) => taskDueDaysAgo(i + 1));
    expect(signalFor(...tasks)?.severity).toBe(severity);
  });

  it('does not count a task due today', () => {
    expect(signalFor(taskDueDaysAgo(0))).toBeUndefined();
  });

  it('does not count a completed task', () => {
    expect(signalFor(taskDueDaysAgo(10, { isOpen: false, status: 'Completed' }))).toBeUndefined();
  });

  it('lists every overdue task as evidence, oldest first', () => {
    const recent = taskDueDaysAgo(2);
    const old = taskDueDaysAgo(9);
    expect(signalFor(recent, old)?.evidence).toEqual([
      { module: 'Tasks', id: old.id, field: 'Due_Date', value: '2026-11-15' },
      { module: 'Tasks', id: recent.id, field: 'Due_Date', value: '2026-11-22' },
    ]);
  });

  it("compares the due date with today's date in the tenant's time zone", () => {
    // 12:00 UTC on the 24th is already the 25th in Auckland, so a task due on the 24th is late there.
    const dueToday = taskDueDaysAgo(0);
    const snapshot = aSnapshot({ activities: [dueToday] });
    expect(overdueTasksSignal(snapshot, AS_OF, domainRulesOf({ timeZone: 'Pacific/Auckland' }))?.severity).toBe(
      'medium',
    );
    expect(overdueTasksSignal(snapshot, AS_OF, domainRulesOf({ timeZone: 'America/Los_Angeles' }))).toBeUndefined();
  });
});
