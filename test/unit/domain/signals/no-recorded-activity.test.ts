import { describe, expect, it } from 'vitest';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { noRecordedActivitySignal } from '../../../../shared/domain/signals/no-recorded-activity.ts';
import { AS_OF, anAccount, aSnapshot, callDaysAgo, daysAgo } from '../../../fixtures/domain/builders.ts';

describe('no recorded activity', () => {
  it.each([
    [30, undefined],
    [31, 'critical'],
  ])('an account created %i days ago with no activity → %s', (age, severity) => {
    const snapshot = aSnapshot({ account: anAccount({ createdAt: daysAgo(age) }), activities: [] });
    expect(noRecordedActivitySignal(snapshot, AS_OF, rules)?.severity).toBe(severity);
  });

  it('cites the account creation time', () => {
    const account = anAccount({ createdAt: daysAgo(100) });
    const signal = noRecordedActivitySignal(aSnapshot({ account, activities: [] }), AS_OF, rules);
    expect(signal?.evidence).toEqual([
      { module: 'Accounts', id: account.id, field: 'Created_Time', value: account.createdAt.toISOString() },
    ]);
  });

  it('is silent once any activity exists, however old', () => {
    expect(noRecordedActivitySignal(aSnapshot({ activities: [callDaysAgo(300)] }), AS_OF, rules)).toBeUndefined();
  });
});
