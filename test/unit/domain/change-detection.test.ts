import { describe, expect, it } from 'vitest';
import { baselineFieldsOf, changedFields } from '../../../shared/domain/change-detection.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import { aBaseline, aDeal, anAccount, aSnapshot, dateOnly } from '../../fixtures/domain/builders.ts';

describe('baseline fields', () => {
  it('remember the owner, status, revenue, type and each open deal by id', () => {
    const open = aDeal({ stage: 'Proposal/Price Quote', amount: 40_000, closingDate: dateOnly(10) });
    const won = aDeal({ stage: 'Closed Won' });
    const snapshot = aSnapshot({ account: anAccount({ renewalDate: dateOnly(100) }), deals: [open, won] });
    expect(baselineFieldsOf(snapshot, rules)).toEqual({
      Owner: '4876876000000300001',
      Owner_Name: 'Maria Lopez',
      Rating: 'Active',
      Annual_Revenue: 250_000,
      Account_Type: 'Customer',
      Industry: 'Transportation',
      Employees: 120,
      Contract_End_Date: '2027-03-04',
      [`Deals.${open.id}.Stage`]: 'Proposal/Price Quote',
      [`Deals.${open.id}.Amount`]: 40_000,
      [`Deals.${open.id}.Closing_Date`]: '2026-12-04',
    });
  });
});

describe('changed fields', () => {
  const deal = aDeal({ stage: 'Negotiation/Review' });
  const reviewed = aSnapshot({ deals: [deal] });
  const baseline = aBaseline(baselineFieldsOf(reviewed, rules));

  it('are none on the first review', () => {
    expect(changedFields(null, reviewed, rules)).toEqual([]);
  });

  it('are none when nothing moved', () => {
    expect(changedFields(baseline, reviewed, rules)).toEqual([]);
  });

  it('classify owner, status, revenue and other fields', () => {
    const now = aSnapshot({
      account: anAccount({
        ownerId: 'u-2',
        ownerName: 'Tom Becker',
        status: 'Project Cancelled',
        annualRevenue: 300_000,
        accountType: 'Partner',
      }),
      deals: [deal],
    });
    expect(changedFields(baseline, now, rules)).toEqual([
      { field: 'Owner', kind: 'owner', before: '4876876000000300001', after: 'u-2' },
      { field: 'Rating', kind: 'status', before: 'Active', after: 'Project Cancelled' },
      { field: 'Annual_Revenue', kind: 'revenue', before: 250_000, after: 300_000 },
      { field: 'Account_Type', kind: 'other', before: 'Customer', after: 'Partner' },
    ]);
  });

  it('show a deal that closed since the review as a stage change to its closed stage', () => {
    const now = aSnapshot({ deals: [{ ...deal, stage: 'Closed Won' }] });
    expect(changedFields(baseline, now, rules)).toEqual([
      { field: `Deals.${deal.id}.Stage`, kind: 'stage', before: 'Negotiation/Review', after: 'Closed Won' },
    ]);
  });

  it('show a new open deal as one stage change', () => {
    const added = aDeal({ stage: 'Qualification' });
    const now = aSnapshot({ deals: [deal, added] });
    expect(changedFields(baseline, now, rules)).toEqual([
      { field: `Deals.${added.id}.Stage`, kind: 'stage', before: null, after: 'Qualification' },
    ]);
  });

  it('do not count a field an older baseline never recorded', () => {
    const old = aBaseline({ Owner: '4876876000000300001' }, { fields: { Owner: '4876876000000300001' } });
    expect(changedFields(old, reviewed, rules).filter((c) => !c.field.startsWith('Deals.'))).toEqual([]);
  });
});
