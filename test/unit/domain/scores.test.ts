import { describe, expect, it } from 'vitest';
import type { Signal } from '../../../shared/domain/analysis.ts';
import type { ChangedField } from '../../../shared/domain/change-detection.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import {
  healthBandOf,
  healthOf,
  needsReview,
  priorityBreakdownOf,
  riskLevelOf,
} from '../../../shared/domain/scores.ts';
import {
  AS_OF,
  aDeal,
  aSignal,
  aSnapshot,
  callDaysAgo,
  daysAgo,
  meetingDaysAgo,
} from '../../fixtures/domain/builders.ts';

const signals = (...severities: Signal['severity'][]) => severities.map((severity) => aSignal({ severity }));
const quiet = aSnapshot({ activities: [callDaysAgo(3)] });

describe('risk level', () => {
  it('is none without risk signals', () => {
    expect(riskLevelOf([])).toBe('none');
    expect(riskLevelOf(signals('opportunity'))).toBe('none');
  });

  it('is the highest severity among risk signals', () => {
    expect(riskLevelOf(signals('medium', 'critical', 'high'))).toBe('critical');
  });
});

describe('health', () => {
  it.each([
    [[], 100],
    [['low'], 95],
    [['medium'], 90],
    [['high'], 80],
    [['critical'], 65],
    [['critical', 'critical', 'critical'], 0],
  ] as const)('risk signals %j → %i', (severities, score) => {
    expect(healthOf(signals(...severities), quiet, AS_OF, rules).score).toBe(score);
  });

  it.each([
    [80, 'healthy'],
    [79, 'moderate'],
    [60, 'moderate'],
    [59, 'at_risk'],
    [40, 'at_risk'],
    [39, 'critical'],
  ] as const)('score %i is %s', (score, band) => {
    expect(healthBandOf(score, rules)).toBe(band);
  });

  it('adds 5 for a demo in the last 30 days, with the meeting as evidence', () => {
    const demo = meetingDaysAgo(12, { subject: 'Product demo for the ops team' });
    const health = healthOf(signals('high'), aSnapshot({ activities: [demo] }), AS_OF, rules);
    expect(health.score).toBe(85);
    expect(health.factors[1]).toEqual({
      name: 'high_value_activity',
      points: 5,
      evidence: [{ module: 'Events', id: demo.id, field: 'Subject', value: 'Product demo for the ops team' }],
    });
  });

  it('gives no bonus for a demo 31 days ago', () => {
    const demo = meetingDaysAgo(31, { subject: 'Executive meeting' });
    expect(healthOf(signals('high'), aSnapshot({ activities: [demo] }), AS_OF, rules).score).toBe(80);
  });

  it('adds 5 for a deal won in the last 90 days, never above 100', () => {
    const won = aDeal({ stage: 'Closed Won', stageEnteredAt: daysAgo(90) });
    expect(healthOf(signals('high'), aSnapshot({ deals: [won] }), AS_OF, rules).score).toBe(85);
    expect(healthOf([], aSnapshot({ deals: [won] }), AS_OF, rules).score).toBe(100);
  });

  it('lists each risk signal as a factor with its points and evidence', () => {
    const signal = aSignal({ type: 'stalled_deal', severity: 'critical' });
    expect(healthOf([signal], quiet, AS_OF, rules).factors).toEqual([
      { name: 'stalled_deal', points: -35, evidence: signal.evidence },
    ]);
  });
});

describe('priority score', () => {
  const change = (field: string): ChangedField => ({ field, kind: 'other', before: 'a', after: 'b' });
  const breakdown = (input: Partial<Parameters<typeof priorityBreakdownOf>[0]>) =>
    priorityBreakdownOf(
      { riskLevel: 'none', changes: [], snapshot: aSnapshot({ activities: [] }), asOf: AS_OF, ...input },
      rules,
    );

  it.each([
    ['critical', 40],
    ['high', 30],
    ['medium', 20],
    ['low', 10],
    ['none', 0],
  ] as const)('gives %s risk %i points', (riskLevel, points) => {
    expect(breakdown({ riskLevel }).risk).toBe(points);
  });

  it.each([
    [1, 5],
    [6, 30],
    [7, 30],
  ])('gives %i changed fields %i points', (n, points) => {
    expect(breakdown({ changes: Array.from({ length: n }, (_, i) => change(`F${i}`)) }).changes).toBe(points);
  });

  it.each([
    [10_000, 0],
    [10_001, 10],
    [50_001, 15],
    [100_000, 15],
    [100_001, 20],
  ])('gives an open pipeline of %i %i points', (amount, points) => {
    expect(breakdown({ snapshot: aSnapshot({ deals: [aDeal({ amount })], activities: [] }) }).pipeline).toBe(points);
  });

  it('does not count won deals as pipeline', () => {
    const won = aDeal({ stage: 'Closed Won', amount: 500_000 });
    expect(breakdown({ snapshot: aSnapshot({ deals: [won] }) }).pipeline).toBe(0);
  });

  it.each([
    [2, 0],
    [3, 5],
    [5, 5],
    [6, 10],
  ])('gives %i activities in 30 days %i points', (n, points) => {
    const activities = Array.from({ length: n }, (_, i) => callDaysAgo(i + 1));
    expect(breakdown({ snapshot: aSnapshot({ activities }) }).activity).toBe(points);
  });

  it('is capped at 100', () => {
    const activities = Array.from({ length: 6 }, (_, i) => callDaysAgo(i));
    const snapshot = aSnapshot({ deals: [aDeal({ amount: 200_000 })], activities });
    const changes = Array.from({ length: 6 }, (_, i) => change(`F${i}`));
    expect(breakdown({ riskLevel: 'critical', changes, snapshot }).total).toBe(100);
  });
});

describe('needs review', () => {
  const base = { riskLevel: 'medium', priorityScore: 60, changes: [] } as const;

  it('is false for medium risk, no owner or status change and priority 60', () => {
    expect(needsReview(base, rules)).toBe(false);
  });

  it.each(['high', 'critical'] as const)('is true for %s risk', (riskLevel) => {
    expect(needsReview({ ...base, riskLevel }, rules)).toBe(true);
  });

  it('is true above priority 60', () => {
    expect(needsReview({ ...base, priorityScore: 61 }, rules)).toBe(true);
  });

  it.each(['owner', 'status'] as const)('is true after a %s change', (kind) => {
    expect(needsReview({ ...base, changes: [{ field: 'X', kind, before: 'a', after: 'b' }] }, rules)).toBe(true);
  });

  it('is false after a revenue change alone', () => {
    expect(
      needsReview({ ...base, changes: [{ field: 'Annual_Revenue', kind: 'revenue', before: 1, after: 2 }] }, rules),
    ).toBe(false);
  });
});
