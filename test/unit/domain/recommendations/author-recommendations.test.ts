import { describe, expect, it } from 'vitest';
import { detectSignals } from '../../../../shared/domain/account-signals.ts';
import { buildTimeline } from '../../../../shared/domain/account-timeline.ts';
import type { Recommendation, RecommendationType } from '../../../../shared/domain/analysis.ts';
import type { AccountSnapshot } from '../../../../shared/domain/crm.ts';
import { defaultDomainRules as rules } from '../../../../shared/domain/domain-rules.ts';
import {
  authorRecommendations,
  type RecommendationHistory,
} from '../../../../shared/domain/recommendations/author-recommendations.ts';
import { confidenceBandOf } from '../../../../shared/domain/recommendations/confidence.ts';
import { healthOf } from '../../../../shared/domain/scores.ts';
import {
  AS_OF,
  aBaseline,
  aContact,
  aDeal,
  anAccount,
  aSnapshot,
  callDaysAgo,
  dateOnly,
  daysAgo,
  dealInStageFor,
  MANAGER_ID,
  OWNER_ID,
  sequentialIds,
  taskDueDaysAgo,
} from '../../../fixtures/domain/builders.ts';

const noHistory: RecommendationHistory = { pendingTypes: [], rejectedAt: {}, outcomes: {} };
const HOUR = 3_600_000;

function recommend(snapshot: AccountSnapshot, history: Partial<RecommendationHistory> = {}): Recommendation[] {
  const { signals } = detectSignals(snapshot, AS_OF, rules);
  return authorRecommendations({
    snapshot,
    signals,
    health: healthOf(signals, snapshot, AS_OF, rules),
    timeline: buildTimeline(snapshot, AS_OF),
    asOf: AS_OF,
    rules,
    history: { ...noHistory, ...history },
    newId: sequentialIds(),
  });
}

const ofType = (recs: Recommendation[], type: RecommendationType) => recs.find((r) => r.type === type);
const types = (recs: Recommendation[]) => recs.map((r) => r.type);
/** A small account (no upsell) with a fresh call, so only the rule under test fires. */
const smallAccount = (overrides: Partial<AccountSnapshot>) =>
  aSnapshot({ account: anAccount({ annualRevenue: 20_000 }), ...overrides });

describe('re-engagement', () => {
  it('answers 45 days of silence with a high re_engagement e-mail to the primary contact', () => {
    const rec = ofType(recommend(smallAccount({ activities: [callDaysAgo(45)] })), 're_engagement');
    expect(rec?.priority).toBe('high');
    expect(rec?.action).toBe('Re-engage Acme Logistics: e-mail Jane Cooper to set up a call');
    expect(rec?.draft).toEqual({
      kind: 'email',
      to: 'jane.cooper@acme-logistics.example',
      subject: 'Checking in – Acme Logistics',
      body: expect.stringMatching(
        /^Hi Jane,\n\nIt has been a while since we last spoke \(10 October 2026\)[\s\S]*Maria Lopez$/,
      ),
    });
  });

  it('is critical after more than 60 days, expiring in 24 hours', () => {
    const rec = ofType(recommend(smallAccount({ activities: [callDaysAgo(61)] })), 're_engagement');
    expect(rec?.priority).toBe('critical');
    expect(rec?.expiresAt).toEqual(new Date(AS_OF.getTime() + 24 * HOUR));
  });

  it('introduces the owner when the account never had any activity', () => {
    const rec = ofType(recommend(smallAccount({ activities: [] })), 're_engagement');
    expect(rec?.draft).toMatchObject({ kind: 'email', subject: 'Introduction – your contact for Acme Logistics' });
  });

  it('writes to nobody rather than invent an address when no contact has an e-mail', () => {
    const rec = ofType(
      recommend(smallAccount({ contacts: [aContact({ email: null })], activities: [callDaysAgo(45)] })),
      're_engagement',
    );
    expect(rec?.draft).toMatchObject({ kind: 'email', to: null, body: expect.stringMatching(/^Hello,/) });
  });
});

