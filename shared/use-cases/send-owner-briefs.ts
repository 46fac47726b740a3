import { instantAtLocalTime, localDateOf } from '../domain/calendar.ts';
import { maskPii } from '../domain/compliance/mask-pii.ts';
import type { Owner } from '../domain/crm.ts';
import type { OwnerBrief } from '../domain/owner-brief.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { NotificationLedger, Notifier, OutboundMessage } from '../ports/notifier.ts';
import {
  approvalUrl,
  expiryText,
  type LinkConfig,
  publicBaseUrl,
  recipientOf,
  sendAudited,
} from './notify-approval.ts';
import { getOwnerBrief, type OwnerBriefDeps } from './owner-brief.ts';

/** DOMAIN-RULES "Owner brief": daily by 06:00 in the owner's time zone. */
export const BRIEF_HOUR = 6;
/** Links to pending approvals in one brief; the dashboard lists the rest. */
const MAX_APPROVAL_LINKS = 10;

export interface OwnerBriefDeliveryDeps extends OwnerBriefDeps {
  notifier: Notifier;
  notificationLedger: NotificationLedger;
  audit: AuditLog;
  config: LinkConfig;
}

export interface OwnerBriefsResult {
  /** Owners whose 06:00 has come today. */
  due: number;
  sent: number;
  /** Already had today's brief. */
  skipped: number;
  /** Not past 06:00 in their time zone yet. */
  waiting: number;
  /** Every channel failed (or the brief could not be built); due again on the next run. */
  failed: number;
}

const line = (text: string) => maskPii(text).replace(/\s+/g, ' ').trim();

/**
 * The brief as a message: the top accounts with their next actions, the pending approvals with their
 * links and expiries, and the review estimate. Account names and actions only, as on the dashboard.
 */
export function ownerBriefMessage(brief: OwnerBrief, config: LinkConfig): OutboundMessage {
  const owner = brief.owner;
  const firstName = owner.name.trim().split(/\s+/)[0] || owner.name;
  const lines = [`Hi ${firstName},`, ''];
  if (brief.noUpdates) {
    lines.push(`No updates: none of your ${brief.totalAccounts} accounts needs attention today.`);
  } else {
    lines.push(
      `About ${brief.estimatedReviewMinutes} min to review · ${brief.accounts.length} of your ${brief.totalAccounts} accounts to look at first:`,
      '',
    );
    brief.accounts.forEach((account, i) => {
      lines.push(`${i + 1}. ${account.name} — risk ${account.riskLevel}, priority ${account.priorityScore}`);
      for (const action of account.actions) lines.push(`   - ${line(action.action)}`);
    });
  }
  if (brief.pendingApprovals.length > 0) {
    lines.push('', `${brief.pendingApprovals.length} approval(s) waiting for you:`);
    for (const approval of brief.pendingApprovals) {
      lines.push(
        `- ${approval.accountName}: ${line(approval.action)} (expires ${expiryText(approval.expiresAt, owner.timeZone)})`,
      );
    }
  }
  const approvals = brief.pendingApprovals.slice(0, MAX_APPROVAL_LINKS);
  return {
    kind: 'owner_brief',
    to: { userId: owner.id, name: owner.name, email: null },
    subject: brief.noUpdates
      ? `Your Sergas brief for ${brief.date}: no updates`
      : `Your Sergas brief for ${brief.date}: ${brief.accounts.length} account(s), ${brief.pendingApprovals.length} approval(s)`,
    text: `${lines.join('\n')}\n`,
    links: [
      { label: 'Open the dashboard', url: `${publicBaseUrl(config)}/` },
      ...approvals.map((approval) => ({
        label: `Review: ${approval.accountName}`,
        url: approvalUrl(config, approval.id),
      })),
    ],
  };
}

/**
 * The hourly brief delivery: every account owner gets today's brief once it is past 06:00 where they
 * are, once a day, "no updates" included.
 * 1. the owners are those of the accounts in the CRM copy
 * 2. an owner whose local 06:00 has come and who has not had today's brief is claimed (once, even with
 *    two schedulers running), then sent the brief
 * 3. a brief no channel took is released, so the next run tries again
 */
export async function sendOwnerBriefs(deps: OwnerBriefDeliveryDeps, now: Date): Promise<OwnerBriefsResult> {
  const ownerIds = [...new Set((await deps.copy.listAccounts()).map((account) => account.ownerId))].sort();
  const result: OwnerBriefsResult = { due: 0, sent: 0, skipped: 0, waiting: 0, failed: 0 };
  for (const ownerId of ownerIds) {
    const owner = await deps.copy.getOwner(ownerId);
    if (!owner) continue;
    let date: string;
    try {
      date = localDateOf(now, owner.timeZone);
      if (now < instantAtLocalTime(date, BRIEF_HOUR, owner.timeZone)) {
        result.waiting += 1;
        continue;
      }
    } catch {
      // An owner with a time zone Intl does not know cannot be scheduled; the others still are.
      result.failed += 1;
      continue;
    }
    result.due += 1;
    if (!(await deps.notificationLedger.claimOwnerBrief(owner.id, date, now))) {
      result.skipped += 1;
      continue;
    }
    if (await deliverBrief(deps, owner, now)) {
      result.sent += 1;
    } else {
      await deps.notificationLedger.releaseOwnerBrief(owner.id, date);
      result.failed += 1;
    }
  }
  return result;
}

async function deliverBrief(deps: OwnerBriefDeliveryDeps, owner: Owner, now: Date): Promise<boolean> {
  let message: OutboundMessage;
  try {
    const brief = await getOwnerBrief(deps, { ownerId: owner.id, now });
    message = { ...ownerBriefMessage(brief, deps.config), to: recipientOf(owner) };
  } catch (error) {
    await deps.audit.record({
      agentId: 'notifier',
      action: 'notification.failed',
      resourceType: 'owner',
      resourceId: owner.id,
      details: { kind: 'owner_brief', error: (error as Error).message },
    });
    return false;
  }
  return sendAudited(deps, message);
}
