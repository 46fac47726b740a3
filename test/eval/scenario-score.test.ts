import { describe, expect, it } from 'vitest';
import type { Outcome } from './scenario-bench.ts';
import type { Expected, Scenario } from './scenario-format.ts';
import { summarise } from './scenario-score.ts';

function result(expected: Expected, observed: Partial<Outcome>): { scenario: Scenario; outcome: Outcome } {
  return {
    scenario: { file: 'x.json', name: 'x', expected } as Scenario,
    outcome: {
      signals: [],
      riskLevel: 'none',
      recommendations: [],
      health: { score: 100, band: 'healthy' },
      priorityScore: 0,
      needsReview: false,
      insufficientData: [],
      ...observed,
    },
  };
}

const score = (summary: ReturnType<typeof summarise>, kind: 'signals' | 'recommendations', type: string) =>
  summary[kind].find((s) => s.type === type);

describe('eval scoring', () => {
  it('counts a signal of the right type at the wrong severity as one false positive and one false negative', () => {
    const summary = summarise([
      result(
        { signals: [{ type: 'inactivity', severity: 'high' }], risk_level: 'high', recommendation_types: [] },
        { signals: [{ type: 'inactivity', severity: 'critical', detail: '' }], riskLevel: 'critical' },
      ),
    ]);
    expect(score(summary, 'signals', 'inactivity')).toMatchObject({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0 });
    expect(summary.failed).toHaveLength(1);
  });

  it('matches signals as a multiset and recommendations as a set', () => {
    const stalled = { type: 'stalled_deal', severity: 'high' } as const;
    const summary = summarise([
      result(
        { signals: [stalled, stalled], risk_level: 'high', recommendation_types: ['create_task', 'follow_up_email'] },
        {
          signals: [{ ...stalled, detail: '' }],
          riskLevel: 'high',
          recommendations: [
            { type: 'create_task', priority: 'high', confidence: 0.7 },
            { type: 'escalation', priority: 'critical', confidence: 0.8 },
          ],
        },
      ),
    ]);
    expect(score(summary, 'signals', 'stalled_deal')).toMatchObject({ tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
    expect(score(summary, 'recommendations', 'create_task')).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(score(summary, 'recommendations', 'follow_up_email')).toMatchObject({ tp: 0, fn: 1, recall: 0 });
    expect(score(summary, 'recommendations', 'escalation')).toMatchObject({ fp: 1, precision: 0, recall: null });
    expect(summary.overall.recommendations).toMatchObject({ tp: 1, fp: 1, fn: 1 });
  });
});
