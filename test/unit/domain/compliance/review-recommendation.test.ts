import { describe, expect, it } from 'vitest';
import type { Draft, EmailDraft, Recommendation, TaskDraft } from '../../../../shared/domain/analysis.ts';
import {
  fitDraftToZohoLimits,
  type ReviewContext,
  reviewRecommendation,
} from '../../../../shared/domain/compliance/review-recommendation.ts';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';

const context: ReviewContext = {
  allowedEmails: ['jane.cooper@acme-logistics.example'],
  allowedPhones: ['+1 415 555 0134'],
  otherAccountNames: ['Globex Corporation'],
};

const email = (body: string, overrides: Partial<EmailDraft> = {}): EmailDraft => ({
  kind: 'email',
  to: 'jane.cooper@acme-logistics.example',
  subject: 'Acme – Fleet Analytics: next steps',
  body,
  ...overrides,
});

const task = (overrides: Partial<TaskDraft> = {}): TaskDraft => ({
  kind: 'task',
  subject: 'Move "Acme – Fleet Analytics" forward',
  dueDate: '2026-11-27',
  description: 'Contact Jane Cooper (jane.cooper@acme-logistics.example, +1 415 555 0134).',
  ownerId: '4876876000000300001',
  ...overrides,
});

const rec = (draft: Draft | null, overrides: Partial<Recommendation> = {}) => ({
  action: 'E-mail Jane Cooper to agree next steps',
  rationale: 'The deal has been in Negotiation/Review for 46 days.',
  draft,
  ...overrides,
});

const review = (draft: Draft | null, overrides: Partial<Recommendation> = {}) =>
  reviewRecommendation(rec(draft, overrides), context, rules);

describe('compliance review', () => {
  it("approves a clean draft that only carries the account's own contact data, at low risk", () => {
    expect(
      review(email('Hi Jane, could we talk this week? Call me back or write to jane.cooper@acme-logistics.example.')),
    ).toEqual({
      approved: true,
      riskLevel: 'low',
      piiDetected: [],
      policyViolations: [],
    });
    expect(review(task()).approved).toBe(true);
  });

  it('recognises the contact phone written in a national format', () => {
    expect(review(task({ description: 'Call Jane on (415) 555-0134' })).piiDetected).toEqual([]);
  });

  it.each([
    ['we guarantee a 20% discount on the renewal', 'no_discount_promise'],
    ['we can offer you a special discount if you sign this week', 'no_discount_promise'],
    ['you will get a full refund for the outage', 'no_refund_promise'],
    ['we guarantee 99.99% uptime', 'no_guarantee'],
    ['we accept full liability for the delay', 'no_legal_commitment'],
    ['Internal only: they are likely to churn', 'no_internal_notes'],
  ])('blocks an e-mail that says "%s"', (sentence, rule) => {
    const report = review(email(`Hi Jane, ${sentence}.`));
    expect(report.approved).toBe(false);
    expect(report.riskLevel).toBe('high');
    expect(report.policyViolations).toContainEqual(
      expect.objectContaining({ rule, location: 'draft.body', blocking: true }),
    );
  });

  it('does not police an internal task that mentions a discount request', () => {
    expect(review(task({ description: 'Jane asked about a 20% discount; check with finance.' })).approved).toBe(true);
  });

  it("blocks an e-mail to someone who is not one of the account's contacts", () => {
    const report = review(email('Hi Bob', { to: 'bob@globex.example' }));
    expect(report.approved).toBe(false);
    expect(report.piiDetected).toEqual([{ type: 'email', location: 'draft.to', preview: 'b***@globex.example' }]);
  });

  it('flags, without blocking, a foreign phone number in a CRM task (it is masked on write)', () => {
    const report = review(task({ description: 'Ask Bob on +44 20 7946 0958' }));
    expect(report).toMatchObject({ approved: true, riskLevel: 'medium' });
    expect(report.policyViolations).toEqual([
      expect.objectContaining({ rule: 'own_contact_data_only', blocking: false }),
    ]);
  });

  it('blocks a draft that carries a payment card', () => {
    const report = review(task({ description: 'Card on file: 4111 1111 1111 1111' }));
    expect(report.approved).toBe(false);
    expect(report.piiDetected).toEqual([
      { type: 'payment_card', location: 'draft.description', preview: '**** **** **** 1111' },
    ]);
  });

  it('reports a secret in the rationale as high risk, without blocking the draft', () => {
    const report = review(task(), { rationale: 'Token sk-ant-api03-abcdefghijklmnopqrstuvwx leaked in the ticket' });
    expect(report).toMatchObject({ approved: true, riskLevel: 'high' });
    expect(report.piiDetected[0]).toMatchObject({ type: 'secret', location: 'rationale' });
  });

  it('blocks a draft that mentions another account', () => {
    const report = review(email('Hi Jane, Globex Corporation already uses this feature.'));
    expect(report.policyViolations).toContainEqual(
      expect.objectContaining({ rule: 'no_other_account_data', blocking: true }),
    );
  });

  it.each([
    [255, true],
    [256, false],
  ])('a task subject of %i characters fits Zoho: %s (too long is fixable, so not blocking)', (length, fits) => {
    const report = review(task({ subject: 'x'.repeat(length) }));
    expect(report.approved).toBe(true);
    expect(report.policyViolations.some((v) => v.rule === 'zoho_field_length')).toBe(!fits);
  });

  it('fits a too-long draft to the Zoho limits', () => {
    const fitted = fitDraftToZohoLimits(task({ subject: 'x'.repeat(300) }), rules) as TaskDraft;
    expect(fitted.subject).toHaveLength(255);
    expect(review(fitted).policyViolations).toEqual([]);
  });

  it('reviews a recommendation without a draft', () => {
    expect(review(null).approved).toBe(true);
  });
});
