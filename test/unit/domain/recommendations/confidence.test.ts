import { describe, expect, it } from 'vitest';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import {
  confidenceBandOf,
  confidenceOf,
  historicalAcceptance,
  recencyScore,
  wilsonLowerBound,
} from '../../../../shared/domain/recommendations/confidence.ts';

describe('confidence', () => {
  it.each([
    [0, 1],
    [14, 0.5],
    [28, 0.25],
  ])('evidence %i days old has recency %d', (days, score) => {
    expect(recencyScore(days, 14)).toBeCloseTo(score, 10);
  });

  it('uses the Wilson lower bound at z = 1.645, which small samples cannot inflate', () => {
    expect(wilsonLowerBound(10, 10, 1.645)).toBeCloseTo(0.787, 3);
    expect(wilsonLowerBound(5, 10, 1.645)).toBeCloseTo(0.269, 3);
    expect(wilsonLowerBound(0, 0, 1.645)).toBe(0);
  });

  it.each([
    [undefined, 0.5],
    [{ accepted: 0, total: 0 }, 0.5],
    [{ accepted: 4, total: 4 }, 0.5],
    [{ accepted: 5, total: 5 }, 0.649],
    [{ accepted: 0, total: 20 }, 0],
  ])('historical acceptance of %j is %d', (outcomes, expected) => {
    expect(historicalAcceptance(outcomes, rules)).toBeCloseTo(expected, 3);
  });

  it('weighs recency 0.25, pattern 0.25, evidence 0.30 and acceptance 0.20', () => {
    expect(confidenceOf({ recency: 1, pattern: 0, evidence: 0, acceptance: 0 }, rules)).toBe(0.25);
    expect(confidenceOf({ recency: 0, pattern: 0, evidence: 1, acceptance: 0 }, rules)).toBe(0.3);
    expect(confidenceOf({ recency: 0, pattern: 0, evidence: 0, acceptance: 1 }, rules)).toBe(0.2);
    expect(confidenceOf({ recency: 1, pattern: 0.75, evidence: 0.75, acceptance: 0.5 }, rules)).toBe(0.76);
  });

  it.each([
    [0.8, 'high'],
    [0.79, 'medium'],
    [0.6, 'medium'],
    [0.59, 'low'],
  ] as const)('%d is %s', (confidence, band) => {
    expect(confidenceBandOf(confidence, rules)).toBe(band);
  });
});
