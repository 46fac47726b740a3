import type { Signal } from '../analysis.ts';
import { dateOnlyOf, daysBetweenDates, localDateOf } from '../calendar.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

/**
 * DOMAIN-RULES `renewal_window`: the contract ends within 90 days → medium; high when nothing (a
 * meeting, a call, an open task) is scheduled between today and the renewal.
 */
export function renewalWindowSignal(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): Signal | undefined {
  const { account } = snapshot;
  if (!account.renewalDate) return undefined;
  const today = localDateOf(asOf, rules.timeZone);
  const renewal = dateOnlyOf(account.renewalDate);
  const daysLeft = daysBetweenDates(today, renewal);
  // A renewal date already behind us is a data problem, not an approaching renewal.
  if (daysLeft < 0 || daysLeft > rules.renewalWindow.days) return undefined;
  const scheduled = snapshot.activities.filter((a) => {
    const date = a.isOpen && a.dueDate ? dateOnlyOf(a.dueDate) : localDateOf(a.occurredAt, rules.timeZone);
    const upcoming = a.isOpen || a.occurredAt.getTime() > asOf.getTime();
    return upcoming && date >= today && date <= renewal;
  });
  return {
    type: 'renewal_window',
    severity: scheduled.length === 0 ? 'high' : 'medium',
    detail: `Contract ends on ${renewal}, in ${daysLeft} days${scheduled.length === 0 ? ', with nothing scheduled before it' : ''}`,
    evidence: [{ module: 'Accounts', id: account.id, field: 'Contract_End_Date', value: renewal }],
  };
}
