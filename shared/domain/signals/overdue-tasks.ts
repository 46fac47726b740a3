import type { Signal } from '../analysis.ts';
import { dateOnlyOf, localDateOf } from '../calendar.ts';
import type { AccountSnapshot, Activity } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/** Open tasks whose due date is before today in the tenant's time zone, oldest first. */
export function overdueTasksOf(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Activity[] {
  const today = localDateOf(asOf, rules.timeZone);
  return snapshot.activities
    .filter((a) => a.module === 'Tasks' && a.isOpen && a.dueDate !== null && dateOnlyOf(a.dueDate) < today)
    .sort((a, b) => a.dueDate!.getTime() - b.dueDate!.getTime());
}

/** DOMAIN-RULES `overdue_tasks`: open tasks past their due date are medium; 3 or more are high. */
export function overdueTasksSignal(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal | undefined {
  const overdue = overdueTasksOf(snapshot, asOf, rules);
  if (overdue.length === 0) return undefined;
  return {
    type: 'overdue_tasks',
    severity: overdue.length >= rules.overdueTasks.highCount ? 'high' : 'medium',
    detail: `${overdue.length} open task${overdue.length === 1 ? ' is' : 's are'} past due`,
    evidence: overdue.map((task) => ({
      module: 'Tasks',
      id: task.id,
      field: 'Due_Date',
      value: dateOnlyOf(task.dueDate!),
    })),
  };
}
