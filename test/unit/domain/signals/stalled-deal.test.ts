import { describe, expect, it } from 'vitest';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { stalledDealSignals } from '../../../../shared/domain/signals/stalled-deal.ts';
import { AS_OF, aDeal, aSnapshot, dealInStageFor } from '../../../fixtures/domain/builders.ts';

const severityAfter = (days: number, stage = 'Negotiation/Review') =>
  stalledDealSignals(aSnapshot({ deals: [dealInStageFor(days, { stage })] }), AS_OF, rules).signals[0]?.severity;

describe('stalled deal', () => {
  it.each([
    [30, undefined],
    [31, 'high'],
    [45, 'high'],
    [46, 'critical'],
  ])('%i days in the same stage → %s', (days, severity) => {
    expect(severityAfter(days)).toBe(severity);
  });

  it('raises one signal per stalled deal, citing its stage and when it entered it', () => {
    const stalled = dealInStageFor(40, { name: 'Acme – Renewal 2027' });
    const { signals } = stalledDealSignals(aSnapshot({ deals: [stalled, dealInStageFor(5)] }), AS_OF, rules);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.detail).toBe('Deal "Acme – Renewal 2027" has been in Negotiation/Review for 40 days');
    expect(signals[0]?.evidence).toEqual([
      { module: 'Deals', id: stalled.id, field: 'Stage', value: 'Negotiation/Review' },
      {
        module: 'Deals',
        id: stalled.id,
        field: 'Stage_History.Modified_Time',
        value: stalled.stageEnteredAt?.toISOString(),
      },
    ]);
  });

  it.each(['Closed Won', 'Closed Lost', 'Closed-Lost to Competition'])('ignores a deal in %s', (stage) => {
    expect(severityAfter(100, stage)).toBeUndefined();
  });

  it('treats a custom stage it does not know as open', () => {
    expect(severityAfter(35, 'Legal Review (custom)')).toBe('high');
  });

  it('reports a deal without stage history as insufficient data instead of guessing', () => {
    const deal = aDeal({ name: 'Acme – Pilot', stageEnteredAt: null });
    const findings = stalledDealSignals(aSnapshot({ deals: [deal] }), AS_OF, rules);
    expect(findings.signals).toEqual([]);
    expect(findings.insufficientData).toEqual([
      `Deal "Acme – Pilot" (${deal.id}) has no stage history: stalled_deal was not evaluated`,
    ]);
  });
});
