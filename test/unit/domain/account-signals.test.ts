import { describe, expect, it } from 'vitest';
import { detectSignals } from '../../../shared/domain/account-signals.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import {
  AS_OF,
  aBaseline,
  aDeal,
  anAccount,
  aSnapshot,
  callDaysAgo,
  daysAgo,
  dealInStageFor,
  taskDueDaysAgo,
} from '../../fixtures/domain/builders.ts';

describe('detectSignals', () => {
  it('finds nothing on a well-kept account', () => {
    const snapshot = aSnapshot({ account: anAccount({ annualRevenue: 10_000 }), deals: [dealInStageFor(5)] });
    expect(detectSignals(snapshot, AS_OF, rules)).toEqual({ signals: [], insufficientData: [] });
  });

  it('reports every rule that fires, in the order of the rule book', () => {
    const snapshot = aSnapshot({
      account: anAccount({ ownerId: '4876876000000300009', ownerName: 'Tom Becker' }),
      // The task was created before the last call, so it does not break the silence.
      activities: [callDaysAgo(40), taskDueDaysAgo(3, { occurredAt: daysAgo(50), createdAt: daysAgo(50) })],
      deals: [dealInStageFor(50)],
      baseline: aBaseline({}),
    });
    const { signals } = detectSignals(snapshot, AS_OF, rules);
    expect(signals.map((s) => [s.type, s.severity])).toEqual([
      ['inactivity', 'high'],
      ['stalled_deal', 'critical'],
      ['overdue_tasks', 'medium'],
      ['owner_change', 'high'],
    ]);
  });

  it('passes on what it could not judge', () => {
    const snapshot = aSnapshot({ deals: [aDeal({ stageEnteredAt: null })] });
    expect(detectSignals(snapshot, AS_OF, rules).insufficientData).toHaveLength(1);
  });

  it('adds the upsell opportunity only when the risks leave the account healthy', () => {
    const healthy = aSnapshot({ account: anAccount({ annualRevenue: 250_000 }) });
    expect(detectSignals(healthy, AS_OF, rules).signals.map((s) => s.type)).toEqual(['upsell_signal']);
    const atRisk = aSnapshot({ account: anAccount({ annualRevenue: 250_000, status: 'Market Failed' }) });
    expect(detectSignals(atRisk, AS_OF, rules).signals.map((s) => s.type)).toEqual(['at_risk_status']);
  });
});
