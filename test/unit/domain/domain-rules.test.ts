import { describe, expect, it } from 'vitest';
import { DomainRulesSchema, defaultDomainRules, domainRulesOf } from '../../../shared/domain/domain-rules.ts';

describe('domain rules', () => {
  it('default to the numbers of the rule book', () => {
    const r = defaultDomainRules;
    expect(r.inactivity).toEqual({ highDays: 30, criticalDays: 60 });
    expect(r.stalledDeal).toEqual({ highDays: 30, criticalDays: 45 });
    expect(r.overdueTasks.highCount).toBe(3);
    expect(r.health.severityPoints).toEqual({ critical: 35, high: 20, medium: 10, low: 5 });
    expect(r.health.bands).toEqual({ healthy: 80, moderate: 60, atRisk: 40 });
    expect(r.priority.riskPoints).toEqual({ critical: 40, high: 30, medium: 20, low: 10 });
    expect(r.recommendations.maxPerAccount).toBe(3);
    expect(r.recommendations.dedupeDaysAfterRejection).toBe(14);
    expect(r.recommendations.expiryHours).toEqual({ critical: 24, high: 72, medium: 168, low: 336 });
    expect(r.recommendations.confidence.acceptance.wilsonZ).toBe(1.645);
    expect(r.renewalWindow.days).toBe(90);
    expect(r.dealStages.won).toEqual(['Closed Won']);
  });

  it('keep the defaults a tenant does not override', () => {
    const rules = domainRulesOf({ inactivity: { highDays: 21 }, timeZone: 'Europe/Madrid' });
    expect(rules.inactivity).toEqual({ highDays: 21, criticalDays: 60 });
    expect(rules.timeZone).toBe('Europe/Madrid');
    expect(rules.stalledDeal.criticalDays).toBe(45);
  });

  it('reject a critical threshold below the high one', () => {
    const result = DomainRulesSchema.safeParse({ stalledDeal: { highDays: 50, criticalDays: 45 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['stalledDeal', 'criticalDays']);
  });

  it('reject a time zone that does not exist', () => {
    expect(DomainRulesSchema.safeParse({ timeZone: 'Mars/Olympus' }).success).toBe(false);
  });

  it('reject confidence weights that do not add up to 1', () => {
    const weights = { recency: 0.5, pattern: 0.5, evidence: 0.3, acceptance: 0.2 };
    expect(DomainRulesSchema.safeParse({ recommendations: { confidence: { weights } } }).success).toBe(false);
  });

  it('reject negative thresholds', () => {
    expect(DomainRulesSchema.safeParse({ inactivity: { highDays: -1 } }).success).toBe(false);
  });
});
