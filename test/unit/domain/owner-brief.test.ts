import { describe, expect, it } from 'vitest';
import { instantAtLocalTime } from '../../../shared/domain/calendar.ts';
import { type BriefAccount, type BriefApproval, composeOwnerBrief } from '../../../shared/domain/owner-brief.ts';

const NOW = new Date('2026-11-24T15:00:00Z');
const owner = { id: '4876876000000000101', name: 'Dana Whitfield', timeZone: 'America/New_York' };

const account = (n: number, overrides: Partial<BriefAccount> = {}): BriefAccount => ({
  id: `48768760000000010${String(n).padStart(2, '0')}`,
  name: `Account ${String(n).padStart(2, '0')}`,
  riskLevel: 'medium',
  priorityScore: 50,
  healthScore: 70,
  changedFields: 0,
  actions: [],
  ...overrides,
});
const action = (n: number) => ({
  id: `rec-${n}`,
  type: 'create_task',
  priority: 'medium',
  action: `Call the buyer (${n})`,
  approvalId: null,
});
const approval = (id: string, expiresAt: string): BriefApproval => ({
  id,
  accountId: account(1).id,
  accountName: 'Account 01',
  type: 'follow_up_email',
  action: 'Send the follow-up',
  expiresAt: new Date(expiresAt),
});

describe("an owner's daily brief", () => {
  it('lists the ten highest-priority accounts, ties broken by risk then name', () => {
    const accounts = Array.from({ length: 12 }, (_, i) =>
      account(i + 1, { priorityScore: i < 2 ? 90 : 10 + i, riskLevel: i === 1 ? 'critical' : 'medium' }),
    );
    const brief = composeOwnerBrief({ owner, accounts, pendingApprovals: [], now: NOW });
    expect(brief.accounts).toHaveLength(10);
    expect(brief.accounts.slice(0, 2).map((a) => a.name)).toEqual(['Account 02', 'Account 01']);
    expect(brief.accounts.map((a) => a.name)).not.toContain('Account 03');
    expect(brief.totalAccounts).toBe(12);
  });

  it('keeps the top three actions of each account', () => {
    const brief = composeOwnerBrief({
      owner,
      accounts: [account(1, { actions: [action(1), action(2), action(3), action(4)] })],
      pendingApprovals: [],
      now: NOW,
    });
    expect(brief.accounts[0]?.actions.map((a) => a.id)).toEqual(['rec-1', 'rec-2', 'rec-3']);
  });

  it('estimates 3 minutes per changed account and 1 per unchanged one', () => {
    const accounts = [account(1, { changedFields: 2 }), account(2, { changedFields: 1 }), account(3), account(4)];
    expect(composeOwnerBrief({ owner, accounts, pendingApprovals: [], now: NOW }).estimatedReviewMinutes).toBe(8);
  });

  it('lists pending approvals soonest to expire first', () => {
    const brief = composeOwnerBrief({
      owner,
      accounts: [account(1)],
      pendingApprovals: [approval('late', '2026-11-27T10:00:00Z'), approval('soon', '2026-11-25T10:00:00Z')],
      now: NOW,
    });
    expect(brief.pendingApprovals.map((a) => a.id)).toEqual(['soon', 'late']);
  });

  it('says "no updates" when no account has risk, changes or actions and nothing awaits approval', () => {
    const calm = [account(1, { riskLevel: 'none' }), account(2, { riskLevel: 'none' })];
    const brief = composeOwnerBrief({ owner, accounts: calm, pendingApprovals: [], now: NOW });
    expect(brief).toMatchObject({ noUpdates: true, accounts: [], estimatedReviewMinutes: 0, totalAccounts: 2 });
  });

  it('is due by 06:00 on the owner’s local date, in their time zone', () => {
    const lateEvening = new Date('2026-11-25T03:30:00Z'); // 22:30 on the 24th in New York
    const brief = composeOwnerBrief({ owner, accounts: [account(1)], pendingApprovals: [], now: lateEvening });
    expect(brief.date).toBe('2026-11-24');
    expect(brief.deliverBy.toISOString()).toBe('2026-11-24T11:00:00.000Z');
  });
});

describe('a local wall-clock time as an instant', () => {
  it('follows daylight saving time', () => {
    expect(instantAtLocalTime('2026-07-01', 6, 'Europe/Paris').toISOString()).toBe('2026-07-01T04:00:00.000Z');
    expect(instantAtLocalTime('2026-12-01', 6, 'Europe/Paris').toISOString()).toBe('2026-12-01T05:00:00.000Z');
  });

  it('handles zones ahead of UTC by more than the hour asked for', () => {
    expect(instantAtLocalTime('2026-11-24', 6, 'Pacific/Auckland').toISOString()).toBe('2026-11-23T17:00:00.000Z');
  });
});
