import { describe, expect, it } from 'vitest';
import { addHours } from '../../../../shared/domain/calendar.ts';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import { timePointsOf, urgencyOf } from '../../../../shared/domain/recommendations/urgency.ts';
import { AS_OF } from '../../../fixtures/domain/builders.ts';

describe('urgency', () => {
  it.each([
    [24, 100],
    [25, 75],
    [72, 75],
    [168, 50],
    [169, 25],
  ])('expiring in %i hours earns %i time points', (hours, points) => {
    expect(timePointsOf(addHours(AS_OF, hours), AS_OF, rules)).toBe(points);
  });

  it('is (0.4 × priority + 0.3 × confidence × 100 + 0.3 × time) × type weight', () => {
    const expiresAt = addHours(AS_OF, 24);
    expect(
      urgencyOf({ type: 'create_task', priority: 'critical', confidence: 0.8, expiresAt }, AS_OF, rules),
    ).toBeCloseTo(94);
    expect(
      urgencyOf({ type: 'escalation', priority: 'critical', confidence: 0.8, expiresAt }, AS_OF, rules),
    ).toBeCloseTo(112.8);
    expect(
      urgencyOf({ type: 're_engagement', priority: 'critical', confidence: 0.8, expiresAt }, AS_OF, rules),
    ).toBeCloseTo(84.6);
  });
});