describe('stalled deal', () => {
  const deal = (days: number) => dealInStageFor(days, { name: 'Acme – Fleet Analytics', amount: 80_000 });

  it('after 31 days proposes a follow-up e-mail about the deal and a task for its owner, not an escalation', () => {
    const recs = recommend(smallAccount({ deals: [deal(31)] }));
    expect(types(recs).sort()).toEqual(['create_task', 'follow_up_email']);
    expect(ofType(recs, 'follow_up_email')?.draft).toMatchObject({ subject: 'Acme – Fleet Analytics: next steps' });
    expect(ofType(recs, 'create_task')?.draft).toEqual({
      kind: 'task',
      subject: 'Move "Acme – Fleet Analytics" forward: 31 days in Negotiation/Review',
      dueDate: '2026-11-27',
      description: expect.stringContaining('Contact Jane Cooper (jane.cooper@acme-logistics.example)'),
      ownerId: OWNER_ID,
    });
  });

  it("after 46 days escalates to the owner's manager as a critical task", () => {
    const rec = ofType(recommend(smallAccount({ deals: [deal(46)] })), 'escalation');
    expect(rec?.priority).toBe('critical');
    expect(rec?.draft).toMatchObject({ kind: 'task', ownerId: MANAGER_ID, dueDate: '2026-11-25' });
    expect(rec?.action).toBe(`Escalate "Acme – Fleet Analytics" to Maria Lopez's manager`);
  });

  it('cites the deal stage as evidence', () => {
    const stalled = deal(40);
    const rec = ofType(recommend(smallAccount({ deals: [stalled] })), 'follow_up_email');
    expect(rec?.evidence).toContainEqual({
      module: 'Deals',
      id: stalled.id,
      field: 'Stage',
      value: 'Negotiation/Review',
    });
  });
});

describe('overdue tasks', () => {
  const overdue = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      taskDueDaysAgo(i + 1, { subject: `Send pricing sheet v${i + 1}`, occurredAt: daysAgo(20) }),
    );

  it.each([
    [2, 'medium'],
    [3, 'high'],
  ])('%i overdue tasks give one %s consolidated follow-up task', (n, priority) => {
    const recs = recommend(smallAccount({ activities: [callDaysAgo(2), ...overdue(n)] }));
    expect(recs.filter((r) => r.type === 'create_task')).toHaveLength(1);
    expect(ofType(recs, 'create_task')?.priority).toBe(priority);
  });

  it('names each overdue task in the task it drafts', () => {
    const rec = ofType(recommend(smallAccount({ activities: [callDaysAgo(2), ...overdue(2)] })), 'create_task');
    expect(rec?.draft).toMatchObject({
      subject: 'Clear 2 overdue tasks for Acme Logistics',
      description:
        'Complete, reschedule or close these overdue tasks:\n- Send pricing sheet v2 (due 2026-11-22)\n- Send pricing sheet v1 (due 2026-11-23)',
    });
  });
});

describe('owner change', () => {
  it('introduces the new owner to the customer, naming the previous one', () => {
    const snapshot = smallAccount({
      account: anAccount({ annualRevenue: 20_000, ownerId: '4876876000000300009', ownerName: 'Tom Becker' }),
      baseline: aBaseline({}),
    });
    const rec = ofType(recommend(snapshot), 'executive_alignment');
    expect(rec?.priority).toBe('high');
    expect(rec?.draft).toMatchObject({
      kind: 'email',
      to: 'jane.cooper@acme-logistics.example',
      subject: 'Your new point of contact: Tom Becker',
      body: expect.stringContaining('I am Tom Becker, and I am taking over from Maria Lopez'),
    });
  });
});

describe('risk mitigation', () => {
  it('is critical when health falls below 50, citing every signal that pulled it down', () => {
    const snapshot = smallAccount({ activities: [callDaysAgo(61)], deals: [dealInStageFor(35)] });
    const rec = ofType(recommend(snapshot), 'risk_mitigation');
    expect(rec?.priority).toBe('critical');
    expect(rec?.draft).toMatchObject({ subject: 'Risk mitigation plan for Acme Logistics (health 45)' });
    expect(new Set(rec?.evidence.map((e) => e.module))).toEqual(new Set(['Calls', 'Deals']));
  });

  it('is not proposed at health 50 or above without an at-risk status', () => {
    expect(ofType(recommend(smallAccount({ deals: [dealInStageFor(35)] })), 'risk_mitigation')).toBeUndefined();
  });

  it('is proposed for an account whose rating maps to at risk', () => {
    const snapshot = smallAccount({ account: anAccount({ annualRevenue: 20_000, status: 'Project Cancelled' }) });
    expect(ofType(recommend(snapshot), 'risk_mitigation')?.priority).toBe('critical');
  });
});

