import { describe, expect, it } from 'vitest';
import { defaultDomainRules } from '../../../../shared/domain/domain-rules.ts';
import {
  ACCOUNT_FEATURE_DIMENSION,
  accountFeatures,
  accountFeatureValues,
} from '../../../../shared/domain/memory/account-features.ts';
import {
  AS_OF,
  aDeal,
  anAccount,
  aSnapshot,
  callDaysAgo,
  meetingDaysAgo,
  noteDaysAgo,
} from '../../../fixtures/domain/builders.ts';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const featuresOf = (snapshot: ReturnType<typeof aSnapshot>) => accountFeatures(snapshot, AS_OF, defaultDomainRules);

describe('account features', () => {
  it('are a unit vector of the declared dimension', () => {
    const vector = featuresOf(aSnapshot({ deals: [aDeal()] }));

    expect(vector).toHaveLength(ACCOUNT_FEATURE_DIMENSION);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
  });

  it('sum the amounts of open deals only into the open pipeline', () => {
    const values = accountFeatureValues(
      aSnapshot({
        deals: [
          aDeal({ stage: 'Negotiation/Review', amount: 80_000 }),
          aDeal({ stage: 'Qualification', amount: 20_000 }),
          aDeal({ stage: 'Closed Won', amount: 500_000 }),
          aDeal({ stage: 'Closed Lost', amount: 90_000 }),
        ],
      }),
      AS_OF,
      defaultDomainRules,
    );

    expect(values.openPipeline).toBe(100_000);
    expect(values.stageMix).toEqual({ open: 0.5, won: 0.25, lost: 0.25 });
  });

  it('count past activities of the last 90 days as a rate per 30 days', () => {
    const values = accountFeatureValues(
      aSnapshot({
        activities: [callDaysAgo(1), noteDaysAgo(30), meetingDaysAgo(89), callDaysAgo(90), meetingDaysAgo(-7)],
      }),
      AS_OF,
      defaultDomainRules,
    );

    expect(values.activityCadence).toBe(1);
  });

  it('make an account most like one of the same industry, size and activity', () => {
    const base = aSnapshot({ deals: [aDeal({ amount: 80_000 })], activities: [callDaysAgo(3), callDaysAgo(20)] });
    const twin = aSnapshot({
      account: anAccount({
        id: '4876876000000100002',
        name: 'Borealis Freight',
        employees: 140,
        annualRevenue: 300_000,
      }),
      deals: [aDeal({ amount: 95_000 })],
      activities: [callDaysAgo(5), callDaysAgo(25)],
    });
    const other = aSnapshot({
      account: anAccount({
        id: '4876876000000100003',
        name: 'Helios Bank',
        industry: 'Banking',
        employees: 40_000,
        annualRevenue: 2_000_000_000,
      }),
      deals: [aDeal({ stage: 'Closed Won', amount: 3_000_000 })],
      activities: [],
    });

    expect(cosine(featuresOf(base), featuresOf(twin))).toBeGreaterThan(0.95);
    expect(cosine(featuresOf(base), featuresOf(other))).toBeLessThan(0.6);
  });

  it('leave unknown industry, size and revenue out rather than reading them as zero', () => {
    const unknown = featuresOf(
      aSnapshot({ account: anAccount({ industry: null, employees: null, annualRevenue: null }), deals: [] }),
    );
    const tiny = featuresOf(
      aSnapshot({ account: anAccount({ industry: 'Transportation', employees: 1, annualRevenue: 1 }) }),
    );

    // Only the pipeline (none is a value: 0) and the cadence blocks are set.
    expect(unknown.filter((x) => x !== 0)).toHaveLength(3);
    expect(cosine(unknown, tiny)).toBeLessThan(0.8);
  });

  it('treat industries case- and space-insensitively', () => {
    const a = featuresOf(aSnapshot({ account: anAccount({ industry: 'Transportation' }) }));
    const b = featuresOf(aSnapshot({ account: anAccount({ industry: ' transportation ' }) }));

    expect(a).toEqual(b);
  });
});
