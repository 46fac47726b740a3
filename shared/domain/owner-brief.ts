import type { RiskLevel } from './analysis.ts';
import { instantAtLocalTime, localDateOf } from './calendar.ts';

/** What the brief knows of one of the owner's accounts: its latest analysis and open recommendations. */
export interface BriefAccount {
  id: string;
  name: string;
  riskLevel: RiskLevel;
  priorityScore: number;
  healthScore: number | null;
  /** Fields changed since the account's last review (owner, status, revenue, stage…). */
  changedFields: number;
  /** Open recommendations (pending or draft), in the author's ranking. */
  actions: readonly { id: string; type: string; priority: string; action: string; approvalId: string | null }[];
}

export interface BriefApproval {
  id: string;
  accountId: string;
  accountName: string;
  type: string;
  action: string;
  expiresAt: Date;
}

export interface OwnerBrief {
  owner: { id: string; name: string; timeZone: string };
  /** The owner's local date the brief is for, and 06:00 that day in their time zone. */
  date: string;
  deliverBy: Date;
  /** True when nothing needs the owner's attention ("No updates" is a valid brief). */
  noUpdates: boolean;
  accounts: readonly (Omit<BriefAccount, 'actions'> & { actions: BriefAccount['actions'] })[];
  pendingApprovals: readonly BriefApproval[];
  /** 3 minutes per account with changes + 1 per unchanged account, over the accounts in the brief. */
  estimatedReviewMinutes: number;
  totalAccounts: number;
}

const TOP_ACCOUNTS = 10;
const ACTIONS_PER_ACCOUNT = 3;
const DELIVERY_HOUR = 6;
const RISK_ORDER: readonly RiskLevel[] = ['critical', 'high', 'medium', 'low', 'none'];

/**
 * DOMAIN-RULES' owner brief: the 10 highest-priority accounts (priority score, then risk, then name),
 * the top 3 open actions of each, the owner's pending approvals (soonest to expire first), and the review
 * time estimate. An owner with no risk, no open actions and no approvals gets a "no updates" brief.
 */
export function composeOwnerBrief(input: {
  owner: { id: string; name: string; timeZone: string };
  accounts: readonly BriefAccount[];
  pendingApprovals: readonly BriefApproval[];
  now: Date;
}): OwnerBrief {
  const { owner, now } = input;
  const date = localDateOf(now, owner.timeZone);
  const ranked = [...input.accounts].sort(
    (a, b) =>
      b.priorityScore - a.priorityScore ||
      RISK_ORDER.indexOf(a.riskLevel) - RISK_ORDER.indexOf(b.riskLevel) ||
      a.name.localeCompare(b.name),
  );
  const top = ranked.slice(0, TOP_ACCOUNTS).map((account) => ({
    ...account,
    actions: account.actions.slice(0, ACTIONS_PER_ACCOUNT),
  }));
  const pendingApprovals = [...input.pendingApprovals].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
  const changed = top.filter((account) => account.changedFields > 0).length;
  const noUpdates =
    pendingApprovals.length === 0 &&
    top.every((account) => account.actions.length === 0 && account.riskLevel === 'none' && account.changedFields === 0);
  return {
    owner,
    date,
    deliverBy: instantAtLocalTime(date, DELIVERY_HOUR, owner.timeZone),
    noUpdates,
    accounts: noUpdates ? [] : top,
    pendingApprovals,
    estimatedReviewMinutes: noUpdates ? 0 : 3 * changed + (top.length - changed),
    totalAccounts: input.accounts.length,
  };
}