describe('cheap extras', () => {
  it('proposes a new closing date for a deal whose closing date has passed', () => {
    const deal = aDeal({ closingDate: dateOnly(-3) });
    const rec = ofType(recommend(smallAccount({ deals: [deal] })), 'update_account');
    expect(rec?.draft).toEqual({
      kind: 'field_update',
      module: 'Deals',
      recordId: deal.id,
      field: 'Closing_Date',
      before: '2026-11-21',
      after: '2026-12-24',
    });
  });

  it('reminds of a renewal within 90 days', () => {
    const snapshot = smallAccount({ account: anAccount({ annualRevenue: 20_000, renewalDate: dateOnly(45) }) });
    expect(ofType(recommend(snapshot), 'renewal_reminder')?.priority).toBe('high');
  });
});

describe('every recommendation', () => {
  const busy = aSnapshot({
    account: anAccount({ ownerId: '4876876000000300009', ownerName: 'Tom Becker' }),
    baseline: aBaseline({}),
    deals: [dealInStageFor(50)],
    activities: [callDaysAgo(40), ...[3, 4, 5].map((d) => taskDueDaysAgo(d, { occurredAt: daysAgo(50) }))],
  });

  it('needs approval, comes from the rules, and cites at least one piece of evidence from its signals', () => {
    const { signals } = detectSignals(busy, AS_OF, rules);
    const cited = new Set(signals.flatMap((s) => s.evidence).map((e) => JSON.stringify(e)));
    for (const rec of recommend(busy)) {
      expect(rec).toMatchObject({ requiresApproval: true, author: 'rules', accountId: busy.account.id });
      expect(rec.evidence.length).toBeGreaterThan(0);
      for (const e of rec.evidence) expect(cited.has(JSON.stringify(e))).toBe(true);
    }
  });

  it('gets its id from newId, in ranking order', () => {
    expect(recommend(busy).map((r) => r.id)).toEqual(['rec-1', 'rec-2', 'rec-3']);
  });

  it('comes at most 3 to an account, the most urgent first', () => {
    expect(types(recommend(busy))).toEqual(['escalation', 'risk_mitigation', 'executive_alignment']);
  });

  it.each([
    ['critical', 24],
    ['high', 72],
    ['medium', 168],
  ] as const)('expires %s after %i hours, with a task due on the expiry date', (priority, hours) => {
    const snapshot = smallAccount({
      activities: [callDaysAgo(2), ...[1, 2, 3].map((d) => taskDueDaysAgo(d, { occurredAt: daysAgo(20) }))],
      deals: [dealInStageFor(50)],
    });
    const all = [
      ...recommend(snapshot),
      ...recommend(smallAccount({ activities: [callDaysAgo(2), taskDueDaysAgo(1)] })),
    ];
    const rec = all.find((r) => r.priority === priority && r.draft?.kind === 'task');
    expect(rec?.expiresAt).toEqual(new Date(AS_OF.getTime() + hours * HOUR));
    expect(rec?.draft).toMatchObject({ dueDate: rec?.expiresAt.toISOString().slice(0, 10) });
  });
});

describe('history', () => {
  const silent = smallAccount({ activities: [callDaysAgo(45)] });

  it('suppresses a type while one is still pending', () => {
    expect(types(recommend(silent, { pendingTypes: ['re_engagement'] }))).toEqual([]);
  });

  it.each([
    [13, false],
    [14, true],
  ])('after a rejection %i days ago the type is proposed again: %s', (days, proposed) => {
    const recs = recommend(silent, { rejectedAt: { re_engagement: daysAgo(days) } });
    expect(types(recs).includes('re_engagement')).toBe(proposed);
  });

  it('lowers confidence for a type the tenant keeps rejecting', () => {
    const fresh = ofType(recommend(silent), 're_engagement')!;
    const rejected = ofType(
      recommend(silent, { outcomes: { re_engagement: { accepted: 2, total: 20 } } }),
      're_engagement',
    )!;
    expect(rejected.confidence).toBeLessThan(fresh.confidence);
  });

  it('does not emit a recommendation whose confidence falls below 0.5', () => {
    const stale = taskDueDaysAgo(100, { modifiedAt: daysAgo(120), occurredAt: daysAgo(20) });
    const snapshot = smallAccount({ activities: [callDaysAgo(2), stale] });
    expect(ofType(recommend(snapshot), 'create_task')?.confidence).toBe(0.55);
    expect(recommend(snapshot, { outcomes: { create_task: { accepted: 0, total: 20 } } })).toEqual([]);
  });
});

describe('confidence bands', () => {
  it.each([
    [61, 'high'],
    [45, 'medium'],
  ] as const)('re-engagement after %i days is %s confidence', (days, band) => {
    const rec = ofType(recommend(smallAccount({ activities: [callDaysAgo(days)] })), 're_engagement')!;
    expect(confidenceBandOf(rec.confidence, rules)).toBe(band);
  });
});
