import { describe, expect, it } from 'vitest';
import {
  matchesCriteria,
  parseSearchCriteria,
  SearchCriteriaError,
} from '../../../local/zoho-sandbox/search-criteria.ts';

const deal = {
  id: '1',
  Deal_Name: 'Acme (EMEA), phase 2',
  Stage: 'Negotiation/Review',
  Amount: 42000,
  Closing_Date: '2026-12-15',
  Modified_Time: '2026-11-20T10:15:00+00:00',
  Account_Name: { id: '77', name: 'Acme Analytics Inc.' },
};
const matches = (criteria: string) => matchesCriteria(deal, parseSearchCriteria(criteria));

describe('Zoho search criteria', () => {
  it('unescapes \\( \\) and \\, in values', () => {
    expect(matches('(Deal_Name:equals:Acme \\(EMEA\\)\\, phase 2)')).toBe(true);
  });

  it('keeps colons inside a value, so datetimes work', () => {
    expect(matches('(Modified_Time:greater_equal:2026-11-20T10:15:00+00:00)')).toBe(true);
    expect(matches('(Modified_Time:greater_than:2026-11-20T10:15:00+00:00)')).toBe(false);
  });

  it('compares numbers as numbers and dates as dates', () => {
    expect(matches('(Amount:between:9000,50000)')).toBe(true);
    expect(matches('(Closing_Date:less_than:2027-01-01)')).toBe(true);
  });

  it('matches a lookup by its name or its id', () => {
    expect(matches('(Account_Name:equals:acme analytics inc.)')).toBe(true);
    expect(matches('(Account_Name:equals:77)')).toBe(true);
    expect(matches('(Account_Name.id:in:12,77)')).toBe(true);
  });

  it('nests and/or groups', () => {
    expect(matches('((Stage:equals:Closed Won)or((Stage:starts_with:nego)and(Amount:greater_than:40000)))')).toBe(true);
  });

  it('refuses to mix and with or without parentheses', () => {
    expect(() => parseSearchCriteria('((A:equals:1)and(B:equals:2)or(C:equals:3))')).toThrow(SearchCriteriaError);
  });

  it('refuses unknown operators and unbalanced parentheses', () => {
    expect(() => parseSearchCriteria('(Stage:like:Nego)')).toThrow(/unknown operator like/);
    expect(() => parseSearchCriteria('(Stage:equals:Nego')).toThrow(SearchCriteriaError);
  });
});
